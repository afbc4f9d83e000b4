// `siemlite hunt --engine sql`: the rules as DuckDB SQL over the event store (--db FILE) or
// over INPUT... (--reader auto/duckdb: files DuckDB reads itself, storage's FileRelation;
// --reader siemlite: core's readers into an in-memory store), printed like the streaming
// hunt's alerts. Also the alert store that `hunt --db FILE` writes its alerts to.
import { alertRuleOf, compileFieldPath, readRecords, type DetectorRuleSet, type EngineAlert } from '@siemlite/core';
import { AlertStore, EventStore, FileRelation, FileRelationError, huntStore, storedEvents, storedEventTime, type HuntSource, type StoredEvent } from '@siemlite/storage';
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
  /** INPUT...: auto (default), duckdb or siemlite (README "SQL straight over files"). */
  readonly reader?: string;
}

/** What the hunt reads: a store or the files, the events of matches, and the summary's words on how it was read. */
interface SqlSource {
  readonly source: HuntSource;
  eventsAt(keys: readonly { path: string; record: number }[]): Promise<Map<string, StoredEvent>>;
  readonly events: number;
  readonly readNote: string;
}

/** Opens the alert store of `hunt --db FILE`, or null without --db. */
export async function openHuntAlertStore(db: string | undefined): Promise<AlertStore | null> {
  return db === undefined ? null : AlertStore.open(db);
}

export async function runSqlHunt(o: SqlHuntOptions): Promise<number> {
  if (o.engine !== 'sql') throw new UsageError(`--engine must be stream or sql, not '${o.engine}'`);
  if ((o.db === null) === (o.inputs.length === 0)) throw new UsageError('--engine sql takes either --db FILE (stored events) or INPUT... (files), not both or neither');
  const reader = o.reader ?? 'auto';
  if (!['auto', 'duckdb', 'siemlite'].includes(reader)) throw new UsageError(`--reader must be auto, duckdb or siemlite, not '${reader}'`);
  if (o.db !== null && o.reader !== undefined) throw new UsageError('--reader chooses how INPUT... is read; with --db the stored events are hunted');
  return o.db === null && reader !== 'siemlite' ? huntFiles(o, reader as 'auto' | 'duckdb') : huntStored(o);
}

/** INPUT... read by DuckDB itself (and by core's readers where DuckDB has none), hunted in place. */
async function huntFiles(o: SqlHuntOptions, reader: 'auto' | 'duckdb'): Promise<number> {
  const started = process.hrtime.bigint();
  const { onBadRecord, count: badCount } = badRecordReporter(o.io.stderr);
  let files: FileRelation;
  try {
    files = await FileRelation.open(o.inputs, { reader, onBadRecord });
  } catch (e) {
    if (!(e instanceof FileRelationError)) throw e;
    o.io.stderr(`siemlite hunt: ${e.message}\n`);
    return 1;
  }
  try {
    const n = files.readByDuckDb.length;
    const m = files.readBySiemlite.length;
    const readNote = `; read by DuckDB: ${n} file${n === 1 ? '' : 's'}${m === 0 ? '' : `, by siemlite's readers (DuckDB has no reader for them): ${m} (${files.readBySiemlite.slice(0, 3).join(', ')}${m > 3 ? ', ...' : ''})`}`;
    return await huntAndPrint(o, { source: files, eventsAt: (keys) => files.eventsAt(keys), events: files.events, readNote }, started, badCount);
  } finally {
    files.close();
  }
}

/** --db FILE, or INPUT... read by core's readers into an in-memory store (--reader siemlite). */
async function huntStored(o: SqlHuntOptions): Promise<number> {
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
    const total = Number((await store.connection.runAndReadAll('SELECT count(*) FROM events')).getRows()[0]?.[0]);
    const source: SqlSource = { source: store, eventsAt: (keys) => storedEvents(store, keys), events: total, readNote: '' };
    return await huntAndPrint(o, source, started, badCount, o.db === null ? null : store);
  } catch (e) {
    return storeFailure(e, io);
  } finally {
    store.close();
  }
}

/** Hunts the source, prints the alerts (and, with --db, stores them) and the summary; exit code 0. */
async function huntAndPrint(o: SqlHuntOptions, from: SqlSource, started: bigint, badCount: () => number, alertDb: EventStore | null = null): Promise<number> {
  const { io } = o;
  const { source } = from;
  const reads = correlationReads(o.correlation.correlations);
  const rules = o.ruleSets.map((s) => s.rules.filter((r) => r.shouldAlert || reads.has(r.key)));
  const matches = await huntStore(
    source,
    o.ruleSets.map((s, i) => ({ conditions: (rules[i] ?? []).map((r) => r.condition), events: s.events ?? 'all', logsources: (rules[i] ?? []).map((r) => r.logsource) })),
  );
  const events = await from.eventsAt(matches.map((m) => ({ path: m.sourcePath, record: m.sourceRecord })));
  const timeField = o.correlation.timeField === null ? null : compileFieldPath(o.correlation.timeField);
  const matchAlerts = matches.map((m): EngineAlert | null => {
    const rule = rules[m.set]?.[m.rule];
    const stored = events.get(`${m.sourcePath}\0${m.sourceRecord}`);
    if (rule === undefined || stored === undefined || !rule.shouldAlert) return null;
    return { type: 'match', rule: alertRuleOf(rule), source: { path: m.sourcePath, record: m.sourceRecord }, timestamp: storedEventTime(stored, timeField), event: stored.event };
  });
  const sets = rules.map((r, i) => ({ rules: r, ...(o.ruleSets[i]?.mapField === undefined ? {} : { mapField: o.ruleSets[i]?.mapField }) }));
  const correlated = await correlateSqlMatches(source, sets, matches, events, o.correlation);
  const alerts = inStreamOrder(matchAlerts, correlated);
  for (const a of alerts) o.writer.write(a);
  o.writer.end();
  if (alertDb !== null && o.db !== null) await (await AlertStore.on(alertDb.connection, o.db)).add(alerts);
  if (!o.quiet) {
    const n = (x: number): string => x.toLocaleString('en-US');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    io.stderr(`siemlite hunt --engine sql: ${n(rules.reduce((s, r) => s + r.filter((x) => x.shouldAlert).length, 0))} rules, ${n(from.events)} events, ${n(badCount())} bad records, ${n(alerts.length)} alerts; elapsed ${seconds.toFixed(2)} s${from.readNote}\n${sqlCorrelationSummary(correlated)}`);
  }
  return 0;
}
