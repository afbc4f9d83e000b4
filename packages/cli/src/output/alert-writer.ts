// Alert output formats: JSON Lines (the machine format, fast-json-stringify), CSV, and an
// aligned table for terminals.
import { createAlertSerializer, type Alert } from '@siemlite/core';

export type AlertFormat = 'jsonl' | 'csv' | 'table';

export interface AlertWriter {
  write(alert: Alert): void;
  end(): void;
}

const CSV_HEADER = 'timestamp,level,rule_id,rule_title,path,record,event';

export function createAlertWriter(format: AlertFormat, out: (text: string) => void, options: { width: number }): AlertWriter {
  if (format === 'jsonl') {
    const serialize = createAlertSerializer();
    return { write: (a) => out(`${serialize(a)}\n`), end: () => undefined };
  }
  if (format === 'csv') {
    out(`${CSV_HEADER}\n`);
    return {
      write: (a) =>
        out(
          `${[a.timestamp ?? '', a.rule.level ?? '', a.rule.id ?? '', a.rule.title, a.source.path, String(a.source.record), JSON.stringify(a.event)]
            .map(csvField)
            .join(',')}\n`,
        ),
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
      const line = `${(a.timestamp ?? '-').slice(0, 24).padEnd(24)} ${(a.rule.level ?? '-').padEnd(13)} ${truncate(a.rule.title, 50).padEnd(50)} ${a.source.path}:${a.source.record}`;
      // Fit the terminal when its width is known and usable; never cut below the columns.
      out(`${options.width >= 80 ? truncate(line, options.width) : line}\n`);
    },
    end: () => {
      if (!wroteHeader) out('no alerts\n');
    },
  };
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
