// Shared pieces of the pool tests: IR rules built with core's factories (core tests can't
// load Sigma: core imports no workspace package), the single-thread reference (readRecords
// + Engine, routed like `siemlite hunt --pipeline auto`), and alerts as comparable lines.
import { expect } from 'vitest';
import { createAlertSerializer, type Alert } from '../../src/alert/alert.js';
import { createEngine } from '../../src/engine/engine.js';
import { isWindowsEvent } from '../../src/event/is-windows-event.js';
import { And, Constant, Exists, Keyword, Match, Not, Or, type Node } from '../../src/ir/nodes.js';
import { deepFreeze, type DetectionRule, type Level } from '../../src/ir/rules.js';
import { NumberValue, PatternPart, RegexValue, StringPattern } from '../../src/ir/values.js';
import { readRecords, type BadRecord, type SourceRecord } from '../../src/io/read-records.js';
import type { DetectorRuleSet } from '../../src/pool/detector-pool.js';

export function rule(title: string, condition: Node, options: { level?: Level; shouldAlert?: boolean } = {}): DetectionRule {
  return deepFreeze({
    kind: 'DetectionRule',
    key: title,
    id: `id-${title.toLowerCase().replace(/\W+/g, '-')}`,
    name: null,
    title,
    description: null,
    status: null,
    level: options.level ?? 'medium',
    author: null,
    date: null,
    modified: null,
    tags: ['attack.test'],
    references: [],
    falsepositives: [],
    fields: [],
    origin: { file: 'test.yml', line: 1, column: 1 },
    logsource: { category: null, product: null, service: null, definition: null },
    condition,
    isMapped: true,
    shouldAlert: options.shouldAlert ?? true,
  });
}

const contains = (text: string): StringPattern => StringPattern.create([PatternPart.anyChars, PatternPart.literal(text), PatternPart.anyChars], false);
const endsWith = (text: string): StringPattern => StringPattern.create([PatternPart.anyChars, PatternPart.literal(text)], false);

/** A rule matching every event: the reader's output, record by record, as alerts. */
export const EVERY_EVENT = rule('every event', Constant.create(true), { level: 'informational' });

/** Rules over normalized Windows fields, several shapes of condition, and one that doesn't alert. */
export const WINDOWS_RULES: readonly DetectionRule[] = [
  rule('process creation', Or.create([Match.create('EventID', NumberValue.create(1)), Match.create('EventID', NumberValue.create(4688))])),
  rule('cmd child', And.create([Match.create('EventID', NumberValue.create(1)), Match.create('Image', endsWith('\\cmd.exe'))]), { level: 'high' }),
  rule('powershell command line', Match.create('CommandLine', contains('powershell'))),
  rule('security logon', And.create([Match.create('Channel', StringPattern.literal('Security')), Match.create('EventID', NumberValue.create(4624))]), { level: 'low' }),
  rule('has parent', And.create([Exists.create('ParentImage'), Not.create(Match.create('ParentImage', endsWith('\\explorer.exe')))])),
  rule('mimikatz keyword', Keyword.create(contains('mimikatz')), { level: 'critical' }),
  rule('regex on service', Match.create('ServiceName', RegexValue.create('^[a-z]{4,}$', 'i'))),
  rule('silenced', Match.create('EventID', NumberValue.create(4688)), { shouldAlert: false }),
];

/** Rules for the flat, non-Windows events (CloudTrail). */
export const OTHER_RULES: readonly DetectionRule[] = [
  rule('console login', Match.create('eventName', StringPattern.literal('ConsoleLogin'))),
  rule('iam call', Match.create('eventSource', contains('iam.'))),
  rule('any event id', Exists.create('EventID')),
];

export interface Reference {
  readonly alerts: Alert[];
  readonly bad: BadRecord[];
  readonly events: number;
  readonly records: SourceRecord[];
}

/**
 * What the single-thread path gives: readRecords, then per chunk each rule set's Engine on
 * the events routed to it, alerts put in input order (stable, so per event set order then
 * rule order) as `siemlite hunt` does.
 */
export async function reference(
  inputs: readonly string[],
  ruleSets: readonly DetectorRuleSet[],
  options: { readonly maxRecordBytes?: number } = {},
): Promise<Reference> {
  const engines = ruleSets.map((s) => ({ engine: createEngine({ rules: s.rules }), events: s.events ?? 'all' }));
  const alerts: Alert[] = [];
  const bad: BadRecord[] = [];
  const records: SourceRecord[] = [];
  let events = 0;
  for await (const chunk of readRecords(inputs, { ...options, chunkRecords: 2048, onBadRecord: (b) => bad.push(b) })) {
    events += chunk.length;
    records.push(...chunk);
    const position = new Map(chunk.map((r, i) => [r.value, i]));
    const chunkAlerts: Alert[] = [];
    for (const { engine, events: route } of engines) {
      const routed = chunk.filter((r) => route === 'all' || (route === 'windows') === isWindowsEvent(r.value));
      if (routed.length > 0) chunkAlerts.push(...engine.evaluate(routed));
    }
    chunkAlerts.sort((a, b) => (position.get(a.event) as number) - (position.get(b.event) as number));
    alerts.push(...chunkAlerts);
  }
  return { alerts, bad, events, records };
}

const serialize = createAlertSerializer();

/** Alerts as their JSON Lines text: rule, source, timestamp and event, compared as strings. */
export function alertLines(alerts: readonly Alert[]): string[] {
  return alerts.map(serialize);
}

/** Same lines in the same order; on a difference, shows the first one rather than a huge diff. */
export function expectSameLines(actual: readonly string[], expected: readonly string[]): void {
  const n = Math.min(actual.length, expected.length);
  let i = 0;
  while (i < n && actual[i] === expected[i]) i++;
  expect(i < n ? { at: i, actual: actual[i] } : null).toEqual(i < n ? { at: i, actual: expected[i] } : null);
  expect(actual.length).toBe(expected.length);
}
