// `siemlite hunt --engine sql INPUT...` over files DuckDB reads itself (--reader auto, the
// default): the same output and exit codes as the in-memory route (--reader siemlite) and the
// (rule, record) set of the streaming hunt, on the shipped Windows sample (evtx_dump JSON,
// with correlations) and on CloudTrail and auditd from SIEMLITE_SHARED/datasets; hostile
// paths, a broken line, a missing file, Parquet and CSV, and what each reader refuses.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, SHARED_DIR } from '../../../test/support/shared.js';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE = join(ROOT, 'rules/samples/windows-sample.jsonl');
useTemporaryRuleCache('sql-files');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-sql-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** (rule id or title, record) of each alert of a JSON Lines output, sorted. */
function keys(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { rule: { id: string | null; title: string }; source?: { record: number } })
    .map((a) => `${a.rule.id ?? a.rule.title}\t${a.source?.record ?? 'correlation'}`)
    .sort();
}

const parsed = (out: string): unknown[] => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);

describe('hunt --engine sql over files DuckDB reads', () => {
  it('a path with a quote, spaces, unicode and SQL: the in-memory route\'s exact output, the streaming (rule, record) set', async () => {
    const path = join(dir, `it's a "tëst"; DROP TABLE events; --.jsonl`);
    copyFileSync(SAMPLE, path);
    const duckdb = await run('hunt', '--engine', 'sql', '--format', 'jsonl', path);
    const siemlite = await run('hunt', '--engine', 'sql', '--reader', 'siemlite', '--format', 'jsonl', path);
    const stream = await run('hunt', '--format', 'jsonl', path);
    expect([duckdb.code, siemlite.code, stream.code]).toEqual([0, 0, 0]);
    // The same alerts in the same order; an event's keys come in the record's own order (the
    // in-memory store gives them in its column order).
    expect(parsed(duckdb.out)).toEqual(parsed(siemlite.out));
    expect(keys(duckdb.out)).toEqual(keys(stream.out));
    expect(keys(duckdb.out).filter((k) => k.endsWith('\tcorrelation')).length).toBeGreaterThan(0);
    expect(duckdb.err).toMatch(/36 events, 0 bad records, \d+ alerts; elapsed [\d.]+ s; read by DuckDB: 1 file\n/);
  }, 60_000);

  it('a broken line is reported with its record number and skipped; the alerts stay the streaming hunt\'s', async () => {
    const lines = readFileSync(SAMPLE, 'utf8').split('\n');
    const path = join(dir, 'broken.jsonl');
    writeFileSync(path, [...lines.slice(0, 3), '{"EventID": 4688, "Channel": "Security", oops}', ...lines.slice(3)].join('\n'));
    const duckdb = await run('hunt', '--engine', 'sql', '--format', 'jsonl', path);
    const stream = await run('hunt', '--format', 'jsonl', path);
    expect(duckdb.code).toBe(stream.code);
    expect(duckdb.err).toContain(`${path}:0: bad-json: malformed JSON (DuckDB's reader gives no line; --reader siemlite does) (record 4 skipped)\n`);
    expect(stream.err).toContain(`${path}:4: bad-json:`);
    expect(duckdb.err).toContain('36 events, 1 bad records');
    expect(keys(duckdb.out)).toEqual(keys(stream.out));
  }, 60_000);

  it('a missing file is reported as the streaming hunt reports it, with its exit code', async () => {
    const missing = join(dir, 'missing.jsonl');
    const duckdb = await run('hunt', '--engine', 'sql', '--format', 'jsonl', SAMPLE, missing);
    const stream = await run('hunt', '--format', 'jsonl', SAMPLE, missing);
    expect(duckdb.code).toBe(stream.code);
    expect(duckdb.err).toContain(`${missing}:0: io: no such file or directory\n`);
    expect(stream.err).toContain(`${missing}:0: io: no such file or directory\n`);
    expect(keys(duckdb.out)).toEqual(keys(stream.out));
  }, 60_000);

  it('Parquet and CSV made from the sample give the JSON Lines (rule, record) set', async () => {
    // CSV and Parquet hold flat rows: a flat twin of the sample (EventData with the System
    // fields the rules route on), turned into both by DuckDB.
    const flat = join(dir, 'flat.jsonl');
    type Sample = Record<string, unknown> & { Event?: { System: Record<string, unknown>; EventData?: Record<string, unknown> } };
    const events = readFileSync(SAMPLE, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Sample);
    const twin = (e: Sample): Record<string, unknown> => (e.Event === undefined ? e : { ...e.Event.EventData, EventID: e.Event.System['EventID'], Channel: e.Event.System['Channel'], Computer: e.Event.System['Computer'] });
    writeFileSync(flat, events.map((e) => JSON.stringify(twin(e))).join('\n') + '\n');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;
    await db.run(`COPY (SELECT * FROM read_ndjson(${q(flat)})) TO ${q(join(dir, 'flat.parquet'))} (FORMAT parquet)`);
    await db.run(`COPY (SELECT * FROM read_ndjson(${q(flat)})) TO ${q(join(dir, 'flat.csv'))} (HEADER)`);
    db.closeSync();
    const expected = keys((await run('hunt', '--format', 'jsonl', flat)).out).filter((k) => !k.endsWith('\tcorrelation'));
    expect(expected.length).toBeGreaterThan(0);
    for (const file of ['flat.parquet', 'flat.csv']) {
      const r = await run('hunt', '--engine', 'sql', '--format', 'jsonl', join(dir, file));
      expect(r.code).toBe(0);
      expect(keys(r.out).filter((k) => !k.endsWith('\tcorrelation'))).toEqual(expected);
    }
  }, 60_000);

  it('--reader duckdb refuses a file DuckDB does not read; the streaming engine refuses Parquet', async () => {
    const log = join(dir, 'access.log');
    writeFileSync(log, '127.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"\n');
    const refused = await run('hunt', '--engine', 'sql', '--reader', 'duckdb', log);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`siemlite hunt: ${log}: not a file DuckDB reads`);
    const stream = await run('hunt', join(dir, 'x.parquet'));
    expect(stream.code).toBe(2);
    expect(stream.err).toContain("x.parquet: Parquet files are read by --engine sql (DuckDB's reader), not by the streaming engine");
    expect((await run('hunt', '--reader', 'duckdb', SAMPLE)).code).toBe(2);
    expect((await run('hunt', '--engine', 'sql', '--reader', 'fast', SAMPLE)).code).toBe(2);
  }, 60_000);

  it('auto: siemlite\'s readers read what DuckDB does not (a text log), DuckDB the rest, and the summary says which', async () => {
    const log = join(dir, 'sample.log');
    writeFileSync(log, '127.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /index.php?cmd=whoami HTTP/1.1" 200 1 "-" "x"\n');
    const r = await run('hunt', '--engine', 'sql', '--format', 'jsonl', SAMPLE, log);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`37 events, 0 bad records`);
    expect(r.err).toContain(`; read by DuckDB: 1 file, by siemlite's readers (DuckDB has no reader for them): 1 (${log})\n`);
    expect(keys(r.out)).toEqual(keys((await run('hunt', '--format', 'jsonl', SAMPLE, log)).out));
  }, 60_000);
});

const SHARED = hasShared('hunt --engine sql over shared datasets');

describe.runIf(SHARED)('hunt --engine sql over non-Windows files DuckDB reads', () => {
  it('CloudTrail and auditd (by-logsource rule sets): the streaming hunt\'s (rule, file, record) set', async () => {
    const inputs = ['otrf_aws_cloudtrail.jsonl.gz', 'otrf_linux_auditd.jsonl.gz'].map((f) => join(SHARED_DIR, 'datasets', f));
    const rules = ['cloud', 'linux'].flatMap((d) => ['--rules', join(SHARED_DIR, 'sigma', 'rules', d)]);
    const withFile = (out: string): string[] =>
      out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { id: string }; source: { path: string; record: number } }).map((a) => `${a.rule.id}\t${a.source.path}\t${a.source.record}`).sort();
    const sql = await run('hunt', '--engine', 'sql', '--format', 'jsonl', ...rules, ...inputs);
    const stream = await run('hunt', '--format', 'jsonl', ...rules, ...inputs);
    expect([sql.code, stream.code]).toEqual([0, 0]);
    expect(sql.err).toContain('; read by DuckDB: 2 files\n');
    const expected = withFile(stream.out);
    expect(new Set(expected.map((k) => k.split('\t')[1])).size).toBe(2);
    expect(withFile(sql.out)).toEqual(expected);
  }, 240_000);
});
