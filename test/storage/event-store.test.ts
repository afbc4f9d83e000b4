// The event store: typed columns that grow with new fields, a field that changes type,
// idempotent re-ingest, retention, and the SQL compiler reading the store's columns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Exists, Keyword, Match, NumberValue, StringPattern, type SourceRecord } from '@siemlite/core';
import { EventStore, SqlHunter } from '@siemlite/storage';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'siemlite-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rec = (path: string, record: number, value: Record<string, unknown>): SourceRecord => ({ path, record, value });

async function rows(store: EventStore, sql: string): Promise<Record<string, unknown>[]> {
  return (await store.connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe('EventStore', () => {
  it('stores typed columns, adds columns for new fields and keeps old rows', async () => {
    const store = await EventStore.open(join(dir, 'a.duckdb'));
    await store.add([rec('a.jsonl', 1, { Image: 'C:\\x.exe', EventID: 1, Score: 1.5, Ok: true, Tags: ['a', 'b'], Nested: { k: 1 }, '@timestamp': '2024-03-01T10:00:00Z' })]);
    await store.flush();
    await store.add([rec('a.jsonl', 2, { Image: 'y', NewField: 'n' })]);
    await store.flush();
    const types = await rows(store, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position`);
    expect(Object.fromEntries(types.map((t) => [t['column_name'], t['data_type']]))).toEqual({
      source_path: 'VARCHAR',
      source_record: 'BIGINT',
      event_time: 'TIMESTAMP',
      is_windows: 'BOOLEAN',
      source_route: 'INTEGER',
      Image: 'VARCHAR',
      EventID: 'BIGINT',
      Score: 'DOUBLE',
      Ok: 'BOOLEAN',
      Tags: 'VARCHAR[]',
      Nested: 'JSON',
      '@timestamp': 'VARCHAR',
      NewField: 'VARCHAR',
    });
    const all = await rows(store, `SELECT source_record, event_time::VARCHAR AS t, Image, EventID, NewField FROM events ORDER BY source_record`);
    expect(all).toEqual([
      { source_record: '1', t: '2024-03-01 10:00:00', Image: 'C:\\x.exe', EventID: '1', NewField: null },
      { source_record: '2', t: null, Image: 'y', EventID: null, NewField: 'n' },
    ]);
    store.close();
  });

  it('records each event\'s recognized log source (siemlite_routes), kept across reopening; a store made before routing gains the column', async () => {
    const path = join(dir, 'routes.duckdb');
    const cloudtrail = (n: number): Record<string, unknown> => ({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'us-east-1', n });
    const old = await EventStore.open(path);
    // As a store of the previous version: no route column, no routes table.
    await old.connection.run('ALTER TABLE events DROP COLUMN source_route');
    await old.connection.run('DROP TABLE siemlite_routes');
    old.close();
    let store = await EventStore.open(path);
    await store.add([rec('c.jsonl', 1, cloudtrail(1)), rec('w.jsonl', 1, { EventID: 4688, Channel: 'Security' }), rec('u.jsonl', 1, { what: 'unknown' })]);
    await store.flush();
    store.close();
    store = await EventStore.open(path);
    await store.add([rec('c.jsonl', 2, cloudtrail(2)), rec('g.jsonl', 1, { logName: 'projects/p/logs/x', protoPayload: { methodName: 'storage.buckets.delete' } })]);
    await store.flush();
    expect([...store.routes]).toEqual([
      [1, { product: 'aws', service: 'cloudtrail' }],
      [2, { product: 'windows' }],
      [3, { product: 'gcp', service: 'gcp.audit' }],
    ]);
    expect(await rows(store, 'SELECT source_path, source_record, source_route FROM events ORDER BY ALL')).toEqual([
      { source_path: 'c.jsonl', source_record: '1', source_route: 1 },
      { source_path: 'c.jsonl', source_record: '2', source_route: 1 },
      { source_path: 'g.jsonl', source_record: '1', source_route: 3 },
      { source_path: 'u.jsonl', source_record: '1', source_route: null },
      { source_path: 'w.jsonl', source_record: '1', source_route: 2 },
    ]);
    // GCP events are stored as the rules see them: with the Sigma name the recognizer adds.
    expect(await rows(store, `SELECT "gcp.audit.method_name" AS m FROM events WHERE source_path = 'g.jsonl'`)).toEqual([{ m: 'storage.buckets.delete' }]);
    store.close();
  });

  it('widens a field whose type changes between batches to JSON, keeping every value with its type', async () => {
    const path = join(dir, 'w.duckdb');
    const store = await EventStore.open(path);
    await store.add([rec('w', 1, { F: 4688 }), rec('w', 2, { F: 5 })]);
    await store.flush();
    await store.add([rec('w', 3, { F: 'text' }), rec('w', 4, { F: 2.5 })]);
    await store.flush();
    store.close();
    const again = await EventStore.open(path);
    expect(again.fields.get('F')?.type).toBe('JSON');
    expect(await rows(again, `SELECT F::VARCHAR AS f, json_type(F) AS t FROM events ORDER BY source_record`)).toEqual([
      { f: '4688', t: 'UBIGINT' },
      { f: '5', t: 'UBIGINT' },
      { f: '"text"', t: 'VARCHAR' },
      { f: '2.5', t: 'DOUBLE' },
    ]);
    again.close();
  });

  it('widens BIGINT to DOUBLE and keeps case-different field names apart', async () => {
    const store = await EventStore.open(':memory:');
    await store.add([rec('c', 1, { n: 1, image: 'lower' })]);
    await store.flush();
    await store.add([rec('c', 2, { n: 1.25, Image: 'Upper' })]);
    await store.flush();
    expect(store.fields.get('n')?.type).toBe('DOUBLE');
    expect(store.fields.get('Image')?.column).toBe('Image~2');
    expect(await rows(store, `SELECT n, image, "Image~2" AS up FROM events ORDER BY source_record`)).toEqual([
      { n: 1, image: 'lower', up: null },
      { n: 1.25, image: null, up: 'Upper' },
    ]);
    store.close();
  });

  it('re-ingesting the same records adds nothing; later records of the file are added', async () => {
    const path = join(dir, 'i.duckdb');
    const events = Array.from({ length: 10 }, (_, i) => rec('f.jsonl', i + 1, { N: i }));
    let store = await EventStore.open(path, { batchEvents: 3 });
    await store.add(events.slice(0, 6));
    await store.flush();
    store.close();
    store = await EventStore.open(path, { batchEvents: 3 });
    await store.add(events);
    await store.flush();
    expect(store.counts).toEqual({ added: 4, skipped: 6 });
    expect(await rows(store, `SELECT count(*) AS n, count(DISTINCT source_record) AS d FROM events`)).toEqual([{ n: '10', d: '10' }]);
    store.close();
  });

  it('normalizes Windows evtx_dump events to flat Sigma fields and reads their time', async () => {
    const store = await EventStore.open(':memory:');
    const evtx = {
      Event: {
        System: { EventID: 4688, Channel: 'Security', Computer: 'HOST1', TimeCreated: { '#attributes': { SystemTime: '2021-05-01T12:00:00.123456Z' } } },
        EventData: { NewProcessName: 'C:\\Windows\\cmd.exe' },
      },
    };
    await store.add([rec('s.json', 1, evtx)]);
    await store.flush();
    expect(store.fields.has('Event')).toBe(false);
    expect(await rows(store, `SELECT EventID, Computer, NewProcessName, event_time::VARCHAR AS t FROM events`)).toEqual([
      { EventID: '4688', Computer: 'HOST1', NewProcessName: 'C:\\Windows\\cmd.exe', t: '2021-05-01 12:00:00.123' },
    ]);
    store.close();
  });

  it('retention deletes events older than the limit and they do not come back on re-ingest', async () => {
    const store = await EventStore.open(':memory:');
    const now = Date.parse('2024-06-01T00:00:00Z');
    const events = [
      rec('r', 1, { '@timestamp': '2024-04-01T00:00:00Z' }),
      rec('r', 2, { '@timestamp': '2024-05-20T00:00:00Z' }),
      rec('r', 3, { x: 'no time' }),
    ];
    await store.add(events);
    await store.flush();
    expect(await store.retain(30 * 86_400_000, now)).toBe(1);
    await store.add(events);
    await store.flush();
    expect(await rows(store, `SELECT source_record FROM events ORDER BY 1`)).toEqual([{ source_record: '2' }, { source_record: '3' }]);
    store.close();
  });

  it('compiled conditions read the store columns: typed, widened, nested and keyword', async () => {
    const store = await EventStore.open(':memory:');
    await store.add([
      rec('k', 1, { Image: 'C:\\Windows\\cmd.exe', EventID: 4688, Nested: { Path: 'deep' } }),
      rec('k', 2, { Image: 'other', EventID: '4688' }),
      rec('k', 3, { Tags: ['x', 'needle here'] }),
    ]);
    await store.flush();
    const hunter = await SqlHunter.on(store.connection);
    const conditions = [
      Match.create('Image', StringPattern.literal('c:\\windows\\CMD.exe', false)),
      Match.create('EventID', NumberValue.create(4688)),
      Match.create('Nested.Path', StringPattern.literal('DEEP', false)),
      Exists.create('Missing'),
      Keyword.create(StringPattern.create([{ kind: 'AnyChars' }, { kind: 'Literal', text: 'needle' }, { kind: 'AnyChars' }] as never, false)),
    ];
    const matches = await hunter.hunt(conditions, 'events', 20, store.shape());
    const got = matches.map((m) => `${m.rule}:${m.sourceRecord}`).sort();
    expect(got).toEqual(['0:1', '1:1', '1:2', '2:1', '4:3']);
    store.close();
  });
});
