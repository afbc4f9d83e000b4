// `siemlite hunt [options] INPUT...`: run Sigma rules over log files and print alerts.
import { appendFileSync, createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import {
  DetectionMetrics,
  LEVELS,
  createDetectorPool,
  expandInputs,
  STDIN_INPUT,
  type BadRecord,
  type CorrelationRule,
  type Correlator,
  type DetectionRule,
  type DetectorRuleSet,
  type EngineAlert,
  type ErrorRecord,
} from '@siemlite/core';
import { applySelection, isEmptySelection, loadRules, mapFieldName, processRules, selectRules, type ProcessingPipeline, type SelectedRules } from '@siemlite/rules';
import { correlationStatsNotes, openCorrelator, parseCount, parseDuration, saveCorrelatorState } from '../correlation.js';
import { formatDiagnostic } from '../output/diagnostics.js';
import { createAlertWriter, type AlertFormat } from '../output/alert-writer.js';
import { Progress } from '../output/progress.js';
import { resolvePipelines } from '../pipelines.js';
import { parseRuleSelection, RULE_SELECTION_OPTIONS, ruleSelectionUsage } from '../rule-selection.js';
import { resolveRulePaths } from '../rules-update/update.js';
import { FINDINGS_OPTIONS, FINDINGS_USAGE, openFindings } from '../findings/hunt-findings.js';
import { openSinks, SINK_USAGE } from '../sinks.js';
import { INPUT_FORMAT_USAGE, inputFormatOption, rulesSkippedOnUnknown, sourceOption, SOURCE_USAGE, unrecognizedSummary } from '../source-option.js';
import { METRICS_USAGE, metricsPort, serveMetrics } from '../metrics-server.js';
import { noRuleCacheUsage, ruleCacheOption } from '../rule-cache.js';
import { UsageError } from '../usage-error.js';
import { LIVE_OPTIONS, LIVE_USAGE, openInput } from '../live.js';
import type { CommandIo } from './validate.js';
import { SHIPPED_RULES } from '../shipped-rules.js';

export const HUNT_USAGE = `usage: siemlite hunt [options] INPUT...

Runs Sigma rules over log files: JSON Lines, JSON arrays or concatenated JSON objects,
gzipped or not, Windows .evtx files, and text logs: Apache/Nginx access logs, raw auditd
lines, syslog, CEF, Zeek TSV, W3C/IIS, CSV (told by content, any name; see --input-format);
folders are read
recursively; globs (* ? **) are expanded; '-' is stdin. Windows events (.evtx, or
evtx_dump JSON) are flattened to Sigma field names.

options:
  --rules PATH            rule file or folder, repeatable (default: the shipped rules/)
  --pipeline MODE         auto (default: windows pipeline for Windows events; other events
                          get a logsource from their shape and see only the rules written
                          for it), windows, none (logsource does not restrict rules), or a
                          pipeline YAML file
${SOURCE_USAGE}
${INPUT_FORMAT_USAGE}
  --format FORMAT         jsonl, csv or table (default: table on a terminal, else jsonl)
  --output FILE           write alerts to FILE instead of stdout
  --quiet                 no summary or progress on stderr
${FINDINGS_USAGE}
  --time-field NAME       read event time (correlation windows, alert timestamps) only
                          from this field; default: the usual time fields of each source
                          (Windows System.TimeCreated, @timestamp, eventTime, ...)
  --max-lateness DURATION how far behind the newest event time a match may arrive and
                          still be correlated in order (default 5m; 30s, 2h, 1d, 0)
  --max-groups N          groups a correlation keeps at once (default 1000000); past it
                          the least recently active group is dropped, with a warning
  --state FILE            correlation state: loaded from FILE if it exists and written
                          back at the end (atomically); the input continues in the next
                          run, so matches within --max-lateness wait in FILE
  --workers N|auto        worker threads that parse and evaluate; 0 or 1 runs everything
                          in this thread. auto (default): one per CPU core when the input
                          files hold 256 MiB or more, else this thread (each worker compiles
                          the rules, which only pays off on larger input). Alerts come out
                          in the same order either way
${SINK_USAGE}
${METRICS_USAGE}
${LIVE_USAGE}
${noRuleCacheUsage(26)}
  --db FILE               also store the alerts in the DuckDB store FILE (see siemlite alerts);
                          with --engine sql: hunt the events stored there (no INPUT)
  --engine stream|sql     stream (default): the streaming engine; sql: the rules as DuckDB
                          SQL over --db FILE or over INPUT... (correlations too; not
                          with --state)
  --reader auto|duckdb|siemlite
                          --engine sql INPUT...: who reads the files. auto (default):
                          DuckDB reads .json, .jsonl, .ndjson, .csv (also gzipped) and
                          .parquet itself, siemlite's readers the rest (.evtx, text logs,
                          stdin); duckdb: only DuckDB (other inputs are an error);
                          siemlite: siemlite's readers into an in-memory store
  -h, --help              show this help

${ruleSelectionUsage(26)}

Bad records (invalid JSON or UTF-8, oversized lines, damaged .evtx chunks and records)
are reported on stderr with file and line (or .evtx chunk and EventRecordID) and skipped. A summary (events, bad records, alerts by level, top rules, speed) goes
to stderr at the end.`;

const MAX_BAD_RECORDS_SHOWN = 20;

export async function runHunt(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      rules: { type: 'string', multiple: true },
      pipeline: { type: 'string', default: 'auto' },
      source: { type: 'string' },
      recognizers: { type: 'string' },
      'input-format': { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      ...RULE_SELECTION_OPTIONS,
      ...FINDINGS_OPTIONS,
      quiet: { type: 'boolean', default: false },
      workers: { type: 'string' },
      'time-field': { type: 'string' },
      'max-lateness': { type: 'string' },
      'max-groups': { type: 'string' },
      state: { type: 'string' },
      sink: { type: 'string', multiple: true },
      'spool-dir': { type: 'string' },
      'metrics-port': { type: 'string' },
      'no-rule-cache': { type: 'boolean', default: false },
      db: { type: 'string' },
      engine: { type: 'string', default: 'stream' },
      reader: { type: 'string' },
      ...LIVE_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${HUNT_USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0 && values.engine === 'stream') throw new UsageError('hunt needs at least one INPUT (a file, folder, glob, or - for stdin)');
  if (values.engine === 'stream') checkStreamInputs(positionals, values.reader);
  const toFile = values.output !== undefined;
  const format = (values.format ?? (io.isTty && !toFile ? 'table' : 'jsonl')) as AlertFormat;
  if (!['jsonl', 'csv', 'table'].includes(format)) throw new UsageError(`--format must be jsonl, csv or table, not '${format}'`);
  const selection = parseRuleSelection(values);
  const findings = openFindings(values);
  // Followed from their end, files give only what is appended: their size says nothing.
  let workers = values.workers === undefined || values.workers === 'auto' ? await autoWorkers(values.follow && !values['from-start'] ? [] : positionals) : 0;
  if (values.workers !== undefined && values.workers !== 'auto') {
    workers = /^\d+$/.test(values.workers) ? Number(values.workers) : Number.NaN;
    if (!Number.isSafeInteger(workers)) throw new UsageError(`--workers must be auto or a whole number (0 or 1: no worker threads), not '${values.workers}'`);
  }
  const maxLatenessMs = parseDuration(values['max-lateness'] ?? '5m', '--max-lateness');
  const maxGroups = values['max-groups'] === undefined ? undefined : parseCount(values['max-groups'], '--max-groups');
  const timeField = values['time-field'] ?? null;
  if (timeField !== null && timeField.trim() === '') throw new UsageError('--time-field needs a field name');
  const statePath = values.state ?? null;
  const rulePaths = resolveRulePaths(values.rules ?? [SHIPPED_RULES]);
  for (const p of rulePaths) if (!existsSync(p)) throw new UsageError(`--rules: '${p}' does not exist`);
  const quiet = values.quiet;
  const started = process.hrtime.bigint();
  const cache = ruleCacheOption(values['no-rule-cache'], quiet ? null : io.stderr);

  // Rules: one rule set per pipeline in use (auto: windows for Windows events, none otherwise).
  const mode = values.pipeline;
  const loadErrors: ErrorRecord[] = [];
  let unmapped = 0;
  let correlations: readonly CorrelationRule[] = [];
  let selected: SelectedRules | null = null;
  const missing: string[] = [];
  /** Applies the rule selection (README "Rule selection") once the rules are loaded. */
  const chooseCorrelations = (all: readonly CorrelationRule[], rules: readonly DetectionRule[]): void => {
    const plan = selectRules(rules, all, selection);
    correlations = plan.correlations;
    selected = plan;
    for (const m of plan.missing) missing.push(`${m.rule.title} (${m.rule.key}) reads '${m.key}', which is not a loaded rule`);
  };
  const keep = (rules: readonly DetectionRule[]): readonly DetectionRule[] => (selected === null ? rules : applySelection(rules, selected));
  // A rule whose logsource the pipeline does not map cannot be routed to events of that
  // pipeline: it is skipped and counted (sigma-semantics.md §9.2).
  const mappedOnly = (rules: readonly DetectionRule[]): readonly DetectionRule[] => {
    const mapped = rules.filter((r) => r.isMapped);
    unmapped = rules.length - mapped.length;
    return keep(mapped);
  };
  /** How a set's events name a field that correlations read: the pipeline's renames (group-by, value fields). */
  const renamesOf = (pipelines: readonly ProcessingPipeline[]) =>
    pipelines.length === 0 ? undefined : (rule: DetectionRule, field: string): readonly string[] => mapFieldName(field, pipelines, rule.logsource);
  let windows: DetectorRuleSet | null = null;
  let other: DetectorRuleSet;
  if (mode === 'auto') {
    // Load and lower once; the windows pipeline is then applied to the lowered rules.
    const base = loadRules(rulePaths, cache === undefined ? {} : { cache });
    loadErrors.push(...base.errors);
    const { pipelines, errors } = resolvePipelines('windows', cache);
    loadErrors.push(...errors);
    const processed = processRules(base.rules, pipelines);
    loadErrors.push(...processed.errors);
    chooseCorrelations(base.correlations, base.rules);
    const mapField = renamesOf(pipelines);
    windows = { rules: mappedOnly(processed.rules), events: 'windows', ...(mapField === undefined ? {} : { mapField }) };
    other = { rules: keep(base.rules), events: 'by-logsource' };
  } else {
    const { pipelines, errors } = resolvePipelines(mode, cache);
    loadErrors.push(...errors);
    const set = loadRules(rulePaths, { pipelines, ...(cache === undefined ? {} : { cache }) });
    loadErrors.push(...set.errors);
    chooseCorrelations(set.correlations, set.rules);
    const mapField = renamesOf(pipelines);
    other = { rules: mode === 'none' ? keep(set.rules) : mappedOnly(set.rules), ...(mapField === undefined ? {} : { mapField }) };
  }
  for (const e of loadErrors) io.stderr(`${formatDiagnostic(e)}\n`);
  for (const m of missing) io.stderr(`siemlite hunt: correlation not run: ${m}\n`);
  const ruleCount = other.rules.length; // auto: every rule loaded (the windows set holds the mapped ones again)
  if (ruleCount === 0) {
    io.stderr(`siemlite hunt: no rule loaded${loadErrors.length > 0 ? ' (see the errors above)' : ''}${isEmptySelection(selection) ? '' : ' (or none selected: see the rule selection options)'}\n`);
    return 1;
  }

  if (values.engine !== 'stream') {
    const ruleSets = windows === null ? [other] : [windows, other];
    const sqlWriter = createAlertWriter(format, values.output === undefined ? io.stdout : (t) => appendFileSync(values.output as string, t), { width: process.stdout.columns ?? 120 });
    // DuckDB is loaded only by the runs that use it (start-up: issue 14).
    const { runSqlHunt } = await import('./sql-hunt.js');
    if (statePath !== null) throw new UsageError('--state needs --engine stream (state carried from run to run is the streaming correlator\'s)');
    const correlation = { correlations, maxLatenessMs, maxGroups, timeField, onWarning: (message: string) => io.stderr(`siemlite hunt: ${message}\n`) };
    return runSqlHunt({ engine: values.engine, db: values.db ?? null, inputs: positionals, ruleSets, correlation, writer: sqlWriter, quiet, io, ...(values.reader === undefined ? {} : { reader: values.reader }) });
  }
  const alertStore = values.db === undefined ? null : await (await import('./sql-hunt.js')).openHuntAlertStore(values.db);
  const port = metricsPort(values['metrics-port']);
  const metrics = new DetectionMetrics();
  const sinks = openSinks(values.sink ?? [], values['spool-dir'], io.stderr);
  const out = toFile ? createWriteStream(values.output as string) : null;
  const write = (text: string): void => {
    if (out !== null) out.write(text);
    else io.stdout(text);
  };
  const writer = createAlertWriter(format, write, { width: process.stdout.columns ?? 120 });
  const byLevel = new Map<string, number>();
  const byRule = new Map<string, { title: string; id: string | null; count: number }>();
  const onAlert = (a: EngineAlert): void => {
    writer.write(a);
    findings?.add(a);
    const level = a.rule.level ?? 'none';
    byLevel.set(level, (byLevel.get(level) ?? 0) + 1);
    const key = a.rule.id ?? a.rule.title;
    const entry = byRule.get(key) ?? { title: a.rule.title, id: a.rule.id, count: 0 };
    entry.count++;
    byRule.set(key, entry);
  };
  let events = 0;
  let bad = 0;
  const files = new Set<string>();
  const progress = new Progress(!quiet && process.stderr.isTTY === true);
  let progressText = '';
  const onBadRecord = (b: BadRecord): void => {
    bad++;
    if (bad <= MAX_BAD_RECORDS_SHOWN) {
      progress.done();
      io.stderr(`${b.path}:${b.line}: ${b.code}: ${b.message}${b.record > 0 ? ` (record ${b.record} skipped)` : ''}\n`);
    } else if (bad === MAX_BAD_RECORDS_SHOWN + 1) io.stderr(`(more bad records are counted in the summary)\n`);
  };
  const onProgress = (p: { path: string; bytesRead: number; totalBytes: number | null }): void => {
    const pct = p.totalBytes ? ` ${Math.floor((100 * p.bytesRead) / p.totalBytes)}%` : '';
    progressText = `${p.path}${pct}`;
  };
  // One detection path: the pool parses, normalizes, routes (Windows events to the windows
  // rule set) and evaluates, in worker threads or, with --workers 0 or 1, on this thread (the
  // same code); this thread splits records, reports bad records and writes alerts, chunk by
  // chunk in input order, so the output is the same either way.
  const correlator =
    correlations.length === 0
      ? null
      : openCorrelator(
          {
            correlations,
            maxLatenessMs,
            ...(maxGroups === undefined ? {} : { maxGroups }),
            onWarning: (message: string) => {
              progress.done();
              io.stderr(`siemlite hunt: ${message}\n`);
            },
          },
          statePath,
        );
  const ruleSets: DetectorRuleSet[] = windows === null ? [other] : [windows, other];
  const sources = sourceOption(values.source, values.recognizers);
  if (sources !== undefined && mode !== 'auto') throw new UsageError('--source and --recognizers need --pipeline auto (the other modes do not route events by source)');
  let unrecognized = 0;
  const inputFormat = inputFormatOption(values['input-format']);
  const input = openInput(positionals, values, { onProgress, ...(inputFormat === undefined ? {} : { inputFormat }) });
  // Worker threads hold rule plans per (Channel, EventID) subset; V8's default old-generation
  // growth let each collect garbage only after ~3x its live heap (2 workers over 500,000
  // corpus events: 1,327 MB peak RSS; with growth capped at 1.5x: 899 MB, ~5 % more CPU).
  if (workers > 1) setFlagsFromString(`--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`);
  const pool = createDetectorPool({
    ruleSets,
    workers: workers > 1 ? workers : 0,
    correlator,
    timeField,
    ...(sources === undefined ? {} : { sources }),
    startAllWorkers: input.isLive,
    youngGenerationMb: WORKER_YOUNG_GENERATION_MB,
  });
  metrics.watchQueue(() => pool.inFlight, () => pool.peakInFlight);
  const endpoint = port === null ? null : await serveMetrics(port, metrics);
  if (endpoint !== null && !quiet) io.stderr(`siemlite hunt: metrics on ${endpoint.url}\n`);
  try {
    for await (const result of pool.detect(metrics.watchReads(input.records))) {
      for (const b of result.bad) onBadRecord(b);
      events += result.events;
      unrecognized += result.unrecognized;
      if (result.events > 0) files.add(result.path);
      for (const a of result.alerts) onAlert(a);
      metrics.events = events;
      metrics.badRecords = bad;
      metrics.addAlerts(result.alerts);
      await sinks.write(result.alerts);
      await alertStore?.add(result.alerts);
      progress.update(`hunting ${progressText}: ${events.toLocaleString('en-US')} events, ${sum(byLevel)} alerts`);
    }
    // A bounded input ends here; with --state the stream goes on in the next run, so what
    // the correlator still holds is saved instead of released.
    if (statePath === null) {
      const last = pool.finish();
      for (const a of last) onAlert(a);
      metrics.addAlerts(last);
      await sinks.write(last);
      await alertStore?.add(last);
    }
  } finally {
    input.dispose();
    await pool.close();
    await sinks.close();
    await endpoint?.close();
    alertStore?.close();
  }
  if (statePath !== null && correlator !== null) saveCorrelatorState(statePath, correlator);
  progress.done();
  writer.end();
  if (out !== null) {
    out.end();
    await once(out, 'close');
  }

  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  findings?.write({ inputs: positionals, files: files.size, events, badRecords: bad, rules: ruleCount, correlations: correlations.length, seconds: elapsed });
  if (!quiet) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    io.stderr(summary({ events, bad, files: files.size, byLevel, byRule, seconds, rules: ruleCount, loadErrors: loadErrors.length, unmapped }));
    io.stderr(unrecognizedSummary(unrecognized, other.events === 'by-logsource' ? rulesSkippedOnUnknown(other.rules) : 0));
    io.stderr(correlationSummary(correlator, correlations.length, missing.length, pool.correlationAlerts, statePath));
    io.stderr(`${metrics.summaryLines().join('\n')}\n`);
  }
  return 0;
}

/**
 * Young generation of each worker thread, in MB (DetectorPoolOptions.youngGenerationMb). A
 * worker holds a whole chunk's parsed events (up to 2,048) while it routes, batches and
 * evaluates them: more than V8's default young generation, so each scavenge copied them and
 * promoted most of them for full collections to find. Measured with 2 workers, interleaved
 * runs: 200,000 mixed-corpus events, scavenges 255 (2.8 s) → 166 (1.7 s); the 1M mixed
 * corpus, 26.8-27.4 s → 22.9-23.4 s wall and 51-52 → 44-45 CPU s at the same peak RSS
 * (~750 MB); OTRF within noise. 144 and 192 gave no more and 60 MB more RSS per worker.
 */
const WORKER_YOUNG_GENERATION_MB = 96;

/** V8's old-generation growth per collection with worker threads, in percent (see runHunt). */
const WORKER_HEAP_GROWING_PERCENT = 50;

/**
 * Input size from which `--workers auto` uses worker threads (see HUNT_USAGE). Each worker
 * decodes and compiles the rule subsets its events reach and optimizes its own hot code,
 * seconds of CPU that one thread pays once. `hunt` with the SigmaHQ rules, `--workers 1`
 * against `2` (2 cores, interleaved runs, wall s): mixed corpus 40 MB 3.6-4.2 / 5.5-6.3,
 * 99 MB 4.7-4.9 / 6.1-6.3, 398 MB 9.5-10.6 / 8.2-8.4, 2 GB 34.8 / 21.1; OTRF 41 MB
 * 2.1-2.2 / 3.7-4.5, 178 MB 3.8-4.7 / 5.4, 734 MB 9.4-12.2 / 9.0-9.1.
 */
const AUTO_WORKERS_MIN_BYTES = 256 * 1024 * 1024;

/** The streaming engine's readers have no Parquet reader, and --reader is --engine sql's. */
function checkStreamInputs(inputs: readonly string[], reader: string | undefined): void {
  if (reader !== undefined) throw new UsageError('--reader needs --engine sql (the streaming engine reads with siemlite\'s readers)');
  const parquet = inputs.find((i) => /\.parquet$/i.test(i));
  if (parquet !== undefined) throw new UsageError(`${parquet}: Parquet files are read by --engine sql (DuckDB's reader), not by the streaming engine`);
}

/** One worker per core for large inputs, none for small ones (stdin counts as small). */
async function autoWorkers(inputs: readonly string[]): Promise<number> {
  const { files } = await expandInputs(inputs);
  let bytes = 0;
  for (const f of files) {
    if (f === STDIN_INPUT) continue;
    try {
      bytes += statSync(f).size;
    } catch {
      // Unreadable inputs are reported by the reader; they add nothing here.
    }
    if (bytes >= AUTO_WORKERS_MIN_BYTES) return availableParallelism();
  }
  return 1;
}

function sum(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

/** The summary's correlation lines: never silent about correlations that were loaded. */
function correlationSummary(
  correlator: Correlator | null,
  count: number,
  notRun: number,
  alerts: number,
  statePath: string | null,
): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  if (correlator === null) return count + notRun === 0 ? '' : `correlations: 0 ran, ${n(notRun)} not run (rules missing, see above)\n`;
  const st = correlator.stats;
  const parts = [`correlations: ${n(count)} ran${notRun > 0 ? `, ${n(notRun)} not run (rules missing)` : ''}, ${n(alerts)} alerts`];
  parts.push(...correlationStatsNotes(st));
  if (statePath !== null) parts.push(`state saved to ${statePath}`);
  return `${parts.join('; ')}\n`;
}

function summary(s: {
  events: number;
  bad: number;
  files: number;
  byLevel: ReadonlyMap<string, number>;
  byRule: ReadonlyMap<string, { title: string; id: string | null; count: number }>;
  seconds: number;
  rules: number;
  loadErrors: number;
  unmapped: number;
}): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const levels = [...LEVELS].reverse().map((l) => `${l} ${n(s.byLevel.get(l) ?? 0)}`);
  if (s.byLevel.has('none')) levels.push(`no level ${n(s.byLevel.get('none') ?? 0)}`);
  const rate = s.seconds > 0 ? Math.round(s.events / s.seconds) : s.events;
  const lines = [
    `siemlite hunt: ${n(s.rules)} rules${s.loadErrors > 0 ? ` (${n(s.loadErrors)} rule errors)` : ''}` +
      `${s.unmapped > 0 ? `, ${n(s.unmapped)} rules with logsources the pipeline does not map (not run on its events)` : ''}` +
      `, ${n(s.events)} events from ${n(s.files)} files, ${n(s.bad)} bad records`,
    `alerts: ${n(sum(s.byLevel))} (${levels.join(', ')})`,
  ];
  const top = [...s.byRule.values()].sort((a, b) => b.count - a.count).slice(0, 10);
  if (top.length > 0) {
    lines.push('top rules:');
    for (const r of top) lines.push(`  ${String(r.count).padStart(8)}  ${r.title}${r.id === null ? '' : ` (${r.id})`}`);
  }
  lines.push(`elapsed ${s.seconds.toFixed(2)} s, ${n(rate)} events/s`);
  return `${lines.join('\n')}\n`;
}
