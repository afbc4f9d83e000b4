// Ingest routes measured by ingest-routes.bench.mjs but not shipped: a Parquet file per batch
// (Apache Arrow built column by column in Node, written by parquet-wasm, read by DuckDB's
// built-in read_parquet) and a CSV file per batch (read by read_csv). Each is an IngestRoute
// (packages/storage/src/store/ingest-route.ts): EventStore still owns the transaction, the
// schema changes and the watermarks, so only the way rows reach `events` differs.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TextEncoder } from 'node:util';
import { structValue } from '@duckdb/node-api';
import { Bool, Field, Float64, Int32, Int64, List, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8 } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';

const RESERVED = [
  ['source_path', 'VARCHAR'],
  ['source_record', 'BIGINT'],
  ['event_time', 'VARCHAR'],
  ['is_windows', 'BOOLEAN'],
  ['source_route', 'INTEGER'],
];
const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

/** The batch as columns: per stored column its type and its values (null where missing). */
function columnize(batch, fields) {
  const n = batch.path.length;
  const columns = RESERVED.map(([name, type]) => ({ name, type, values: null }));
  columns[0].values = batch.path;
  columns[1].values = batch.record;
  columns[2].values = batch.time;
  columns[3].values = batch.windows;
  columns[4].values = batch.route;
  const byField = new Map();
  for (const f of fields) {
    const c = { name: f.column, type: f.type, values: new Array(n).fill(null) };
    columns.push(c);
    byField.set(f.field, c);
  }
  for (let r = 0; r < n; r++) {
    const event = JSON.parse(batch.json[r]);
    for (const key in event) {
      const v = event[key];
      if (v === null || v === undefined) continue;
      const c = byField.get(key);
      if (c !== undefined) c.values[r] = v;
    }
  }
  return columns;
}

/** The SELECT list reading staged columns into `events` (JSON text cast, time try_cast). */
function selectList(columns, listAsJson) {
  return columns
    .map(({ name, type }) => {
      const q = quoteIdent(name);
      if (name === 'event_time') return `try_cast(${q} AS TIMESTAMP)`;
      if (type === 'JSON') return `${q}::JSON`;
      if (type === 'VARCHAR[]' && listAsJson) return `${q}::JSON::VARCHAR[]`;
      return q;
    })
    .join(', ');
}

const encoder = new TextEncoder();

/** Arrow Data of UTF-8 strings (null where `texts[i]` is null). */
function utf8Data(texts) {
  const n = texts.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let bytes = 0;
  for (let i = 0; i < n; i++) if (texts[i] !== null) bytes += texts[i].length * 3;
  let buf = new Uint8Array(bytes);
  let at = 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const t = texts[i];
    if (t === null) nulls++;
    else {
      bitmap[i >> 3] |= 1 << (i & 7);
      at += encoder.encodeInto(t, buf.subarray(at)).written;
    }
    offsets[i + 1] = at;
  }
  buf = buf.subarray(0, at);
  return makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data: buf });
}

/** Arrow Data of one column in its store type. */
function arrowData({ type, values }) {
  const n = values.length;
  if (type === 'VARCHAR' || type === 'JSON') return utf8Data(type === 'JSON' ? values.map((v) => (v === null ? null : JSON.stringify(v))) : values);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] === null) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  if (type === 'BIGINT') {
    const data = new BigInt64Array(n);
    for (let i = 0; i < n; i++) if (values[i] !== null) data[i] = BigInt(values[i]);
    return makeData({ type: new Int64(), length: n, nullCount: nulls, nullBitmap: bitmap, data });
  }
  if (type === 'INTEGER') return makeData({ type: new Int32(), length: n, nullCount: nulls, nullBitmap: bitmap, data: Int32Array.from(values, (v) => v ?? 0) });
  if (type === 'DOUBLE') return makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: Float64Array.from(values, (v) => v ?? 0) });
  if (type === 'BOOLEAN') {
    const data = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) if (values[i] === true) data[i >> 3] |= 1 << (i & 7);
    return makeData({ type: new Bool(), length: n, nullCount: nulls, nullBitmap: bitmap, data });
  }
  // VARCHAR[]: a list of UTF-8 strings.
  const offsets = new Int32Array(n + 1);
  const items = [];
  for (let i = 0; i < n; i++) {
    if (values[i] !== null) for (const s of values[i]) items.push(s);
    offsets[i + 1] = items.length;
  }
  const child = utf8Data(items);
  return makeData({ type: new List(new Field('item', new Utf8(), true)), length: n, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, child });
}

/** A folder in the OS temp folder for one route's files, removed by close(). */
function tempFolder(prefix) {
  let dir = null;
  return {
    file: (name) => join((dir ??= mkdtempSync(join(tmpdir(), prefix))), name),
    close: () => {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}

/**
 * Parquet staging: columns built as Arrow Data in Node (typed arrays, not per-value builders),
 * one record batch -> Arrow IPC -> parquet-wasm (uncompressed) -> file -> read_parquet.
 * `steps` accumulates ms of each stage.
 */
export function parquetRoute() {
  const temp = tempFolder('siemlite-bench-parquet-');
  const steps = { columnizeMs: 0, arrowMs: 0, parquetMs: 0, readMs: 0 };
  let files = 0;
  const props = new WriterPropertiesBuilder().setCompression(Compression.UNCOMPRESSED).build();
  return {
    name: 'parquet',
    steps,
    async insert(c, batch, fields) {
      const file = temp.file(`batch-${++files}.parquet`);
      try {
        let t = performance.now();
        const columns = columnize(batch, fields);
        steps.columnizeMs += performance.now() - t;
        t = performance.now();
        const children = columns.map(arrowData);
        const schema = new Schema(columns.map((col, i) => new Field(col.name, children[i].type, true)));
        const data = makeData({ type: new Struct(schema.fields), length: batch.path.length, nullCount: 0, children });
        const ipc = tableToIPC(new Table([new RecordBatch(schema, data)]), 'stream');
        steps.arrowMs += performance.now() - t;
        t = performance.now();
        writeFileSync(file, writeParquet(WasmTable.fromIPCStream(ipc), props));
        steps.parquetMs += performance.now() - t;
        t = performance.now();
        await c.run(`INSERT INTO events (${columns.map((col) => quoteIdent(col.name)).join(', ')}) SELECT ${selectList(columns, false)} FROM read_parquet($1)`, [file]);
        steps.readMs += performance.now() - t;
      } finally {
        rmSync(file, { force: true });
      }
    },
    close: temp.close,
  };
}

/** A CSV cell: text quoted when it holds a delimiter, quote, line break or is empty. */
const csvText = (s) => (s === '' || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * CSV staging: one line per event with a cell per stored column (empty = NULL; strings quoted
 * when needed, lists and JSON as JSON text), read by read_csv with every column's type given.
 */
export function csvRoute() {
  const temp = tempFolder('siemlite-bench-csv-');
  const steps = { writeMs: 0, readMs: 0 };
  let files = 0;
  return {
    name: 'csv',
    steps,
    async insert(c, batch, fields) {
      const file = temp.file(`batch-${++files}.csv`);
      try {
        let t = performance.now();
        const columns = columnize(batch, fields);
        const fd = openSync(file, 'w');
        let chunk = '';
        const n = batch.path.length;
        const width = columns.length;
        for (let r = 0; r < n; r++) {
          // Most cells are empty (NULL): a run of commas, written when the next value comes.
          let line = '';
          let commas = 0;
          for (let i = 0; i < width; i++) {
            if (i > 0) commas++;
            const v = columns[i].values[r];
            if (v === null || v === undefined) continue;
            const type = columns[i].type;
            line += ','.repeat(commas) + (type === 'VARCHAR' ? csvText(v) : type === 'JSON' || type === 'VARCHAR[]' ? csvText(JSON.stringify(v)) : String(v));
            commas = 0;
          }
          chunk += `${line}${','.repeat(commas)}\n`;
          if (chunk.length >= 1 << 20) {
            writeSync(fd, chunk);
            chunk = '';
          }
        }
        if (chunk.length > 0) writeSync(fd, chunk);
        closeSync(fd);
        steps.writeMs += performance.now() - t;
        t = performance.now();
        const spec = Object.fromEntries(columns.map((col) => [col.name, col.type === 'JSON' || col.type === 'VARCHAR[]' ? 'VARCHAR' : col.type]));
        await c.run(
          `INSERT INTO events (${columns.map((col) => quoteIdent(col.name)).join(', ')}) SELECT ${selectList(columns, true)} FROM read_csv($1, header = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', allow_quoted_nulls = false, auto_detect = false, columns = $2)`,
          [file, structValue(spec)],
        );
        steps.readMs += performance.now() - t;
      } finally {
        rmSync(file, { force: true });
      }
    },
    close: temp.close,
  };
}
