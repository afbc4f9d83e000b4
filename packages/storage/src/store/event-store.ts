// The event store: normalized events in a DuckDB table `events` with one typed column per
// field (README, "Storage and SQL hunting", for the schema). Ingest is transactional and
// idempotent: each batch is one transaction that also moves the per-file watermark in
// `siemlite_sources`, so a kill leaves every committed batch and nothing half written, and
// records at or below a file's watermark are skipped when the file is ingested again.
import { performance } from 'node:perf_hooks';
import { LIST, listValue, VARCHAR, type DuckDBConnection, type DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { eventTimestamp, isWindowsEvent, normalizeEvent, ROUTE_UNKNOWN, SourceRouter, type SourceLogsource, type SourceRecord } from '@siemlite/core';
import type { EventShape } from '../sql/compile-sql.js';
import { conversion, quoteIdent, typeOfValue, widen, type ColumnType } from './column-type.js';
import { ingestRoute, moveWatermarks, RESERVED_COLUMNS, type IngestBatch, type IngestRoute, type IngestRouteName, type StoredField } from './ingest-route.js';
import { describeDuckDbError, openDuckDb, StoreError } from './open-duckdb.js';

export { RESERVED_COLUMNS };
export type { StoredField };

/** Events per transaction by default: large enough to amortize a commit, small enough to lose little to a kill. */
export const DEFAULT_BATCH_EVENTS = 50_000;

/** How {@link EventStore.open} opens a store. */
export interface EventStoreOptions {
  /** Open read-only (DuckDB access_mode READ_ONLY): no schema is created, nothing can be written. */
  readonly readOnly?: boolean;
  /** Events per transaction (default {@link DEFAULT_BATCH_EVENTS}). */
  readonly batchEvents?: number;
  /**
   * How rows reach the table (default `jsonl`: a JSON Lines file per batch read by DuckDB's
   * `read_json`; `appender`: the appender and json_transform). An {@link IngestRoute} object
   * is for benchmarks (@internal).
   */
  readonly route?: IngestRouteName | IngestRoute;
  /** Folder of the `jsonl` route's temporary files (default the OS temp folder). */
  readonly tempDir?: string;
}

/** Milliseconds spent so far in each step of ingest (summed over batches). */
export interface IngestTimings {
  /** add(): normalizing, typing and serializing events in Node. */
  prepareMs: number;
  /** flush(): new and widened columns (ALTER TABLE, field catalog, log-source catalog). */
  schemaMs: number;
  /** flush(): the route moving the rows into `events`. */
  rowsMs: number;
  /** flush(): the watermarks and COMMIT. */
  commitMs: number;
}

/** Events an {@link EventStore} stored and skipped (already stored) so far. */
export interface IngestCounts {
  /** Events committed. */
  added: number;
  /** Events skipped because their (source path, record) is already stored. */
  skipped: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (source_path VARCHAR NOT NULL, source_record BIGINT NOT NULL, event_time TIMESTAMP, is_windows BOOLEAN NOT NULL, source_route INTEGER)`,
  // Stores made before log-source routing: their events read source_route NULL (no known source).
  `ALTER TABLE events ADD COLUMN IF NOT EXISTS source_route INTEGER`,
  `CREATE TABLE IF NOT EXISTS siemlite_routes (id INTEGER PRIMARY KEY, product VARCHAR, service VARCHAR, category VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS siemlite_fields (field VARCHAR PRIMARY KEY, "column" VARCHAR NOT NULL, type VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS siemlite_sources (source_path VARCHAR PRIMARY KEY, last_record BIGINT NOT NULL, events BIGINT NOT NULL, updated TIMESTAMP NOT NULL)`,
];

/** Longest column name made from a field name; longer names (and control characters) get a generated one. */
const MAX_COLUMN_NAME = 120;
/** True when `name` is non-empty and has no control characters (code points below 0x20). */
function isPlainName(name: string): boolean {
  if (name === '') return false;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) < 0x20) return false;
  return true;
}

/**
 * The event as stored: the one the streaming hunt's rules see (normalized, with the Sigma
 * names of its source added: SourceRouter.withSigmaFields, for GCP and ECS web logs), without
 * the raw evtx tree (its values are the flat fields', README). `route` is `router.route(value)`.
 * FileRelation gives the events of its matches this way too.
 */
export function storedEventOf(router: SourceRouter, value: Record<string, unknown>, route: number): Record<string, unknown> {
  const normalized = normalizeEvent(value);
  const event = router.withSigmaFields(normalized, route);
  if (normalized !== value) event['Event'] = undefined;
  return event;
}

/**
 * The column of a new field: the field's name, unless it is long or has control characters
 * (then `field_<ordinal>`), made unique regardless of case against `used` (lower-case column
 * names), which it joins. FileRelation names its columns this way too, so that compiled
 * rules see the same columns over files as over a store.
 */
export function newColumnName(field: string, ordinal: number, used: Set<string>): string {
  let column = field.length <= MAX_COLUMN_NAME && isPlainName(field) ? field : `field_${ordinal}`;
  for (let n = 2; used.has(column.toLowerCase()); n++) column = `${field.slice(0, MAX_COLUMN_NAME)}~${n}`;
  used.add(column.toLowerCase());
  return column;
}

type Pending = IngestBatch;

const emptyPending = (): Pending => ({ path: [], record: [], time: [], windows: [], route: [], json: [], isRenamed: [] });

/** Key of a logsource in siemlite_routes (its three attributes). */
const routeKey = (l: SourceLogsource): string => `${l.product ?? ''}\0${l.service ?? ''}\0${l.category ?? ''}`;

/**
 * Normalized events in a DuckDB file, one typed column per field, ingested in transactions
 * that also move each source file's watermark (a re-ingest adds nothing, a kill loses no
 * committed batch); each event's recognized log source is kept for routing.
 *
 * @example
 * const store = await EventStore.open('siem.duckdb');
 * for await (const records of readRecords(['logs/'])) await store.add(records);
 * await store.flush();
 * store.close();
 */
export class EventStore {
  readonly #fields = new Map<string, StoredField>();
  /** Lower-cased column names in use: DuckDB column names are case-insensitive. */
  readonly #columns = new Set<string>(RESERVED_COLUMNS);
  readonly #watermarks = new Map<string, number>();
  #pending: Pending = emptyPending();
  /** Field types the pending batch needs (new fields, or wider types than stored). */
  readonly #pendingTypes = new Map<string, ColumnType>();
  /** Columns of the pending batch's new fields, named in the order the fields were first seen. */
  readonly #pendingColumns = new Map<string, string>();
  readonly counts: IngestCounts = { added: 0, skipped: 0 };
  readonly timings: IngestTimings = { prepareMs: 0, schemaMs: 0, rowsMs: 0, commitMs: 0 };
  /** Recognizes each event's log source as hunt's `--pipeline auto` does (shipped recognizers). */
  readonly #router = new SourceRouter();
  /** Stored route ids (siemlite_routes) and their logsources; by the router's route id. */
  readonly #routes = new Map<number, SourceLogsource>();
  readonly #routeIds = new Map<string, number>();
  readonly #routeOfRouter: (number | undefined)[] = [];

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly readOnly: boolean,
    private readonly batchEvents: number,
    private readonly route: IngestRoute,
  ) {}

  /** Opens or creates the store at `path` (':memory:' for an in-memory one). */
  static async open(path: string, options: EventStoreOptions = {}): Promise<EventStore> {
    const readOnly = options.readOnly ?? false;
    const { instance, connection } = await openDuckDb(path, readOnly);
    const route = typeof options.route === 'object' ? options.route : ingestRoute(options.route ?? 'jsonl', options.tempDir);
    const store = new EventStore(path, instance, connection, readOnly, options.batchEvents ?? DEFAULT_BATCH_EVENTS, route);
    try {
      if (!readOnly) for (const sql of SCHEMA) await connection.run(sql);
      await store.#loadCatalog();
    } catch (e) {
      store.close();
      if (e instanceof StoreError) throw e;
      throw new StoreError(path, `cannot use as an event store: ${describeDuckDbError(e)}`, { cause: e });
    }
    return store;
  }

  async #loadCatalog(): Promise<void> {
    this.#fields.clear();
    this.#columns.clear();
    for (const c of RESERVED_COLUMNS) this.#columns.add(c);
    this.#watermarks.clear();
    this.#routes.clear();
    this.#routeIds.clear();
    this.#routeOfRouter.length = 0;
    const tables = await this.connection.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name IN ('events', 'siemlite_fields', 'siemlite_sources', 'siemlite_routes') AND database_name = current_database()`);
    const names = new Set(tables.getRows().map(([name]) => String(name)));
    if (names.has('siemlite_routes')) {
      const routes = await this.connection.runAndReadAll(`SELECT id, product, service, category FROM siemlite_routes`);
      for (const [id, product, service, category] of routes.getRows()) {
        const l: SourceLogsource = { ...(product === null ? {} : { product: String(product) }), ...(service === null ? {} : { service: String(service) }), ...(category === null ? {} : { category: String(category) }) };
        this.#routes.set(Number(id), l);
        this.#routeIds.set(routeKey(l), Number(id));
      }
    }
    if (!(names.has('events') && names.has('siemlite_fields') && names.has('siemlite_sources'))) {
      if (this.readOnly) throw new StoreError(this.path, 'not a siemlite event store (no events table); run siemlite ingest first');
      return;
    }
    const fields = await this.connection.runAndReadAll(`SELECT field, "column", type FROM siemlite_fields`);
    for (const [field, column, type] of fields.getRows()) {
      const f: StoredField = { field: String(field), column: String(column), type: String(type) as ColumnType };
      this.#fields.set(f.field, f);
      this.#columns.add(f.column.toLowerCase());
    }
    const sources = await this.connection.runAndReadAll(`SELECT source_path, last_record FROM siemlite_sources`);
    for (const [path, last] of sources.getRows()) this.#watermarks.set(String(path), Number(last));
  }

  /** How compiled conditions read the store's events (compile-sql.ts EventShape). */
  shape(): EventShape {
    const columns = new Map<string, { sql: string; type: ColumnType }>();
    for (const f of this.#fields.values()) columns.set(f.field, { sql: quoteIdent(f.column), type: f.type });
    const all = [...columns.values()].map((c) => c.sql);
    return { record: `json_array(${all.join(', ')})`, columns };
  }

  /** The ingest route's own stage timings in ms (e.g. jsonl: writeMs, readMs), if it keeps any. */
  get routeSteps(): Readonly<Record<string, number>> | undefined {
    return this.route.steps;
  }

  /** The stored fields (field name -> column and type). */
  get fields(): ReadonlyMap<string, StoredField> {
    return this.#fields;
  }

  /**
   * Queues records (as core's readers give them) and commits a batch whenever
   * `batchEvents` are queued. Records already stored (at or below their file's
   * watermark) are counted as skipped. Call {@link flush} at the end.
   */
  async add(records: readonly SourceRecord[]): Promise<void> {
    const started = performance.now();
    const p = this.#pending;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as SourceRecord;
      const mark = this.#watermarks.get(r.path) ?? 0;
      if (r.record <= mark) {
        this.counts.skipped++;
        continue;
      }
      const route = this.#router.route(r.value);
      const event = storedEventOf(this.#router, r.value, route);
      let isRenamed = false;
      for (const key in event) {
        const type = typeOfValue(event[key]);
        if (type === null) {
          // A null key that reads like another column (a reserved one, a renamed field's) would
          // clash with it in the jsonl route's line: such events are rewritten (ingest-route.ts).
          if (!isRenamed && this.#nullKeyClashes(key)) isRenamed = true;
          continue;
        }
        const stored = this.#fields.get(key);
        let column = stored?.column;
        if (column === undefined) {
          column = this.#pendingColumns.get(key);
          if (column === undefined) this.#pendingColumns.set(key, (column = this.#newColumn(key)));
        }
        if (column !== key) isRenamed = true;
        const known = this.#pendingTypes.get(key) ?? stored?.type;
        if (known === type) continue;
        this.#pendingTypes.set(key, known === undefined ? type : widen(known, type));
      }
      p.isRenamed.push(isRenamed);
      p.path.push(r.path);
      p.record.push(r.record);
      p.time.push(eventTimestamp(event));
      p.windows.push(isWindowsEvent(r.value));
      p.route.push(this.#storedRoute(route));
      p.json.push(JSON.stringify(event));
    }
    this.timings.prepareMs += performance.now() - started;
    if (p.path.length >= this.batchEvents) await this.flush();
  }

  /** The stored route id of a router's route (interned on first use; null for no known source). */
  #storedRoute(route: number): number | null {
    if (route === ROUTE_UNKNOWN) return null;
    const known = this.#routeOfRouter[route];
    if (known !== undefined) return known;
    const logsource = this.#router.logsource(route) as SourceLogsource;
    const key = routeKey(logsource);
    let id = this.#routeIds.get(key);
    if (id === undefined) {
      id = this.#routeIds.size + 1;
      this.#routeIds.set(key, id);
      this.#routes.set(id, logsource);
      this.#newRoutes.push(id);
    }
    this.#routeOfRouter[route] = id;
    return id;
  }

  /** Route ids interned since the last commit (written with the next batch). */
  #newRoutes: number[] = [];

  /** The log sources of the stored events: route id (column source_route) -> logsource. */
  get routes(): ReadonlyMap<number, SourceLogsource> {
    return this.#routes;
  }

  /** Commits the queued events as one transaction; on failure nothing of the batch is kept. */
  async flush(): Promise<void> {
    const p = this.#pending;
    if (p.path.length === 0) return;
    if (this.readOnly) throw new StoreError(this.path, 'opened read-only');
    const c = this.connection;
    const changes = [...this.#pendingTypes].filter(([field, type]) => this.#fields.get(field)?.type !== type);
    this.#pendingTypes.clear();
    const planned = changes.map(([field, type]) => this.#plan(field, type));
    this.#pendingColumns.clear();
    let step = performance.now();
    try {
      // Widening a column happens before the batch's transaction, in three transactions of
      // its own: a new column, the values converted into it, then the old column dropped and
      // the new one renamed (with the field catalog). Not ALTER COLUMN ... TYPE: DuckDB (1.4)
      // cannot replay an ALTER to JSON from its write-ahead log after a crash ("Calling
      // DatabaseManager::GetDefaultDatabase with no default database set"), which left the
      // store unopenable after a kill (test/storage/crash.test.ts); and it refuses to commit
      // an UPDATE of a table the same transaction altered. A crash between the steps leaves
      // at most an unused "FIELD (siemlite: widening)" column, reused when the field widens.
      for (const change of planned) {
        if (change.isNew) continue;
        const col = quoteIdent(change.column);
        const temp = quoteIdent(`${change.column} (siemlite: widening)`);
        await c.run(`ALTER TABLE events ADD COLUMN IF NOT EXISTS ${temp} ${change.type}`);
        await c.run(`UPDATE events SET ${temp} = ${conversion(col, change.type)}`);
        await c.run('BEGIN TRANSACTION');
        await c.run(`ALTER TABLE events DROP COLUMN ${col}`);
        await c.run(`ALTER TABLE events RENAME COLUMN ${temp} TO ${col}`);
        await c.run(`INSERT OR REPLACE INTO siemlite_fields VALUES ($1, $2, $3)`, [change.field, change.column, change.type]);
        await c.run('COMMIT');
        this.#fields.set(change.field, change);
      }
      await c.run('BEGIN TRANSACTION');
      for (const change of planned) {
        if (!change.isNew) continue;
        await c.run(`ALTER TABLE events ADD COLUMN ${quoteIdent(change.column)} ${change.type}`);
      }
      const added = planned.filter((f) => f.isNew);
      if (added.length > 0) {
        await c.run(`INSERT OR REPLACE INTO siemlite_fields SELECT unnest($1), unnest($2), unnest($3)`, [
          listValue(added.map((f) => f.field)),
          listValue(added.map((f) => f.column)),
          listValue(added.map((f) => f.type)),
        ], [LIST(VARCHAR), LIST(VARCHAR), LIST(VARCHAR)]);
      }
      for (const change of planned) this.#fields.set(change.field, change);
      for (const id of this.#newRoutes) {
        const l = this.#routes.get(id) as SourceLogsource;
        await c.run(`INSERT OR IGNORE INTO siemlite_routes VALUES ($1, $2, $3, $4)`, [id, l.product ?? null, l.service ?? null, l.category ?? null]);
      }
      let now = performance.now();
      this.timings.schemaMs += now - step;
      step = now;
      await this.route.insert(c, p, [...this.#fields.values()]);
      now = performance.now();
      this.timings.rowsMs += now - step;
      step = now;
      await moveWatermarks(c, p);
      await c.run('COMMIT');
      this.timings.commitMs += performance.now() - step;
    } catch (e) {
      await c.run('ROLLBACK').catch(() => undefined);
      this.#pending = emptyPending();
      this.#newRoutes = [];
      await this.#loadCatalog().catch(() => undefined);
      throw new StoreError(this.path, `ingest failed, batch of ${p.path.length} events not stored: ${describeDuckDbError(e)}`, { cause: e });
    }
    for (let i = 0; i < p.path.length; i++) {
      const path = p.path[i] as string;
      const r = p.record[i] as number;
      if (r > (this.#watermarks.get(path) ?? 0)) this.#watermarks.set(path, r);
    }
    this.counts.added += p.path.length;
    this.#pending = emptyPending();
    this.#newRoutes = [];
  }

  /** Where a field goes: its column (a new one gets a name unique regardless of case). */
  #plan(field: string, type: ColumnType): StoredField & { isNew: boolean } {
    const known = this.#fields.get(field);
    if (known !== undefined) return { ...known, type, isNew: false };
    return { field, column: this.#pendingColumns.get(field) ?? this.#newColumn(field), type, isNew: true };
  }

  /** A new field's column, named when the field is first queued (unique regardless of case). */
  #newColumn(field: string): string {
    return newColumnName(field, this.#fields.size + 1, this.#columns);
  }

  /** True when a key with a null value could be read as a column other than its own field's. */
  #nullKeyClashes(key: string): boolean {
    const column = this.#fields.get(key)?.column ?? this.#pendingColumns.get(key);
    if (column !== undefined) return column !== key;
    return !isPlainName(key) || this.#columns.has(key.toLowerCase());
  }

  /**
   * Deletes events older than `maxAgeMs` before `now` (event time; events without a time
   * are kept). Watermarks stay, so ingesting the same files again does not bring them back.
   */
  async retain(maxAgeMs: number, now = Date.now()): Promise<number> {
    const cutoff = new Date(now - maxAgeMs).toISOString();
    const r = await this.connection.run(`DELETE FROM events WHERE event_time < $1::TIMESTAMP`, [cutoff as DuckDBValue]);
    return r.rowsChanged;
  }

  close(): void {
    this.route.close();
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
