// The alert records: one object per match, and one per correlation that fired, in the
// shapes `siemlite hunt` prints as JSON Lines, serialized with schema-compiled stringifiers
// (fast-json-stringify, loaded on first use).
import { fastJson } from '../lazy/lazy-modules.js';
import type { CorrelationType, DetectionRule } from '../ir/rules.js';

/** The rule part of an alert: what is printed about the rule that matched. */
export interface AlertRule {
  /** The rule's key in its rule set (id, else name, else file#document): not printed. */
  readonly key: string;
  readonly id: string | null;
  readonly title: string;
  readonly level: string | null;
  readonly tags: readonly string[];
}

/** One rule matching one event. */
export interface Alert {
  readonly type: 'match';
  readonly rule: AlertRule;
  /** Where the event came from: the input file as given or found, and its 1-based record number. */
  readonly source: { readonly path: string; readonly record: number };
  /** Event time as ISO-8601, or null when the event carries none we understand. */
  readonly timestamp: string | null;
  /** The event as read (before normalization). */
  readonly event: Record<string, unknown>;
}

/** A correlation rule that fired for one group (see docs/correlation.md for when). */
export interface CorrelationAlert {
  readonly type: 'correlation';
  readonly rule: {
    readonly key: string;
    readonly id: string | null;
    readonly name: string | null;
    readonly title: string;
    readonly level: string | null;
    readonly correlation_type: CorrelationType;
  };
  /** Group-by name -> value; {} without group-by. */
  readonly group: Readonly<Record<string, unknown>>;
  /** The aggregate the condition held for: count, distinct count, sum, average, percentile, or distinct rules (temporal). */
  readonly value: number;
  /** Event times of the first and last match counted, ISO-8601 UTC. */
  readonly window: { readonly start: string; readonly end: string };
  /** The window's end. */
  readonly timestamp: string;
  /** The matches counted, at most a few (see matches_total). */
  readonly matches: readonly { readonly rule_id: string; readonly source: { readonly path: string; readonly record: number } }[];
  readonly matches_total: number;
}

/** What an engine or detector gives out: match alerts and correlation alerts, in one stream. */
export type EngineAlert = Alert | CorrelationAlert;

/** The `rule` part of an alert, built once per rule and shared by its alerts. */
export function alertRuleOf(rule: DetectionRule): AlertRule {
  return Object.freeze({ key: rule.key, id: rule.id, title: rule.title, level: rule.level, tags: rule.tags });
}

const SOURCE_SCHEMA = {
  type: 'object',
  properties: { path: { type: 'string' }, record: { type: 'integer' } },
  required: ['path', 'record'],
} as const;

const ALERT_SCHEMA = {
  title: 'siemlite alert',
  type: 'object',
  properties: {
    type: { type: 'string' },
    rule: {
      type: 'object',
      properties: {
        id: { type: ['string', 'null'] },
        title: { type: 'string' },
        level: { type: ['string', 'null'] },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['id', 'title', 'level', 'tags'],
    },
    source: SOURCE_SCHEMA,
    timestamp: { type: ['string', 'null'] },
    event: { type: 'object', additionalProperties: true },
  },
  required: ['type', 'rule', 'source', 'timestamp', 'event'],
} as const;

const CORRELATION_ALERT_SCHEMA = {
  title: 'siemlite correlation alert',
  type: 'object',
  properties: {
    type: { type: 'string' },
    rule: {
      type: 'object',
      properties: {
        id: { type: ['string', 'null'] },
        name: { type: ['string', 'null'] },
        title: { type: 'string' },
        level: { type: ['string', 'null'] },
        correlation_type: { type: 'string' },
      },
      required: ['id', 'name', 'title', 'level', 'correlation_type'],
    },
    group: { type: 'object', additionalProperties: true },
    value: { type: 'number' },
    window: {
      type: 'object',
      properties: { start: { type: 'string' }, end: { type: 'string' } },
      required: ['start', 'end'],
    },
    timestamp: { type: 'string' },
    matches: {
      type: 'array',
      items: { type: 'object', properties: { rule_id: { type: 'string' }, source: SOURCE_SCHEMA }, required: ['rule_id', 'source'] },
    },
    matches_total: { type: 'integer' },
  },
  required: ['type', 'rule', 'group', 'value', 'window', 'timestamp', 'matches', 'matches_total'],
} as const;

/**
 * Compiles the alert serializers (once per process); returns one JSON line without newline,
 * for match and correlation alerts alike.
 */
export function createAlertSerializer(): (alert: EngineAlert) => string {
  // Compiled at the first alert of each type: a run without alerts never loads the compiler.
  let match: ((alert: Alert) => string) | null = null;
  let correlation: ((alert: CorrelationAlert) => string) | null = null;
  return (alert) => {
    if (alert.type === 'match') return (match ??= fastJson()(ALERT_SCHEMA) as (alert: Alert) => string)(alert);
    return (correlation ??= fastJson()(CORRELATION_ALERT_SCHEMA) as (alert: CorrelationAlert) => string)(alert);
  };
}
