// Builds EventBatches from parsed events: one pass per field over the rows, with a field
// accessor compiled once (exact key first, then the dotted path: sigma-semantics.md §2.2).
import { compileFieldPath } from '../event/lookup-field.js';
import { EventBatch, KEYWORD_COLUMN, CellKind, type FieldColumn } from './event-batch.js';

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
  readonly #accessors: ((event: Record<string, unknown>) => unknown)[];
  readonly #withKeywords: boolean;
  readonly #grows: boolean;
  readonly #known: Set<string>;

  constructor(options: BatchBuilderOptions) {
    this.#grows = options.fields === 'all';
    this.#fields = options.fields === 'all' ? [] : [...new Set(options.fields)];
    this.#known = new Set(this.#fields);
    this.#accessors = this.#fields.map((f) => compileFieldPath(f));
    this.#withKeywords = options.withKeywords;
  }

  /** The schema so far: one column per field, in the order the fields first appeared. */
  get fields(): readonly string[] {
    return this.#fields;
  }

  build(events: readonly Record<string, unknown>[]): EventBatch {
    if (this.#grows) {
      for (const event of events) {
        for (const key in event) {
          if (!this.#known.has(key) && Object.hasOwn(event, key)) {
            this.#known.add(key);
            this.#fields.push(key);
            this.#accessors.push((e) => (Object.hasOwn(e, key) ? e[key] : undefined));
          }
        }
      }
    }
    const columns: FieldColumn[] = [];
    for (let f = 0; f < this.#fields.length; f++) {
      columns.push(buildColumn(this.#fields[f] as string, this.#accessors[f] as (e: Record<string, unknown>) => unknown, events));
    }
    if (this.#withKeywords) columns.push(buildKeywordColumn(events));
    return new EventBatch(events.length, columns);
  }
}

class DictionaryBuilder {
  readonly index = new Map<string, number>();
  readonly values: string[] = [];

  key(text: string): number {
    let k = this.index.get(text);
    if (k === undefined) {
      k = this.values.length;
      this.index.set(text, k);
      this.values.push(text);
    }
    return k;
  }
}

function buildColumn(name: string, get: (e: Record<string, unknown>) => unknown, events: readonly Record<string, unknown>[]): FieldColumn {
  const n = events.length;
  const kinds = new Uint8Array(n);
  const keys = new Int32Array(n).fill(-1);
  const dict = new DictionaryBuilder();
  let listOffsets: Int32Array | null = null;
  let listKeys: number[] | null = null;
  for (let row = 0; row < n; row++) {
    const v = get(events[row] as Record<string, unknown>);
    switch (typeof v) {
      case 'undefined':
        break; // ABSENT is 0
      case 'string':
        kinds[row] = CellKind.STRING;
        keys[row] = dict.key(v);
        break;
      case 'number':
        kinds[row] = CellKind.NUMBER;
        keys[row] = dict.key(String(v));
        break;
      case 'boolean':
        kinds[row] = CellKind.BOOLEAN;
        keys[row] = dict.key(v ? 'true' : 'false');
        break;
      case 'object':
        if (v === null) kinds[row] = CellKind.NULL;
        else if (Array.isArray(v)) {
          kinds[row] = CellKind.LIST;
          if (listOffsets === null) {
            // Lists are rare (evtx `Data`): offsets are only allocated once one appears.
            listOffsets = new Int32Array(n + 1);
            listKeys = [];
          }
          for (const item of v) {
            if (typeof item === 'string') listKeys!.push(dict.key(item));
            else if (typeof item === 'number') listKeys!.push(dict.key(String(item)));
            else if (typeof item === 'boolean') listKeys!.push(dict.key(item ? 'true' : 'false'));
          }
        } else kinds[row] = CellKind.OBJECT;
        break;
      default:
        break;
    }
    if (listOffsets !== null) listOffsets[row + 1] = listKeys!.length;
  }
  return {
    name,
    kinds,
    keys,
    dictionary: dict.values,
    listOffsets,
    listKeys: listKeys === null ? null : Int32Array.from(listKeys),
  };
}

/** Every scalar value of each event, recursively, as one list row per event (§5: not keys). */
function buildKeywordColumn(events: readonly Record<string, unknown>[]): FieldColumn {
  const n = events.length;
  const kinds = new Uint8Array(n).fill(CellKind.LIST);
  const keys = new Int32Array(n).fill(-1);
  const listOffsets = new Int32Array(n + 1);
  const listKeys: number[] = [];
  const dict = new DictionaryBuilder();
  const stack: unknown[] = [];
  for (let row = 0; row < n; row++) {
    stack.push(events[row]);
    while (stack.length > 0) {
      const v = stack.pop();
      if (typeof v === 'string') listKeys.push(dict.key(v));
      else if (typeof v === 'number') listKeys.push(dict.key(String(v)));
      else if (typeof v === 'boolean') listKeys.push(dict.key(v ? 'true' : 'false'));
      else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
      else if (v !== null && typeof v === 'object') {
        const values = Object.values(v);
        for (let i = values.length - 1; i >= 0; i--) stack.push(values[i]);
      }
    }
    listOffsets[row + 1] = listKeys.length;
  }
  return { name: KEYWORD_COLUMN, kinds, keys, dictionary: dict.values, listOffsets, listKeys: Int32Array.from(listKeys) };
}
