// `hunt --timeline FILE`: one row per alert sorted by event time (csv or jsonl, by extension).
import { csvField } from '../output/alert-writer.js';
import type { FindingRow } from './findings.js';

export const TIMELINE_COLUMNS = ['time', 'host', 'user', 'level', 'rule', 'rule_id', 'type', 'tactics', 'techniques', 'key_fields', 'source'] as const;

function record(r: FindingRow): Record<(typeof TIMELINE_COLUMNS)[number], string | null> {
  return {
    time: r.time,
    host: r.host,
    user: r.user,
    level: r.level,
    rule: r.ruleTitle,
    rule_id: r.ruleId,
    type: r.type,
    tactics: r.tactics.join(' '),
    techniques: r.techniques.join(' '),
    key_fields: r.keyFields,
    source: r.source,
  };
}

/** The timeline text of sorted rows. */
export function renderTimeline(rows: readonly FindingRow[], format: 'csv' | 'jsonl'): string {
  if (format === 'jsonl') return rows.map((r) => `${JSON.stringify(record(r))}\n`).join('');
  const lines = [TIMELINE_COLUMNS.join(',')];
  for (const r of rows) {
    const rec = record(r);
    lines.push(TIMELINE_COLUMNS.map((c) => csvField(rec[c] ?? '')).join(','));
  }
  return `${lines.join('\n')}\n`;
}
