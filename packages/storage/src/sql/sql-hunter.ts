// Runs compiled detection rules as DuckDB queries over a source of events, many rules per
// query, on one connection that already holds the SQL macros.
import { BOOLEAN, DOUBLE, DuckDBInstance, LIST, listValue, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { Node } from '@siemlite/core';
import { compileHuntQuery, HUNT_VARIABLES, SQL_MACROS, type EventShape } from './compile-sql.js';

/** One (rule, event) match found by SQL. */
export interface SqlMatch {
  readonly rule: number;
  readonly sourcePath: string;
  readonly sourceRecord: number;
}

/** Rules per query: enough to amortize one scan, few enough to keep the plan small. */
export const DEFAULT_RULES_PER_QUERY = 20;

/**
 * Runs compiled detection conditions as DuckDB queries over a relation of events, many
 * rules per query, values bound into session variables (never in the SQL text).
 */
export class SqlHunter {
  private constructor(
    private readonly instance: DuckDBInstance | null,
    readonly connection: DuckDBConnection,
  ) {}

  /** Opens DuckDB at `path` (':memory:' by default) and installs the macros. */
  static async open(path = ':memory:', options: Record<string, string> = {}): Promise<SqlHunter> {
    const instance = await DuckDBInstance.create(path, options);
    const connection = await instance.connect();
    for (const macro of SQL_MACROS) await connection.run(macro);
    return new SqlHunter(instance, connection);
  }

  /** A hunter on an open connection (an event store's); installs the macros, closes nothing. */
  static async on(connection: DuckDBConnection): Promise<SqlHunter> {
    for (const macro of SQL_MACROS) await connection.run(macro);
    return new SqlHunter(null, connection);
  }

  /**
   * Every (condition index, event) pair where the condition holds, over `source` (an SQL
   * relation with columns source_path, source_record, record JSON), only on the rows
   * where `filter` holds when one is given.
   */
  async hunt(conditions: readonly Node[], source: string, rulesPerQuery = DEFAULT_RULES_PER_QUERY, shape?: EventShape, filter: Node | null = null): Promise<SqlMatch[]> {
    const out: SqlMatch[] = [];
    for (let start = 0; start < conditions.length; start += rulesPerQuery) {
      const query = compileHuntQuery(conditions.slice(start, start + rulesPerQuery), source, shape, filter);
      const c = this.connection;
      await c.run(`SET VARIABLE ${HUNT_VARIABLES.string} = $1`, [listValue(query.strings.slice())], [LIST(VARCHAR)]);
      await c.run(`SET VARIABLE ${HUNT_VARIABLES.number} = $1`, [listValue(query.numbers.slice())], [LIST(DOUBLE)]);
      await c.run(`SET VARIABLE ${HUNT_VARIABLES.boolean} = $1`, [listValue(query.booleans.slice())], [LIST(BOOLEAN)]);
      const reader = await c.runAndReadAll(query.sql);
      for (const row of reader.getRows()) out.push({ rule: start + Number(row[2]), sourcePath: String(row[0]), sourceRecord: Number(row[1]) });
    }
    return out;
  }

  close(): void {
    if (this.instance === null) return;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
