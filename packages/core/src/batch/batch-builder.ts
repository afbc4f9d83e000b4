// Builds EventBatches from parsed events in one pass over the rows: each event's own keys
// are looked up in the rule set's field index (a few dozen keys per event instead of ~200
// field reads, most of them misses), and dotted names go through an accessor compiled once
// (exact key first, then the path: sigma-semantics.md §2.2).
import { compileFieldPath, type FieldAccessor } from '../event/lookup-field.js';
import { DictionaryBuilder } from './dictionary-builder.js';
import { EventBatch, KEYWORD_COLUMN, CellKind, type FieldColumn } from './event-batch.js';

/** What a batch builder builds columns for. */
export interface BatchBuilderOptions {
  /**
   * Fields to build columns for: the fields the compiled rule set reads (the engine's
   * choice: no work for fields no rule reads), or 'all': every top-level key of the events,
   * with the schema growing as new keys appear (for storage and exploration).
   */
  readonly fields: readonly string[] | 'all';
  /** Also build the keyword column (every scalar value of each event). */
  readonly withKeywords: boolean;
}

/** Reusable builder: field accessors are compiled once, then `build` runs per batch. */
export class BatchBuilder {
  readonly #fields: string[];
  readonly #withKeywords: boolean;
  readonly #grows: boolean;
  readonly #known: Set<string>;
  /**
   * Plain field names (no dot, not an Object.prototype member) by column index. A row's
   * own keys are looked up here: an event has a few dozen keys while a rule set reads
   * ~200 fields, and a missing property read on a megamorphic object is the slow path.
   */
  readonly #plainIndex = new Map<string, number>();
  /** Columns read through a compiled accessor instead (dotted paths, `constructor`, ...). */
  readonly #pathColumns: { readonly column: number; readonly get: FieldAccessor }[] = [];

  constructor(options: BatchBuilderOptions) {
    this.#grows = options.fields === 'all';
    this.#fields = [];
    this.#known = new Set();
    if (options.fields !== 'all') for (const f of options.fields) this.#add(f);
    this.#withKeywords = options.withKeywords;
  }

  #add(field: string): void {
    if (this.#known.has(field)) return;
    this.#known.add(field);
    const index = this.#fields.length;
    this.#fields.push(field);
    if (!field.includes('.') && !(field in Object.prototype)) this.#plainIndex.set(field, index);
    else this.#pathColumns.push({ column: index, get: compileFieldPath(field) });
  }

  /** The schema so far: one column per field, in the order the fields first appeared. */
  get fields(): readonly string[] {
    return this.#fields;
  }

  /**
   * Builds one batch. `keywordSources[row]` is what keyword search reads for that row: the
   * record as read, before normalization (sigma-semantics.md §5: "every scalar value of the
   * event"), so that a normalized Windows event is not searched twice (its flat fields and
   * the original under `Event`). Defaults to the events themselves.
   */
  build(events: readonly Record<string, unknown>[], keywordSources: readonly unknown[] = events): EventBatch {
    if (this.#grows) {
      for (const event of events) {
        for (const key in event) {
          if (!this.#known.has(key) && Object.hasOwn(event, key)) this.#add(key);
        }
      }
    }
    const n = events.length;
    const cols: ColumnBuilder[] = [];
    for (let f = 0; f < this.#fields.length; f++) cols.push(new ColumnBuilder(this.#fields[f] as string, n));
    const plain = this.#plainIndex;
    const paths = this.#pathColumns;
    for (let row = 0; row < n; row++) {
      const event = events[row] as Record<string, unknown>;
      for (const key in event) {
        const f = plain.get(key);
        if (f !== undefined) (cols[f] as ColumnBuilder).put(row, event[key]);
      }
      for (let p = 0; p < paths.length; p++) {
        const path = paths[p] as { readonly column: number; readonly get: FieldAccessor };
        (cols[path.column] as ColumnBuilder).put(row, path.get(event));
      }
    }
    const columns: FieldColumn[] = cols.map((c) => c.finish());
    if (this.#withKeywords) columns.push(buildKeywordColumn(keywordSources, n));
    return new EventBatch(n, columns);
  }
}

/** One column being filled row by row; rows never put stay ABSENT. */
class ColumnBuilder {
  readonly #name: string;
  readonly #rows: number;
  readonly #kinds: Uint8Array;
  readonly #keys: Int32Array;
  readonly #dict = new DictionaryBuilder();
  #listOffsets: Int32Array | null = null;
  #listKeys: number[] | null = null;
  /** Rows below this have their list offsets written. */
  #offsetsDone = 0;

  constructor(name: string, rows: number) {
    this.#name = name;
    this.#rows = rows;
    this.#kinds = new Uint8Array(rows);
    this.#keys = new Int32Array(rows).fill(-1);
  }

  put(row: number, v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.#kinds[row] = CellKind.STRING;
        this.#keys[row] = this.#dict.key(v);
        break;
      case 'number':
        this.#kinds[row] = CellKind.NUMBER;
        this.#keys[row] = this.#dict.key(String(v));
        break;
      case 'boolean':
        this.#kinds[row] = CellKind.BOOLEAN;
        this.#keys[row] = this.#dict.key(v ? 'true' : 'false');
        break;
      case 'object':
        if (v === null) this.#kinds[row] = CellKind.NULL;
        else if (Array.isArray(v)) this.#putList(row, v);
        else this.#kinds[row] = CellKind.OBJECT;
        break;
      default:
        break; // undefined (absent), functions, symbols, bigints: ABSENT
    }
  }

  #putList(row: number, v: readonly unknown[]): void {
    this.#kinds[row] = CellKind.LIST;
    // Lists are rare (evtx `Data`): offsets are only allocated once one appears.
    this.#listOffsets ??= new Int32Array(this.#rows + 1);
    const listKeys = (this.#listKeys ??= []);
    this.#fillOffsets(row);
    for (const item of v) {
      if (typeof item === 'string') listKeys.push(this.#dict.key(item));
      else if (typeof item === 'number') listKeys.push(this.#dict.key(String(item)));
      else if (typeof item === 'boolean') listKeys.push(this.#dict.key(item ? 'true' : 'false'));
    }
    this.#listOffsets[row + 1] = listKeys.length;
    this.#offsetsDone = row + 1;
  }

  /** Rows before `row` without a list end where the list keys stand now. */
  #fillOffsets(row: number): void {
    const offsets = this.#listOffsets as Int32Array;
    const length = (this.#listKeys as number[]).length;
    for (let r = this.#offsetsDone; r < row; r++) offsets[r + 1] = length;
  }

  finish(): FieldColumn {
    if (this.#listOffsets !== null) this.#fillOffsets(this.#rows);
    return {
      name: this.#name,
      kinds: this.#kinds,
      keys: this.#keys,
      dictionary: this.#dict.values,
      listOffsets: this.#listOffsets,
      listKeys: this.#listKeys === null ? null : Int32Array.from(this.#listKeys),
    };
  }
}

/**
 * Every scalar value of each event, recursively, as one list row per event (§5: not keys).
 * Not deduplicated: nearly all of an event's text is in values unique to it (messages,
 * command lines, GUIDs, times), so hashing every value to share the few repeats cost more
 * than scanning them again. The dictionary is the values in row order.
 */
function buildKeywordColumn(sources: readonly unknown[], n: number): FieldColumn {
  const kinds = new Uint8Array(n).fill(CellKind.LIST);
  const keys = new Int32Array(n).fill(-1);
  const listOffsets = new Int32Array(n + 1);
  const values: string[] = [];
  for (let row = 0; row < n; row++) {
    collectScalars(sources[row], values);
    listOffsets[row + 1] = values.length;
  }
  const listKeys = new Int32Array(values.length);
  for (let i = 0; i < listKeys.length; i++) listKeys[i] = i;
  return { name: KEYWORD_COLUMN, kinds, keys, dictionary: values, listOffsets, listKeys };
}

/** Depth first, in document order; nesting is bounded by the readers (1,000 levels). */
function collectScalars(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number') out.push(String(v));
  else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) collectScalars(v[i], out);
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const key in o) if (Object.hasOwn(o, key)) collectScalars(o[key], out);
  }
}
