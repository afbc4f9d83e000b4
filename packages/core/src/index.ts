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

export { CellKind, EventBatch, KEYWORD_COLUMN, scalarText } from './batch/event-batch.js';
export type { FieldColumn } from './batch/event-batch.js';
export { BatchBuilder } from './batch/batch-builder.js';
export type { BatchBuilderOptions } from './batch/batch-builder.js';
export { compileRuleSet, LeafKind } from './compile/compile-rule-set.js';
export type { CompilableRule, PlanLeaf, PlanNode, RuleSetPlan } from './compile/compile-rule-set.js';
export { parseIp } from './compile/ip.js';
export type { IpAddress } from './compile/ip.js';
export { evaluateBatch } from './eval/evaluate-batch.js';
export type { BatchMatches } from './eval/evaluate-batch.js';
export { alertRuleOf, createAlertSerializer } from './alert/alert.js';
export type { Alert, AlertRule, CorrelationAlert, EngineAlert } from './alert/alert.js';
export { AlertAssembler } from './detect/alert-assembler.js';
export type { CorrelationMatch, CorrelationStage, FieldNameMapper } from './detect/alert-assembler.js';
export { RoutedEvaluator } from './detect/routed-evaluator.js';
export { CHANNEL_FIELD, EVENT_ID_FIELD, keysOfRule, keysStandIn, recordRuleKeys, ruleKeysOf } from './detect/key-routing.js';
export type { RuleKeys } from './detect/key-routing.js';
export type { EvaluatorRuleSet } from './detect/routed-evaluator.js';
export { createEngine, detect, Engine } from './engine/engine.js';
export type { EngineOptions, EngineRecord } from './engine/engine.js';

export { isEvtxEvent, normalizeEvent } from './event/normalize-event.js';
export { compileFieldPath, compileFirstPresent, lookupField } from './event/lookup-field.js';
export type { FieldAccessor } from './event/lookup-field.js';
export { eventTimestamp } from './event/event-time.js';

export { readRecords, STDIN_PATH } from './io/read-records.js';
export type { BadRecord, BadRecordCode, InputFormat, ReadOptions, SourceRecord } from './io/read-records.js';
export { expandInputs, STDIN_INPUT } from './io/expand-inputs.js';
export type { ExpandedInputs } from './io/expand-inputs.js';

export { isWindowsEvent } from './event/is-windows-event.js';
export { logsourceFits, parseSourceSpec, ROUTE_UNKNOWN, ROUTE_WINDOWS, SourceRouter } from './source/source-router.js';
export type { RuleLogsource, SourceOptions } from './source/source-router.js';
export { SHIPPED_RECOGNIZERS } from './source/recognizers.js';
export type { ServiceFromField, SourceLogsource, SourceRecognizer } from './source/recognizers.js';
export { readRawRecords } from './io/read-raw-records.js';
export type { EvtxChunks, RawChunk, RawReadOptions, RawRecordStream } from './io/read-raw-records.js';
export { createDetectorPool, DetectorPool } from './pool/detector-pool.js';
export type { ChunkDetections, DetectorPoolOptions, DetectorRuleSet } from './pool/detector-pool.js';
export { decodeBatch, encodeBatch } from './pool/wire.js';
export type { EventRoute } from './pool/wire.js';

export { CHUNK_SIZE, EVTX_MAGIC, decodeChunk, isEvtxMagic, readEvtx, readEvtxChunks } from './io/evtx/index.js';
export type { ChunkResult, EvtxDamage, EvtxItem, EvtxRecord } from './io/evtx/index.js';

export {
  boundedValues,
  Correlator,
  CorrelatorStateError,
  DEFAULT_MAX_GROUPS,
  DEFAULT_MAX_ENTRIES_PER_GROUP,
  DEFAULT_MAX_LATENESS_MS,
  DEFAULT_MAX_MATCHES_PER_ALERT,
} from './correlate/correlator.js';
export type { CorrelationStats, CorrelatorOptions, CorrelatorState } from './correlate/correlator.js';
export { percentileOf } from './correlate/aggregates.js';
export { MAX_LINE_CHARS } from './io/formats/line-result.js';
export type { LineRecord, LineResult } from './io/formats/line-result.js';
export { parseAccessLogLine } from './io/formats/access-log.js';
export { parseAuditdLine } from './io/formats/auditd.js';
export { parseSyslogLine } from './io/formats/syslog.js';
export { parseCefLine } from './io/formats/cef.js';
export { detectTextFormat, INPUT_FORMATS, isHeaderFormat, isInputFormat, LineFailure, lineParser, parseTextLine, TEXT_FORMATS } from './io/formats/text-formats.js';
export type { LineParser, TextFormat } from './io/formats/text-formats.js';
export { HeaderLineFailure, HeaderReader, headerLineParser } from './io/formats/header-formats.js';
export type { HeaderFormat, HeaderLineResult, TextHeader } from './io/formats/header-formats.js';
export { describeValue, explain, explainNode } from './explain/explain.js';
export type { ExplainGroup, ExplainOptions, SelectionLocation, SelectionVerdict, ExplainLeaf, ExplainNode, ExplainStatus, Explanation } from './explain/explain.js';
export { alertId } from './sinks/alert-id.js';
export { createSinkSerializer } from './sinks/alert-sink.js';
export type { AlertSink } from './sinks/alert-sink.js';
export { createFileSink, FILE_SINK_DEFAULTS } from './sinks/file-sink.js';
export type { FileSinkOptions } from './sinks/file-sink.js';
export { createWebhookSink, WEBHOOK_SINK_DEFAULTS } from './sinks/webhook-sink.js';
export type { WebhookSink, WebhookSinkOptions, WebhookSinkStats } from './sinks/webhook-sink.js';
export { createSyslogSink, formatSyslog } from './sinks/syslog-sink.js';
export type { SyslogSinkOptions } from './sinks/syslog-sink.js';
export { createSinkFromSpec } from './sinks/sink-spec.js';
export type { SinkSpecOptions } from './sinks/sink-spec.js';
export { DetectionMetrics, LagHistogram, LAG_QUANTILES } from './metrics/detection-metrics.js';
export { PACKAGED_DATA_DIR, shippedDataPath } from './package/shipped-data.js';
export { followRawRecords } from './io/follow-records.js';
export type { FollowOptions } from './io/follow-records.js';
export { DEFAULT_FLUSH_INTERVAL_MS } from './io/flush-timer.js';
