// siemlite ingest / query / alerts / hunt --engine sql / hunt --db: the storage commands end
// to end on the shipped Windows sample, with the bad inputs users meet (a non-DuckDB file, a
// write without --write).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE = join(ROOT, 'rules/samples/windows-sample.jsonl');
useTemporaryRuleCache('storage-commands');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-storage-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const key = (a: Record<string, unknown>): string => `${(a.rule as { title: string }).title}\t${(a.source as { record: number }).record}`;

describe('storage commands', () => {
  const db = join(dir, 'store.duckdb');

  it('ingest stores each event once, even when run twice', async () => {
    const first = await run('ingest', '--db', db, SAMPLE);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/siemlite ingest: [1-9][\d,]* events stored, 0 already stored, 0 bad records/);
    const again = await run('ingest', '--db', db, SAMPLE);
    expect(again.err).toMatch(/siemlite ingest: 0 events stored, [1-9][\d,]* already stored/);
    const q = await run('query', '--db', db, '--format', 'jsonl', 'SELECT count(*) AS n, count(DISTINCT source_record) AS d FROM events');
    const [row] = lines(q.out);
    expect(row?.['n']).toBe(row?.['d']);
  });

  it('ingest reports bad records with file and line, stores the good ones around them', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"A": 1}\n{"A": \n{"A": "two"}\n');
    const bdb = join(dir, 'bad.duckdb');
    const r = await run('ingest', '--db', bdb, bad);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`${bad}:2: bad-json:`);
    expect(r.err).toMatch(/2 events stored, 0 already stored, 1 bad records/);
    const q = await run('query', '--db', bdb, '--format', 'jsonl', 'SELECT source_record, A FROM events ORDER BY 1');
    expect(lines(q.out)).toEqual([
      { source_record: '1', A: '1' },
      { source_record: '3', A: '"two"' },
    ]);
  });

  it('query refuses writes without --write and allows them with it', async () => {
    const refused = await run('query', '--db', db, 'DELETE FROM events');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/read-only.*--write/);
    const count = await run('query', '--db', db, '--format', 'csv', 'SELECT count(*) AS n FROM events');
    expect(count.out).toMatch(/^n\n[1-9]\d*\n$/);
    const done = await run('query', '--db', db, '--write', 'CREATE TABLE notes (x INTEGER)');
    expect(done.code).toBe(0);
  });

  it('hunt --engine sql over the store and over the file give the streaming alerts, correlation alerts included, in the same order', async () => {
    const stream = lines((await run('hunt', '--format', 'jsonl', '--quiet', SAMPLE)).out);
    // Match alerts show the stored (normalized) event: compared by rule and record; correlation alerts whole.
    const same = (a: Record<string, unknown>): string => (a.type === 'correlation' ? JSON.stringify(a) : key(a));
    const overFile = await run('hunt', '--engine', 'sql', '--format', 'jsonl', SAMPLE);
    expect(overFile.code).toBe(0);
    expect(overFile.err).toMatch(/9 alerts;.*\ncorrelations: 3 ran \(1 as SQL, 2 in the streaming correlator over the SQL matches\), 2 alerts\n/);
    expect(overFile.err).toMatch(/streaming correlator: Brute Force Followed by a Successful Logon .*: a chain of correlations/);
    const overStore = await run('hunt', '--engine', 'sql', '--db', db, '--format', 'jsonl', '--quiet');
    expect(overStore.code).toBe(0);
    expect(stream.filter((a) => a.type === 'correlation').length).toBe(2);
    expect(lines(overFile.out).map(same)).toEqual(stream.map(same));
    expect(lines(overStore.out).map(same)).toEqual(stream.map(same));
    // --engine sql --db stores what it printed, correlation alerts included.
    const stored = lines((await run('alerts', '--db', db, '--format', 'jsonl')).out);
    expect(stored.filter((a) => a.type === 'correlation').map((a) => JSON.stringify(a))).toEqual(stream.filter((a) => a.type === 'correlation').map((a) => JSON.stringify(a)));
    const state = await run('hunt', '--engine', 'sql', '--state', join(dir, 'state.json'), SAMPLE);
    expect(state.code).toBe(2);
    expect(state.err).toMatch(/--state needs --engine stream/);
  });

  it('hunt --engine sql --time-field: correlation windows and alert times from that field, as the streaming hunt', async () => {
    // Flat Security events whose @timestamp says nothing useful: only --time-field when gives the bursts.
    const start = Date.UTC(2026, 10, 20, 9, 0, 0);
    const events = [
      ...['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((user, i) => ({ ip: '203.0.113.77', user, at: i * 20 })),
      ...[0, 1, 2, 3, 4].map((i) => ({ ip: '198.51.100.9', user: 'admin', at: 30 + i * 7 })),
    ].map((e, i) => ({ Channel: 'Security', EventID: 4625, IpAddress: e.ip, TargetUserName: e.user, when: new Date(start + e.at * 1000).toISOString(), '@timestamp': new Date(start + i * 3_600_000).toISOString() }));
    events.push({ Channel: 'Security', EventID: 4624, LogonType: 3, IpAddress: '198.51.100.9', TargetUserName: 'admin', when: new Date(start + 120_000).toISOString(), '@timestamp': new Date(start).toISOString() } as never);
    const file = join(dir, 'time-field.jsonl');
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const stream = lines((await run('hunt', '--format', 'jsonl', '--quiet', '--time-field', 'when', file)).out);
    const sql = await run('hunt', '--engine', 'sql', '--format', 'jsonl', '--time-field', 'when', file);
    expect(sql.code).toBe(0);
    expect(stream.filter((a) => a.type === 'correlation').map((a) => (a.rule as { title: string }).title).sort()).toEqual([
      'Brute Force Followed by a Successful Logon',
      'Password Spraying From One Address',
    ]);
    const whole = (a: Record<string, unknown>): string => (a.type === 'correlation' ? JSON.stringify(a) : `${key(a)} ${String(a.timestamp)}`);
    expect(lines(sql.out).map(whole)).toEqual(stream.map(whole));
    const without = lines((await run('hunt', '--format', 'jsonl', '--quiet', file)).out);
    expect(without.filter((a) => a.type === 'correlation')).toEqual([]);
  });

  it('hunt --db stores its alerts once; alerts filters them', async () => {
    const adb = join(dir, 'alerts.duckdb');
    const hunt = await run('hunt', '--db', adb, '--format', 'jsonl', '--quiet', SAMPLE);
    expect(hunt.code).toBe(0);
    await run('hunt', '--db', adb, '--format', 'jsonl', '--quiet', SAMPLE);
    const printed = lines(hunt.out);
    const stored = lines((await run('alerts', '--db', adb, '--format', 'jsonl')).out);
    expect(stored.length).toBe(printed.length);
    const critical = lines((await run('alerts', '--db', adb, '--format', 'jsonl', '--min-level', 'critical')).out);
    expect(critical.length).toBe(printed.filter((a) => (a.rule as { level: string }).level === 'critical').length);
    const none = await run('alerts', '--db', adb, '--since', '2999-01-01');
    expect(none.out).toBe('');
  });

  it('convert prints each rule as DuckDB SQL whose values are all parameters (plain and for a store)', async () => {
    const ruleFile = join(dir, 'hostile.yml');
    writeFileSync(
      ruleFile,
      `title: Hostile values
id: 5b0c4a52-1f9e-4d53-9a57-2f7d1c7f0a11
status: test
logsource: { category: process_creation, product: windows }
detection:
  sel:
    CommandLine|contains: "'; DROP TABLE events; --"
  condition: sel
level: high
`,
    );
    const plain = await run('convert', '--target', 'duckdb', ruleFile);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('-- Hostile values (5b0c4a52-1f9e-4d53-9a57-2f7d1c7f0a11), level high');
    const [sqlText, paramLine] = plain.out.split('\n-- parameters: ');
    expect(sqlText).not.toContain('DROP TABLE');
    expect(JSON.parse(paramLine ?? '')).toContain("%'; DROP TABLE events; --%");
    const overStore = await run('convert', '--target', 'duckdb', '--db', db, ruleFile);
    expect(overStore.code).toBe(0);
    expect(overStore.out).toContain('FROM events');
    const wrong = await run('convert', '--target', 'postgres', ruleFile);
    expect(wrong.code).toBe(2);
  });

  it('convert prints a correlation rule as DuckDB SQL with parameters, or why it runs in the streaming correlator', async () => {
    const ruleFile = join(dir, 'hostile-correlation.yml');
    writeFileSync(
      ruleFile,
      `title: Hostile base
name: "x'); DROP TABLE siemlite_correlation_items; --"
status: test
logsource: { product: windows, service: security }
detection:
  sel: { EventID: 4625 }
  condition: sel
---
title: Hostile correlation
id: 1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d
status: test
correlation:
  type: value_count
  rules: ["x'); DROP TABLE siemlite_correlation_items; --"]
  group-by: ["Ip'Address\\\\"]
  timespan: 10m
  condition: { field: "Target'UserName", gte: 5 }
level: high
`,
    );
    const out = await run('convert', '--target', 'duckdb', ruleFile, join(ROOT, 'rules'));
    expect(out.err).toBe('');
    expect(out.code).toBe(0);
    const block = out.out.split('\n\n').find((b) => b.startsWith('-- Hostile correlation')) ?? '';
    const [sqlText, paramLine] = block.split('\n-- parameters: ');
    expect(sqlText).toMatch(/WITH RECURSIVE/);
    expect(sqlText).not.toContain('DROP TABLE');
    expect(sqlText).not.toContain("Ip'Address");
    const params = JSON.parse(paramLine ?? '') as unknown[];
    expect(params).toContain("x'); DROP TABLE siemlite_correlation_items; --");
    expect(params).toContain("/Ip'Address\\");
    expect(out.out).toMatch(/-- Password Spraying From One Address \(2c7e5a90-[^)]*\), level high, correlation value_count, over siemlite_correlation_items/);
    expect(out.out).toMatch(/-- Brute Force Followed by a Successful Logon .*\n-- not SQL: hunt --engine sql runs it in the streaming correlator: a chain/);
  });

  it('a file that is not a DuckDB database is refused with its name, and left as it was', async () => {
    const notDb = join(dir, 'not.duckdb');
    writeFileSync(notDb, 'this is not a database\n'.repeat(1000));
    for (const args of [['ingest', '--db', notDb, SAMPLE], ['query', '--db', notDb, 'SELECT 1'], ['alerts', '--db', notDb]]) {
      const r = await run(...args);
      expect(r.code).toBe(1);
      expect(r.err).toContain(notDb);
      expect(r.err).toMatch(/not a DuckDB database or damaged/);
    }
  });
});
