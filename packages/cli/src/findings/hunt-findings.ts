// hunt's --report and --timeline: the options, and what hunt calls (add each alert, write at the end).
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { EngineAlert } from '@siemlite/core';
import { UsageError } from '../usage-error.js';
import { Findings } from './findings.js';
import { renderHtml, renderMarkdown, type RunSummary } from './report.js';
import { renderTimeline } from './timeline.js';

export const FINDINGS_OPTIONS = {
  report: { type: 'string' },
  timeline: { type: 'string' },
} as const;

export const FINDINGS_USAGE = `  --report FILE           also write a findings report: FILE.html (self-contained page) or
                          FILE.md: summary, alerts by level and rule, timeline chart,
                          ATT&CK table, top hosts and users, the alerts with their events
  --timeline FILE         also write every alert, sorted by event time, as FILE.csv or
                          FILE.jsonl: time, host, user, level, rule, key fields, source`;

export interface HuntFindings {
  add(alert: EngineAlert): void;
  write(summary: RunSummary): void;
}

/** The collector for --report/--timeline, or null when neither is asked for. */
export function openFindings(values: { report?: string | undefined; timeline?: string | undefined }): HuntFindings | null {
  const { report, timeline } = values;
  const reportKind = report === undefined ? null : ({ '.html': 'html', '.htm': 'html', '.md': 'md' } as const)[extname(report).toLowerCase() as '.html'];
  if (report !== undefined && reportKind === undefined) throw new UsageError(`--report must name a .html or .md file, not '${report}'`);
  const timelineKind = timeline === undefined ? null : ({ '.csv': 'csv', '.jsonl': 'jsonl' } as const)[extname(timeline).toLowerCase() as '.csv'];
  if (timeline !== undefined && timelineKind === undefined) throw new UsageError(`--timeline must name a .csv or .jsonl file, not '${timeline}'`);
  if (report === undefined && timeline === undefined) return null;
  const findings = new Findings();
  return {
    add: (a) => findings.add(a),
    write: (summary) => {
      const sorted = findings.sorted();
      if (timeline !== undefined && timelineKind != null) writeFileSync(timeline, renderTimeline(sorted, timelineKind));
      if (report !== undefined && reportKind != null) writeFileSync(report, reportKind === 'html' ? renderHtml(sorted, summary) : renderMarkdown(sorted, summary));
    },
  };
}
