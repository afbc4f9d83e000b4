// `siemlite hunt --engine sql`: the rules as DuckDB SQL over the event store (--db FILE) or
// over INPUT... (read by core's readers into an in-memory store), printed like the streaming
// hunt's alerts. Also the alert store that `hunt --db FILE` writes its alerts to.
import { alertRuleOf, compileFieldPath, readRecords, type DetectorRuleSet, type EngineAlert } from '@siemlite/core';
import { AlertStore, EventStore, huntStore, storedEvents, storedEventTime } from '@siemlite/storage';
import type { AlertWriter } from '../output/alert-writer.js';
import { badRecordReporter } from '../output/bad-records.js';
import { UsageError } from '../usage-error.js';
import { storeFailure } from './ingest.js';
import { correlateSqlMatches, correlationReads, inStreamOrder, sqlCorrelationSummary, type SqlCorrelationOptions } from './sql-correlation.js';
import type { CommandIo } from './validate.js';

export interface SqlHuntOptions {
  readonly engine: string;
  readonly db: string | null;
  readonly inputs: readonly string[];
  readonly ruleSets: readonly DetectorRuleSet[];
  readonly correlation: SqlCorrelationOptions;
  readonly writer: AlertWriter;
  readonly quiet: boolean;
  readonly io: CommandIo;
}

/** Opens the alert store of `hunt --db FILE`, or null without --db. */
export async function openHuntAlertStore(db: string | undefined): Promise<AlertStore | null> {
  return db === undefined ? null : AlertStore.open(db);
}

export async function runSqlHunt(o: SqlHuntOptions): Promise<number> {
  if (o.engine !== 'sql') throw new UsageError(`--engine must be stream or sql, not '${o.engine}'`);
  if ((o.db === null) === (o.inputs.length === 0)) throw new UsageError('--engine sql takes either --db FILE (stored events) or INPUT... (files), not both or neither');
  const started = process.hrtime.bigint();
  const { io } = o;
  let store: EventStore;
  try {
    store = await EventStore.open(o.db ?? ':memory:');
  } catch (e) {
    return storeFailure(e, io);
  }
  const { onBadRecord, count: badCount } = badRecordReporter(io.stderr);
  try {
    for await (const chunk of readRecords(o.inputs, { onBadRecord })) await store.add(chunk);
    await store.flush();
    const reads = correlationReads(o.correlation.correlations);
    const rules = o.ruleSets.map((s) => s.rules.filter((r) => r.shouldAlert || reads.has(r.key)));
    const matches = await huntStore(
      store,
      o.ruleSets.map((s, i) => ({ conditions: (rules[i] ?? []).map((r) => r.condition), events: s.events ?? 'all', logsources: (rules[i] ?? []).map((r) => r.logsource) })),
    );
    const events = await storedEvents(store, matches.map((m) => ({ path: m.sourcePath, record: m.sourceRecord })));
    const timeField = o.correlation.timeField === null ? null : compileFieldPath(o.correlation.timeField);
    const matchAlerts = matches.map((m): EngineAlert | null => {
      const rule = rules[m.set]?.[m.rule];
      const stored = events.get(`${m.sourcePath}\0${m.sourceRecord}`);
      if (rule === undefined || stored === undefined || !rule.shouldAlert) return null;
      return { type: 'match', rule: alertRuleOf(rule), source: { path: m.sourcePath, record: m.sourceRecord }, timestamp: storedEventTime(stored, timeField), event: stored.event };
    });
    const sets = rules.map((r, i) => ({ rules: r, ...(o.ruleSets[i]?.mapField === undefined ? {} : { mapField: o.ruleSets[i]?.mapField }) }));
    const correlated = await correlateSqlMatches(store, sets, matches, events, o.correlation);
    const alerts = inStreamOrder(matchAlerts, correlated);
    for (const a of alerts) o.writer.write(a);
    o.writer.end();
    if (o.db !== null) await (await AlertStore.on(store.connection, o.db)).add(alerts);
    if (!o.quiet) {
      const n = (x: number): string => x.toLocaleString('en-US');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const total = (await store.connection.runAndReadAll('SELECT count(*) FROM events')).getRows()[0]?.[0];
      io.stderr(`siemlite hunt --engine sql: ${n(rules.reduce((s, r) => s + r.filter((x) => x.shouldAlert).length, 0))} rules, ${n(Number(total))} events, ${n(badCount())} bad records, ${n(alerts.length)} alerts; elapsed ${seconds.toFixed(2)} s\n${sqlCorrelationSummary(correlated)}`);
    }
    return 0;
  } catch (e) {
    return storeFailure(e, io);
  } finally {
    store.close();
  }
}
