// Correlation rules in `hunt --engine sql`: the store hunt's matches go to @siemlite/storage's
// correlateInputs (SQL where expressible, core's Correlator for the rest), and the alerts are
// printed where `hunt --engine stream` prints them (README "Storage and SQL hunting").
import type { CorrelationRule, DetectorRuleSet, EngineAlert } from '@siemlite/core';
import { CORRELATION_ITEMS, correlateInputs, correlationInputs, planCorrelation, type HuntSource, type StoredEvent, type StoreCorrelationResult, type StoreMatch } from '@siemlite/storage';
import { correlationStatsNotes } from '../correlation.js';

export interface SqlCorrelationOptions {
  readonly correlations: readonly CorrelationRule[];
  readonly maxLatenessMs: number;
  readonly maxGroups: number | undefined;
  /** hunt's --time-field: event time read only from this field of the stored event. */
  readonly timeField: string | null;
  readonly onWarning: (message: string) => void;
}

/** The rule keys correlations read: their matches are hunted even when the rule does not alert itself. */
export function correlationReads(correlations: readonly CorrelationRule[]): ReadonlySet<string> {
  return new Set(correlations.flatMap((c) => c.rules));
}

/** Runs the correlations over the store hunt's matches (`sets[m.set].rules[m.rule]`). */
export async function correlateSqlMatches(
  store: Pick<HuntSource, 'connection'>,
  sets: readonly Pick<DetectorRuleSet, 'rules' | 'mapField'>[],
  matches: readonly StoreMatch[],
  events: ReadonlyMap<string, StoredEvent>,
  o: SqlCorrelationOptions,
): Promise<StoreCorrelationResult | null> {
  if (o.correlations.length === 0) return null;
  const inputs = correlationInputs(o.correlations, sets, matches, events, o.timeField);
  return correlateInputs(store.connection, inputs, {
    correlations: o.correlations,
    maxLatenessMs: o.maxLatenessMs,
    onWarning: o.onWarning,
    ...(o.maxGroups === undefined ? {} : { maxGroups: o.maxGroups }),
  });
}

/** All alerts in the streaming hunt's order: each match's alert (if any), then the correlation alerts its push released; the rest at the end. */
export function inStreamOrder(matchAlerts: readonly (EngineAlert | null)[], result: StoreCorrelationResult | null): EngineAlert[] {
  const out: EngineAlert[] = [];
  const correlated = result?.alerts ?? [];
  let next = 0;
  matchAlerts.forEach((alert, arrival) => {
    if (alert !== null) out.push(alert);
    while (next < correlated.length && (correlated[next]?.after ?? Number.POSITIVE_INFINITY) <= arrival) out.push((correlated[next++] as { alert: EngineAlert }).alert);
  });
  while (next < correlated.length) out.push((correlated[next++] as { alert: EngineAlert }).alert);
  return out;
}

/** The summary's correlation lines: how many ran and how, the alerts, and what was not correlated. */
export function sqlCorrelationSummary(result: StoreCorrelationResult | null): string {
  if (result === null) return '';
  const n = (x: number): string => x.toLocaleString('en-US');
  const streamed = result.runs.filter((r) => r.engine === 'stream');
  const st = result.stats;
  const parts = [
    `correlations: ${n(result.runs.length)} ran (${n(result.runs.length - streamed.length)} as SQL, ${n(streamed.length)} in the streaming correlator over the SQL matches), ${n(result.alerts.length)} alerts`,
  ];
  parts.push(...correlationStatsNotes(st));
  const lines = [parts.join('; ')];
  for (const r of streamed) lines.push(`  streaming correlator: ${r.rule.title} (${r.rule.key}): ${r.reason ?? ''}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `convert --target duckdb` for correlation rules: the SQL and its parameters, over the
 * relation of base-rule matches (CORRELATION_ITEMS), or why the rule runs in the streaming
 * correlator instead.
 */
export function convertCorrelations(correlations: readonly CorrelationRule[], write: (text: string) => void): void {
  for (const rule of correlations) {
    const head = `-- ${rule.title}${rule.id === null ? '' : ` (${rule.id})`}${rule.level === null ? '' : `, level ${rule.level}`}, correlation ${rule.type}`;
    const plan = planCorrelation(rule, correlations);
    if (plan.kind === 'stream') {
      write(`${head}\n-- not SQL: hunt --engine sql runs it in the streaming correlator: ${plan.reason}\n\n`);
      continue;
    }
    write(`${head}, over ${CORRELATION_ITEMS} (item, t, rule_key, path, record, fields)\n${plan.query.sql};\n-- parameters: ${JSON.stringify(plan.query.params)}\n\n`);
  }
}
