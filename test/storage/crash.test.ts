// Crash test: `siemlite ingest` of 200,000 events in a child process, killed with SIGKILL at
// random moments (seeded) several times. After each kill the store opens and holds only whole
// batches, each event once; a final full ingest completes the store, every event exactly
// once. Also: a second writer on a locked store, and a full disk (file-size ulimit) fail with
// clear errors and lose nothing committed. Needs the built CLI (npx turbo run build).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore } from '@siemlite/storage';
import { mulberry32 } from '../support/random.js';
import { REPO_ROOT } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/bin/siemlite.js');
const EVENTS = 200_000;
const BATCH = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'siemlite-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const corpus = join(dir, 'events.jsonl');
const lines: string[] = [];
for (let i = 1; i <= EVENTS; i++) {
  // A field that turns from number to string half way: the widening happens under the kills too.
  const port = i <= EVENTS / 2 ? i % 65536 : `p${i}`;
  lines.push(JSON.stringify({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: `C:\\bin\\p${i % 97}.exe`, Seq: i, Port: port, UtcTime: '2024-01-01 00:00:00.000' }));
}
writeFileSync(corpus, `${lines.join('\n')}\n`);

async function counts(db: string): Promise<{ n: number; distinct: number; sum: number; prefix: boolean; maxSeqOk: boolean }> {
  const store = await EventStore.open(db); // as the next ingest opens it
  try {
    const r = await store.connection.runAndReadAll(
      `SELECT count(*), count(DISTINCT source_record), (SELECT coalesce(sum(events), 0) FROM siemlite_sources), coalesce(max(source_record), 0), ${store.fields.has('Seq') ? 'bool_and(Seq = source_record)' : 'true'} FROM events`,
    );
    const [n, distinct, sum, max, ok] = r.getRows()[0] as [bigint, bigint, bigint | number, bigint | number, boolean | null];
    // Whole batches in file order: the stored records are exactly 1..n.
    return { n: Number(n), distinct: Number(distinct), sum: Number(sum), prefix: Number(max) === Number(n), maxSeqOk: ok !== false };
  } finally {
    store.close();
  }
}

function ingest(db: string, killAfterMs: number | null): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'ingest', '--quiet', '--batch', String(BATCH), '--db', db, corpus], { stdio: 'ignore' });
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code) => {
      if (timer !== null) clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('ingest under SIGKILL', () => {
  it('the store opens after each kill with whole batches only; a final ingest stores every event exactly once', async () => {
    const db = join(dir, 'crash.duckdb');
    const random = mulberry32(20261205);
    let killed = 0;
    for (let round = 0; round < 5; round++) {
      const code = await ingest(db, 300 + Math.floor(random() * 2500));
      if (code === null) killed++;
      const c = await counts(db);
      expect(c.n).toBe(c.distinct);
      expect(c.n).toBe(c.sum);
      expect(c.prefix).toBe(true);
      expect(c.maxSeqOk).toBe(true);
    }
    expect(killed).toBeGreaterThan(0);
    expect(await ingest(db, null)).toBe(0);
    expect(await counts(db)).toEqual({ n: EVENTS, distinct: EVENTS, sum: EVENTS, prefix: true, maxSeqOk: true });
  }, 300_000);

  it('a kill right after a field widened to JSON (the change still only in the write-ahead log) leaves a store that opens with every value', async () => {
    const db = join(dir, 'widen.duckdb');
    // A child stores two batches, the second widening F from number to JSON, and is killed
    // before DuckDB checkpoints: reopening replays the widening from the log.
    const storage = pathToFileURL(join(REPO_ROOT, 'packages/storage/dist/index.js')).href;
    const script = `
      const { EventStore } = await import(${JSON.stringify(storage)});
      const store = await EventStore.open(${JSON.stringify(db)});
      await store.add([{ path: 'w', record: 1, value: { F: 4688 } }, { path: 'w', record: 2, value: { F: 5 } }]);
      await store.flush();
      await store.add([{ path: 'w', record: 3, value: { F: 'text' } }]);
      await store.flush();
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(existsSync(`${db}.wal`)).toBe(true);
    const store = await EventStore.open(db);
    try {
      expect(store.fields.get('F')?.type).toBe('JSON');
      const r = await store.connection.runAndReadAll('SELECT F::VARCHAR AS f FROM events ORDER BY source_record');
      expect(r.getRowObjectsJson()).toEqual([{ f: '4688' }, { f: '5' }, { f: '"text"' }]);
    } finally {
      store.close();
    }
  });

  it('a full disk (file-size ulimit) fails with a clear error; what was committed stays', async () => {
    const db = join(dir, 'full.duckdb');
    const r = spawnSync('bash', ['-c', `ulimit -f 4096; exec "${process.execPath}" "${CLI}" ingest --quiet --batch ${BATCH} --db "${db}" "${corpus}"`], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(db);
    const c = await counts(db);
    expect(c.n).toBe(c.distinct);
    expect(c.n).toBe(c.sum);
    expect(c.prefix).toBe(true);
    // After the limit is lifted, ingest completes the store.
    expect(await ingest(db, null)).toBe(0);
    expect(await counts(db)).toEqual({ n: EVENTS, distinct: EVENTS, sum: EVENTS, prefix: true, maxSeqOk: true });
  }, 300_000);

  it('a second writer on a store in use is refused with a clear error', async () => {
    const db = join(dir, 'locked.duckdb');
    const holder = await EventStore.open(db);
    try {
      const r = spawnSync(process.execPath, [CLI, 'ingest', '--db', db, corpus], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/in use by another process/);
      expect(r.stderr).toContain(db);
    } finally {
      holder.close();
    }
  });
});
