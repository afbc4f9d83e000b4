// Opening a DuckDB file with errors that name the file and say what is wrong with it.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** A store that cannot be opened or written: the message names the database file. */
export class StoreError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
    this.name = 'StoreError';
  }
}

/** The first line of a DuckDB error, with a hint for the errors users meet. */
export function describeDuckDbError(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  if (/lock/i.test(text)) return `database is in use by another process (DuckDB allows one writer): ${text}`;
  if (/not a valid DuckDB database|Unable to open database|IO Error: The file/i.test(text)) return `not a DuckDB database or damaged: ${text}`;
  if (/No space left|disk is full|File too large|Could not write|could not truncate|Could not allocate/i.test(text)) return `disk full or file size limit reached: ${text}`;
  return text;
}

export interface OpenedDb {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
}

/** Opens (or, unless read-only, creates) the database at `path`. */
export async function openDuckDb(path: string, readOnly: boolean): Promise<OpenedDb> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : {});
  } catch (e) {
    throw new StoreError(path, `cannot open: ${describeDuckDbError(e)}`, { cause: e });
  }
  return { instance, connection: await instance.connect() };
}

/** Rows of one SQL statement: column names and JSON-ready values (BIGINT as text). */
export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/**
 * Runs one SQL text on the database at `path`, opened read-only unless `write` (so a
 * statement that writes fails). Errors are StoreErrors naming the file.
 */
export async function runSql(path: string, sql: string, write = false): Promise<SqlResult> {
  const { instance, connection } = await openDuckDb(path, !write);
  try {
    const reader = await connection.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowsJson() as unknown[][] };
  } catch (e) {
    const message = describeDuckDbError(e);
    const hint = !write && /read-only|read only/i.test(message) ? ' (opened read-only; --write allows changes)' : '';
    throw new StoreError(path, `${message}${hint}`, { cause: e });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
