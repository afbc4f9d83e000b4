// `siemlite hunt [options] INPUT...`: run Sigma rules over log files and print alerts.
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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
  type Level,
} from '@siemlite/core';
import { loadRules, mapFieldName, processRules, type ProcessingPipeline } from '@siemlite/rules';
import { openCorrelator, parseCount, parseDuration, planCorrelations, saveCorrelatorState, withNeededRules } from '../correlation.js';
import { formatDiagnostic } from '../output/diagnostics.js';
import { createAlertWriter, type AlertFormat } from '../output/alert-writer.js';
import { Progress } from '../output/progress.js';
import { resolvePipelines } from '../pipelines.js';
import { openSinks, SINK_USAGE } from '../sinks.js';
import { METRICS_USAGE, metricsPort, serveMetrics } from '../metrics-server.js';
import { noRuleCacheUsage, ruleCacheOption } from '../rule-cache.js';
import { UsageError } from '../usage-error.js';
import { LIVE_OPTIONS, LIVE_USAGE, openInput } from '../live.js';
import type { CommandIo } from './validate.js';

/** The shipped rules folder: rules/ at the repository root (same depth from src/ and dist/). */
export const SHIPPED_RULES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../rules');

export const HUNT_USAGE = `usage: siemlite hunt [options] INPUT...

Runs Sigma rules over log files: JSON Lines, JSON arrays or concatenated JSON objects,
gzipped or not, and Windows .evtx files (told by content, any name); folders are read
recursively; globs (* ? **) are expanded; '-' is stdin. Windows events (.evtx, or
evtx_dump JSON) are flattened to Sigma field names.

options:
  --rules PATH            rule file or folder, repeatable (default: the shipped rules/)
  --pipeline MODE         auto (default: windows pipeline for Windows events, none for the
                          rest), windows, none (logsource does not restrict rules), or a
                          pipeline YAML file
  --format FORMAT         jsonl, csv or table (default: table on a terminal, else jsonl)
  --output FILE           write alerts to FILE instead of stdout
  --min-level LEVEL       only rules at this level or above
                          (informational, low, medium, high, critical)
  --quiet                 no summary or progress on stderr
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
                          files hold 32 MiB or more, else this thread (each worker compiles
                          the rules, which only pays off on larger input). Alerts come out
                          in the same order either way
${SINK_USAGE}
${METRICS_USAGE}
${LIVE_USAGE}
${noRuleCacheUsage(26)}
  -h, --help              show this help

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
      format: { type: 'string' },
      output: { type: 'string' },
      'min-level': { type: 'string' },
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
      ...LIVE_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${HUNT_USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('hunt needs at least one INPUT (a file, folder, glob, or - for stdin)');
  const toFile = values.output !== undefined;
  const format = (values.format ?? (io.isTty && !toFile ? 'table' : 'jsonl')) as AlertFormat;
  if (!['jsonl', 'csv', 'table'].includes(format)) throw new UsageError(`--format must be jsonl, csv or table, not '${format}'`);
  let minLevel = -1;
  if (values['min-level'] !== undefined) {
    minLevel = LEVELS.indexOf(values['min-level'] as Level);
    if (minLevel < 0) throw new UsageError(`--min-level must be one of ${LEVELS.join(', ')}`);
  }
  let workers = values.workers === undefined || values.workers === 'auto' ? await autoWorkers(positionals) : 0;
  if (values.workers !== undefined && values.workers !== 'auto') {
    workers = /^\d+$/.test(values.workers) ? Number(values.workers) : Number.NaN;
    if (!Number.isSafeInteger(workers)) throw new UsageError(`--workers must be auto or a whole number (0 or 1: no worker threads), not '${values.workers}'`);
  }
  const maxLatenessMs = parseDuration(values['max-lateness'] ?? '5m', '--max-lateness');
  const maxGroups = values['max-groups'] === undefined ? undefined : parseCount(values['max-groups'], '--max-groups');
  const timeField = values['time-field'] ?? null;
  if (timeField !== null && timeField.trim() === '') throw new UsageError('--time-field needs a field name');
  const statePath = values.state ?? null;
  const rulePaths = values.rules ?? [SHIPPED_RULES];
  for (const p of rulePaths) if (!existsSync(p)) throw new UsageError(`--rules: '${p}' does not exist`);
  const quiet = values.quiet;
  const started = process.hrtime.bigint();
  const cache = ruleCacheOption(values['no-rule-cache'], quiet ? null : io.stderr);

  // Rules: one rule set per pipeline in use (auto: windows for Windows events, none otherwise).
  const mode = values.pipeline;
  const loadErrors: ErrorRecord[] = [];
  const isKept = (level: Level | null): boolean => minLevel < 0 || LEVELS.indexOf(level ?? 'informational') >= minLevel;
  let unmapped = 0;
  let correlations: readonly CorrelationRule[] = [];
  let needed: ReadonlySet<string> = new Set();
  const missing: string[] = [];
  /** Picks the correlations to run (by level) once the detection rules are known. */
  const chooseCorrelations = (all: readonly CorrelationRule[], rules: readonly DetectionRule[]): void => {
    const plan = planCorrelations(all, new Set(rules.map((r) => r.key)), (c) => isKept(c.level));
    correlations = plan.run;
    needed = plan.needed;
    for (const m of plan.missing) missing.push(`${m.rule.title} (${m.rule.key}) reads '${m.key}', which is not a loaded rule`);
  };
  const keep = (rules: readonly DetectionRule[]): readonly DetectionRule[] => withNeededRules(rules, (r) => isKept(r.level), needed);
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
    const { pipelines, errors } = resolvePipelines('windows');
    loadErrors.push(...errors);
    const processed = processRules(base.rules, pipelines);
    loadErrors.push(...processed.errors);
    chooseCorrelations(base.correlations, base.rules);
    const mapField = renamesOf(pipelines);
    windows = { rules: mappedOnly(processed.rules), events: 'windows', ...(mapField === undefined ? {} : { mapField }) };
    other = { rules: keep(base.rules), events: 'not-windows' };
  } else {
    const { pipelines, errors } = resolvePipelines(mode);
    loadErrors.push(...errors);
    const set = loadRules(rulePaths, { pipelines, ...(cache === undefined ? {} : { cache }) });
    loadErrors.push(...set.errors);
    chooseCorrelations(set.correlations, set.rules);
    const mapField = renamesOf(pipelines);
    other = { rules: mode === 'none' ? keep(set.rules) : mappedOnly(set.rules), ...(mapField === undefined ? {} : { mapField }) };
  }
  for (const e of loadErrors) io.stderr(`${formatDiagnostic(e)}\n`);
  for (const m of missing) io.stderr(`siemlite hunt: correlation not run: ${m}\n`);
  const ruleCount = (windows ?? other).rules.length;
  if (ruleCount === 0) {
    io.stderr(`siemlite hunt: no rule loaded${loadErrors.length > 0 ? ' (see the errors above)' : ''}\n`);
    return 1;
  }

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
  const pool = createDetectorPool({ ruleSets, workers: workers > 1 ? workers : 0, correlator, timeField });
  metrics.watchQueue(() => pool.inFlight, () => pool.peakInFlight);
  const input = openInput(positionals, values, onProgress);
  const endpoint = port === null ? null : await serveMetrics(port, metrics);
  if (endpoint !== null && !quiet) io.stderr(`siemlite hunt: metrics on ${endpoint.url}\n`);
  try {
    for await (const result of pool.detect(metrics.watchReads(input.records))) {
      for (const b of result.bad) onBadRecord(b);
      events += result.events;
      if (result.events > 0) files.add(result.path);
      for (const a of result.alerts) onAlert(a);
      metrics.events = events;
      metrics.badRecords = bad;
      metrics.addAlerts(result.alerts);
      await sinks.write(result.alerts);
      progress.update(`hunting ${progressText}: ${events.toLocaleString('en-US')} events, ${sum(byLevel)} alerts`);
    }
    // A bounded input ends here; with --state the stream goes on in the next run, so what
    // the correlator still holds is saved instead of released.
    if (statePath === null) {
      const last = pool.finish();
      for (const a of last) onAlert(a);
      metrics.addAlerts(last);
      await sinks.write(last);
    }
  } finally {
    input.dispose();
    await pool.close();
    await sinks.close();
    await endpoint?.close();
  }
  if (statePath !== null && correlator !== null) saveCorrelatorState(statePath, correlator);
  progress.done();
  writer.end();
  if (out !== null) {
    out.end();
    await once(out, 'close');
  }

  if (!quiet) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    io.stderr(summary({ events, bad, files: files.size, byLevel, byRule, seconds, rules: ruleCount, loadErrors: loadErrors.length, unmapped }));
    io.stderr(correlationSummary(correlator, correlations.length, missing.length, pool.correlationAlerts, statePath));
    io.stderr(`${metrics.summaryLines().join('\n')}\n`);
  }
  return 0;
}

/** Input size from which `--workers auto` uses worker threads (see HUNT_USAGE). */
const AUTO_WORKERS_MIN_BYTES = 32 * 1024 * 1024;

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
  if (st.late > 0) parts.push(`${n(st.late)} matches later than --max-lateness not correlated`);
  if (st.noTime > 0) parts.push(`${n(st.noTime)} matches without a usable event time not correlated`);
  if (st.missingGroupField > 0) parts.push(`${n(st.missingGroupField)} matches without a group-by field not counted`);
  if (st.nonNumeric > 0) parts.push(`${n(st.nonNumeric)} non-numeric values ignored by value_sum/avg/percentile`);
  if (st.groupCapHits > 0) parts.push(`${n(st.groupCapHits)} groups dropped at --max-groups`);
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
