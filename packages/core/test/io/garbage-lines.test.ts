// Input without loss: garbage inside a JSON Lines or concatenated-JSON file (raw binary
// lines, NUL blocks, broken JSON, 20,000-deep nesting, a 100 MB line) costs only the bad
// lines, each reported at its line; a gzip stream cut short keeps the records before the cut.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryLine, goodLine, writeGarbageFile } from '../../../../test/support/garbage-jsonl.js';
import { Rng } from '../../../../test/support/random.js';
import { readRawRecords } from '../../src/io/read-raw-records.js';
import { makeTempDir, readAll } from './read-all.js';

const tmp = makeTempDir('garbage');
afterAll(() => tmp.remove());

describe('garbage inside JSON Lines', () => {
  it('the mixed-garbage file yields its 1,001 good records; each bad line is reported at its line', async () => {
    const path = join(tmp.dir, 'mixed-garbage.jsonl');
    const { badLines, goodCount } = await writeGarbageFile(path);
    const { records, bad } = await readAll([path]);
    expect(bad.filter((b) => b.code === 'io')).toEqual([]);
    expect(records).toHaveLength(goodCount);
    expect(records.map((r) => (r.value as { n: number }).n)).toEqual([...Array.from({ length: 1000 }, (_, k) => 2 * k), 2001]);
    expect(bad.map((b) => b.line)).toEqual(badLines);
    expect(bad.find((b) => b.line === 2001)?.code).toBe('too-large');
    expect(new Set(bad.map((b) => b.code))).toEqual(new Set(['bad-json', 'bad-utf8', 'too-large']));
  }, 60_000);

  it('the raw reader (worker pool input) splits the same good records out of it', async () => {
    const path = join(tmp.dir, 'mixed-garbage-raw.jsonl');
    writeFileSync(path, [goodLine(0), '\0\0\0\0', goodLine(1), '\x01\x02{', goodLine(2)].join('\n'));
    let count = 0;
    const lines: number[] = [];
    for await (const chunk of readRawRecords([path])) {
      count += chunk.count;
      lines.push(...Array.from(chunk.lines.subarray(0, chunk.count)));
      expect(chunk.bad.filter((b) => b.code === 'io')).toEqual([]);
    }
    expect(count).toBe(5); // split, not yet parsed: the workers report the two bad lines
    expect(lines).toEqual([1, 2, 3, 4, 5]);
  });

  it('a long garbage block (3,000 bad lines in a row) after good records does not stop the file', async () => {
    const path = join(tmp.dir, 'long-garbage.jsonl');
    const rng = new Rng(9);
    const garbage = Array.from({ length: 3000 }, () => binaryLine(rng).toString('latin1'));
    writeFileSync(path, Buffer.from([goodLine(1), ...garbage, goodLine(2), goodLine(3)].join('\n'), 'latin1'));
    const { records, bad } = await readAll([path]);
    expect(records.map((r) => (r.value as { n: number }).n)).toEqual([1, 2, 3]);
    expect(bad).toHaveLength(3000);
    expect(bad.every((b) => b.code !== 'io')).toBe(true);
  });

  it('a file starting with a NUL block, then JSON Lines: the block is one bad record, the rest is read', async () => {
    const path = join(tmp.dir, 'nul-first.jsonl');
    writeFileSync(path, Buffer.concat([Buffer.alloc(10_000, 0), Buffer.from(`\n${goodLine(1)}\n${goodLine(2)}\n`)]));
    const { records, bad } = await readAll([path]);
    expect(records).toHaveLength(2);
    expect(bad.map((b) => [b.line, b.code])).toEqual([[1, 'bad-json']]);
  });

  it('concatenated pretty JSON objects with a NUL block between them: every object is kept', async () => {
    const path = join(tmp.dir, 'pretty-garbage.json');
    const obj = (n: number): string => JSON.stringify({ Event: { System: { EventID: n } } }, null, 2);
    writeFileSync(path, Buffer.concat([Buffer.from(`${obj(1)}\n`), Buffer.alloc(3000, 0), Buffer.from(`\n${obj(2)}\n${obj(3)}\n`)]));
    const { records, bad } = await readAll([path]);
    expect(records.map((r) => (r.value as { Event: { System: { EventID: number } } }).Event.System.EventID)).toEqual([1, 2, 3]);
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.every((b) => b.code !== 'io')).toBe(true);
  });

  it('a file with no JSON record at all is given up as not JSON, saying why', async () => {
    const path = join(tmp.dir, 'image.png');
    const rng = new Rng(3);
    writeFileSync(path, Buffer.concat(Array.from({ length: 50 }, () => binaryLine(rng))));
    const { records, bad } = await readAll([path]);
    expect(records).toEqual([]);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ code: 'io', message: expect.stringMatching(/does not look like JSON: .*no line starts a JSON object or array/) });
  });
});

describe('gzip cut short', () => {
  it('a gzip file cut in half yields the records of its first half', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => goodLine(i));
    const gz = gzipSync(Buffer.from(`${lines.join('\n')}\n`));
    const path = join(tmp.dir, 'half.jsonl.gz');
    writeFileSync(path, gz.subarray(0, gz.length >> 1));
    const { records, bad } = await readAll([path]);
    expect(records.length).toBeGreaterThan(8000);
    expect(records.length).toBeLessThan(20_000);
    expect(records.map((r) => (r.value as { n: number }).n)).toEqual(records.map((_, i) => i));
    expect(bad.map((b) => b.code)).toEqual(['io']);
    expect(bad[0]?.message).toMatch(/gzip data is truncated or corrupt/);
    expect(readFileSync(path).length).toBe(gz.length >> 1);
  });
});
