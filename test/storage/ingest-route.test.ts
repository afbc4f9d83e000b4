// Ingest routes (packages/storage/src/store/ingest-route.ts): every built-in route stores the
// same rows for awkward field names and values, across a type change and a new column; the
// jsonl route's temporary files never outlive a batch (also when it fails) and folders left
// by killed processes are removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '@siemlite/core';
import { EventStore, StoreError, type IngestRouteName } from '@siemlite/storage';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'siemlite-route-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rec = (path: string, record: number, value: Record<string, unknown>): SourceRecord => ({ path, record, value });
const ROUTES: readonly IngestRouteName[] = ['appender', 'jsonl'];

const LONG_NAME = `Field${'x'.repeat(150)}`;
const first: SourceRecord[] = [
  rec('a "quoted" path\\x.jsonl', 1, {
    Image: 'C:\\Windows\\cmd.exe',
    image: 'lower-case twin',
    source_path: 'a field named like a reserved column',
    SOURCE_RECORD: 7,
    'it\'s "odd"\\name': 'quotes and backslash in a name',
    'tab\there': 'control character in a name',
    [LONG_NAME]: 'long name',
    Ünïcødé: 'naïve ☃ 𝄞',
    Text: 'line\nbreak, "quotes", back\\slash, nul\u0000byte, comma; -- comment',
    Empty: '',
    Big: 2 ** 53 - 1,
    Neg: -42,
    Ratio: 0.1,
    Flag: false,
    Tags: ['a', 'b,c', ''],
    Mixed: [1, 'x', null],
    Nested: { k: [1, { z: null }], s: 'v' },
    Gone: null,
    Port: 443,
    '@timestamp': '2024-03-01T10:00:00.123Z',
  }),
  rec('a "quoted" path\\x.jsonl', 2, {}),
  rec('b.jsonl', 1, { EventID: 4688, Channel: 'Security', Port: 80, 'Event.System.Computer': 'flat-dotted' }),
];
const second: SourceRecord[] = [
  rec('b.jsonl', 2, { Port: 'http', Late: true, image: 'again', Image: 'again too' }),
  rec('b.jsonl', 3, { Port: 8080.5, Ratio: 3 }),
];

async function ingest(route: IngestRouteName): Promise<{ columns: unknown[]; rows: unknown[]; fields: unknown[] }> {
  const store = await EventStore.open(join(dir, `${route}.duckdb`), { route, tempDir: join(dir, 'tmp') });
  try {
    await store.add(first);
    await store.flush();
    await store.add(second);
    await store.flush();
    const columns = (await store.connection.runAndReadAll(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position`)).getRowObjectsJson();
    const rows = (await store.connection.runAndReadAll(`SELECT * FROM events ORDER BY source_path, source_record`)).getRowObjectsJson();
    const fields = [...store.fields.values()];
    return { columns, rows, fields };
  } finally {
    store.close();
  }
}

describe('ingest routes', () => {
  it('appender and jsonl store the same rows for awkward names and values, across a new column and a type change', async () => {
    const [appender, jsonl] = await Promise.all(ROUTES.map(ingest));
    expect(jsonl).toEqual(appender);
    const row = (jsonl.rows as Record<string, unknown>[]).find((r) => r['source_record'] === '1' && r['source_path'] !== 'b.jsonl') as Record<string, unknown>;
    const column = (field: string): string => ((jsonl.fields as { field: string; column: string }[]).find((f) => f.field === field) as { column: string }).column;
    expect(row['source_path']).toBe('a "quoted" path\\x.jsonl');
    expect(row['event_time']).toBe('2024-03-01 10:00:00.123');
    expect(row['Image']).toBe('C:\\Windows\\cmd.exe');
    expect(row[column('image')]).toBe('lower-case twin');
    expect(column('source_path')).not.toBe('source_path');
    expect(row[column('source_path')]).toBe('a field named like a reserved column');
    expect(row[column('SOURCE_RECORD')]).toBe('7');
    expect(row['it\'s "odd"\\name']).toBe('quotes and backslash in a name');
    expect(row[column('tab\there')]).toBe('control character in a name');
    expect(row[column(LONG_NAME)]).toBe('long name');
    expect(row['Ünïcødé']).toBe('naïve ☃ 𝄞');
    expect(row['Text']).toBe('line\nbreak, "quotes", back\\slash, nul\u0000byte, comma; -- comment');
    expect(row['Empty']).toBe('');
    expect(row['Big']).toBe(String(2 ** 53 - 1));
    expect(row['Ratio']).toBe(0.1);
    expect(row['Flag']).toBe(false);
    expect(row['Tags']).toEqual(['a', 'b,c', '']);
    expect(JSON.parse(row['Mixed'] as string)).toEqual([1, 'x', null]);
    expect(JSON.parse(row['Nested'] as string)).toEqual({ k: [1, { z: null }], s: 'v' });
    expect(row['Gone']).toBeUndefined(); // a field only ever null gets no column
    // Port: number, then string, then non-whole: widened to JSON, each value with its type.
    const ports = (jsonl.rows as Record<string, unknown>[]).filter((r) => r['Port'] !== null).map((r) => r['Port']);
    expect(ports).toEqual(['443', '80', '"http"', '8080.5']);
  });

  it('an event larger than read_json\'s default 16 MB line limit is stored whole', async () => {
    const big = 'A'.repeat(17 * 1024 * 1024);
    const store = await EventStore.open(':memory:', { route: 'jsonl', tempDir: join(dir, 'tmp') });
    try {
      await store.add([rec('big', 1, { CommandLine: big, EventID: 1 })]);
      await store.flush();
      const r = (await store.connection.runAndReadAll(`SELECT length(CommandLine) AS n, EventID FROM events`)).getRowObjectsJson();
      expect(r).toEqual([{ n: String(big.length), EventID: '1' }]);
    } finally {
      store.close();
    }
  });

  it('jsonl removes each batch file, also when the batch fails, and its folder on close', async () => {
    const temp = join(dir, 'tmp');
    const store = await EventStore.open(join(dir, 'f.duckdb'), { route: 'jsonl', tempDir: temp });
    await store.add([rec('f', 1, { A: 'x' })]);
    await store.flush();
    const [folder] = readdirSync(temp);
    expect(folder).toMatch(new RegExp(`^siemlite-ingest-${process.pid}-`));
    expect(readdirSync(join(temp, folder as string))).toEqual([]);
    // The INSERT fails (the table is gone): nothing stored, no file left.
    await store.connection.run('ALTER TABLE events RENAME TO events_elsewhere');
    await store.add([rec('f', 2, { A: 'y' })]);
    await expect(store.flush()).rejects.toBeInstanceOf(StoreError);
    expect(readdirSync(join(temp, folder as string))).toEqual([]);
    store.close();
    expect(readdirSync(temp)).toEqual([]);
  });

  it.each(ROUTES)('%s: a batch that fails is reported with DuckDB\'s cause and stores nothing', async (route) => {
    const store = await EventStore.open(join(dir, `${route}-fail.duckdb`), { route, tempDir: join(dir, 'tmp') });
    try {
      await store.add([rec('f', 1, { A: 'x' })]);
      await store.flush();
      await store.connection.run('ALTER TABLE events RENAME TO events_elsewhere');
      await store.add([rec('f', 2, { A: 'y' })]);
      const failure = await store.flush().then(() => null, (e: unknown) => e);
      expect(failure).toBeInstanceOf(StoreError);
      expect((failure as Error).message).toMatch(/batch of 1 events not stored: .*events/);
      expect((failure as Error).message).not.toMatch(/aborted/i);
      const n = (await store.connection.runAndReadAll(`SELECT count(*) AS n FROM events_elsewhere`)).getRowObjectsJson();
      expect(n).toEqual([{ n: '1' }]);
    } finally {
      store.close();
    }
  });

  it('jsonl: an unusable temporary folder fails the batch with an error naming it; nothing is stored, and a later batch goes through', async () => {
    const notAFolder = join(dir, 'a-file');
    writeFileSync(notAFolder, 'x');
    const store = await EventStore.open(join(dir, 't.duckdb'), { route: 'jsonl', tempDir: notAFolder });
    await store.add([rec('t', 1, { A: 1 })]);
    const failure = await store.flush().then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as Error).message).toContain(notAFolder);
    expect((failure as Error).message).toContain('batch of 1 events not stored');
    store.close();
    const retry = await EventStore.open(join(dir, 't.duckdb'), { route: 'jsonl', tempDir: join(dir, 'tmp') });
    await retry.add([rec('t', 1, { A: 1 })]);
    await retry.flush();
    expect(retry.counts).toEqual({ added: 1, skipped: 0 });
    retry.close();
  });

  it('jsonl removes the temporary folders of processes that are gone, not of live ones', async () => {
    const temp = join(dir, 'tmp');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const stale = join(temp, `siemlite-ingest-${gone}-AbC123`);
    const live = join(temp, `siemlite-ingest-1-XyZ789`);
    const other = join(temp, 'not-ours');
    for (const d of [stale, live, other]) mkdirSync(d, { recursive: true });
    const store = await EventStore.open(':memory:', { route: 'jsonl', tempDir: temp });
    await store.add([rec('s', 1, { A: 1 })]);
    await store.flush();
    store.close();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });
});
