// Correlation for the commands that hunt: the correlator's options from the command line,
// and its state file (`--state`). Which rules correlations need: selectRules in @siemlite/rules.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Correlator, type CorrelationStats, type CorrelatorOptions } from '@siemlite/core';
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

/**
 * The summary's notes on matches a correlator could not use (late, timeless, no group-by
 * field, non-numeric values, dropped groups); the same for `--engine stream` and `sql`.
 */
export function correlationStatsNotes(st: CorrelationStats): string[] {
  const n = (x: number): string => x.toLocaleString('en-US');
  const notes: string[] = [];
  if (st.late > 0) notes.push(`${n(st.late)} matches later than --max-lateness not correlated`);
  if (st.noTime > 0) notes.push(`${n(st.noTime)} matches without a usable event time not correlated`);
  if (st.missingGroupField > 0) notes.push(`${n(st.missingGroupField)} matches without a group-by field not counted`);
  if (st.nonNumeric > 0) notes.push(`${n(st.nonNumeric)} non-numeric values ignored by value_sum/avg/percentile`);
  if (st.groupCapHits > 0) notes.push(`${n(st.groupCapHits)} groups dropped at --max-groups`);
  return notes;
}
