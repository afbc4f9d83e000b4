// The alert store: match and correlation alerts in a DuckDB table `alerts`, one row per
// alert id (core's alertId, stable across runs), so storing the same alerts again adds
// nothing. Queryable by time, rule, level and host.
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { alertId, LEVELS, normalizeEvent, type EngineAlert, type Level } from '@siemlite/core';
import { describeDuckDbError, openDuckDb, StoreError } from './open-duckdb.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS alerts (
  id VARCHAR PRIMARY KEY, type VARCHAR NOT NULL, rule_key VARCHAR NOT NULL, rule_id VARCHAR,
  rule_title VARCHAR NOT NULL, level VARCHAR, level_rank INTEGER NOT NULL, tags VARCHAR[],
  timestamp TIMESTAMP, source_path VARCHAR, source_record BIGINT, host VARCHAR, alert JSON NOT NULL,
  stored_at TIMESTAMP NOT NULL)`;

/** Alerts as appended: text where the table has TIMESTAMP, LIST and JSON (cast on insert). */
const STAGING = `CREATE OR REPLACE TEMP TABLE siemlite_alert_staging (id VARCHAR, type VARCHAR, rule_key VARCHAR, rule_id VARCHAR,
  rule_title VARCHAR, level VARCHAR, level_rank INTEGER, tags VARCHAR, ts VARCHAR, source_path VARCHAR, source_record BIGINT,
  host VARCHAR, alert VARCHAR)`;

/** Event fields that name the host, in order (normalized Windows events: Computer). */
const HOST_FIELDS = ['Computer', 'Hostname', 'hostname', 'host'] as const;

/** Filters of {@link AlertStore.query}; all optional, combined with AND. */
export interface AlertQuery {
  /** Alerts with a timestamp at or after this ISO time. */
  readonly since?: string;
  /** Rule id, or title when the rule has no id. */
  readonly rule?: string;
  /** Alerts whose rule level is this or above. */
  readonly minLevel?: Level;
  readonly host?: string;
  readonly limit?: number;
}

function hostOf(alert: EngineAlert): string | null {
  const from = alert.type === 'match' ? normalizeEvent(alert.event as Record<string, unknown>) : alert.group;
  for (const f of HOST_FIELDS) {
    const v = from[f];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** Rank of a level in LEVELS (informational 0 ... critical 4); -1 for none. */
const rankOf = (level: string | null): number => LEVELS.indexOf((level ?? '') as Level);

/**
 * Match and correlation alerts in the `alerts` table of a DuckDB file, one row per alert id
 * (storing the same alert again adds nothing), queried by time, rule, level and host.
 *
 * @example
 * const store = await AlertStore.open('siem.duckdb');
 * await store.add(alerts);
 * const high = await store.query({ minLevel: 'high' });
 */
export class AlertStore {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance | null,
    readonly connection: DuckDBConnection,
  ) {}

  /** Opens or creates the alert store in the DuckDB file at `path`. */
  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<AlertStore> {
    const { instance, connection } = await openDuckDb(path, options.readOnly ?? false);
    const store = new AlertStore(path, instance, connection);
    if (options.readOnly !== true) await store.#create();
    return store;
  }

  /** The alert store on a connection already open (an event store's); closing it closes nothing. */
  static async on(connection: DuckDBConnection, path: string): Promise<AlertStore> {
    const store = new AlertStore(path, null, connection);
    await store.#create();
    return store;
  }

  async #create(): Promise<void> {
    try {
      await this.connection.run(SCHEMA);
    } catch (e) {
      this.close();
      throw new StoreError(this.path, `cannot use as an alert store: ${describeDuckDbError(e)}`, { cause: e });
    }
  }

  /** Stores alerts in one transaction; alerts already stored (same id) are skipped. Returns how many were new. */
  async add(alerts: readonly EngineAlert[]): Promise<number> {
    if (alerts.length === 0) return 0;
    const c = this.connection;
    try {
      await c.run('BEGIN TRANSACTION');
      await c.run(STAGING);
      const a = await c.createAppender('siemlite_alert_staging');
      for (const alert of alerts) {
        const rule = alert.rule;
        a.appendVarchar(alertId(alert));
        a.appendVarchar(alert.type);
        a.appendVarchar(rule.key);
        appendText(a, rule.id);
        a.appendVarchar(rule.title);
        appendText(a, rule.level);
        a.appendInteger(rankOf(rule.level));
        appendText(a, alert.type === 'match' ? JSON.stringify(alert.rule.tags) : null);
        appendText(a, alert.timestamp);
        appendText(a, alert.type === 'match' ? alert.source.path : null);
        if (alert.type === 'match') a.appendBigInt(BigInt(alert.source.record));
        else a.appendNull();
        appendText(a, hostOf(alert));
        a.appendVarchar(JSON.stringify(alert));
        a.endRow();
      }
      a.closeSync();
      const r = await c.run(
        `INSERT INTO alerts SELECT DISTINCT ON (id) id, type, rule_key, rule_id, rule_title, level, level_rank, tags::JSON::VARCHAR[],
           ts::TIMESTAMP, source_path, source_record, host, alert::JSON, now() FROM siemlite_alert_staging ON CONFLICT (id) DO NOTHING`,
      );
      await c.run('DROP TABLE siemlite_alert_staging');
      await c.run('COMMIT');
      return r.rowsChanged;
    } catch (e) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw new StoreError(this.path, `storing ${alerts.length} alerts failed, none stored: ${describeDuckDbError(e)}`, { cause: e });
    }
  }

  /** Stored alerts matching the filters, oldest first (alerts without a time last), as they were reported. */
  async query(q: AlertQuery = {}): Promise<EngineAlert[]> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const p = (v: DuckDBValue): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.since !== undefined) where.push(`timestamp >= ${p(q.since)}::TIMESTAMP`);
    if (q.rule !== undefined) where.push(`(rule_id = ${p(q.rule)} OR (rule_id IS NULL AND rule_title = $${params.length}))`);
    if (q.minLevel !== undefined) where.push(`level_rank >= ${p(rankOf(q.minLevel))}`);
    if (q.host !== undefined) where.push(`host = ${p(q.host)}`);
    const limit = q.limit === undefined ? '' : ` LIMIT ${p(q.limit)}`;
    const sql = `SELECT alert::VARCHAR FROM alerts${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY timestamp NULLS LAST, source_path, source_record, id${limit}`;
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRows().map((row) => JSON.parse(String(row[0])) as EngineAlert);
  }

  close(): void {
    if (this.instance === null) return;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function appendText(a: { appendVarchar(v: string): void; appendNull(): void }, v: string | null): void {
  if (v === null) a.appendNull();
  else a.appendVarchar(v);
}
