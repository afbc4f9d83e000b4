import { describe, expect, it } from 'vitest';
import type { RecordFormat } from '../../src/io/detect-format.js';
import type { BadRecord } from '../../src/io/read-records.js';
import { RecordSplitter } from '../../src/io/record-splitter.js';

interface Outcome {
  readonly records: [number, unknown][];
  readonly bad: [number, number, string][];
}

/** Feeds `content` cut at the given offsets and returns what came out. */
function split(content: Buffer, format: RecordFormat, cuts: readonly number[], maxRecordBytes = 1 << 20): Outcome {
  const bad: BadRecord[] = [];
  const splitter = new RecordSplitter({
    path: 'p',
    format,
    isIndented: format === 'values',
    maxRecordBytes,
    chunkRecords: 3,
    onBadRecord: (b) => bad.push(b),
  });
  let from = 0;
  for (const cut of [...cuts, content.length]) {
    splitter.push(content.subarray(from, cut));
    from = cut;
  }
  splitter.end();
  const records = [...splitter.takeReady().flat(), ...splitter.takeRest()];
  return { records: records.map((r) => [r.record, r.value]), bad: bad.map((b) => [b.record, b.line, b.code]) };
}

const SAMPLES: [string, RecordFormat, string | Buffer][] = [
  ['JSON Lines with CRLF, blanks and errors', 'jsonl', '{"a":"x\\\\"}\r\n\r\n{"b":[1,{"c":"}"}]}\r\n{bad\r\n  \r\n7\r\n{"é":"ü"}'],
  ['JSON Lines with invalid UTF-8', 'jsonl', Buffer.concat([Buffer.from('{"a":1}\n{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"a":"\u20ac"}\n')])],
  ['pretty objects with escapes', 'values', '{\n  "a": "q\\"{\\\\",\n  "b": [\n    {"c": "]"}\n  ]\n}\n{\n  "d": "\\u007b"\n}\n'],
  ['an array with scalars and a truncated element', 'values', '[\n  {"a": 1},\n  2,\n  "s",\n  {"b": {\n{"c": 3}\n]\n'],
  ['compact objects and garbage', 'values', '{"a":1}{"b":2} nope {"c":"\\""}'],
  ['an unterminated string resynchronised at the next record', 'values', '{\n  "a": "oops\n}\n{\n  "b": 1\n}\n'],
];

describe('RecordSplitter', () => {
  for (const [name, format, content] of SAMPLES) {
    it(`gives the same records and errors wherever the chunks are cut: ${name}`, () => {
      const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
      const whole = split(bytes, format, []);
      expect(whole.records.length).toBeGreaterThan(0);
      for (let cut = 1; cut < bytes.length; cut++) expect(split(bytes, format, [cut]), `cut at ${cut}`).toEqual(whole);
      const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expect(split(bytes, format, everyByte)).toEqual(whole);
    });
  }

  it('reports too-large records the same wherever the chunks are cut', () => {
    const bytes = Buffer.from(`{"a":1}\n{"big":"${'x'.repeat(40)}"}\n{"b":2}\n`);
    const whole = split(bytes, 'jsonl', [], 20);
    expect(whole).toEqual({ records: [[1, { a: 1 }], [3, { b: 2 }]], bad: [[2, 2, 'too-large']] });
    for (let cut = 1; cut < bytes.length; cut++) expect(split(bytes, 'jsonl', [cut], 20), `cut at ${cut}`).toEqual(whole);
    const pretty = Buffer.from(`[\n {"a":1},\n {"big":"${'x'.repeat(40)}"},\n {"b":2}\n]`);
    const prettyWhole = split(pretty, 'values', [], 20);
    expect(prettyWhole).toEqual({ records: [[1, { a: 1 }], [3, { b: 2 }]], bad: [[2, 3, 'too-large']] });
    for (let cut = 1; cut < pretty.length; cut++) expect(split(pretty, 'values', [cut], 20), `cut at ${cut}`).toEqual(prettyWhole);
  });

  it('reads a value stream that mixes objects and unwrapped top-level arrays', () => {
    const out = split(Buffer.from('{"a":1}\n[{"b":2},{"c":3}]\n[[1]]'), 'values', []);
    expect(out.records).toEqual([[1, { a: 1 }], [2, { b: 2 }], [3, { c: 3 }]]);
    expect(out.bad).toEqual([[4, 3, 'not-object']]);
  });
});

describe('RecordSplitter keeps no reference to a pushed chunk (releasesChunks)', () => {
  /** Pushes each piece of `content` in one reused buffer, spoiled after every push, as readFileChunks does with reuse. */
  function splitInOneBuffer(content: Buffer, format: RecordFormat, cuts: readonly number[]): unknown[] {
    const splitter = new RecordSplitter({ path: 'p', format, isIndented: format === 'values', maxRecordBytes: 1 << 20, chunkRecords: 2, onBadRecord: undefined });
    expect(splitter.releasesChunks).toBe(true);
    const buffer = Buffer.alloc(content.length);
    let from = 0;
    for (const cut of [...cuts, content.length]) {
      const n = content.copy(buffer, 0, from, cut);
      splitter.push(buffer.subarray(0, n));
      buffer.fill(0x7a); // 'z': a carried view of the buffer would now read garbage
      from = cut;
    }
    splitter.end();
    return [...splitter.takeReady().flat(), ...splitter.takeRest()].map((r) => r.value);
  }

  it('JSON Lines: a record cut across pushes comes out whole', () => {
    const lines = [{ a: 'first' }, { b: 'x'.repeat(50) }, { c: [1, 2, 3] }, { d: 'last' }];
    const content = Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    // Cuts inside the 2nd record (twice) and inside the 4th.
    expect(splitInOneBuffer(content, 'jsonl', [20, 40, content.length - 5])).toEqual(lines);
  });

  it('a value stream (pretty-printed records): a record cut across pushes comes out whole', () => {
    const values = [{ a: 1, b: 'two' }, { c: { d: 'three' } }];
    const content = Buffer.from(values.map((v) => JSON.stringify(v, null, 2)).join('\n'));
    expect(splitInOneBuffer(content, 'values', [7, 15, 30])).toEqual(values);
  });
});
