import { createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/io/read-records.js';
import type { BadRecord } from '../../src/io/read-records.js';
import { makeTempDir, readAll } from './read-all.js';
import { listJsonFiles, sharedPath } from '../event/shared-corpus.js';

const temp = makeTempDir('read-records');
afterAll(temp.remove);

/** Writes a file (and its .gz twin) into the temp folder; returns both paths. */
function fixture(name: string, content: string | Buffer): { plain: string; gz: string } {
  const plain = join(temp.dir, name);
  const gz = `${plain}.gz`;
  writeFileSync(plain, content);
  writeFileSync(gz, gzipSync(content));
  return { plain, gz };
}

const EVENTS = [
  { Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c "echo {[}]"' } } },
  { Event: { System: { EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7045 } }, EventData: { ServiceName: 'x\ny', Note: 'tab\there, quote \\" brace }' } } },
  { Event: { System: { EventID: '1151' }, EventData: null, Data: { '#text': ['a', 'b'] } } },
];

const jsonLines = EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n';
const prettyObjects = EVENTS.map((e) => JSON.stringify(e, null, 2)).join('\n') + '\n';
const prettyArray = JSON.stringify(EVENTS, null, 2);
const compactArray = JSON.stringify(EVENTS);

describe('formats, plain and gzip', () => {
  const cases: [string, string][] = [
    ['JSON Lines', jsonLines],
    ['JSON Lines with CRLF line endings', jsonLines.replaceAll('\n', '\r\n')],
    ['JSON Lines with blank and whitespace-only lines', `\n${jsonLines.replaceAll('\n', '\n  \n\t\r\n')}\n\n`],
    ['JSON Lines without a trailing newline', jsonLines.trimEnd()],
    ['JSON Lines with a UTF-8 BOM', `\ufeff${jsonLines}`],
    ['pretty-printed objects one after another', prettyObjects],
    ['pretty-printed objects with CRLF and a BOM', `\ufeff${prettyObjects.replaceAll('\n', '\r\n')}`],
    ['pretty-printed objects without a trailing newline', prettyObjects.trimEnd()],
    ['objects separated only by whitespace on one line', EVENTS.map((e) => JSON.stringify(e)).join(' ')],
    ['objects with nothing between them', EVENTS.map((e) => JSON.stringify(e)).join('')],
    ['a pretty-printed JSON array', prettyArray],
    ['a one-line JSON array', compactArray],
    ['a JSON array with a BOM and CRLF', `\ufeff${prettyArray.replaceAll('\n', '\r\n')}\r\n`],
  ];
  for (const [name, content] of cases) {
    it(`reads ${name} into the same objects, numbered from 1`, async () => {
      const file = fixture(`${name.replaceAll(/\W+/g, '-')}.json`, content);
      for (const path of [file.plain, file.gz]) {
        const { records, bad } = await readAll([path]);
        expect(bad).toEqual([]);
        expect(records.map((r) => r.value)).toEqual(EVENTS);
        expect(records.map((r) => r.record)).toEqual([1, 2, 3]);
        expect(records.every((r) => r.path === path)).toBe(true);
      }
    });
  }

  it('keeps escaped newlines, quotes and brackets inside strings in pretty mode', async () => {
    const value = { a: 'line1\nline2', b: '}\n{', c: '\\', d: '"{"', e: ['[', ']'] };
    const content = `${JSON.stringify(value, null, 2)}\n${JSON.stringify({ next: 1 }, null, 2)}\n`;
    const { records, bad } = await readAll([fixture('escapes.json', content).plain]);
    expect(bad).toEqual([]);
    expect(records.map((r) => r.value)).toEqual([value, { next: 1 }]);
  });

  it('skips the BOM of each file when files were concatenated with cat', async () => {
    for (const content of [`\ufeff${jsonLines}\ufeff${jsonLines}`, `\ufeff${prettyObjects}\ufeff${prettyObjects}`]) {
      const { records, bad } = await readAll([fixture('cat-with-boms.json', content).plain]);
      expect(bad).toEqual([]);
      expect(records.map((r) => r.value)).toEqual([...EVENTS, ...EVENTS]);
    }
  });

  it('reads a concatenated gzip file (several gzip members) as one stream', async () => {
    const path = join(temp.dir, 'members.jsonl.gz');
    writeFileSync(path, Buffer.concat([gzipSync('{"a":1}\n'), gzipSync('{"a":2}\n')]));
    const { records, bad } = await readAll([path]);
    expect(bad).toEqual([]);
    expect(records.map((r) => r.value)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('detects the format from content, not from the extension', async () => {
    const { records } = await readAll([fixture('pretty-named.jsonl', prettyObjects).plain, fixture('lines-named.txt', jsonLines).gz]);
    expect(records.map((r) => r.value)).toEqual([...EVENTS, ...EVENTS]);
  });
});

describe('SigmaHQ regression_data (evtx_dump pretty JSON)', () => {
  // The one setting (SIEMLITE_SHARED, default ../shared beside the checkout); missing: skip loudly, or fail under CI=true.
  const root = sharedPath('sigma/regression_data', 'regression_data reader tests');
  const files = root === undefined ? [] : listJsonFiles(root);

  it.skipIf(files.length === 0)('reads every object of every file, including files holding several', async () => {
    let several = 0;
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      // Oracle: evtx_dump starts every object with `{` in column 0.
      const expected = text.split(/\n(?=\{)/).map((part) => JSON.parse(part) as unknown);
      if (expected.length > 1) several++;
      const { records, bad } = await readAll([path]);
      expect(bad, path).toEqual([]);
      expect(records.map((r) => r.value), path).toEqual(expected);
    }
    expect(several).toBeGreaterThanOrEqual(10);
  });

  it.skipIf(files.length === 0)('numbers the records of a multi-object file 1..n with their start lines in errors', async () => {
    const path = files.find((f) => readFileSync(f, 'utf8').split(/\n(?=\{)/).length >= 3);
    expect(path).toBeDefined();
    const text = readFileSync(path ?? '', 'utf8');
    const parts = text.split(/\n(?=\{)/);
    // Break the second object's first line: the others must survive and the error point at it.
    const secondLine = (parts[0] ?? '').split('\n').length + 1;
    const broken = [parts[0], (parts[1] ?? '').replace('"Event": {', '"Event": {,'), ...parts.slice(2)].join('\n');
    const { records, bad } = await readAll([fixture('regression-broken.json', broken).plain]);
    expect(records.map((r) => r.record)).toEqual([1, ...parts.slice(2).map((_, i) => i + 3)]);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ record: 2, line: secondLine, code: 'bad-json' });
    expect(bad[0]?.message).toMatch(/at line \d+ column \d+/);
  });
});

describe('stdin', () => {
  it('reads "-" from options.stdin and names it <stdin>', async () => {
    const stdin = Readable.from([Buffer.from(jsonLines.slice(0, 5)), Buffer.from(jsonLines.slice(5))]);
    const { records, bad } = await readAll(['-'], { stdin });
    expect(bad).toEqual([]);
    expect(records.map((r) => r.value)).toEqual(EVENTS);
    expect(records.map((r) => r.path)).toEqual(['<stdin>', '<stdin>', '<stdin>']);
  });

  it('decompresses gzip from stdin even when it arrives one byte at a time', async () => {
    const gz = gzipSync(prettyObjects);
    const stdin = Readable.from([...gz].map((b) => Buffer.from([b])));
    const { records, bad } = await readAll(['-'], { stdin });
    expect(bad).toEqual([]);
    expect(records.map((r) => r.value)).toEqual(EVENTS);
  });

  it('accepts string chunks from a stream with an encoding set', async () => {
    const stdin = Readable.from(['{"a":"é"}\n', '{"a":2}\n'], { objectMode: true });
    const { records } = await readAll(['-'], { stdin });
    expect(records.map((r) => r.value)).toEqual([{ a: 'é' }, { a: 2 }]);
  });

  it('reads stdin once however often "-" is given', async () => {
    const stdin = Readable.from([Buffer.from('{"a":1}\n')]);
    const { records } = await readAll(['-', '-'], { stdin });
    expect(records).toHaveLength(1);
  });
});

describe('chunks, order and progress', () => {
  it('yields chunks of chunkRecords records that never mix files, in input order', async () => {
    const a = fixture('chunk-a.jsonl', Array.from({ length: 25 }, (_, i) => JSON.stringify({ i })).join('\n'));
    const b = fixture('chunk-b.jsonl', '{"b":1}\n{"b":2}\n');
    const { records, chunks, chunkPaths } = await readAll([a.plain, b.gz], { chunkRecords: 10 });
    expect(chunks).toEqual([10, 10, 5, 2]);
    expect(chunkPaths).toEqual([a.plain, a.plain, a.plain, b.gz]);
    expect(records.slice(0, 25).map((r) => r.record)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('reports progress with the total size, ending at the compressed size for gzip', async () => {
    const a = fixture('progress.jsonl', jsonLines);
    const seen: { path: string; bytesRead: number; totalBytes: number | null }[] = [];
    await readAll([a.plain, a.gz], { onProgress: (p) => seen.push(p) });
    expect(seen.at(-2)).toEqual({ path: a.plain, bytesRead: statSync(a.plain).size, totalBytes: statSync(a.plain).size });
    expect(seen.at(-1)).toEqual({ path: a.gz, bytesRead: statSync(a.gz).size, totalBytes: statSync(a.gz).size });
  });

  it('stops reading when the consumer breaks out early', async () => {
    const a = fixture('early-break.jsonl', Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i })).join('\n'));
    for (const path of [a.plain, a.gz]) {
      let seen = 0;
      for await (const chunk of readRecords([path], { chunkRecords: 100 })) {
        seen += chunk.length;
        break;
      }
      expect(seen).toBe(100);
    }
  });

  it('reads records that span several 1 MiB reads whole, in JSON Lines and pretty-printed, plain and gzip (read buffers reused)', async () => {
    // Lines of varied length so that read boundaries fall everywhere, one of 2.5 MiB that
    // spans three reads, and enough bytes (~6 MiB) for the two read buffers to take turns.
    const values: unknown[] = [];
    for (let i = 0; i < 6000; i++) values.push({ i, pad: 'p'.repeat((i * 7919) % 1500), tail: `t${i}` });
    values.splice(3000, 0, { big: 'b'.repeat(2.5 * 1024 * 1024) });
    const lines = fixture('reuse.jsonl', `${values.map((v) => JSON.stringify(v)).join('\n')}\n`);
    const pretty = fixture('reuse-pretty.json', values.map((v) => JSON.stringify(v, null, 2)).join('\n'));
    for (const path of [lines.plain, lines.gz, pretty.plain]) {
      const { records, bad } = await readAll([path], { chunkRecords: 500 });
      expect(bad).toEqual([]);
      expect(records.length).toBe(values.length);
      expect(records.map((r) => r.value)).toEqual(values);
    }
  });

  it('rejects a chunkRecords that is not a positive integer', async () => {
    await expect(readAll([], { chunkRecords: 0 })).rejects.toThrow(RangeError);
  });
});

describe('bad input', () => {
  it('reports exactly the broken lines of a file with 10% bad lines and reads all the others', async () => {
    const breakers = [
      (s: string) => s.slice(0, -3), // truncated
      (s: string) => `${s}}`, // trailing garbage
      (s: string) => s.replace('"', ''), // missing quote
      () => 'plain text, not JSON', //
      (s: string) => s.replace(':', ''), // missing colon
    ];
    const lines: string[] = [];
    const expectedBad: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      const good = JSON.stringify({ i, text: `event ${i}`, nested: { x: [i] } });
      if (i % 10 === 0) {
        lines.push((breakers[(i / 10) % breakers.length] ?? String)(good));
        expectedBad.push(i);
      } else lines.push(good);
    }
    const file = fixture('ten-percent-bad.jsonl', lines.join('\n') + '\n');
    for (const path of [file.plain, file.gz]) {
      const { records, bad } = await readAll([path]);
      expect(bad.map((b) => b.record)).toEqual(expectedBad);
      expect(bad.map((b) => b.line)).toEqual(expectedBad);
      expect(bad.every((b) => b.code === 'bad-json' && b.path === path)).toBe(true);
      expect(records).toHaveLength(900);
      expect(records.every((r) => r.record === (r.value as { i: number }).i)).toBe(true);
    }
  });

  it('counts blank lines for line numbers but not for record numbers', async () => {
    const { bad } = await readAll([fixture('blank-then-bad.jsonl', '\n\n{"a":1}\n\n{"a":\n').plain]);
    expect(bad).toEqual([expect.objectContaining({ record: 2, line: 5, code: 'bad-json' })]);
  });

  it('gives a clean bad-json message without echoing the record, with a column', async () => {
    const { bad } = await readAll([fixture('messages.jsonl', `{"a":1 "b":2}\n{"a":}\n{"a":"${'x'.repeat(500)}}\n`).plain]);
    expect(bad.map((b) => b.message)).toEqual([
      "Expected ',' or '}' after property value at column 8",
      "Unexpected token '}'",
      expect.stringMatching(/^Unterminated string at column \d+$/),
    ]);
  });

  it('reports records that are not objects as not-object', async () => {
    const { records, bad } = await readAll([fixture('not-objects.jsonl', '1\n"s"\nnull\ntrue\n[{"a":1}]\n{"ok":1}\n').plain]);
    expect(records.map((r) => r.record)).toEqual([6]);
    expect(bad.map((b) => [b.record, b.code])).toEqual([1, 2, 3, 4, 5].map((r) => [r, 'not-object']));
  });

  it('reports invalid UTF-8 in one line as bad-utf8 without touching the other lines', async () => {
    const content = Buffer.concat([
      Buffer.from('{"a":"caf\u00e9 ok"}\n{"a":"caf'),
      Buffer.from([0xe9]), // Windows-1252 é
      Buffer.from('"}\n{"a":"\u{1f600}"}\n'),
    ]);
    for (const path of Object.values(fixture('latin1-line.jsonl', content))) {
      const { records, bad } = await readAll([path]);
      expect(records.map((r) => r.value)).toEqual([{ a: 'café ok' }, { a: '\u{1f600}' }]);
      expect(bad).toEqual([expect.objectContaining({ record: 2, line: 2, code: 'bad-utf8' })]);
      expect(bad[0]?.message).toMatch(/at byte 10 /);
    }
  });

  it('reports invalid UTF-8 inside a pretty-printed record as bad-utf8', async () => {
    const content = Buffer.concat([Buffer.from('{\n  "a": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n}\n{\n  "b": 1\n}\n')]);
    const { records, bad } = await readAll([fixture('latin1-pretty.json', content).plain]);
    expect(records.map((r) => r.value)).toEqual([{ b: 1 }]);
    expect(bad).toEqual([expect.objectContaining({ record: 1, line: 1, code: 'bad-utf8' })]);
  });

  it('reports a deeply nested object as bad-json and reads the next line', async () => {
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const { records, bad } = await readAll([fixture('deep.jsonl', `${deep}\n{"after":1}\n`).plain]);
    expect(records.map((r) => r.value)).toEqual([{ after: 1 }]);
    expect(bad).toEqual([expect.objectContaining({ record: 1, line: 1, code: 'bad-json', message: expect.stringMatching(/nested too deeply/) })]);
  });

  it('accepts nesting up to the limit', async () => {
    const ok = '{"a":'.repeat(999) + '1' + '}'.repeat(999);
    const { records, bad } = await readAll([fixture('deep-ok.jsonl', `${ok}\n`).plain]);
    expect(bad).toEqual([]);
    expect(records).toHaveLength(1);
  });

  it('reports a deeply nested array element in a value stream and keeps going', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const { records, bad } = await readAll([fixture('deep-array.json', `[\n  {"a":1},\n  ${deep},\n  {"b":2}\n]\n`).plain]);
    expect(records.map((r) => r.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(bad).toEqual([expect.objectContaining({ record: 2, line: 3, code: 'bad-json' })]);
  });

  it('gives binary garbage one clear io error and no records', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff61', 'hex');
    const random = randomBytes(1 << 20);
    for (const content of [png, random]) {
      for (const path of Object.values(fixture(`garbage-${content.length}.bin`, content))) {
        const { records, bad } = await readAll([path]);
        expect(records).toEqual([]);
        expect(bad).toEqual([expect.objectContaining({ code: 'io', record: 0, line: 0, message: expect.stringMatching(/does not look like JSON/) })]);
      }
    }
  });

  it('stops a text file that is not JSON after a bounded number of errors', async () => {
    // An application's own text log: neither JSON nor a known text format (syslog is read as syslog).
    const text = Array.from({ length: 20_000 }, (_, i) => `00:00:${i % 60} INFO [worker-1] line ${i}`).join('\n');
    const { records, bad } = await readAll([fixture('syslog.log', text).plain]);
    expect(records).toEqual([]);
    expect(bad.length).toBe(101);
    expect(bad.at(-1)).toMatchObject({ code: 'io', message: expect.stringMatching(/does not look like JSON/) });
  });

  it('reports UTF-16 input (PowerShell redirection) as io with a hint', async () => {
    const withBom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jsonLines, 'utf16le')]);
    const withoutBom = Buffer.from(jsonLines, 'utf16le');
    for (const content of [withBom, withoutBom]) {
      const { bad } = await readAll([fixture(`utf16-${content.length}.json`, content).plain]);
      expect(bad).toEqual([expect.objectContaining({ code: 'io', message: expect.stringMatching(/UTF-16/) })]);
    }
  });

  it('yields nothing and reports nothing for an empty or whitespace-only file', async () => {
    for (const content of ['', '\n\n  \r\n', '\ufeff']) {
      for (const path of Object.values(fixture(`empty-${content.length}.json`, content))) {
        expect(await readAll([path])).toMatchObject({ records: [], bad: [] });
      }
    }
  });

  it('reads the records of a truncated gzip file and then reports io, not bad-json', async () => {
    const content = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 50) })).join('\n');
    const gz = gzipSync(content);
    const path = join(temp.dir, 'truncated.jsonl.gz');
    writeFileSync(path, gz.subarray(0, gz.length - 200));
    const { records, bad } = await readAll([path]);
    expect(records.length).toBeGreaterThan(1000);
    expect(records.map((r) => r.record)).toEqual(Array.from({ length: records.length }, (_, i) => i + 1));
    expect(bad).toEqual([expect.objectContaining({ code: 'io', message: expect.stringMatching(/gzip data is truncated or corrupt/) })]);
  });

  it('reports a pretty-printed object cut short and reads the objects after it', async () => {
    const content = `${JSON.stringify({ a: { b: { c: 1 } } }, null, 2).slice(0, 30)}\n${prettyObjects}`;
    const { records, bad } = await readAll([fixture('pretty-truncated.json', content).plain]);
    expect(records.map((r) => r.value)).toEqual(EVENTS);
    expect(records.map((r) => r.record)).toEqual([2, 3, 4]);
    expect(bad).toEqual([expect.objectContaining({ record: 1, line: 1, code: 'bad-json' })]);
  });

  it('reports an array that misses its closing bracket', async () => {
    const { records, bad } = await readAll([fixture('open-array.json', '[\n  {"a":1},\n  {"a":2},\n').plain]);
    expect(records).toHaveLength(2);
    expect(bad).toEqual([expect.objectContaining({ record: 0, code: 'bad-json', message: expect.stringMatching(/closing \]/) })]);
  });

  it('reports an unclosed last object at end of file', async () => {
    const { records, bad } = await readAll([fixture('open-object.json', '{\n  "a": 1\n}\n{\n  "b": [1,\n').plain]);
    expect(records).toHaveLength(1);
    expect(bad).toEqual([expect.objectContaining({ record: 2, line: 4, code: 'bad-json', message: expect.stringMatching(/not closed/) })]);
  });
});

describe('too-large records', () => {
  let hugeLine = '';
  beforeAll(async () => {
    // 100 MB on one line, written in 1 MiB pieces so the test itself stays small.
    hugeLine = join(temp.dir, 'huge-line.jsonl');
    const out = createWriteStream(hugeLine);
    const piece = Buffer.alloc(1 << 20, 'x');
    out.write('{"before":1}\n{"big":"');
    for (let i = 0; i < 100; i++) if (!out.write(piece)) await new Promise((r) => out.once('drain', r));
    out.write('"}\n{"after":1}\n');
    await new Promise((r) => out.end(r));
  });

  it('skips a 100 MB line as too-large quickly and reads the record after it', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const { records, bad } = await readAll([hugeLine]);
    expect(records.map((r) => [r.record, r.value])).toEqual([
      [1, { before: 1 }],
      [3, { after: 1 }],
    ]);
    expect(bad).toEqual([expect.objectContaining({ record: 2, line: 2, code: 'too-large' })]);
    // The line was never decoded into a string (that would be 100+ MB of heap).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
  });

  it('streams past a too-large element of a JSON array and reads the next element', async () => {
    const big = { s: 'y'.repeat(3 << 20), inner: ['{', '}', '"'] };
    const content = JSON.stringify([{ a: 1 }, big, { b: 2 }], null, 1);
    for (const path of Object.values(fixture('big-element.json', content))) {
      const { records, bad } = await readAll([path], { maxRecordBytes: 1 << 20 });
      expect(records.map((r) => [r.record, r.value])).toEqual([
        [1, { a: 1 }],
        [3, { b: 2 }],
      ]);
      expect(bad).toEqual([expect.objectContaining({ record: 2, line: 5, code: 'too-large' })]);
    }
  });

  it('applies maxRecordBytes to a record that fits in one read as well', async () => {
    const { records, bad } = await readAll([fixture('small-max.jsonl', `{"a":"${'z'.repeat(100)}"}\n{"b":1}\n`).plain], { maxRecordBytes: 50 });
    expect(records.map((r) => r.value)).toEqual([{ b: 1 }]);
    expect(bad).toEqual([expect.objectContaining({ record: 1, line: 1, code: 'too-large' })]);
  });
});

describe('inputs', () => {
  it('reports a missing path as io and still reads the other inputs', async () => {
    const a = fixture('present.jsonl', '{"a":1}\n');
    const missing = join(temp.dir, 'missing.jsonl');
    const { records, bad } = await readAll([missing, a.plain]);
    expect(records.map((r) => r.value)).toEqual([{ a: 1 }]);
    expect(bad).toEqual<BadRecord[]>([{ path: missing, record: 0, line: 0, code: 'io', message: 'no such file or directory' }]);
  });

  it('reads a folder recursively in sorted order', async () => {
    const root = join(temp.dir, 'folder-input');
    const sub = join(root, 'b');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(root, 'c.jsonl'), '{"n":"c"}\n');
    writeFileSync(join(root, 'a.json'), '{"n":"a"}\n');
    writeFileSync(join(sub, 'x.ndjson'), '{"n":"b/x"}\n');
    writeFileSync(join(root, 'notes.txt'), 'not read\n');
    const { records, bad } = await readAll([root]);
    expect(bad).toEqual([]);
    expect(records.map((r) => r.value['n'])).toEqual(['a', 'b/x', 'c']);
  });
});
