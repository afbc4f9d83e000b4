// How a batch's rows travel from Node into the `events` table, inside the batch's transaction
// (EventStore.flush owns the transaction, the schema changes and the watermarks). Two routes,
// both measured by benchmarks/ingest-routes.bench.mjs (README, "Storage and SQL hunting"):
// - `jsonl` (the default): the rows as a JSON Lines file in a temporary folder, read by DuckDB's
//   built-in `read_json` with every column's type given, one INSERT;
// - `appender`: the rows as JSON text through the appender into a temp staging table, then one
//   INSERT ... unnest(json_transform(j, $spec)).
// node-api has no Arrow ingest (duckdb/duckdb-node-neo#45) and extensions cannot be installed
// offline, so only DuckDB's built-in readers are candidates; Parquet staging (parquet-wasm) was
// slower in DuckDB alone than `read_json` and is measured by the benchmark, not shipped.
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LIST, listValue, structValue, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { jsonTransform, quoteIdent, type ColumnType } from './column-type.js';

/** One event field and where it is stored. */
export interface StoredField {
  readonly field: string;
  readonly column: string;
  readonly type: ColumnType;
}

/** The queued rows of one batch: one entry per event in each list. */
export interface IngestBatch {
  readonly path: string[];
  readonly record: number[];
  /** Event time as text (core's eventTimestamp), null when the event has none. */
  readonly time: (string | null)[];
  readonly windows: boolean[];
  readonly route: (number | null)[];
  /** The stored event (normalized), as JSON text keyed by field name. */
  readonly json: string[];
  /**
   * True when the event has a key whose column has another name (a case clash, a reserved,
   * long or control-character name), or a null key that could be read as another column.
   */
  readonly isRenamed: boolean[];
}

/**
 * Moves a batch's rows into `events` (every stored field has its column already). Runs inside
 * the batch's transaction; must leave nothing behind (temporary tables or files) whether it
 * succeeds or throws.
 * @internal the seam benchmarks/ingest-routes.bench.mjs measures routes through.
 */
export interface IngestRoute {
  readonly name: string;
  /** Milliseconds of the route's own stages, summed over batches (what the benchmark prints). */
  readonly steps?: Readonly<Record<string, number>>;
  insert(connection: DuckDBConnection, batch: IngestBatch, fields: readonly StoredField[]): Promise<void>;
  /** Releases what the route keeps between batches (its temporary folder). */
  close(): void;
}

/** The routes built in: `jsonl` (default) and `appender`. */
export type IngestRouteName = 'jsonl' | 'appender';

/** Columns of `events` that are not event fields, in table order. */
export const RESERVED_COLUMNS: readonly string[] = Object.freeze(['source_path', 'source_record', 'event_time', 'is_windows', 'source_route']);

/** The route of that name; `tempDir` is where `jsonl` writes (default the OS temp folder). */
export function ingestRoute(name: IngestRouteName, tempDir?: string): IngestRoute {
  return name === 'appender' ? new AppenderRoute() : new JsonLinesRoute(tempDir ?? tmpdir());
}

/** The appender into a staging table of JSON texts, then json_transform into typed columns. */
class AppenderRoute implements IngestRoute {
  readonly name = 'appender';

  async insert(c: DuckDBConnection, p: IngestBatch, stored: readonly StoredField[]): Promise<void> {
    await c.run(`CREATE OR REPLACE TEMP TABLE siemlite_staging (p VARCHAR, r BIGINT, t VARCHAR, w BOOLEAN, s INTEGER, j VARCHAR)`);
    const appender = await c.createAppender('siemlite_staging');
    for (let i = 0; i < p.path.length; i++) {
      appender.appendVarchar(p.path[i] as string);
      appender.appendBigInt(BigInt(p.record[i] as number));
      const t = p.time[i];
      if (t === null || t === undefined) appender.appendNull();
      else appender.appendVarchar(t);
      appender.appendBoolean(p.windows[i] as boolean);
      const route = p.route[i];
      if (route === null || route === undefined) appender.appendNull();
      else appender.appendInteger(route);
      appender.appendVarchar(p.json[i] as string);
      appender.endRow();
    }
    appender.closeSync();
    const { sql, specs, ordered } = jsonTransform('j', stored);
    const targets = [...RESERVED_COLUMNS, ...ordered.map((f) => f.column)].map(quoteIdent).join(', ');
    await c.run(`INSERT INTO events (${targets}) SELECT p, r, try_cast(t AS TIMESTAMP), w, s${sql} FROM siemlite_staging`, specs);
    // Not in a finally: after a failed statement the transaction accepts only ROLLBACK, which
    // drops the staging table (created in the same transaction) anyway.
    await c.run('DROP TABLE siemlite_staging');
  }

  close(): void {}
}

/** Prefix of the per-process temporary folders: `siemlite-ingest-PID-XXXXXX`. */
const TEMP_PREFIX = 'siemlite-ingest-';
/** read_json's default limit of one line; longer events raise it for their batch. */
const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;
/** Bytes per write(2) of the staging file: one string of lines at a time. */
const WRITE_CHUNK_CHARS = 1 << 20;

/**
 * The rows as a JSON Lines file (the event's JSON with the reserved columns in front, keys
 * renamed where a field's column has another name), read by `read_json` with every column's
 * type given. Measured against the appender in benchmarks/ingest-routes.bench.mjs.
 */
class JsonLinesRoute implements IngestRoute {
  readonly name = 'jsonl';
  readonly steps = { writeMs: 0, readMs: 0 };
  #dir: string | null = null;
  #files = 0;

  constructor(private readonly tempDir: string) {}

  async insert(c: DuckDBConnection, p: IngestBatch, stored: readonly StoredField[]): Promise<void> {
    const file = join(this.#folder(), `batch-${++this.#files}.jsonl`);
    try {
      let started = performance.now();
      let maxChars: number;
      try {
        maxChars = writeLines(file, p, stored);
      } catch (e) {
        // A full or unwritable temp folder is not the database's fault: say which file it was.
        throw new Error(`cannot write the staging file ${file} (temporary folder: EventStoreOptions.tempDir or TMPDIR): ${(e as Error).message}`, { cause: e });
      }
      this.steps.writeMs += performance.now() - started;
      started = performance.now();
      // A UTF-16 unit is at most 3 UTF-8 bytes; the reserved columns add less than 64 KiB.
      const maxBytes = Math.max(DEFAULT_MAX_OBJECT_BYTES, 3 * maxChars + 65_536);
      const names = [...RESERVED_COLUMNS, ...stored.map((f) => f.column)];
      const spec: Record<string, string> = { source_path: 'VARCHAR', source_record: 'BIGINT', event_time: 'VARCHAR', is_windows: 'BOOLEAN', source_route: 'INTEGER' };
      for (const f of stored) spec[f.column] = f.type;
      const select = names.map((n) => (n === 'event_time' ? 'try_cast(event_time AS TIMESTAMP)' : quoteIdent(n))).join(', ');
      await c.run(
        `INSERT INTO events (${names.map(quoteIdent).join(', ')}) SELECT ${select} FROM read_json($1, format = 'newline_delimited', records = true, columns = $2, maximum_object_size = ${maxBytes})`,
        [file, structValue(spec)],
      );
      this.steps.readMs += performance.now() - started;
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** The process's temporary folder, made on first use (folders of dead processes removed). */
  #folder(): string {
    if (this.#dir !== null) return this.#dir;
    mkdirSync(this.tempDir, { recursive: true });
    removeStaleFolders(this.tempDir);
    this.#dir = mkdtempSync(join(this.tempDir, `${TEMP_PREFIX}${process.pid}-`));
    return this.#dir;
  }

  close(): void {
    if (this.#dir !== null) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = null;
  }
}

/**
 * Writes the batch as JSON Lines and returns the longest line's length in UTF-16 units. Each
 * line is the event's JSON text with the reserved columns in front; in events marked
 * `isRenamed`, fields stored under another column name (case clashes, reserved names, long or
 * control-character names) are renamed, so every key is exactly its column's name (read_json
 * matches keys case-sensitively; the mark is set by EventStore.add, where the keys are read
 * anyway: searching every line for the renamed keys cost 1 s per 20,000 events).
 */
function writeLines(file: string, p: IngestBatch, stored: readonly StoredField[]): number {
  const columnOf = new Map<string, string>();
  for (const f of stored) if (f.column !== f.field) columnOf.set(f.field, f.column);
  const fd = openSync(file, 'w');
  let maxChars = 0;
  let path = '';
  let pathJson = '';
  try {
    let chunk = '';
    for (let i = 0; i < p.path.length; i++) {
      let body = p.json[i] as string;
      if (p.isRenamed[i] === true) body = renameKeys(body, columnOf);
      if (p.path[i] !== path) pathJson = JSON.stringify((path = p.path[i] as string));
      const time = p.time[i];
      const route = p.route[i];
      const head = `{"source_path":${pathJson},"source_record":${p.record[i]},"event_time":${time === null || time === undefined ? 'null' : JSON.stringify(time)},"is_windows":${p.windows[i]},"source_route":${route ?? 'null'}`;
      const line = body.length > 2 ? `${head},${body.slice(1)}\n` : `${head}}\n`;
      if (line.length > maxChars) maxChars = line.length;
      chunk += line;
      if (chunk.length >= WRITE_CHUNK_CHARS) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return maxChars;
}

/** The event's JSON text with the keys in `columnOf` renamed and null values left out (key order kept). */
function renameKeys(json: string, columnOf: ReadonlyMap<string, string>): string {
  const event = JSON.parse(json) as Record<string, unknown>;
  // No prototype: a key named __proto__ stays a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key in event) {
    const value = event[key];
    if (value !== null) out[columnOf.get(key) ?? key] = value;
  }
  return JSON.stringify(out);
}

/** Removes `siemlite-ingest-PID-*` folders in `dir` whose process is gone (a killed ingest's). */
function removeStaleFolders(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // an unreadable temp folder only means nothing is cleaned up
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number(name.slice(TEMP_PREFIX.length, name.indexOf('-', TEMP_PREFIX.length)));
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The watermark rows of a batch: per source path its last record and event count. */
export async function moveWatermarks(c: DuckDBConnection, p: IngestBatch): Promise<void> {
  const last = new Map<string, { last: number; events: number }>();
  for (let i = 0; i < p.path.length; i++) {
    const path = p.path[i] as string;
    const r = p.record[i] as number;
    const known = last.get(path);
    if (known === undefined) last.set(path, { last: r, events: 1 });
    else {
      if (r > known.last) known.last = r;
      known.events++;
    }
  }
  await c.run(
    `INSERT INTO siemlite_sources SELECT unnest($1), unnest($2)::BIGINT, unnest($3)::BIGINT, now()
     ON CONFLICT (source_path) DO UPDATE SET last_record = greatest(last_record, excluded.last_record), events = events + excluded.events, updated = excluded.updated`,
    [listValue([...last.keys()]), listValue([...last.values()].map((v) => String(v.last))), listValue([...last.values()].map((v) => String(v.events)))],
    [LIST(VARCHAR), LIST(VARCHAR), LIST(VARCHAR)],
  );
}
