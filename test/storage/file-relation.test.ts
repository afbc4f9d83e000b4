// The file relation of `hunt --engine sql INPUT...` (storage's FileRelation): DuckDB reads
// the files itself and SQL does what core does to each record before rules see it. Checked
// against core on real data from SIEMLITE_SHARED/datasets: every record's fields
// (normalizeEvent + the Sigma names of its source), isWindowsEvent and the log source.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isWindowsEvent, normalizeEvent, readRecords, SourceRouter, type BadRecord } from '@siemlite/core';
import { FileRelation, FileRelationError } from '@siemlite/storage';
import { hasShared, SHARED_DIR } from '../support/shared.js';

const run = hasShared('file relation vs core normalization test');
const DATA = resolve(SHARED_DIR, 'datasets');
/** Records per dataset compared (each file is cut to its first lines in a temp folder). */
const EVENTS = 3000;
const dir = mkdtempSync(join(tmpdir(), 'siemlite-file-relation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
type Json = Record<string, unknown>;

/** The first `n` records of a dataset, as read by core, and written as JSON Lines to the temp folder. */
async function firstRecords(file: string, n: number): Promise<{ path: string; values: Json[] }> {
  const values: Json[] = [];
  for await (const chunk of readRecords([join(DATA, file)])) {
    for (const r of chunk) if (values.length < n) values.push(r.value);
    if (values.length >= n) break;
  }
  const path = join(dir, basename(file).replace(/\.gz$/, ''));
  writeFileSync(path, values.map((v) => JSON.stringify(v)).join('\n') + '\n');
  return { path, values };
}

/** What the event store keeps of a record (EventStore.add): normalized, Sigma names added, no raw evtx tree. */
function asStored(router: SourceRouter, value: Json): Json {
  const normalized = normalizeEvent(value);
  const event = { ...router.withSigmaFields(normalized, router.route(value)) };
  if (normalized !== value) delete event['Event'];
  return event;
}

/** Top-level nulls are missing fields, in the store as in the file relation. */
const withoutNulls = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
const sorted = (o: Json): string => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

describe.runIf(run)('FileRelation reads records as core does', () => {
  it.each([
    'evtx_attack_samples.jsonl.gz',
    'evtx_to_mitre_attack.jsonl.gz',
    'deepbluecli_evtx.jsonl.gz',
    'evtx_dump_0.12_shape/deepbluecli_evtx.evtx012.jsonl.gz',
    'otrf_aws_cloudtrail.jsonl.gz',
    'otrf_linux_auditd.jsonl.gz',
    'elastic_examples_apache_access.jsonl.gz',
    'otrf_security_datasets_windows.jsonl.gz',
  ])('%s: fields, Windows routing and log source of every record', async (file) => {
    const { path, values } = await firstRecords(file, EVENTS);
    const files = await FileRelation.open([path]);
    try {
      const rows = (await files.connection.runAndReadAll(`SELECT source_path, source_record, to_json(e)::VARCHAR, is_windows, source_route FROM events e ORDER BY source_record`)).getRows();
      // Column -> field (the typed columns the compiled rules read).
      const fieldOf = new Map([...files.shape().columns].map(([field, c]) => [c.sql.slice(1, -1).replaceAll('""', '"'), field]));
      expect(rows.length).toBe(values.length);
      const router = new SourceRouter();
      const differences: string[] = [];
      rows.forEach(([p, record, json, windows, route], i) => {
        const value = values[i] as Json;
        expect([p, Number(record)]).toEqual([path, i + 1]);
        const expected = withoutNulls(asStored(router, value));
        const row = JSON.parse(String(json)) as Json;
        const got = withoutNulls(Object.fromEntries(Object.entries(row).filter(([k]) => fieldOf.has(k)).map(([k, v]) => [fieldOf.get(k) as string, v])));
        if (sorted(got) !== sorted(expected)) differences.push(`record ${i + 1}: ${sorted(got).slice(0, 300)}\n  core: ${sorted(expected).slice(0, 300)}`);
        expect(windows).toBe(isWindowsEvent(value));
        if (windows !== true) expect(route === null ? undefined : files.routes.get(Number(route))).toEqual(router.logsource(router.route(value)));
      });
      expect(differences.slice(0, 5)).toEqual([]);
    } finally {
      files.close();
    }
  }, 120_000);

});

describe('FileRelation input handling', () => {
  it('a malformed line and a record that is not an object are reported by record, the rest is read', async () => {
    const path = join(dir, 'broken.jsonl');
    writeFileSync(path, '{"EventID": 1, "Channel": "x"}\n\n{"EventID": 2, "Channel": "x", oops}\n[1, 2]\n{"EventID": 4, "Channel": "x"}\n');
    const bad: BadRecord[] = [];
    const files = await FileRelation.open([path], { onBadRecord: (b) => bad.push(b) });
    try {
      expect(bad.map((b) => [b.path, b.record, b.code])).toEqual([
        [path, 2, 'bad-json'],
        [path, 3, 'not-object'],
      ]);
      const rows = (await files.connection.runAndReadAll(`SELECT source_record, "EventID" FROM events ORDER BY 1`)).getRows();
      expect(rows.map(([r, id]) => [Number(r), String(id)])).toEqual([
        [1, '1'],
        [4, '4'],
      ]);
    } finally {
      files.close();
    }
  });

  it('paths reach DuckDB as parameters: quotes, spaces, unicode and SQL in a file name', async () => {
    const path = join(dir, `it's a "tëst"; DROP TABLE events; --.jsonl`);
    writeFileSync(path, '{"EventID": 1, "Channel": "Security"}\n');
    const files = await FileRelation.open([path]);
    try {
      const rows = (await files.connection.runAndReadAll(`SELECT source_path, source_record FROM events`)).getRows();
      expect(rows.map(([p, r]) => [p, Number(r)])).toEqual([[path, 1]]);
    } finally {
      files.close();
    }
  });

  it('--reader duckdb refuses an input DuckDB does not read, naming it', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, '127.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"\n');
    const error = await FileRelation.open([path], { reader: 'duckdb' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileRelationError);
    expect((error as FileRelationError).path).toBe(path);
  });
});
