// `siemlite query --db FILE [--format ...] "SQL"`: run SQL over the store, read-only unless --write.
import { parseArgs } from 'node:util';
import { runSql } from '@siemlite/storage';
import { UsageError } from '../usage-error.js';
import { storeFailure } from './ingest.js';
import type { CommandIo } from './validate.js';

export const QUERY_USAGE = `usage: siemlite query --db FILE [--format table|jsonl|csv] [--write] "SQL"

Runs SQL on the DuckDB store FILE (tables: events, alerts, siemlite_fields, siemlite_sources)
and prints the rows. The database is opened read-only: statements that write fail, unless
--write is given.

options:
  --db FILE        the DuckDB database file (required)
  --format FORMAT  table (default on a terminal), jsonl (default otherwise) or csv
  --write          open read-write (allows INSERT, DELETE, CREATE, ...)
  -h, --help       show this help`;

export async function runQuery(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      format: { type: 'string' },
      write: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${QUERY_USAGE}\n`);
    return 0;
  }
  if (values.db === undefined) throw new UsageError('query needs --db FILE');
  if (positionals.length !== 1) throw new UsageError('query needs exactly one SQL argument (quote it)');
  const format = values.format ?? (io.isTty ? 'table' : 'jsonl');
  if (!['jsonl', 'csv', 'table'].includes(format)) throw new UsageError(`--format must be table, jsonl or csv, not '${format}'`);
  try {
    const { columns, rows } = await runSql(values.db, positionals[0] as string, values.write);
    writeRows(format, columns, rows, io.stdout);
    return 0;
  } catch (e) {
    return storeFailure(e, io);
  }
}

const text = (v: unknown): string => (v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const csvCell = (v: unknown): string => {
  const t = text(v);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

function writeRows(format: string, columns: readonly string[], rows: readonly (readonly unknown[])[], out: (t: string) => void): void {
  if (format === 'jsonl') {
    for (const row of rows) out(`${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null])))}\n`);
  } else if (format === 'csv') {
    out(`${columns.map(csvCell).join(',')}\n`);
    for (const row of rows) out(`${row.map(csvCell).join(',')}\n`);
  } else {
    const cells = rows.map((row) => row.map((v) => text(v).replace(/\s+/g, ' ').slice(0, 60)));
    const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
    const line = (r: readonly string[]): string => `${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`;
    out(line(columns));
    out(line(widths.map((w) => '-'.repeat(w))));
    for (const r of cells) out(line(r));
    out(`(${rows.length} rows)\n`);
  }
}
