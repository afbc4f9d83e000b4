// EventBatch: a block of events turned into columns, one per field the rule set reads.
// Strings are dictionary-encoded (each distinct value once per batch), so a string test
// runs once per distinct value instead of once per row (DESIGN.md, "Why Arrow batches").
// The columns map one-to-one onto an Apache Arrow RecordBatch (`toArrow`/`fromArrow`),
// which is how batches cross thread boundaries and reach storage.
import type { Data, DataType, Field, RecordBatch, Utf8, Vector } from 'apache-arrow';
import { arrow } from '../lazy/lazy-modules.js';
import { Buffer, isAscii } from 'node:buffer';
import { DictionaryBuilder } from './dictionary-builder.js';

/** What a field holds in one row. String tests see STRING, NUMBER and BOOLEAN rows through their text. */
export const CellKind = Object.freeze({
  ABSENT: 0,
  NULL: 1,
  STRING: 2,
  NUMBER: 3,
  BOOLEAN: 4,
  LIST: 5,
  OBJECT: 6,
});

/**
 * One field over the rows of a batch. `keys[row]` indexes `dictionary` for scalar rows
 * (-1 otherwise); list rows keep their scalar elements in `listKeys[listOffsets[row] ..
 * listOffsets[row + 1]]`, indexes into the same dictionary.
 */
export interface FieldColumn {
  readonly name: string;
  readonly kinds: Uint8Array;
  readonly keys: Int32Array;
  readonly dictionary: readonly string[];
  readonly listOffsets: Int32Array | null;
  readonly listKeys: Int32Array | null;
}

/** Name of the column that holds every scalar value of each event, for keyword search (§5). */
export const KEYWORD_COLUMN = '\u0001keywords';

/** Text of a scalar for string tests (§2.4): integers without `.0`, booleans as true/false. */
export function scalarText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

/** Rows of events as columns, one per field the rules read (strings dictionary-encoded); `toArrow`/`fromArrow` map it onto an Arrow record batch. */
export class EventBatch {
  readonly rows: number;
  readonly #columns: Map<string, FieldColumn>;

  constructor(rows: number, columns: readonly FieldColumn[]) {
    this.rows = rows;
    this.#columns = new Map(columns.map((c) => [c.name, c]));
  }

  /** The column of `field`, or undefined when the batch was built without it (every row absent). */
  column(field: string): FieldColumn | undefined {
    return this.#columns.get(field);
  }

  get columnNames(): readonly string[] {
    return [...this.#columns.keys()];
  }

  /**
   * The batch as an Arrow RecordBatch: per field a Dictionary<Utf8, Int32> column, a Uint8
   * kind column and, when lists occur, a List<Int32> of dictionary keys. The keyword column,
   * built without deduplication, is deduplicated here: whatever receives the batch decodes
   * each distinct value once (on OTRF, 7 % of its values and 44 % of its text). With
   * `omitAbsentColumns`, fields absent from every row are left out: {@link fromArrow} then
   * has no column for them, which every reader takes as absent on every row, as it is. A
   * batch of one log type leaves most of a rule set's ~200 fields empty, and workers
   * receive batches this way (less to copy and to decode).
   */
  toArrow(options: { readonly omitAbsentColumns?: boolean } = {}): RecordBatch {
    const { Dictionary, Field, Int32, List, makeData, RecordBatch, Schema, Struct, Uint8, Utf8 } = arrow();
    const fields: Field[] = [];
    const children: Data[] = [];
    for (const column of this.#columns.values()) {
      if (options.omitAbsentColumns === true && isAllAbsent(column.kinds)) continue;
      const c = column.name === KEYWORD_COLUMN ? deduplicated(column) : column;
      const dictionary = utf8Vector(c.dictionary);
      const dictType = new Dictionary(new Utf8(), new Int32(), fields.length);
      const valid = validityOf(c.keys);
      fields.push(new Field(c.name, dictType, true));
      children.push(
        makeData({ type: dictType, length: this.rows, nullCount: valid.nullCount, nullBitmap: valid.bitmap, data: c.keys, dictionary }),
      );
      fields.push(new Field(`${c.name}\u0000kind`, new Uint8(), false));
      children.push(makeData({ type: new Uint8(), length: this.rows, nullCount: 0, data: c.kinds }));
      if (c.listOffsets !== null && c.listKeys !== null) {
        const listType = new List(new Field('key', new Int32(), false));
        const child = makeData({ type: new Int32(), length: c.listKeys.length, nullCount: 0, data: c.listKeys });
        fields.push(new Field(`${c.name}\u0000list`, listType, false));
        children.push(makeData({ type: listType, length: this.rows, nullCount: 0, valueOffsets: c.listOffsets, child }));
      }
    }
    const struct = makeData({ type: new Struct(fields), length: this.rows, nullCount: 0, children });
    return new RecordBatch(new Schema(fields), struct);
  }

  /** Rebuilds the columns from an Arrow RecordBatch made by {@link toArrow}; a column's strings are decoded once, when first read. */
  static fromArrow(batch: RecordBatch): EventBatch {
    const columns: FieldColumn[] = [];
    const fields = batch.schema.fields;
    const indexOf = new Map<string, number>();
    for (let i = 0; i < fields.length; i++) indexOf.set((fields[i] as Field<DataType>).name, i);
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as Field<DataType>;
      if (field.name.includes('\u0000')) continue;
      const data = batch.getChildAt(i)?.data[0];
      const kindsIndex = indexOf.get(`${field.name}\u0000kind`) ?? -1;
      const listIndex = indexOf.get(`${field.name}\u0000list`) ?? -1;
      if (data === undefined || kindsIndex < 0) continue;
      const kindsData = batch.getChildAt(kindsIndex)?.data[0];
      const listData = listIndex >= 0 ? batch.getChildAt(listIndex)?.data[0] : undefined;
      const listChild = listData?.children[0];
      // IPC buffers are padded to 8 bytes: view exactly the rows of this batch.
      const rows = batch.numRows;
      // A column's strings are decoded when first read: the evaluator reads only the fields
      // of the rules routed to the batch's rows, often a small part of a rule set's fields.
      const dictionaryData = data.dictionary?.data as Data<Utf8>[] | undefined;
      let dictionary: readonly string[] | null = null;
      columns.push({
        name: field.name,
        kinds: exact(kindsData?.values as Uint8Array, kindsData?.offset ?? 0, rows),
        keys: exact(data.values as Int32Array, data.offset, rows),
        get dictionary(): readonly string[] {
          dictionary ??= dictionaryData === undefined ? [] : decodeStrings(dictionaryData);
          return dictionary;
        },
        listOffsets: listData === undefined ? null : exact(listData.valueOffsets as Int32Array, listData.offset, rows + 1),
        listKeys: listChild === undefined ? null : exact(listChild.values as Int32Array, listChild.offset, listChild.length),
      });
    }
    return new EventBatch(batch.numRows, columns);
  }
}

/**
 * Strings as an Arrow Utf8 vector, written straight into one buffer with their offsets: Arrow's
 * `vectorFromArray` goes through its builder, which cost most of `toArrow` (a batch's
 * dictionaries are every distinct value of every field; issue 14, evaluate over Arrow IPC).
 */
function utf8Vector(strings: readonly string[]): Vector<Utf8> {
  const { makeData, makeVector, Utf8 } = arrow();
  // Measured: one write per string beats one encode of the joined strings (3x on OTRF).
  let total = 0;
  for (let i = 0; i < strings.length; i++) total += Buffer.byteLength(strings[i] as string, 'utf8');
  const bytes = Buffer.allocUnsafeSlow(total);
  const offsets = new Int32Array(strings.length + 1);
  let at = 0;
  for (let i = 0; i < strings.length; i++) {
    at += bytes.write(strings[i] as string, at, 'utf8');
    offsets[i + 1] = at;
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, total);
  return makeVector(makeData({ type: new Utf8(), length: strings.length, nullCount: 0, valueOffsets: offsets, data }));
}

/**
 * The strings of Utf8 data, one decoder call per value, so that each is a flat string of
 * its own. Slices of one decoded chunk cost less to make but more to use (every test then
 * reads a sliced string, and a kept value pins its whole chunk); with the keyword column
 * deduplicated a batch holds few enough distinct values for this to be the cheaper way: on
 * the first 50,000 OTRF events with the SigmaHQ rules, decode + evaluate took 1,147-1,189 ms
 * of CPU this way against 1,214-1,289 ms with slices (medians of 7 interleaved runs, twice).
 * A chunk of ASCII bytes is read as Latin-1 (no UTF-8 validation). Dictionaries built by
 * {@link toArrow} have no nulls.
 */
function decodeStrings(chunks: readonly Data<Utf8>[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    const offsets = chunk.valueOffsets;
    const values = chunk.values;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    const encoding = isAscii(bytes) ? 'latin1' : 'utf8';
    const first = chunk.offset;
    for (let i = 0; i < chunk.length; i++) out.push(bytes.toString(encoding, offsets[first + i] as number, offsets[first + i + 1] as number));
  }
  return out;
}

/**
 * A list column with each distinct value once in its dictionary (first occurrence order),
 * its list keys renumbered; the same values row by row.
 */
function deduplicated(c: FieldColumn): FieldColumn {
  const { dictionary, listKeys } = c;
  if (listKeys === null) return c;
  const distinct = new DictionaryBuilder();
  const renumbered = new Int32Array(dictionary.length);
  for (let k = 0; k < dictionary.length; k++) renumbered[k] = distinct.key(dictionary[k] as string);
  if (distinct.values.length === dictionary.length) return c;
  const keys = new Int32Array(listKeys.length);
  for (let i = 0; i < keys.length; i++) keys[i] = renumbered[listKeys[i] as number] as number;
  return { ...c, dictionary: distinct.values, listKeys: keys };
}

function isAllAbsent(kinds: Uint8Array): boolean {
  for (let i = 0; i < kinds.length; i++) if (kinds[i] !== CellKind.ABSENT) return false;
  return true;
}

function exact<T extends Uint8Array | Int32Array>(values: T, offset: number, length: number): T {
  return values.subarray(offset, offset + length) as T;
}

function validityOf(keys: Int32Array): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((keys.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < keys.length; i++) {
    if ((keys[i] as number) >= 0) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    else nullCount++;
  }
  return { bitmap, nullCount };
}
