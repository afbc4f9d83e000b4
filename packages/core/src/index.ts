// Public surface of @siemlite/core. Named re-exports only (STYLE.md §2.3).
export { SiemliteError, errorRecord, formatLocation } from './errors.js';
export type { ErrorCode, ErrorRecord, Severity, SourceLocation } from './errors.js';

export {
  BooleanValue,
  CidrValue,
  CompareValue,
  FieldRefValue,
  NullValue,
  NumberValue,
  PatternPart,
  RegexValue,
  StringPattern,
  TimePartValue,
} from './ir/values.js';
export type { CompareOp, FieldRefPosition, TimePart, Value, ValueKind } from './ir/values.js';

export { And, Constant, Exists, Keyword, Match, Not, Or } from './ir/nodes.js';
export type { Node, NodeKind } from './ir/nodes.js';

export { mapLeaves, visitNode, walkNodes } from './ir/dispatch.js';
export type { NodeVisitor } from './ir/dispatch.js';

export { CORRELATION_TYPES, LEVELS, deepFreeze } from './ir/rules.js';
export type {
  AnyRule,
  CorrelationAlias,
  CorrelationBound,
  CorrelationOp,
  CorrelationRule,
  CorrelationType,
  DetectionRule,
  FilterRule,
  Level,
  Logsource,
  RuleMeta,
} from './ir/rules.js';
