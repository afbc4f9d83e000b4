// Rule-level IR: what packages/rules produces and the engine, the SQL compiler and the
// CLI consume. Plain frozen data.
import type { SourceLocation } from '../errors.js';
import type { Node } from './nodes.js';

/** Sigma rule levels, least to most severe. */
export type Level = 'informational' | 'low' | 'medium' | 'high' | 'critical';
/** Every level, least to most severe (the order summaries use). */
export const LEVELS: readonly Level[] = Object.freeze(['informational', 'low', 'medium', 'high', 'critical']);

/** Sigma logsource: which events a rule is about. Custom keys are kept in `extra`. */
export interface Logsource {
  readonly category: string | null;
  readonly product: string | null;
  readonly service: string | null;
  readonly definition: string | null;
}

/** Descriptive attributes shared by detection, correlation and filter rules. */
export interface RuleMeta {
  /**
   * Unique key of the rule in its rule set: the `id` if present, else the `name`, else
   * `file#document`. Correlations and filters refer to rules through it.
   */
  readonly key: string;
  readonly id: string | null;
  readonly name: string | null;
  readonly title: string;
  readonly description: string | null;
  readonly status: string | null;
  readonly level: Level | null;
  readonly author: string | null;
  readonly date: string | null;
  readonly modified: string | null;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly fields: readonly string[];
  readonly origin: SourceLocation;
}

/**
 * A detection rule lowered to IR. `condition` already includes the processing
 * pipeline's logsource conditions and field renames and any filter rules that apply.
 */
export interface DetectionRule extends RuleMeta {
  readonly kind: 'DetectionRule';
  readonly logsource: Logsource;
  readonly condition: Node;
  /**
   * False when the logsource matched no entry of the processing pipeline in use: the
   * rule cannot be routed to events and is reported as unmapped.
   */
  readonly isMapped: boolean;
  /** False when a correlation uses this rule without `generate: true` (Sigma §7.5). */
  readonly shouldAlert: boolean;
}

/** The Sigma correlation types siemlite runs. */
export type CorrelationType =
  | 'event_count'
  | 'value_count'
  | 'temporal'
  | 'temporal_ordered'
  | 'value_sum'
  | 'value_avg'
  | 'value_percentile';

/** Every correlation type, as written in rules. */
export const CORRELATION_TYPES: readonly CorrelationType[] = Object.freeze([
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
]);

/** The comparison of a correlation condition bound. */
export type CorrelationOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

/** One bound of a correlation condition; several bounds are AND-ed (`{gt: 100, lte: 200}`). */
export interface CorrelationBound {
  readonly op: CorrelationOp;
  readonly value: number;
}

/** `aliases:` of a correlation: an alias name and, per referenced rule key, the field. */
export interface CorrelationAlias {
  readonly alias: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** A Sigma correlation rule: a condition on the matches of other rules, per group, within a timespan. */
export interface CorrelationRule extends RuleMeta {
  readonly kind: 'CorrelationRule';
  readonly type: CorrelationType;
  /** Keys of the referenced detection or correlation rules, in the order written. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  readonly condition: readonly CorrelationBound[];
  /** The aggregated field(s) for value_* types, else empty. */
  readonly field: readonly string[];
  /** Percentile for value_percentile (0-100), else null. */
  readonly percentile: number | null;
  readonly aliases: readonly CorrelationAlias[];
  readonly generate: boolean;
  readonly shouldAlert: boolean;
}

/** A filter (meta filter) rule; packages/rules applies it to the rules it names. */
export interface FilterRule extends RuleMeta {
  readonly kind: 'FilterRule';
  readonly logsource: Logsource;
  /** Keys of the rules it applies to, or 'any'. */
  readonly rules: 'any' | readonly string[];
  readonly condition: Node;
}

/** Any rule a Sigma file can hold. */
export type AnyRule = DetectionRule | CorrelationRule | FilterRule;

/** Deep-freezes plain data (IR objects are built from fresh objects, so this is safe). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
