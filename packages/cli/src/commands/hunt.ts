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
  readRawRecords,
  type BadRecord,
  type DetectionRule,
  type DetectorRuleSet,
  type EngineAlert,
  type ErrorRecord,
  type Level,
} from '@siemlite/core';
import { loadRules, processRules } from '@siemlite/rules';
import { formatDiagnostic } from '../output/diagnostics.js';
import { createAlertWriter, type AlertFormat } from '../output/alert-writer.js';
import { Progress } from '../output/progress.js';
import { resolvePipelines } from '../pipelines.js';
import { openSinks, SINK_USAGE } from '../sinks.js';
import { METRICS_USAGE, metricsPort, serveMetrics } from '../metrics-server.js';
import { noRuleCacheUsage, ruleCacheOption } from '../rule-cache.js';
import { UsageError } from '../usage-error.js';
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
  --workers N|auto        worker threads that parse and evaluate; 0 or 1 runs everything
                          in this thread. auto (default): one per CPU core when the input
                          files hold 32 MiB or more, else this thread (each worker compiles
                          the rules, which only pays off on larger input). Alerts come out
                          in the same order either way
${SINK_USAGE}
${METRICS_USAGE}
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
      sink: { type: 'string', multiple: true },
      'spool-dir': { type: 'string' },
      'metrics-port': { type: 'string' },
      'no-rule-cache': { type: 'boolean', default: false },
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
  const rulePaths = values.rules ?? [SHIPPED_RULES];
  for (const p of rulePaths) if (!existsSync(p)) throw new UsageError(`--rules: '${p}' does not exist`);
  const quiet = values.quiet;
  const started = process.hrtime.bigint();
  const cache = ruleCacheOption(values['no-rule-cache'], quiet ? null : io.stderr);

  // Rules: one rule set per pipeline in use (auto: windows for Windows events, none otherwise).
  const mode = values.pipeline;
  const loadErrors: ErrorRecord[] = [];
  const keep = (r: DetectionRule): boolean => minLevel < 0 || LEVELS.indexOf(r.level ?? 'informational') >= minLevel;
  let unmapped = 0;
  // A rule whose logsource the pipeline does not map cannot be routed to events of that
  // pipeline: it is skipped and counted (sigma-semantics.md §9.2).
  const mappedOnly = (rules: readonly DetectionRule[]): readonly DetectionRule[] => {
    const mapped = rules.filter((r) => r.isMapped);
    unmapped = rules.length - mapped.length;
    return mapped.filter(keep);
  };
  let windows: readonly DetectionRule[] | null = null;
  let other: readonly DetectionRule[];
  if (mode === 'auto') {
    // Load and lower once; the windows pipeline is then applied to the lowered rules.
    const base = loadRules(rulePaths, cache === undefined ? {} : { cache });
    loadErrors.push(...base.errors);
    const { pipelines, errors } = resolvePipelines('windows');
    loadErrors.push(...errors);
    const processed = processRules(base.rules, pipelines);
    loadErrors.push(...processed.errors);
    windows = mappedOnly(processed.rules);
    other = base.rules.filter(keep);
  } else {
    const { pipelines, errors } = resolvePipelines(mode);
    loadErrors.push(...errors);
    const set = loadRules(rulePaths, { pipelines, ...(cache === undefined ? {} : { cache }) });
    loadErrors.push(...set.errors);
    other = mode === 'none' ? set.rules.filter(keep) : mappedOnly(set.rules);
  }
  for (const e of loadErrors) io.stderr(`${formatDiagnostic(e)}\n`);
  const ruleCount = windows?.length ?? other.length;
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
  const ruleSets: DetectorRuleSet[] =
    windows === null ? [{ rules: other }] : [{ rules: windows, events: 'windows' }, { rules: other, events: 'not-windows' }];
  const pool = createDetectorPool({ ruleSets, workers: workers > 1 ? workers : 0 });
  metrics.watchQueue(() => pool.inFlight, () => pool.peakInFlight);
  const endpoint = port === null ? null : await serveMetrics(port, metrics);
  if (endpoint !== null && !quiet) io.stderr(`siemlite hunt: metrics on ${endpoint.url}\n`);
  try {
    for await (const result of pool.detect(metrics.watchReads(readRawRecords(positionals, { onProgress })))) {
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
    const last = pool.finish();
    for (const a of last) onAlert(a);
    metrics.addAlerts(last);
    await sinks.write(last);
  } finally {
    await pool.close();
    await sinks.close();
    await endpoint?.close();
  }
  progress.done();
  writer.end();
  if (out !== null) {
    out.end();
    await once(out, 'close');
  }

  if (!quiet) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    io.stderr(summary({ events, bad, files: files.size, byLevel, byRule, seconds, rules: ruleCount, loadErrors: loadErrors.length, unmapped }));
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
