// EVTX through the decoder seam: readRecords (and readRawRecords, for the worker pool) read
// .evtx files like JSON ones: told by magic bytes, plain or gzipped, from folders, numbered
// 1, 2, … in file order, damage reported as bad-evtx records by path.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readRawRecords } from '../../../src/io/read-raw-records.js';
import { readEvtx } from '../../../src/io/evtx/index.js';
import { makeTempDir, readAll } from '../read-all.js';
import { sharedPath } from '../../event/shared-corpus.js';

describe('readRecords over .evtx', () => {
  const root = sharedPath('datasets/evtx_attack_samples_evtx', 'readRecords over .evtx');
  const tmp = makeTempDir('evtx-read');
  afterAll(() => tmp.remove());
  const source = root === undefined ? '' : join(root, 'AutomatedTestingTools/panache_sysmon_vs_EDRTestingScript.evtx');

  async function direct(path: string): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const item of readEvtx(path)) if (item.kind === 'record') out.push(item.record.value);
    return out;
  }

  it.skipIf(root === undefined)('a multi-chunk .evtx, as .evtx, under another name, gzipped and in a folder walk: same records, numbered in file order', async () => {
    const want = await direct(source);
    expect(want.length).toBe(122);
    const renamed = join(tmp.dir, 'renamed.dat');
    copyFileSync(source, renamed);
    const folder = join(tmp.dir, 'walk');
    mkdirSync(folder, { recursive: true });
    const gz = join(folder, 'sub.evtx.gz');
    writeFileSync(gz, gzipSync(readFileSync(source)));
    copyFileSync(source, join(folder, 'a.evtx'));
    const { records, bad, chunkPaths } = await readAll([source, renamed, folder], { chunkRecords: 50 });
    expect(bad).toEqual([]);
    expect(records).toHaveLength(4 * want.length);
    for (let i = 0; i < 4; i++) {
      const part = records.slice(i * want.length, (i + 1) * want.length);
      expect(part.map((r) => r.value)).toEqual(want);
      expect(part.map((r) => r.record)).toEqual(want.map((_, k) => k + 1));
    }
    expect(new Set(records.map((r) => r.path))).toEqual(new Set([source, renamed, join(folder, 'a.evtx'), gz]));
    expect(chunkPaths.every((p) => !p.includes('|'))).toBe(true);
  });

  it.skipIf(root === undefined)('a truncated .evtx and a gzip cut short keep the records before the damage, and say so by path', async () => {
    const bytes = readFileSync(source);
    const cutAt = 4096 + 2 * 65536 + 20_000;
    const cut = join(tmp.dir, 'cut.evtx');
    writeFileSync(cut, bytes.subarray(0, cutAt));
    const gz = gzipSync(bytes);
    const gzCut = join(tmp.dir, 'cut.evtx.gz');
    writeFileSync(gzCut, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const want = await direct(source);
    const { records, bad } = await readAll([cut]);
    expect(records.length).toBeGreaterThan(80);
    expect(records.length).toBeLessThan(want.length);
    expect(records.map((r) => r.value)).toEqual(want.slice(0, records.length));
    expect(bad.map((b) => [b.path, b.code])).toContainEqual([cut, 'bad-evtx']);
    expect(bad.map((b) => b.message).join('\n')).toMatch(/chunk 2: chunk truncated at 20000 of \d+ bytes/);
    const fromGz = await readAll([gzCut]);
    expect(fromGz.records.length).toBeGreaterThan(0);
    expect(fromGz.records.map((r) => r.value)).toEqual(want.slice(0, fromGz.records.length));
    expect(fromGz.bad.some((b) => b.path === gzCut && b.code === 'io' && /gzip/.test(b.message))).toBe(true);
  });

  it.skipIf(root === undefined)('readRawRecords (the worker pool input) carries the EVTX chunks undecoded, for the workers to decode', async () => {
    const file = readFileSync(source);
    const chunks: Buffer[] = [];
    let next = 0;
    for await (const chunk of readRawRecords([source])) {
      expect(chunk.count).toBe(0); // records are only known once a worker decoded the chunks
      const evtx = chunk.evtx;
      expect(evtx).toBeDefined();
      if (evtx === undefined) continue;
      expect(evtx.first).toBe(next);
      for (let k = 0; k < evtx.count; k++) chunks.push(Buffer.from(chunk.bytes.subarray(evtx.ends[k - 1] ?? 0, evtx.ends[k])));
      next += evtx.count;
    }
    // Every chunk after the 4 KiB file header, byte for byte, in order (the pool test checks the records).
    expect(chunks.length).toBe((file.length - 4096) / 65536);
    expect(Buffer.concat(chunks).equals(file.subarray(4096))).toBe(true);
  });
});
