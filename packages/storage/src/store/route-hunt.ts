// Log-source routing of SQL hunts: which stored events a rule set's rules run on. As core's
// RoutedEvaluator runs a `by-logsource` set: events that are not Windows events, each rule
// only on those whose recognized log source (stored per event at ingest, column
// source_route, catalog siemlite_routes) fits the rule's logsource (core's logsourceFits).
import { logsourceFits, type RuleLogsource } from '@siemlite/core';
import type { HuntSource } from './store-hunt.js';

/** Rows of the store (an SQL condition on `events`) and the rules (indexes) that run on them. */
export interface RoutedRows {
  readonly where: string;
  readonly indexes: readonly number[];
}

const EVENTS_WHERE = { all: 'TRUE', windows: 'is_windows', 'not-windows': 'NOT is_windows' } as const;

/** The rows each rule of a set sees: all its rules on one row set, or (by-logsource) rules grouped by the routes they fit. */
export async function routedRows(store: Pick<HuntSource, 'connection' | 'routes'>, events: 'all' | 'windows' | 'not-windows' | 'by-logsource', logsources: readonly RuleLogsource[] | undefined, ruleCount: number): Promise<RoutedRows[]> {
  const all = Array.from({ length: ruleCount }, (_, i) => i);
  if (events !== 'by-logsource') return [{ where: EVENTS_WHERE[events], indexes: all }];
  if (logsources === undefined || logsources.length !== ruleCount) {
    throw new RangeError(`a by-logsource rule set needs one logsource per rule (${ruleCount} rules, ${logsources?.length ?? 0} logsources)`);
  }
  const reader = await store.connection.runAndReadAll('SELECT DISTINCT source_route FROM events WHERE NOT is_windows');
  // Routes whose events the same rules fit share queries.
  const groups = new Map<string, { routes: (number | null)[]; indexes: number[] }>();
  for (const [value] of reader.getRows()) {
    const route = value === null ? null : Number(value);
    const logsource = route === null ? undefined : store.routes.get(route);
    const indexes = all.filter((i) => logsourceFits(logsources[i] as RuleLogsource, logsource));
    if (indexes.length === 0) continue;
    const key = indexes.join(',');
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { routes: [], indexes }));
    group.routes.push(route);
  }
  return [...groups.values()].map(({ routes, indexes }) => {
    // Route ids are integers of the store's own catalog, not rule or event text.
    const ids = routes.filter((r): r is number => r !== null && Number.isSafeInteger(r));
    const tests = [...(ids.length > 0 ? [`source_route IN (${ids.join(', ')})`] : []), ...(routes.includes(null) ? ['source_route IS NULL'] : [])];
    return { where: `NOT is_windows AND (${tests.join(' OR ')})`, indexes };
  });
}
