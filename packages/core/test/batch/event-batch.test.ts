import { RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BatchBuilder } from '../../src/batch/batch-builder.js';
import { CellKind, EventBatch, KEYWORD_COLUMN, type FieldColumn } from '../../src/batch/event-batch.js';
import { Rng } from '../../../../test/support/random.js';

const EVENTS: Record<string, unknown>[] = [
  { Image: 'C:\\a.exe', EventID: 1, Data: ['x', 'y'], nested: { path: 'deep' } },
  { Image: 'C:\\b.exe', EventID: '1', Signed: true, 'dotted.key': 'k' },
  { Image: 'C:\\a.exe', EventID: null, Data: [], obj: { a: 1 } },
  {},
];

describe('BatchBuilder', () => {
  const builder = new BatchBuilder({ fields: ['Image', 'EventID', 'Data', 'Signed', 'nested.path', 'dotted.key', 'obj', 'missing'], withKeywords: true });
  const batch = builder.build(EVENTS);

  it('dictionary-encodes strings: each distinct value once', () => {
    const c = batch.column('Image')!;
    expect(c.dictionary).toEqual(['C:\\a.exe', 'C:\\b.exe']);
    expect([...c.keys]).toEqual([0, 1, 0, -1]);
    expect([...c.kinds]).toEqual([CellKind.STRING, CellKind.STRING, CellKind.STRING, CellKind.ABSENT]);
  });

  it('keeps numbers and strings in one column through their text, and marks null apart from absent', () => {
    const c = batch.column('EventID')!;
    expect(c.dictionary).toEqual(['1']);
    expect([...c.kinds]).toEqual([CellKind.NUMBER, CellKind.STRING, CellKind.NULL, CellKind.ABSENT]);
    expect(batch.column('Signed')!.dictionary).toEqual(['true']);
  });

  it('stores lists as element keys with offsets, and objects as OBJECT', () => {
    const c = batch.column('Data')!;
    expect([...c.kinds]).toEqual([CellKind.LIST, CellKind.ABSENT, CellKind.LIST, CellKind.ABSENT]);
    expect([...c.listOffsets!]).toEqual([0, 2, 2, 2, 2]);
    expect([...c.listKeys!].map((k) => c.dictionary[k])).toEqual(['x', 'y']);
    expect(batch.column('obj')!.kinds[2]).toBe(CellKind.OBJECT);
  });

  it('reads dotted paths and keys that contain dots', () => {
    expect(batch.column('nested.path')!.dictionary).toEqual(['deep']);
    expect(batch.column('dotted.key')!.dictionary).toEqual(['k']);
  });

  it('collects every scalar value (not keys) into the keyword column', () => {
    const c = batch.column(KEYWORD_COLUMN)!;
    const row0 = [...c.listKeys!.subarray(c.listOffsets![0], c.listOffsets![1])].map((k) => c.dictionary[k]);
    expect(row0.sort()).toEqual(['1', 'C:\\a.exe', 'deep', 'x', 'y']);
  });

  it('round-trips through an Arrow RecordBatch and Arrow IPC unchanged (the keyword column: the same values per row)', () => {
    const writer = RecordBatchStreamWriter.writeAll([batch.toArrow()]);
    const bytes = writer.toUint8Array(true);
    const reader = RecordBatchReader.from(bytes);
    const back = EventBatch.fromArrow([...reader][0]!);
    expect(back.rows).toBe(4);
    expect(cells(back.column(KEYWORD_COLUMN)!)).toEqual(cells(batch.column(KEYWORD_COLUMN)!));
    for (const name of batch.columnNames) {
      const a = batch.column(name)!;
      const b = back.column(name)!;
      if (name === KEYWORD_COLUMN) continue;
      expect([...b.kinds], name).toEqual([...a.kinds]);
      expect([...b.dictionary], name).toEqual([...a.dictionary]);
      for (let i = 0; i < 4; i++) if (a.keys[i]! >= 0) expect(b.keys[i], name).toBe(a.keys[i]);
      expect(b.listOffsets === null ? null : [...b.listOffsets]).toEqual(a.listOffsets === null ? null : [...a.listOffsets]);
      expect(b.listKeys === null ? null : [...b.listKeys]).toEqual(a.listKeys === null ? null : [...a.listKeys]);
    }
  });
});

describe('BatchBuilder with a growing schema', () => {
  it('adds a column when a new field appears and keeps every earlier column', () => {
    const builder = new BatchBuilder({ fields: 'all', withKeywords: false });
    const first = builder.build([{ a: 1, b: 'x' }]);
    expect(first.columnNames).toEqual(['a', 'b']);
    const second = builder.build([{ b: 'y' }, { c: true, 'd.e': 'dotted' }]);
    expect(second.columnNames).toEqual(['a', 'b', 'c', 'd.e']);
    expect([...second.column('a')!.kinds]).toEqual([CellKind.ABSENT, CellKind.ABSENT]);
    expect(second.column('c')!.dictionary).toEqual(['true']);
    expect(second.column('d.e')!.dictionary).toEqual(['dotted']);
    expect(builder.fields).toEqual(['a', 'b', 'c', 'd.e']);
  });

  it('keeps numbers and strings of one field in one column, compared through their text', () => {
    const batch = new BatchBuilder({ fields: 'all', withKeywords: false }).build([{ EventID: 4688 }, { EventID: '4688' }]);
    const c = batch.column('EventID')!;
    expect(c.dictionary).toEqual(['4688']);
    expect([...c.kinds]).toEqual([CellKind.NUMBER, CellKind.STRING]);
  });
});

describe('BatchBuilder keyword sources', () => {
  it('searches the record as read, each scalar once, when normalized events come with their sources', () => {
    const raw = { Event: { System: { EventID: 1, Channel: 'Sysmon' }, EventData: { Image: 'C:\\a.exe  ', Note: null } } };
    // What normalizeEvent makes of it: flat fields plus the original under `Event`.
    const normalized = { Event: raw.Event, EventID: 1, Channel: 'Sysmon', Image: 'C:\\a.exe', Note: '' };
    const builder = new BatchBuilder({ fields: ['Image'], withKeywords: true });
    const c = builder.build([normalized], [raw]).column(KEYWORD_COLUMN)!;
    const values = [...c.listKeys!.subarray(c.listOffsets![0], c.listOffsets![1])].map((k) => c.dictionary[k]);
    expect(values).toEqual(['1', 'Sysmon', 'C:\\a.exe  ']);
    // Without sources the event itself is searched: flat fields and the original.
    const both = builder.build([normalized]).column(KEYWORD_COLUMN)!;
    expect(both.listOffsets![1]).toBe(7);
  });
});

/** Each row's value(s) through the dictionary: what a column holds, whatever its key order. */
function cells(c: FieldColumn): unknown[] {
  return Array.from(c.kinds, (kind, row) =>
    kind === CellKind.LIST && c.listOffsets !== null && c.listKeys !== null
      ? [...c.listKeys.subarray(c.listOffsets[row], c.listOffsets[row + 1])].map((k) => c.dictionary[k])
      : [kind, c.keys[row]! >= 0 ? c.dictionary[c.keys[row]!] : null],
  );
}

describe('EventBatch.toArrow keyword column', () => {
  it('sends each distinct keyword value once, and every row gets its values back in order', () => {
    const events = [
      { Channel: 'Security', EventID: 4688, CommandLine: 'whoami /all' },
      { Channel: 'Security', EventID: 4688, CommandLine: 'net user' },
      { Channel: 'Security', EventID: 4624, Data: ['Security', 'x', 'x'] },
    ];
    const batch = new BatchBuilder({ fields: ['Channel'], withKeywords: true }).build(events);
    const built = batch.column(KEYWORD_COLUMN)!;
    expect(built.dictionary.length).toBe(11);
    const bytes = RecordBatchStreamWriter.writeAll([batch.toArrow()]).toUint8Array(true);
    const back = EventBatch.fromArrow([...RecordBatchReader.from(bytes)][0]!).column(KEYWORD_COLUMN)!;
    expect([...back.dictionary]).toEqual(['Security', '4688', 'whoami /all', 'net user', '4624', 'x']);
    expect(cells(back)).toEqual(cells(built));
  });
});

describe('EventBatch.fromArrow string decoding', () => {
  it('gives back every dictionary string, for ASCII-only and for non-ASCII columns', () => {
    const events = [
      { Ascii: 'C:\\Windows\\cmd.exe', Mixed: 'café', Empty: '' },
      { Ascii: 'x', Mixed: '😀 emoji', Empty: '' },
      { Ascii: 'C:\\Windows\\cmd.exe', Mixed: 'Ünïcödé \u0000 nul', Empty: 'not empty' },
    ];
    const batch = new BatchBuilder({ fields: ['Ascii', 'Mixed', 'Empty'], withKeywords: true }).build(events);
    const bytes = RecordBatchStreamWriter.writeAll([batch.toArrow()]).toUint8Array(true);
    const back = EventBatch.fromArrow([...RecordBatchReader.from(bytes)][0]!);
    for (const name of batch.columnNames) expect(cells(back.column(name)!), name).toEqual(cells(batch.column(name)!));
    expect(back.column('Mixed')!.dictionary).toEqual(['café', '😀 emoji', 'Ünïcödé \u0000 nul']);
  });

  it('gives back every string of columns where a few values are not ASCII, wherever they stand', () => {
    // Decoding reads a chunk as Latin-1 and decodes again only the values with a non-ASCII
    // byte: runs of ASCII values before, between and after them must come back unchanged.
    const pieces = ['a', 'C:\\Windows', ' ', '', 'é', 'ÿ', '\u0080', 'Ā', '€', '😀', '\u007f', 'ü-x', '\u0000'];
    const rng = new Rng(77);
    const events = Array.from({ length: 400 }, () => {
      const value = (): string => Array.from({ length: rng.int(4) }, () => (rng.chance(0.9) ? rng.pick(pieces.slice(0, 4)) : rng.pick(pieces))).join('');
      return { A: value(), B: [value(), value()], C: { d: value() } };
    });
    const batch = new BatchBuilder({ fields: ['A', 'B'], withKeywords: true }).build(events);
    const bytes = RecordBatchStreamWriter.writeAll([batch.toArrow()]).toUint8Array(true);
    const back = EventBatch.fromArrow([...RecordBatchReader.from(bytes)][0]!);
    for (const name of batch.columnNames) expect(cells(back.column(name)!), name).toEqual(cells(batch.column(name)!));
    const keywords = batch.column(KEYWORD_COLUMN)!.dictionary;
    const isAsciiText = (v: string): boolean => [...v].every((c) => c.charCodeAt(0) < 0x80);
    expect(keywords.some((v) => !isAsciiText(v))).toBe(true);
    expect(keywords.filter(isAsciiText).length).toBeGreaterThan(keywords.length / 2);
  });
});
