// Running rule tests: each case's events through the real engine (and correlator), the
// verdict compared with the expectation, and the explain output of each failing event.
import { deepFreeze, detect, explain, isWindowsEvent, normalizeEvent, type CorrelationRule, type DetectionRule, type ErrorRecord } from '@siemlite/core';
import { loadRules, selectionLocations } from '@siemlite/rules';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { formatExplanation } from '../commands/explain.js';
import { resolvePipelines } from '../pipelines.js';
import type { RuleTestCase, TestsFile } from './tests-file.js';

export interface CaseResult {
  readonly name: string;
  readonly line: number;
  readonly column: number;
  readonly passed: boolean;
  /** Why it failed: one line per failing event (or the correlation's count), then explain output. */
  readonly detail: string;
}

export interface RuleResult {
  readonly file: string;
  readonly testsFile: string;
  readonly key: string;
  readonly id: string | null;
  readonly title: string;
  readonly kind: 'detection' | 'correlation';
  readonly cases: readonly CaseResult[];
}

export interface TestsFileResult {
  readonly rules: readonly RuleResult[];
  /** Errors of the tests file or of loading the rules: the file's tests fail. */
  readonly errors: readonly ErrorRecord[];
}

interface Loaded {
  readonly rules: readonly DetectionRule[];
  readonly correlations: readonly CorrelationRule[];
  readonly errors: readonly ErrorRecord[];
}

const indent = (text: string, by: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

const alerting = <T extends DetectionRule | CorrelationRule>(r: T): T => (r.shouldAlert ? r : deepFreeze({ ...r, shouldAlert: true }));

/** Runs every case of one tests file against the rules of its rule file. */
export async function runTestsFile(tests: TestsFile): Promise<TestsFileResult> {
  if (tests.errors.length > 0) return { rules: [], errors: tests.errors };
  const byMode = new Map<string, Loaded>();
  const load = (mode: string): Loaded => {
    let set = byMode.get(mode);
    if (set === undefined) {
      const { pipelines, errors } = resolvePipelines(mode);
      const loaded = loadRules([tests.ruleFile, ...tests.with], { pipelines });
      set = { rules: loaded.rules, correlations: loaded.correlations, errors: [...errors, ...loaded.errors] };
      byMode.set(mode, set);
    }
    return set;
  };
  const first = load('none');
  if (first.errors.length > 0) {
    const hint = `; name the rule file it reads under 'with:' in ${basename(tests.file)}`;
    return { rules: [], errors: first.errors.map((e) => (e.code === 'unknown-reference' ? { ...e, message: `${e.message}${hint}` } : e)) };
  }
  const own = (r: DetectionRule | CorrelationRule): boolean => r.origin.file === tests.ruleFile;
  const targets = [...first.rules.filter(own), ...first.correlations.filter(own)];
  const errors: ErrorRecord[] = [];
  let selections: ReturnType<typeof selectionLocations> | undefined;
  const results = new Map<string, CaseResult[]>(targets.map((t) => [t.key, []]));
  for (const c of tests.cases) {
    const chosen = c.rule === null ? targets : targets.filter((t) => t.key === c.rule || t.id === c.rule || t.name === c.rule);
    if (chosen.length === 0) {
      errors.push({ code: 'unknown-reference', message: `test '${c.name}': no rule '${c.rule}' in ${tests.ruleFile}`, severity: 'error', location: c.loc, ruleId: null });
      continue;
    }
    // auto: the windows pipeline when every event of the case is a Windows event, as hunt routes them.
    const mode = c.pipeline === 'auto' ? (c.events.every((e) => isWindowsEvent(e)) ? 'windows' : 'none') : c.pipeline;
    const set = load(mode);
    if (set.errors.length > 0) {
      errors.push(...set.errors);
      continue;
    }
    for (const target of chosen) {
      const result =
        target.kind === 'DetectionRule'
          ? await runDetectionCase(c, set.rules.find((r) => r.key === target.key) as DetectionRule, mode, () => (selections ??= selectionLocations(tests.ruleFile, readFileSync(tests.ruleFile, 'utf8'))), tests.file)
          : await runCorrelationCase(c, target.key, set, mode);
      results.get(target.key)?.push(result);
    }
  }
  const rules = targets.map((t) => ({
    file: tests.ruleFile,
    testsFile: tests.file,
    key: t.key,
    id: t.id,
    title: t.title,
    kind: t.kind === 'DetectionRule' ? ('detection' as const) : ('correlation' as const),
    cases: results.get(t.key) ?? [],
  }));
  return { rules, errors };
}

async function runDetectionCase(
  c: RuleTestCase,
  rule: DetectionRule,
  mode: string,
  selections: () => ReturnType<typeof selectionLocations>,
  testsFile: string,
): Promise<CaseResult> {
  const lines: string[] = [];
  for (let i = 0; i < c.events.length; i++) {
    const event = c.events[i] as Record<string, unknown>;
    // A rule the pipeline cannot route is not run by hunt: it matches nothing.
    const matched = rule.isMapped && (await detect([event], { rules: [alerting(rule)] })).length > 0;
    if (matched === (c.expect === 'match')) continue;
    const why = rule.isMapped ? '' : ` (its logsource matches no entry of pipeline ${mode}: hunt does not run it there)`;
    lines.push(`event ${i + 1} of ${c.events.length}: expected ${c.expect}, got ${matched ? 'match' : 'no match'}${why}`);
    const out = explain(rule, normalizeEvent(event), { selections: selections() });
    lines.push(indent(formatExplanation(out, { path: testsFile, record: i + 1, value: event }, mode), '  '));
  }
  return { name: c.name, line: c.loc.line, column: c.loc.column, passed: lines.length === 0, detail: lines.join('\n') };
}

async function runCorrelationCase(c: RuleTestCase, key: string, set: Loaded, mode: string): Promise<CaseResult> {
  // Every rule alerts here, so the diagnostics can count what each base matched.
  const rules = set.rules.filter((r) => r.isMapped).map(alerting);
  const correlations = set.correlations.map((x) => (x.key === key ? alerting(x) : x));
  const alerts = await detect(c.events, { rules, correlations });
  const own = alerts.filter((a) => a.type === 'correlation' && a.rule.key === key).length;
  const passed = c.expect === 'no-match' ? own === 0 : c.alerts === null ? own > 0 : own === c.alerts;
  if (passed) return { name: c.name, line: c.loc.line, column: c.loc.column, passed, detail: '' };
  const wanted = c.expect === 'no-match' ? 'no alert' : c.alerts === null ? 'at least one alert' : `${c.alerts} alert${c.alerts === 1 ? '' : 's'}`;
  // What the bases saw: matches per detection rule over the events.
  const perRule = new Map<string, number>();
  for (const a of alerts) if (a.type === 'match') perRule.set(a.rule.title, (perRule.get(a.rule.title) ?? 0) + 1);
  const bases = rules.map((r) => `${r.title} ${perRule.get(r.title) ?? 0}`).join(', ');
  const detail = [
    `${c.events.length} events, pipeline ${mode}: expected ${wanted}, got ${own}`,
    `  base rule matches: ${bases === '' ? 'none loaded' : bases}`,
  ].join('\n');
  return { name: c.name, line: c.loc.line, column: c.loc.column, passed, detail };
}
