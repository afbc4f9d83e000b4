// Correlation for the commands that hunt: which rules correlations need, the correlator's
// options from the command line, and its state file (`--state`).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Correlator, type CorrelationRule, type CorrelatorOptions, type DetectionRule } from '@siemlite/core';
import { UsageError } from './usage-error.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration option: a number with a unit (`500ms`, `30s`, `5m`, `2h`, `1d`), or `0`.
 *
 * @example parseDuration('5m', '--max-lateness') // 300000
 */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const amount = match === null ? Number.NaN : Number(match[1]);
  const unit = match?.[2];
  if (match === null || (unit === undefined && amount !== 0) || !Number.isFinite(amount)) {
    throw new UsageError(`${option} must be a duration such as 30s, 5m, 2h or 1d (or 0), not '${text}'`);
  }
  return Math.round(amount * (UNITS[unit ?? 'ms'] as number));
}

/** A positive whole number option. */
export function parseCount(text: string, option: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option} must be a whole number of at least 1, not '${text}'`);
  return n;
}

/**
 * The correlations to run and what they need: correlations kept by `keep` (level), and the
 * keys of every rule they read, through chains, which must run even when `keep` would drop
 * them (a base rule at level low under a high correlation). Correlations whose rules are
 * missing from the set cannot run and are returned apart.
 */
export function planCorrelations(
  correlations: readonly CorrelationRule[],
  detectionKeys: ReadonlySet<string>,
  keep: (c: CorrelationRule) => boolean,
): { readonly run: readonly CorrelationRule[]; readonly missing: readonly { rule: CorrelationRule; key: string }[]; readonly needed: ReadonlySet<string> } {
  const byKey = new Map(correlations.map((c) => [c.key, c]));
  const missing: { rule: CorrelationRule; key: string }[] = [];
  const isRunnable = new Map<string, boolean>();
  const runnable = (c: CorrelationRule, seen: Set<string>): boolean => {
    const known = isRunnable.get(c.key);
    if (known !== undefined) return known;
    if (seen.has(c.key)) return false; // a cycle of correlations can never fire
    seen.add(c.key);
    let ok = true;
    for (const key of c.rules) {
      const inner = byKey.get(key);
      if (inner !== undefined ? runnable(inner, seen) : detectionKeys.has(key)) continue;
      if (ok) missing.push({ rule: c, key });
      ok = false;
    }
    isRunnable.set(c.key, ok);
    return ok;
  };
  const selected = correlations.filter((c) => keep(c) && runnable(c, new Set()));
  // Everything the selected correlations read, through chains.
  const needed = new Set<string>();
  const chosen = new Map<string, CorrelationRule>();
  const visit = (c: CorrelationRule): void => {
    if (chosen.has(c.key)) return;
    chosen.set(c.key, c);
    for (const key of c.rules) {
      const inner = byKey.get(key);
      if (inner !== undefined) visit(inner);
      else needed.add(key);
    }
  };
  for (const c of selected) visit(c);
  // Correlations in file order, chained ones included even if `keep` dropped them (they feed the others).
  return { run: correlations.filter((c) => chosen.has(c.key)), missing, needed };
}

/** The detection rules to run: those `keep` selects, plus those the correlations need. */
export function withNeededRules(rules: readonly DetectionRule[], keep: (r: DetectionRule) => boolean, needed: ReadonlySet<string>): readonly DetectionRule[] {
  return rules.filter((r) => keep(r) || needed.has(r.key));
}

const STATE_FORMAT = 'siemlite-correlation-state';

/**
 * The correlator for `--state FILE`: restored from FILE when it exists (a state from
 * another rule set or version is refused with a message that says so), else new.
 */
export function openCorrelator(options: CorrelatorOptions, statePath: string | null): Correlator {
  if (statePath === null || !existsSync(statePath)) return new Correlator(options);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(statePath, 'utf8'));
  } catch (error) {
    throw new UsageError(`--state: ${statePath} is not a siemlite state file (${error instanceof Error ? error.message : String(error)}); move it away to start afresh`);
  }
  const file = parsed as { format?: unknown; correlator?: unknown };
  if (typeof parsed !== 'object' || parsed === null || file.format !== STATE_FORMAT) {
    throw new UsageError(`--state: ${statePath} is not a siemlite correlation state file; move it away to start afresh`);
  }
  try {
    return Correlator.restore(file.correlator, options);
  } catch (error) {
    throw new UsageError(`--state: ${statePath} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Writes the correlator's state to `path` atomically: a temporary file beside it, flushed
 * to disk, then renamed over the old one, so a crash mid-write leaves the old state.
 */
export function saveCorrelatorState(path: string, correlator: Correlator): void {
  const text = JSON.stringify({ format: STATE_FORMAT, written: new Date().toISOString(), correlator: correlator.snapshot() });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
