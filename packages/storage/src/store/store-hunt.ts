// Detection rules run as SQL over the event store, and the stored events of the matches.
import type { Node, RuleLogsource, SourceLogsource } from '@siemlite/core';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EventShape } from '../sql/compile-sql.js';
import { groupByPrefilter, prefilterNode } from '../sql/prefilter.js';
import { DEFAULT_RULES_PER_QUERY, SqlHunter } from '../sql/sql-hunter.js';
import { RESERVED_COLUMNS, type EventStore } from './event-store.js';
import { routedRows } from './route-hunt.js';

/**
 * What huntStore hunts: a connection holding a table `events` (source_path, source_record,
 * is_windows, source_route and the event: typed columns as `shape()` says, or JSON `record`
 * when it says nothing), and the log sources of its route ids. An EventStore or a FileRelation.
 */
export interface HuntSource {
  readonly connection: DuckDBConnection;
  readonly routes: ReadonlyMap<number, SourceLogsource>;
  shape(): EventShape | undefined;
}

/** Conditions and the events they apply to (as core's pool routes rule sets). */
export interface StoreRuleSet {
  readonly conditions: readonly Node[];
  /**
   * windows: events isWindowsEvent() held for when read; not-windows: the rest;
   * by-logsource: the rest, each rule only on events whose stored log source fits its
   * logsource (store/route-hunt.ts).
   */
  readonly events: 'all' | 'windows' | 'not-windows' | 'by-logsource';
  /** by-logsource: each condition's rule logsource, in order. */
  readonly logsources?: readonly RuleLogsource[];
}

/** One (rule, stored event) match of {@link huntStore}. */
export interface StoreMatch {
  /** Index of the rule set and of the condition in it. */
  readonly set: number;
  readonly rule: number;
  readonly sourcePath: string;
  readonly sourceRecord: number;
}

/** One stored event as the streaming engine's alerts show it (normalized, nulls left out). */
export interface StoredEvent {
  readonly timestamp: string | null;
  readonly event: Record<string, unknown>;
}

/** Every (rule, event) match of the rule sets over the store, sorted by path, record, set, rule. */
export async function huntStore(store: HuntSource, sets: readonly StoreRuleSet[], rulesPerQuery = DEFAULT_RULES_PER_QUERY): Promise<StoreMatch[]> {
  const hunter = await SqlHunter.on(store.connection);
  const shape = store.shape();
  const out: StoreMatch[] = [];
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s] as StoreRuleSet;
    if (set.conditions.length === 0) continue;
    for (const rows of await routedRows(store, set.events, set.logsources, set.conditions.length)) {
      // Rules with the same necessary prefilter share queries, each only over the rows it allows.
      const routed = rows.indexes.map((i) => set.conditions[i] as Node);
      for (const group of groupByPrefilter(routed)) {
        const conditions = group.indexes.map((i) => routed[i] as Node);
        const matches = await hunter.hunt(conditions, `(SELECT * FROM events WHERE ${rows.where})`, rulesPerQuery, shape, prefilterNode(group.prefilter));
        for (const m of matches) out.push({ set: s, rule: rows.indexes[group.indexes[m.rule] as number] as number, sourcePath: m.sourcePath, sourceRecord: m.sourceRecord });
      }
    }
  }
  return out.sort((a, b) => (a.sourcePath < b.sourcePath ? -1 : a.sourcePath > b.sourcePath ? 1 : a.sourceRecord - b.sourceRecord || a.set - b.set || a.rule - b.rule));
}

/** Temp table `siemlite_keys (p, r)` holding (path, record) keys, for a SEMI JOIN (drop it after). */
export async function keysTable(c: DuckDBConnection, keys: readonly { path: string; record: number }[]): Promise<void> {
  await c.run(`CREATE OR REPLACE TEMP TABLE siemlite_keys (p VARCHAR, r BIGINT)`);
  const a = await c.createAppender('siemlite_keys');
  for (const k of keys) {
    a.appendVarchar(k.path);
    a.appendBigInt(BigInt(k.record));
    a.endRow();
  }
  a.closeSync();
}

/** The stored events at (path, record) keys, keyed `path\0record`. */
export async function storedEvents(store: EventStore, keys: readonly { path: string; record: number }[]): Promise<Map<string, StoredEvent>> {
  const c = store.connection;
  const out = new Map<string, StoredEvent>();
  if (keys.length === 0) return out;
  const fieldOf = new Map<string, string>();
  for (const f of store.fields.values()) fieldOf.set(f.column, f.field);
  await keysTable(c, keys);
  const reader = await c.runAndReadAll(
    `SELECT e.source_path, e.source_record, strftime(e.event_time, '%Y-%m-%dT%H:%M:%S.%gZ'), to_json(e)::VARCHAR
     FROM events e SEMI JOIN siemlite_keys k ON e.source_path = k.p AND e.source_record = k.r`,
  );
  await c.run('DROP TABLE siemlite_keys');
  const reserved = new Set(RESERVED_COLUMNS);
  for (const [path, record, time, json] of reader.getRows()) {
    const row = JSON.parse(String(json)) as Record<string, unknown>;
    const event: Record<string, unknown> = {};
    for (const column in row) {
      if (reserved.has(column) || row[column] === null) continue;
      event[fieldOf.get(column) ?? column] = row[column];
    }
    out.set(`${String(path)}\0${Number(record)}`, { timestamp: time === null ? null : String(time), event });
  }
  return out;
}
