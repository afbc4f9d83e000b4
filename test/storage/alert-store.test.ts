// The alert store: match and correlation alerts de-duplicated by core's alertId, kept
// across reopen, and queried by time, rule, level and host.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertId, type Alert, type CorrelationAlert, type EngineAlert } from '@siemlite/core';
import { AlertStore } from '@siemlite/storage';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'siemlite-alerts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const match = (record: number, level: string | null, time: string | null, host: string, id: string | null = 'r-1'): Alert => ({
  type: 'match',
  rule: { key: id ?? 'Title only', id, title: id === null ? 'Title only' : `Rule ${id}`, level, tags: ['attack.t1059'] },
  source: { path: 'logs/a.jsonl', record },
  timestamp: time,
  event: { Event: { System: { Computer: host, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'x' } } },
});

const correlation: CorrelationAlert = {
  type: 'correlation',
  rule: { key: 'c-1', id: 'c-1', name: 'many', title: 'Many logons', level: 'critical', correlation_type: 'event_count' },
  group: { Computer: 'DC01' },
  value: 12,
  window: { start: '2024-01-02T00:00:00.000Z', end: '2024-01-02T00:04:00.000Z' },
  timestamp: '2024-01-02T00:04:00.000Z',
  matches: [{ rule_id: 'r-1', source: { path: 'logs/a.jsonl', record: 1 } }],
  matches_total: 12,
};

const ALERTS: EngineAlert[] = [
  match(1, 'high', '2024-01-01T10:00:00.000Z', 'WS1'),
  match(2, 'low', '2024-01-03T10:00:00.000Z', 'WS2', 'r-2'),
  match(3, null, null, 'WS1', null),
  correlation,
];

describe('AlertStore', () => {
  it('stores match and correlation alerts once per alert id, across reopen', async () => {
    const path = join(dir, 'alerts.duckdb');
    let store = await AlertStore.open(path);
    expect(await store.add(ALERTS)).toBe(4);
    expect(await store.add([ALERTS[0] as EngineAlert, ALERTS[0] as EngineAlert])).toBe(0);
    store.close();
    store = await AlertStore.open(path);
    expect(await store.add(ALERTS)).toBe(0);
    const all = await store.query();
    expect(all.map(alertId).sort()).toEqual(ALERTS.map(alertId).sort());
    expect(all.find((a) => a.type === 'correlation')).toEqual(correlation);
    const ids = (await store.connection.runAndReadAll(`SELECT id, host, rule_id, level_rank FROM alerts ORDER BY id`)).getRowObjectsJson();
    expect(ids).toContainEqual({ id: alertId(correlation), host: 'DC01', rule_id: 'c-1', level_rank: 4 });
    store.close();
  });

  it('queries by time, rule, minimum level and host', async () => {
    const store = await AlertStore.open(':memory:');
    await store.add(ALERTS);
    const records = (as: EngineAlert[]): (number | string)[] => as.map((a) => (a.type === 'match' ? a.source.record : a.rule.title));
    expect(records(await store.query({ since: '2024-01-02T00:00:00Z' }))).toEqual(['Many logons', 2]);
    expect(records(await store.query({ rule: 'r-2' }))).toEqual([2]);
    expect(records(await store.query({ rule: 'Title only' }))).toEqual([3]);
    expect(records(await store.query({ minLevel: 'high' }))).toEqual([1, 'Many logons']);
    expect(records(await store.query({ host: 'WS1' }))).toEqual([1, 3]);
    expect(records(await store.query({ host: "WS1' OR 1=1 --" }))).toEqual([]);
    store.close();
  });
});
