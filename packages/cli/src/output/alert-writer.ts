// Alert output formats: JSON Lines (the machine format, fast-json-stringify), CSV, and an
// aligned table for terminals. Correlation alerts share the columns: their time is the
// window's end, their source the last match counted, and CSV's `event` column holds what
// the correlation found (type, group, value, window, match count).
import { createAlertSerializer, type EngineAlert } from '@siemlite/core';

export type AlertFormat = 'jsonl' | 'csv' | 'table';

export interface AlertWriter {
  write(alert: EngineAlert): void;
  end(): void;
}

const CSV_HEADER = 'timestamp,level,rule_id,rule_title,path,record,event';

/** The columns an alert fills in CSV and table output. */
interface Row {
  readonly time: string | null;
  readonly path: string;
  readonly record: string;
  readonly detail: () => string;
}

function rowOf(a: EngineAlert): Row {
  if (a.type === 'match') return { time: a.timestamp, path: a.source.path, record: String(a.source.record), detail: () => JSON.stringify(a.event) };
  const last = a.matches[a.matches.length - 1];
  return {
    time: a.timestamp,
    path: last?.source.path ?? '',
    record: last === undefined ? '' : String(last.source.record),
    detail: () =>
      JSON.stringify({ correlation_type: a.rule.correlation_type, group: a.group, value: a.value, window: a.window, matches_total: a.matches_total }),
  };
}

export function createAlertWriter(format: AlertFormat, out: (text: string) => void, options: { width: number }): AlertWriter {
  if (format === 'jsonl') {
    const serialize = createAlertSerializer();
    return { write: (a) => out(`${serialize(a)}\n`), end: () => undefined };
  }
  if (format === 'csv') {
    out(`${CSV_HEADER}\n`);
    return {
      write: (a) => {
        const row = rowOf(a);
        out(`${[row.time ?? '', a.rule.level ?? '', a.rule.id ?? '', a.rule.title, row.path, row.record, row.detail()].map(csvField).join(',')}\n`);
      },
      end: () => undefined,
    };
  }
  let wroteHeader = false;
  return {
    write: (a) => {
      if (!wroteHeader) {
        out(`${'TIME'.padEnd(24)} ${'LEVEL'.padEnd(13)} ${'RULE'.padEnd(50)} SOURCE\n`);
        wroteHeader = true;
      }
      const row = rowOf(a);
      const title = a.type === 'match' ? a.rule.title : `[${a.rule.correlation_type} ${a.value}] ${a.rule.title}`;
      const where = a.type === 'match' ? `${row.path}:${row.record}` : `${groupText(a.group)} ${a.matches_total} matches, last ${row.path}:${row.record}`;
      const line = `${(row.time ?? '-').slice(0, 24).padEnd(24)} ${(a.rule.level ?? '-').padEnd(13)} ${truncate(title, 50).padEnd(50)} ${where}`;
      // Fit the terminal when its width is known and usable; never cut below the columns.
      out(`${options.width >= 80 ? truncate(line, options.width) : line}\n`);
    },
    end: () => {
      if (!wroteHeader) out('no alerts\n');
    },
  };
}

function groupText(group: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(group).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length === 0 ? '(all)' : parts.join(' ');
}

export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
