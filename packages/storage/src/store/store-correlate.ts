// Correlation rules for `hunt --engine sql`: the base-rule matches huntStore found become a
// relation, each correlation runs as SQL (compile-correlation.ts) or, where the set query
// does not express it, in core's Correlator over the same matches in processing order; the
// alerts come back with the place in the output where the streaming hunt prints them.
//
// What the streaming hunt's order depends on, and how it is reproduced here:
// - Matches reach the correlator in input order (path, record, then rule order). A match
//   whose time is behind the watermark (newest time so far minus --max-lateness) is late and
//   not correlated: a window function over that order.
// - The others are processed in (event time, arrival) order; a match is processed during the
//   push of the first match at or after it that moves the watermark to its time, and an
//   upper-bound window is decided during the push that moves the watermark past its end
//   (or at the end of input). That push is where its alerts are printed, after its match
//   alert; within one push, alerts follow the processing order (time; a match before the
//   windows that end at its time; then the correlation's place in the rule set).
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  boundedValues,
  Correlator,
  compileFieldPath,
  compileFirstPresent,
  DEFAULT_MAX_LATENESS_MS,
  eventTimestamp,
  type CorrelationAlert,
  type CorrelationRule,
  type CorrelationStats,
  type DetectionRule,
  type FieldAccessor,
  type FieldNameMapper,
} from '@siemlite/core';
import { bindable, CORRELATION_ITEMS, compileCorrelation, streamedReason } from '../sql/compile-correlation.js';
import type { StoredEvent, StoreMatch } from './store-hunt.js';

/** One base-rule match as the correlator receives it, at its place in the hunt's match order. */
export interface CorrelationInput {
  /** Its index in the hunt's match order (input order, then rule order). */
  readonly arrival: number;
  readonly ruleKey: string;
  /** Event time in epoch ms; NaN without a usable time. */
  readonly timeMs: number;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly source: { readonly path: string; readonly record: number };
}

/** The correlations `correlateInputs` runs, and the streaming hunt's options they honour. */
export interface StoreCorrelationOptions {
  readonly correlations: readonly CorrelationRule[];
  /** As the streaming hunt's --max-lateness (default 5 minutes). */
  readonly maxLatenessMs?: number;
  /** Group cap of the correlations run by the streaming correlator (its default otherwise). */
  readonly maxGroups?: number;
  /** Told when the streaming correlator drops groups at the cap. */
  readonly onWarning?: (message: string) => void;
}

/** How one correlation ran: as SQL, or in the streaming correlator and why. */
export interface CorrelationRun {
  readonly rule: CorrelationRule;
  readonly engine: 'sql' | 'stream';
  readonly reason: string | null;
}

/** What `correlateInputs` gives: the correlation alerts with their places, the counters, how each rule ran. */
export interface StoreCorrelationResult {
  /**
   * The correlation alerts to print, in order, each after the match whose `arrival` it
   * names (the streaming hunt prints it there); `Infinity`: at the end of input.
   */
  readonly alerts: readonly { readonly after: number; readonly alert: CorrelationAlert }[];
  readonly stats: CorrelationStats;
  readonly runs: readonly CorrelationRun[];
}

const INPUT = 'siemlite_correlation_input';
type Key = readonly number[];

/**
 * The correlation inputs of a store hunt's matches: for each match of a rule that a
 * correlation reads, its time (the stored event time, or with `timeField` only that field of
 * the stored event, as hunt's --time-field) and the fields the correlator reads, looked up
 * under the names the rule set's pipeline gives them.
 */
export function correlationInputs(
  correlations: readonly CorrelationRule[],
  ruleSets: readonly { readonly rules: readonly DetectionRule[]; readonly mapField?: FieldNameMapper }[],
  matches: readonly StoreMatch[],
  events: ReadonlyMap<string, StoredEvent>,
  timeField: string | null = null,
): CorrelationInput[] {
  const asker = new Correlator({ correlations });
  const timeOf = timeField === null ? null : compileFieldPath(timeField);
  /** Per rule: each field the correlator reads, and its accessor over the names the pipeline gives it. */
  const lookups = new Map<DetectionRule, readonly (readonly [string, FieldAccessor])[]>();
  const out: CorrelationInput[] = [];
  matches.forEach((m, arrival) => {
    const set = ruleSets[m.set];
    const rule = set?.rules[m.rule];
    if (set === undefined || rule === undefined || !asker.inputRules.has(rule.key)) return;
    let names = lookups.get(rule);
    if (names === undefined) {
      names = asker.fieldsFor(rule.key).map((f) => [f, compileFirstPresent(set.mapField === undefined ? [f] : set.mapField(rule, f))] as const);
      lookups.set(rule, names);
    }
    const stored = events.get(`${m.sourcePath}\0${m.sourceRecord}`);
    const fields: Record<string, unknown> = {};
    for (const [name, read] of names) {
      const value = stored === undefined ? undefined : read(stored.event);
      if (value !== undefined) fields[name] = value;
    }
    const time = stored === undefined ? null : storedEventTime(stored, timeOf);
    const timeMs = time === null ? Number.NaN : Date.parse(time);
    out.push({ arrival, ruleKey: rule.key, timeMs, fields, source: { path: m.sourcePath, record: m.sourceRecord } });
  });
  return out;
}

/**
 * A stored event's time as hunt reports it: the store's event time, or with --time-field
 * (`timeField`, a compiled accessor) only that field of the stored event.
 */
export function storedEventTime(stored: StoredEvent, timeField: FieldAccessor | null): string | null {
  return timeField === null ? stored.timestamp : eventTimestamp(stored.event, timeField);
}

/**
 * Runs the correlations over `inputs` (in the hunt's match order) on `connection`: SQL
 * where compile-correlation expresses them, core's Correlator for the rest.
 */
export async function correlateInputs(connection: DuckDBConnection, given: readonly CorrelationInput[], options: StoreCorrelationOptions): Promise<StoreCorrelationResult> {
  const { correlations } = options;
  const lateness = options.maxLatenessMs ?? DEFAULT_MAX_LATENESS_MS;
  const keys = new Set(correlations.map((c) => c.key));
  const readBy = new Set(correlations.flatMap((c) => c.rules));
  // As the correlator: matches of rules no correlation reads do not move the watermark.
  const inputs = given.filter((i) => readBy.has(i.ruleKey));
  const runs: CorrelationRun[] = correlations.map((rule) => {
    const reason = streamedReason(rule, keys, readBy);
    return { rule, engine: reason === null ? 'sql' : 'stream', reason };
  });
  const streamed = correlations.filter((_, i) => runs[i]?.engine === 'stream');
  const fallback = new Correlator({
    correlations: streamed,
    maxLatenessMs: 0,
    ...(options.maxGroups === undefined ? {} : { maxGroups: options.maxGroups }),
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  });
  const stats: CorrelationStats = { ...fallback.stats };

  // The watermark after each push (pushes: inputs in order), for the place of each alert.
  const arrivals: number[] = [];
  const watermarks: number[] = [];
  let newest = Number.NEGATIVE_INFINITY;
  for (const input of inputs) {
    if (!Number.isNaN(input.timeMs) && input.timeMs > newest) newest = input.timeMs;
    arrivals.push(input.arrival);
    watermarks.push(newest - lateness);
  }
  /** The arrival of the first push from `from` on whose watermark passes `time` (strictly: upper-bound ends). */
  const releasedAt = (time: number, strictly: boolean, from: number): number => {
    let lo = 0;
    let hi = watermarks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const w = watermarks[mid] as number;
      if (strictly ? w > time : w >= time) hi = mid;
      else lo = mid + 1;
    }
    return lo === watermarks.length ? Number.POSITIVE_INFINITY : Math.max(arrivals[lo] as number, from);
  };

  await connection.run(`CREATE OR REPLACE TEMP TABLE ${INPUT} (arrival BIGINT, rule_key VARCHAR, t BIGINT, path VARCHAR, record BIGINT, fields VARCHAR)`);
  const appender = await connection.createAppender(INPUT);
  for (const input of inputs) {
    appender.appendBigInt(BigInt(input.arrival));
    appender.appendVarchar(input.ruleKey);
    if (Number.isNaN(input.timeMs)) appender.appendNull();
    else appender.appendBigInt(BigInt(Math.round(input.timeMs)));
    appender.appendVarchar(input.source.path);
    appender.appendBigInt(BigInt(input.source.record));
    appender.appendVarchar(JSON.stringify(input.fields));
    appender.endRow();
  }
  appender.closeSync();
  // Late matches (behind the watermark of the matches before them) and matches without time
  // are not correlated; the rest get their processing order, `item`.
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${CORRELATION_ITEMS} AS
     WITH x AS (SELECT *, max(t) OVER (ORDER BY arrival ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS seen FROM ${INPUT} WHERE t IS NOT NULL)
     SELECT row_number() OVER (ORDER BY t, arrival) - 1 AS item, arrival, t, rule_key, path, record, fields::JSON AS fields
     FROM x WHERE seen IS NULL OR t >= seen - $1::BIGINT`,
    bindable([lateness]),
  );
  const counts = (await connection.runAndReadAll(`SELECT (SELECT count(*) FROM ${INPUT} WHERE t IS NULL), (SELECT count(*) FROM ${INPUT}), (SELECT count(*) FROM ${CORRELATION_ITEMS})`)).getRows()[0] ?? [];
  stats.noTime = Number(counts[0]);
  stats.late = Number(counts[1]) - Number(counts[0]) - Number(counts[2]);
  const order = (await connection.runAndReadAll(`SELECT arrival FROM ${CORRELATION_ITEMS} ORDER BY item`)).getRows().map((r) => Number(r[0]));
  const byArrival = new Map<number, CorrelationInput>();
  for (const input of inputs) byArrival.set(input.arrival, input);
  const itemOf = new Map<string, number>();
  order.forEach((arrival, item) => {
    const input = byArrival.get(arrival) as CorrelationInput;
    itemOf.set(`${input.ruleKey}\0${input.source.path}\0${input.source.record}`, item);
  });

  const keyed: { key: Key; after: number; alert: CorrelationAlert }[] = [];
  const made = new Map<string, number>();
  // Compiled correlations.
  for (let c = 0; c < correlations.length; c++) {
    const rule = correlations[c] as CorrelationRule;
    if (runs[c]?.engine !== 'sql') continue;
    const query = compileCorrelation(rule);
    const missing = (await connection.runAndReadAll(query.missingSql, bindable(query.missingParams))).getRows()[0] ?? [];
    stats.missingGroupField += Number(missing[0] ?? 0);
    stats.missingValueField += Number(missing[1] ?? 0);
    const isLowerOnly = rule.condition.length > 0 && rule.condition.every((b) => b.op === 'gt' || b.op === 'gte');
    const rows = (await connection.runAndReadAll(query.sql, bindable(query.params))).getRowObjectsJS();
    for (const row of rows) {
      const values = JSON.parse(String(row['gkey'])) as unknown[];
      const group: Record<string, unknown> = {};
      rule.groupBy.forEach((name, i) => (group[name] = values[i]));
      const startMs = Number(row['start_ms']);
      const endMs = Number(row['end_ms']);
      const item = Number(row['fired']);
      const end = new Date(endMs).toISOString();
      const alert: CorrelationAlert = {
        type: 'correlation',
        rule: { key: rule.key, id: rule.id, name: rule.name, title: rule.title, level: rule.level, correlation_type: rule.type },
        group: boundedValues(group),
        value: Number(row['value']),
        window: { start: new Date(startMs).toISOString(), end },
        timestamp: end,
        matches: (row['matches'] as { rule_id: string; path: string; record: unknown }[]).map((m) => ({ rule_id: m.rule_id, source: { path: m.path, record: Number(m.record) } })),
        matches_total: Number(row['total']),
      };
      made.set(rule.key, (made.get(rule.key) ?? 0) + 1);
      if (!rule.shouldAlert) continue;
      const itemArrival = order[item] as number;
      const after = isLowerOnly ? releasedAt(endMs, false, itemArrival) : releasedAt(endMs, true, 0);
      keyed.push({ key: isLowerOnly ? [endMs, 1, item, c, 0] : [endMs, 2, item, c, 0], after, alert });
    }
  }
  // The rest: core's Correlator, fed the same matches in processing order (nothing is late
  // any more, so a lateness of 0 releases each at once).
  if (streamed.length > 0) {
    const indexOf = new Map(correlations.map((c, i) => [c.key, i]));
    const fired = (alert: CorrelationAlert, at: number, item: number, prev: { key: Key; after: number } | null, r: number): { key: Key; after: number } => {
      const c = indexOf.get(alert.rule.key) ?? 0;
      const endMs = Date.parse(alert.window.end);
      const readsCorrelation = correlations[c]?.rules.some((k) => keys.has(k)) === true;
      if (readsCorrelation && prev !== null) return { key: [...prev.key.slice(0, -1), r], after: prev.after };
      if (endMs < at) {
        const first = alert.matches[0];
        const opened = first === undefined ? item : (itemOf.get(`${first.rule_id}\0${first.source.path}\0${first.source.record}`) ?? item);
        return { key: [endMs, 2, opened, c, r], after: releasedAt(endMs, true, 0) };
      }
      return { key: [at, 1, item, c, r], after: releasedAt(at, false, order[item] as number) };
    };
    const take = (out: readonly CorrelationAlert[], at: number, item: number): void => {
      let prev: { key: Key; after: number } | null = null;
      out.forEach((alert, r) => {
        prev = fired(alert, at, item, prev, r);
        keyed.push({ key: prev.key, after: prev.after, alert });
      });
    };
    order.forEach((arrival, item) => {
      const input = byArrival.get(arrival) as CorrelationInput;
      take(fallback.push({ ruleKey: input.ruleKey, timeMs: input.timeMs, fields: input.fields, source: input.source }), input.timeMs, item);
    });
    take(fallback.finish(), Number.POSITIVE_INFINITY, order.length);
    for (const [key, n] of fallback.alertsByCorrelation()) made.set(key, n);
    stats.missingGroupField += fallback.stats.missingGroupField;
    stats.missingValueField += fallback.stats.missingValueField;
    stats.nonNumeric += fallback.stats.nonNumeric;
    stats.groupsEvicted += fallback.stats.groupsEvicted;
    stats.groupCapHits += fallback.stats.groupCapHits;
    stats.entriesDropped += fallback.stats.entriesDropped;
  }
  await connection.run(`DROP TABLE IF EXISTS ${CORRELATION_ITEMS}`);
  await connection.run(`DROP TABLE IF EXISTS ${INPUT}`);
  for (const n of made.values()) stats.alerts += n;
  keyed.sort((a, b) => (a.after === b.after ? compareKeys(a.key, b.key) : a.after - b.after));
  return { alerts: keyed.map(({ after, alert }) => ({ after, alert })), stats, runs };
}

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
