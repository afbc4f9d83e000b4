// `siemlite ingest --db FILE INPUT...`: read events with core's readers and store them,
// normalized, in the DuckDB event store (README, "Storage and SQL hunting").
import { parseArgs } from 'node:util';
import { readRecords } from '@siemlite/core';
import { EventStore, StoreError } from '@siemlite/storage';
import { parseDuration } from '../correlation.js';
import { badRecordReporter } from '../output/bad-records.js';
import { Progress } from '../output/progress.js';
import { UsageError } from '../usage-error.js';
import type { CommandIo } from './validate.js';

export const INGEST_USAGE = `usage: siemlite ingest --db FILE [options] INPUT...

Stores events in the DuckDB event store FILE (created if missing): the same inputs as hunt
(JSON Lines, JSON, gzip, .evtx; folders, globs, '-'), Windows events flattened to Sigma
field names. Each batch is one transaction; records already stored (same file path and
record number) are skipped, so ingesting a file again adds only what is new.

options:
  --db FILE          the DuckDB database file (required)
  --retain DURATION  afterwards, delete events older than DURATION by event time (30d, 12h)
  --batch N          events per transaction (default 50000); each batch is staged as a
                     JSON Lines file (~2 KB per event) in the temp folder (TMPDIR)
  --quiet            no summary or progress on stderr
  -h, --help         show this help`;

export async function runIngest(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      retain: { type: 'string' },
      batch: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${INGEST_USAGE}\n`);
    return 0;
  }
  if (values.db === undefined) throw new UsageError('ingest needs --db FILE');
  if (positionals.length === 0) throw new UsageError('ingest needs at least one INPUT (a file, folder, glob, or - for stdin)');
  const retainMs = values.retain === undefined ? null : parseDuration(values.retain, '--retain');
  const batchEvents = values.batch === undefined ? undefined : Number(values.batch);
  if (batchEvents !== undefined && !(Number.isSafeInteger(batchEvents) && batchEvents > 0)) throw new UsageError(`--batch must be a positive whole number, not '${values.batch}'`);
  const started = process.hrtime.bigint();
  let store: EventStore;
  try {
    store = await EventStore.open(values.db, batchEvents === undefined ? {} : { batchEvents });
  } catch (e) {
    return storeFailure(e, io);
  }
  const progress = new Progress(!values.quiet && process.stderr.isTTY === true);
  let bytes = 0;
  const { onBadRecord, count: badCount } = badRecordReporter(io.stderr, () => progress.done());
  const done = new Map<string, number>();
  let retained = 0;
  try {
    for await (const chunk of readRecords(positionals, {
      onBadRecord,
      onProgress: (p) => {
        done.set(p.path, p.bytesRead);
      },
    })) {
      await store.add(chunk);
      progress.update(`ingesting: ${(store.counts.added + store.counts.skipped).toLocaleString('en-US')} events`);
    }
    await store.flush();
    if (retainMs !== null) retained = await store.retain(retainMs);
  } catch (e) {
    progress.done();
    store.close();
    return storeFailure(e, io, store.counts.added);
  }
  store.close();
  progress.done();
  for (const b of done.values()) bytes += b;
  if (!values.quiet) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const n = (x: number): string => x.toLocaleString('en-US');
    const c = store.counts;
    io.stderr(
      `siemlite ingest: ${n(c.added)} events stored, ${n(c.skipped)} already stored, ${n(badCount())} bad records` +
        `${retainMs === null ? '' : `, ${n(retained)} older than --retain deleted`}; ` +
        `${seconds.toFixed(2)} s, ${n(Math.round((c.added + c.skipped) / Math.max(seconds, 1e-9)))} events/s, ${(bytes / 1e6 / Math.max(seconds, 1e-9)).toFixed(1)} MB/s\n`,
    );
  }
  return 0;
}

/** Reports a store error (file, what happened, what is kept) and gives exit code 1. */
export function storeFailure(e: unknown, io: CommandIo, committed?: number): number {
  if (!(e instanceof StoreError)) throw e;
  io.stderr(`siemlite: ${e.message}${committed === undefined ? '' : ` (${committed.toLocaleString('en-US')} events committed before it are kept)`}\n`);
  return 1;
}
