// The alert record: one object per match, in the shape `siemlite hunt` prints as JSON
// Lines, serialized with a schema-compiled stringifier (fast-json-stringify).
import fastJson from 'fast-json-stringify';
import type { DetectionRule } from '../ir/rules.js';

export interface AlertRule {
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

/** The `rule` part of an alert, built once per rule and shared by its alerts. */
export function alertRuleOf(rule: DetectionRule): AlertRule {
  return Object.freeze({ id: rule.id, title: rule.title, level: rule.level, tags: rule.tags });
}

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
    source: {
      type: 'object',
      properties: { path: { type: 'string' }, record: { type: 'integer' } },
      required: ['path', 'record'],
    },
    timestamp: { type: ['string', 'null'] },
    event: { type: 'object', additionalProperties: true },
  },
  required: ['type', 'rule', 'source', 'timestamp', 'event'],
} as const;

/** Compiles the alert serializer (once per process); returns one JSON line without newline. */
export function createAlertSerializer(): (alert: Alert) => string {
  return fastJson(ALERT_SCHEMA) as (alert: Alert) => string;
}
