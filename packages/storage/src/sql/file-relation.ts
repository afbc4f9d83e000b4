// The relation `hunt --engine sql INPUT...` hunts: files read by DuckDB itself (JSON Lines,
// JSON arrays, gzip, CSV, Parquet), with the columns the SQL hunt reads (source_path,
// source_record, record JSON, is_windows, source_route), as the event store has them.
// README "Storage and SQL hunting", "SQL straight over files".
//
// Decisions:
// - One temp table `events` in an in-memory DuckDB, filled once: the ~20-rule queries of a
//   hunt (hundreds over the SigmaHQ rules) then scan DuckDB's columnar copy instead of
//   parsing the files again each time.
// - source_record is the record number core's readers give: 1-based, in file order, blank
//   lines not counted (JSON Lines), array elements counted (JSON), the header not counted
//   (CSV), rows (Parquet). DuckDB's WITH ORDINALITY numbers the rows its reader returns.
// - Paths reach DuckDB only as bound parameters of the reader functions.
// - Records are flattened, recognized and routed by SQL (normalize-sql.ts), as EventStore.add
//   does in JavaScript; only the events of matches go back through core (eventsAt).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { eventTimestamp, expandInputs, readRecords, SHIPPED_RECOGNIZERS, SourceRouter, STDIN_INPUT, type BadRecord, type SourceLogsource } from '@siemlite/core';
import { keysTable, type StoredEvent } from '../store/store-hunt.js';
import { jsonTransform, quoteIdent, widen, type ColumnType } from '../store/column-type.js';
import { newColumnName, RESERVED_COLUMNS, storedEventOf } from '../store/event-store.js';
import { fieldPaths, SQL_MACROS, type EventShape } from './compile-sql.js';
import { IS_WINDOWS_SQL, NORMALIZE_MACROS, normalizeStatements, parseRouteKey, routeKeySql } from './normalize-sql.js';

/** How DuckDB reads a file, told by its name (before a final `.gz`). */
export type FileKind = 'json' | 'csv' | 'parquet';

/** Which reader reads which input (`hunt --reader`). */
export type FileReader = 'auto' | 'duckdb';

/** How {@link FileRelation.open} reads its inputs. */
export interface FileRelationOptions {
  /**
   * auto (default): DuckDB reads the files it reads (fileKind), siemlite's readers the rest
   * (.evtx, text logs, stdin), whose records are then handed to DuckDB as JSON; duckdb: an
   * input DuckDB does not read is an error.
   */
  readonly reader?: FileReader;
  /** Bad records (and inputs that cannot be read), as core's readers report them. */
  readonly onBadRecord?: (bad: BadRecord) => void;
}

/** A file DuckDB cannot read (missing, unreadable, not the format its name says): names the file. */
export class FileRelationError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
    this.name = 'FileRelationError';
  }
}

/** The kind of `path` by its extension, or null when DuckDB's readers are not the right route (.evtx, text logs). */
export function fileKind(path: string): FileKind | null {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (/\.(jsonl|ndjson|json)$/.test(name)) return 'json';
  if (/\.(csv)$/.test(name)) return 'csv';
  if (/\.parquet$/.test(name) && !path.toLowerCase().endsWith('.gz')) return 'parquet';
  return null;
}

const READERS: Record<FileKind, string> = {
  // ignore_errors: a malformed record reads as NULL in its place (counted and reported), the rest is kept.
  json: `SELECT ordinality, json FROM read_json_objects($1, format = 'auto', ignore_errors = true) WITH ORDINALITY`,
  // Every value as text, as core's CSV reader gives it; an empty unquoted cell is NULL (a missing field).
  csv: `SELECT ordinality, to_json(t) FROM read_csv($1, header = true, all_varchar = true, allow_quoted_nulls = false) WITH ORDINALITY t`,
  parquet: `SELECT file_row_number + 1, json_merge_patch(to_json(t), '{"file_row_number":null}') FROM read_parquet($1, file_row_number = true) t`,
};

/**
 * Input files read by DuckDB into a temp table `events (source_path, source_record, record
 * JSON, is_windows, source_route)` that compiled rules hunt (huntStore), with the routes
 * (`routes`) and the records DuckDB could not read (`badRecords`).
 *
 * @example
 * const files = await FileRelation.open(['logs/a.jsonl.gz', 'logs/b.parquet']);
 * const matches = await huntStore(files, [{ conditions, events: 'all' }]);
 * files.close();
 */
export class FileRelation {
  readonly #routes = new Map<number, SourceLogsource>();
  readonly #shape = new Map<string, { sql: string; type: ColumnType }>();
  #events = 0;
  /** The files DuckDB read, and those siemlite's readers read. */
  readonly readByDuckDb: string[] = [];
  readonly readBySiemlite: string[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /** Reads `paths` (each a file; kinds by {@link fileKind}) into a new in-memory DuckDB. */
  static async open(inputs: readonly string[], options: FileRelationOptions = {}): Promise<FileRelation> {
    const instance = await DuckDBInstance.create(':memory:');
    const relation = new FileRelation(instance, await instance.connect());
    try {
      await relation.#load(inputs, options);
    } catch (e) {
      relation.close();
      throw e;
    }
    return relation;
  }

  /** Events read (bad records not counted). */
  get events(): number {
    return this.#events;
  }

  /** Route id (column source_route) -> the log source the shipped recognizers gave. */
  get routes(): ReadonlyMap<number, SourceLogsource> {
    return this.#routes;
  }

  /**
   * The events at (path, record) keys as the event store gives them (StoredEvent: normalized
   * by core, the Sigma names of their source added, without the raw evtx tree and nulls),
   * keyed `path\0record`: only the events of matches go through core, for the alerts.
   */
  async eventsAt(keys: readonly { path: string; record: number }[]): Promise<Map<string, StoredEvent>> {
    const out = new Map<string, StoredEvent>();
    if (keys.length === 0) return out;
    const c = this.connection;
    await keysTable(c, keys);
    const reader = await c.runAndReadAll(`SELECT source_path, source_record, raw::VARCHAR FROM siemlite_raw e SEMI JOIN siemlite_keys k ON e.source_path = k.p AND e.source_record = k.r`);
    await c.run('DROP TABLE siemlite_keys');
    const router = new SourceRouter();
    for (const [path, record, raw] of reader.getRows()) {
      const value = JSON.parse(String(raw)) as Record<string, unknown>;
      // As EventStore.add stores it; its time is read without the raw evtx tree, as there.
      const event = storedEventOf(router, value, router.route(value));
      const timestamp = eventTimestamp(event);
      const kept: Record<string, unknown> = {};
      for (const key in event) if (event[key] !== null && event[key] !== undefined) kept[key] = event[key];
      out.set(`${String(path)}\0${Number(record)}`, { timestamp, event: kept });
    }
    return out;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** How compiled rules read the events: one typed column per field, as over the event store. */
  shape(): EventShape {
    return { record: `json_array(${[...this.#shape.values()].map((c) => c.sql).join(', ')})`, columns: this.#shape };
  }

  async #load(inputs: readonly string[], options: FileRelationOptions): Promise<void> {
    const c = this.connection;
    const onBadRecord = options.onBadRecord ?? ((): void => undefined);
    for (const macro of [...SQL_MACROS, ...NORMALIZE_MACROS]) await c.run(macro);
    await c.run(`CREATE TEMP TABLE siemlite_raw (rid BIGINT, source_path VARCHAR, source_record BIGINT, raw JSON)`);
    // Folders and globs as hunt expands them; an input that is not there is reported as hunt reports it.
    const { files, errors } = await expandInputs(inputs);
    for (const e of errors) onBadRecord(e);
    const other: string[] = [];
    for (const path of files) {
      const kind = path === STDIN_INPUT ? null : fileKind(path);
      if (kind === null) {
        if (options.reader === 'duckdb') throw new FileRelationError(path, 'not a file DuckDB reads (JSON Lines, JSON, CSV, Parquet, or gzip of the first three); use --reader auto or siemlite');
        other.push(path);
        continue;
      }
      await this.#read(path, kind);
      this.readByDuckDb.push(path);
    }
    if (other.length > 0) await this.#readWithSiemlite(other, onBadRecord);
    await this.#findBad(onBadRecord);
    for (const sql of normalizeStatements('siemlite_raw')) await c.run(sql);
    await this.#route();
    await this.#typeColumns();
    this.#events = Number((await c.runAndReadAll(`SELECT count(*) FROM events`)).getRows()[0]?.[0] ?? 0);
  }

  /**
   * Table `siemlite_records (source_path, source_record, record, is_windows, source_route)`:
   * each record flattened (or as read), its Windows flag and log source (route ids numbered
   * here, one per distinct logsource, as EventStore numbers its catalog), and the Sigma field
   * names its recognizer adds (withSigmaFields).
   */
  async #route(): Promise<void> {
    const c = this.connection;
    const params: unknown[] = [];
    const route = routeKeySql(params);
    await c.run(
      `CREATE TEMP TABLE siemlite_routed AS SELECT r.rid, r.source_path, r.source_record, coalesce(n.record, r.raw) AS record,
         ${IS_WINDOWS_SQL} AS is_windows, CASE WHEN ${IS_WINDOWS_SQL} THEN NULL ELSE ${route} END AS route_key
       FROM siemlite_raw r LEFT JOIN siemlite_normalized n USING (rid) WHERE json_type(r.raw) = 'OBJECT'`,
      params as never,
    );
    const keys = (await c.runAndReadAll(`SELECT DISTINCT route_key FROM siemlite_routed WHERE route_key IS NOT NULL ORDER BY 1`)).getRows().map(([k]) => String(k));
    await c.run(`CREATE TEMP TABLE siemlite_route_ids (route_key VARCHAR, id INTEGER)`);
    const ids = new Map<string, number>();
    const patches: string[] = [];
    const params2: unknown[] = [];
    const bind = (v: unknown): string => {
      params2.push(v);
      return `$${params2.length}`;
    };
    for (const key of keys) {
      const { logsource, recognizer } = parseRouteKey(key);
      const text = JSON.stringify([logsource.product, logsource.service, logsource.category]);
      let id = ids.get(text);
      if (id === undefined) {
        ids.set(text, (id = ids.size + 1));
        this.#routes.set(id, logsource);
      }
      await c.run(`INSERT INTO siemlite_route_ids VALUES ($1, $2)`, [key, id]);
      // withSigmaFields: the Sigma names some sources lack, added where the event has none.
      for (const [name, from] of Object.entries(SHIPPED_RECOGNIZERS[recognizer]?.fields ?? {})) {
        const value = `coalesce(${fieldPaths(from).map((p) => `json_extract(record, ${bind(p)})`).join(', ')})`;
        patches.push(`CASE WHEN route_key = ${bind(key)} AND NOT list_contains(json_keys(record), ${bind(name)}) AND ${value} IS NOT NULL
          THEN to_json(${bind(name)})::VARCHAR || ':' || ${value}::VARCHAR END`);
      }
    }
    const record = patches.length === 0 ? 'record' : `json_merge_patch(record, ('{' || array_to_string(list_filter([${patches.join(', ')}], x -> x IS NOT NULL), ',') || '}')::JSON)`;
    await c.run(
      `CREATE TEMP TABLE siemlite_records AS SELECT source_path, source_record, ${record} AS record, is_windows, i.id AS source_route
       FROM siemlite_routed LEFT JOIN siemlite_route_ids i USING (route_key) ORDER BY rid`,
      params2 as never,
    );
    await c.run(`DROP TABLE siemlite_routed`);
    await c.run(`DROP TABLE siemlite_normalized`);
  }

  /**
   * Table `events` with one typed column per field, as the event store keeps them (column
   * types by column-type.ts over all values; names as EventStore names columns): compiled
   * rules read typed columns far faster than JSON (README, "Event representation in the
   * compiler"); over the JSON record the SigmaHQ differential did not finish in 10 minutes.
   */
  async #typeColumns(): Promise<void> {
    const c = this.connection;
    const found = await c.runAndReadAll(
      `SELECT e.key, list(DISTINCT CASE json_type(e.value)
         WHEN 'VARCHAR' THEN 'VARCHAR' WHEN 'BOOLEAN' THEN 'BOOLEAN' WHEN 'NULL' THEN NULL
         WHEN 'BIGINT' THEN CASE WHEN abs(TRY_CAST(e.value AS DOUBLE)) <= 9007199254740991 THEN 'BIGINT' ELSE 'DOUBLE' END
         WHEN 'UBIGINT' THEN CASE WHEN TRY_CAST(e.value AS DOUBLE) <= 9007199254740991 THEN 'BIGINT' ELSE 'DOUBLE' END
         WHEN 'DOUBLE' THEN CASE WHEN TRY_CAST(e.value AS DOUBLE) = trunc(TRY_CAST(e.value AS DOUBLE)) AND abs(TRY_CAST(e.value AS DOUBLE)) <= 9007199254740991 THEN 'BIGINT' ELSE 'DOUBLE' END
         WHEN 'ARRAY' THEN CASE WHEN coalesce(list_bool_and(list_transform(json_extract(e.value, '$[*]'), x -> json_type(x) = 'VARCHAR')), true) THEN 'VARCHAR[]' ELSE 'JSON' END
         ELSE 'JSON' END) FILTER (WHERE json_type(e.value) <> 'NULL')
       FROM siemlite_records r, json_each(r.record) e GROUP BY e.key ORDER BY min(r.source_record), e.key`,
    );
    const used = new Set<string>(RESERVED_COLUMNS);
    const columns: { field: string; column: string; type: ColumnType }[] = [];
    for (const [key, types] of found.getRows()) {
      const list = (types as { items: unknown[] } | null)?.items.map(String) ?? [];
      if (list.length === 0) continue;
      const field = String(key);
      const type = list.slice(1).reduce<ColumnType>((a, b) => widen(a, b as ColumnType), list[0] as ColumnType);
      columns.push({ field, column: newColumnName(field, columns.length + 1, used), type });
    }
    const { sql, specs, ordered } = jsonTransform('record', columns);
    const names = [...RESERVED_COLUMNS, ...ordered.map((f) => f.column)].map(quoteIdent).join(', ');
    await c.run(`CREATE TEMP TABLE events AS SELECT * FROM (SELECT source_path, source_record, NULL::TIMESTAMP, is_windows, source_route${sql} FROM siemlite_records) AS t(${names})`, specs);
    await c.run(`DROP TABLE siemlite_records`);
    for (const f of ordered) this.#shape.set(f.field, { sql: quoteIdent(f.column), type: f.type });
  }

  /**
   * Rows DuckDB read as NULL (malformed JSON: with ignore_errors its reader keeps going) or
   * as something other than an object: reported as core's readers report bad records, by
   * record number. Line 0: DuckDB tells no line per record, and the one its strict reader
   * names for the first error was off by one in our tests (`--reader siemlite` gives lines).
   */
  async #findBad(onBadRecord: (bad: BadRecord) => void): Promise<void> {
    const bad = await this.connection.runAndReadAll(`SELECT source_path, source_record, raw IS NULL FROM siemlite_raw WHERE raw IS NULL OR json_type(raw) <> 'OBJECT' ORDER BY rid`);
    for (const [path, record, isMalformed] of bad.getRows()) {
      onBadRecord(
        isMalformed === true
          ? { path: String(path), record: Number(record), line: 0, code: 'bad-json', message: "malformed JSON (DuckDB's reader gives no line; --reader siemlite does)" }
          : { path: String(path), record: Number(record), line: 0, code: 'not-object', message: 'the record is not a JSON object' },
      );
    }
  }

  /** Records of files DuckDB does not read (.evtx, text logs, stdin): core's readers parse them, DuckDB gets each as JSON. */
  async #readWithSiemlite(paths: readonly string[], onBadRecord: (bad: BadRecord) => void): Promise<void> {
    const c = this.connection;
    let rid = Number((await c.runAndReadAll(`SELECT count(*) FROM siemlite_raw`)).getRows()[0]?.[0] ?? 0);
    const appender = await c.createAppender('siemlite_raw');
    for await (const chunk of readRecords(paths, { onBadRecord })) {
      for (const r of chunk) {
        appender.appendBigInt(BigInt(++rid));
        appender.appendVarchar(r.path);
        appender.appendBigInt(BigInt(r.record));
        appender.appendVarchar(JSON.stringify(r.value));
        appender.endRow();
      }
    }
    appender.closeSync();
    this.readBySiemlite.push(...paths);
  }

  async #read(path: string, kind: FileKind): Promise<void> {
    const c = this.connection;
    const before = Number((await c.runAndReadAll(`SELECT count(*) FROM siemlite_raw`)).getRows()[0]?.[0] ?? 0);
    try {
      await c.run(`INSERT INTO siemlite_raw SELECT $2 + n, $3, n, j FROM (${READERS[kind]}) AS r(n, j)`, [path, before, path]);
    } catch (e) {
      const text = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
      if (/No files found/i.test(text)) throw new FileRelationError(path, 'no such file', { cause: e });
      throw new FileRelationError(path, `DuckDB cannot read it as ${kind}: ${text}`, { cause: e });
    }
  }
}
