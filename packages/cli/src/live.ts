// `hunt` as a live detector: stdin and --follow stay open, partly filled chunks leave after
// --flush-interval, and SIGINT/SIGTERM end the input where it is (what was read is still
// detected, the summary printed and --state saved; the exit status is 0).
import { DEFAULT_FLUSH_INTERVAL_MS, followRawRecords, readRawRecords, type RawReadOptions, type RawRecordStream } from '@siemlite/core';
import { parseDuration } from './correlation.js';
import { UsageError } from './usage-error.js';

export const LIVE_USAGE = `  --follow                follow the INPUT files and folders like tail -F (JSON Lines or
                          access-log, syslog, auditd, cef lines): appended lines, rotation
                          by rename, truncation, new files in a followed folder; runs
                          until SIGINT or SIGTERM (as does reading stdin, '-')
  --from-start            with --follow, read existing files from their start (default:
                          only what is appended from now on)
  --flush-interval DURATION  stdin and followed files: a partly filled batch of events
                          waits at most this long (default ${DEFAULT_FLUSH_INTERVAL_MS}ms; 50ms, 1s)`;

export const LIVE_OPTIONS = {
  follow: { type: 'boolean', default: false },
  'from-start': { type: 'boolean', default: false },
  'flush-interval': { type: 'string' },
} as const;

export interface LiveInput {
  readonly records: RawRecordStream;
  /** Stdin or followed files: the input may go on for long (every worker is started up front). */
  readonly isLive: boolean;
  /** Ends the input where it is (what was read is still handed out). */
  readonly stop: () => void;
  /** Removes the signal handlers. */
  readonly dispose: () => void;
}

/**
 * The input of a hunt: files and stdin (readRawRecords) or followed paths, stopped by
 * SIGINT/SIGTERM. A second signal is not caught: it ends the process at once.
 */
export function openInput(
  inputs: readonly string[],
  values: { readonly follow: boolean; readonly 'from-start': boolean; readonly 'flush-interval'?: string | undefined },
  read: Pick<RawReadOptions, 'onProgress' | 'inputFormat'>,
): LiveInput {
  const flushIntervalMs = values['flush-interval'] === undefined ? undefined : parseDuration(values['flush-interval'], '--flush-interval');
  if (flushIntervalMs === 0) throw new UsageError('--flush-interval must be 1ms or more');
  if (values['from-start'] && !values.follow) throw new UsageError('--from-start goes with --follow');
  if (values.follow && inputs.includes('-')) throw new UsageError("--follow follows files and folders; read stdin with '-' without --follow");
  const format = read.inputFormat;
  if (values.follow && (format === 'csv' || format === 'w3c' || format === 'zeek-tsv')) {
    throw new UsageError(`--follow cannot follow ${format} files (their header is not where following starts); hunt them without --follow`);
  }
  const controller = new AbortController();
  const signal = controller.signal;
  const live = flushIntervalMs === undefined ? { signal } : { signal, flushIntervalMs };
  const records = values.follow ? followRawRecords(inputs, { ...live, fromStart: values['from-start'], ...(format === undefined ? {} : { inputFormat: format }) }) : readRawRecords(inputs, { ...read, ...live });
  const stop = (): void => {
    dispose();
    controller.abort();
  };
  const dispose = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { records, stop, dispose, isLive: values.follow || inputs.includes('-') };
}
