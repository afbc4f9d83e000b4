// The raw chunks themselves: record text, numbering, chunk bounds, bad records at their
// place, transferable buffers. (That parsing them gives exactly what readRecords gives is
// tested through the pool, in test/pool/raw-read-equivalence.test.ts.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readRawRecords, type RawChunk, type RawReadOptions } from '../../src/io/read-raw-records.js';
import { makeTempDir } from './read-all.js';

const temp = makeTempDir('read-raw');
afterAll(temp.remove);

async function chunksOf(inputs: readonly string[], options: RawReadOptions = {}): Promise<RawChunk[]> {
  const chunks: RawChunk[] = [];
  for await (const chunk of readRawRecords(inputs, options)) chunks.push(chunk);
  return chunks;
}

function texts(chunk: RawChunk): string[] {
  const out: string[] = [];
  const bytes = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
  for (let i = 0; i < chunk.count; i++) out.push(bytes.toString('utf8', i === 0 ? 0 : chunk.ends[i - 1], chunk.ends[i]));
  return out;
}

function write(name: string, content: string | Buffer): string {
  const path = join(temp.dir, name);
  writeFileSync(path, content);
  return path;
}

describe('readRawRecords', () => {
  it('yields each record as its text, with its start line and record number, unparsed', async () => {
    const path = write('lines.jsonl', '\uFEFF{"a":1}\r\n\n  \n{"b":"é"}\n{not json}\n{"c":[1,\n2]}');
    const [chunk, ...rest] = await chunksOf([path]);
    expect(rest).toEqual([]);
    expect(chunk?.path).toBe(path);
    expect(chunk?.file).toBe(0);
    expect(texts(chunk as RawChunk)).toEqual(['{"a":1}', '{"b":"é"}', '{not json}', '{"c":[1,', '2]}']);
    expect([...(chunk?.lines ?? [])]).toEqual([1, 4, 5, 6, 7]);
    expect([...(chunk?.records ?? [])]).toEqual([1, 2, 3, 4, 5]);
    expect(chunk?.bad).toEqual([]);
  });

  it('splits pretty-printed objects and arrays the same way readRecords does', async () => {
    const events = [{ a: 1, s: '}\n{' }, { b: [2, { c: 3 }] }];
    const path = write('pretty.json', JSON.stringify(events, null, 2));
    const [chunk] = await chunksOf([path]);
    expect(texts(chunk as RawChunk).map((t) => JSON.parse(t) as unknown)).toEqual(events);
    expect([...(chunk?.lines ?? [])]).toEqual([2, 6]);
  });

  it('closes a chunk at chunkRecords records or once it holds chunkBytes', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(90) }));
    const path = write('bounds.jsonl', `${lines.join('\n')}\n`);
    expect((await chunksOf([path], { chunkRecords: 30 })).map((c) => c.count)).toEqual([30, 30, 30, 10]);
    const bySize = await chunksOf([path], { chunkBytes: 1000 });
    expect(bySize.every((c) => c.bytes.byteLength < 1000 + 110)).toBe(true);
    expect(bySize.map((c) => c.count).reduce((a, b) => a + b)).toBe(100);
    expect(bySize.flatMap(texts)).toEqual(lines);
    expect(bySize.flatMap((c) => [...c.records])).toEqual(lines.map((_, i) => i + 1));
  });

  it('carries problems found while splitting at their place between the records', async () => {
    const tooLarge = `{"pad":"${'x'.repeat(200)}"}`;
    const content = Buffer.concat([
      Buffer.from(`{"a":1}\n${tooLarge}\n{"b":2}\n`),
      Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x0a]), // {"\xff":1}
      Buffer.from('{"c":3}\n'),
    ]);
    const path = write('bad.jsonl', content);
    const [chunk] = await chunksOf([path], { maxRecordBytes: 100 });
    expect(texts(chunk as RawChunk)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect([...(chunk?.records ?? [])]).toEqual([1, 3, 5]);
    expect(chunk?.bad.map((b) => [b.code, b.record, b.line])).toEqual([
      ['too-large', 2, 2],
      ['bad-utf8', 4, 4],
    ]);
    expect(chunk?.badAt).toEqual([1, 2]);
  });

  it('never mixes files; reports for inputs that match nothing come first, in a chunk without records', async () => {
    const a = write('a.jsonl', '{"a":1}\n');
    const b = write('b.jsonl', '{"b":1}\n{"b":2}\n');
    const chunks = await chunksOf([join(temp.dir, 'missing.jsonl'), a, b]);
    expect(chunks.map((c) => [c.file, c.path, c.count, c.bad.length])).toEqual([
      [-1, '', 0, 1],
      [0, a, 1, 0],
      [1, b, 2, 0],
    ]);
  });

  it('reads standard input', async () => {
    const chunks = await chunksOf(['-'], { stdin: Readable.from([Buffer.from('{"a":'), Buffer.from('1}\n{"b":2}\n')]) });
    expect(chunks.map((c) => c.path)).toEqual(['<stdin>']);
    expect(chunks.flatMap(texts)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('gives each chunk buffers of its own, which can be moved to another thread', async () => {
    const path = write('move.jsonl', `${Array.from({ length: 50 }, (_, i) => `{"i":${i}}`).join('\n')}\n`);
    const chunks = await chunksOf([path], { chunkRecords: 7 });
    const buffers = new Set(chunks.map((c) => c.bytes.buffer));
    expect(buffers.size).toBe(chunks.length);
    for (const chunk of chunks) {
      expect(chunk.bytes.buffer).not.toBe(Buffer.alloc(1).buffer); // not Node's shared pool
      const moved = structuredClone(chunk.bytes, { transfer: [chunk.bytes.buffer as ArrayBuffer] });
      expect(chunk.bytes.byteLength).toBe(0);
      expect(moved.byteLength).toBeGreaterThan(0);
    }
  });

  it('stopFile ends a file without a report and goes on with the next', async () => {
    const big = write('big.jsonl', `${Array.from({ length: 5000 }, (_, i) => `{"i":${i}}`).join('\n')}\n`);
    const next = write('next.jsonl', '{"next":1}\n');
    const stream = readRawRecords([big, next], { chunkRecords: 10 });
    const seen: RawChunk[] = [];
    for await (const chunk of stream) {
      seen.push(chunk);
      if (seen.length === 2) stream.stopFile(0);
    }
    expect(seen.map((c) => c.file)).toEqual([0, 0, 1]);
    expect(seen.flatMap((c) => c.bad)).toEqual([]);
  });
});
