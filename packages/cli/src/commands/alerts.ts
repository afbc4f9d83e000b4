// `siemlite alerts --db FILE [filters]`: print stored alerts in hunt's output formats.
import { parseArgs } from 'node:util';
import { LEVELS, type Level } from '@siemlite/core';
import { AlertStore } from '@siemlite/storage';
import { createAlertWriter, type AlertFormat } from '../output/alert-writer.js';
import { UsageError } from '../usage-error.js';
import { storeFailure } from './ingest.js';
import type { CommandIo } from './validate.js';

export const ALERTS_USAGE = `usage: siemlite alerts --db FILE [options]

Prints the alerts stored in FILE (by 'siemlite hunt --db FILE'), oldest first, in hunt's
output formats.

options:
  --db FILE          the DuckDB database file (required; opened read-only)
  --since TIME       alerts at or after TIME (ISO-8601, e.g. 2024-01-31 or 2024-01-31T12:00:00Z)
  --rule ID          alerts of the rule with this id (or title, for rules without id)
  --min-level LEVEL  alerts of rules at this level or above
  --host NAME        alerts of events from this host (Computer, hostname, host)
  --limit N          at most N alerts
  --format FORMAT    jsonl, csv or table (default: table on a terminal, else jsonl)
  -h, --help         show this help`;

export async function runAlerts(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      db: { type: 'string' },
      since: { type: 'string' },
      rule: { type: 'string' },
      'min-level': { type: 'string' },
      host: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${ALERTS_USAGE}\n`);
    return 0;
  }
  if (values.db === undefined) throw new UsageError('alerts needs --db FILE');
  const format = (values.format ?? (io.isTty ? 'table' : 'jsonl')) as AlertFormat;
  if (!['jsonl', 'csv', 'table'].includes(format)) throw new UsageError(`--format must be jsonl, csv or table, not '${format}'`);
  const minLevel = values['min-level'] as Level | undefined;
  if (minLevel !== undefined && !LEVELS.includes(minLevel)) throw new UsageError(`--min-level must be one of ${LEVELS.join(', ')}`);
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) throw new UsageError(`--since must be an ISO-8601 time, not '${values.since}'`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) throw new UsageError(`--limit must be a whole number, not '${values.limit}'`);
  let store: AlertStore;
  try {
    store = await AlertStore.open(values.db, { readOnly: true });
  } catch (e) {
    return storeFailure(e, io);
  }
  try {
    const alerts = await store.query({
      ...(values.since === undefined ? {} : { since: new Date(values.since).toISOString() }),
      ...(values.rule === undefined ? {} : { rule: values.rule }),
      ...(minLevel === undefined ? {} : { minLevel }),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(limit === undefined ? {} : { limit }),
    });
    const writer = createAlertWriter(format, io.stdout, { width: process.stdout.columns ?? 120 });
    for (const a of alerts) writer.write(a);
    writer.end();
    return 0;
  } catch (e) {
    io.stderr(`siemlite alerts: ${values.db}: ${(e as Error).message.split('\n')[0]}${/alerts.*does not exist/i.test((e as Error).message) ? ' (no alerts stored yet: run siemlite hunt --db FILE)' : ''}\n`);
    return 1;
  } finally {
    store.close();
  }
}
