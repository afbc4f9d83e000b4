// Conformance: SigmaHQ's regression_data pairs a rule id with evtx_dump JSON events on which
// the rule must fire. All active SigmaHQ rules are loaded once with the windows pipeline
// (as `siemlite hunt` would), every case's events go through one `detect` call, and the
// named rule must be among the alerts for that case. One run lists every miss.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { detect, type Alert, type DetectionRule, type ErrorRecord } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules, type RuleSet } from '@siemlite/rules';
import { hasShared, SHARED_DIR } from '../support/shared.js';
import { parseConcatenatedJson } from '../support/concatenated-json.js';

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'rules-dfir'];
const run = hasShared('SigmaHQ regression_data conformance');
const SIGMA = resolve(SHARED_DIR, 'sigma');

interface RegressionCase {
  /** The info.yml, relative to the sigma folder. */
  readonly info: string;
  readonly ruleId: string;
  /** The JSON events file (the .evtx path of info.yml with .json), relative to the sigma folder. */
  readonly eventFile: string;
}

interface InfoYaml {
  readonly rule_metadata?: readonly { readonly id?: string }[];
  readonly regression_tests_info?: readonly { readonly path?: string; readonly type?: string }[] | null;
}

function findFiles(dir: string, name: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findFiles(path, name, out);
    else if (entry === name) out.push(path);
  }
  return out;
}

/** Cases of every info.yml; info files without a test entry are returned separately. */
function readCases(): { cases: RegressionCase[]; withoutTests: string[] } {
  const cases: RegressionCase[] = [];
  const withoutTests: string[] = [];
  for (const file of findFiles(join(SIGMA, 'regression_data'), 'info.yml')) {
    const info = relative(SIGMA, file);
    const parsed = parseYaml(readFileSync(file, 'utf8')) as InfoYaml;
    const ids = (parsed.rule_metadata ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
    const tests = parsed.regression_tests_info ?? [];
    if (tests.length === 0) {
      withoutTests.push(info);
      continue;
    }
    for (const test of tests) {
      if (typeof test.path !== 'string') continue;
      const eventFile = test.path.replace(/\.evtx$/i, '.json');
      for (const ruleId of ids) cases.push({ info, ruleId, eventFile });
    }
  }
  return { cases, withoutTests };
}

/** Every rule file of the active folders that mentions `id` (to explain rules that did not load). */
function filesMentioning(id: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry) && readFileSync(path, 'utf8').includes(id)) out.push(path);
    }
  };
  for (const d of ACTIVE) walk(join(SIGMA, d));
  return out;
}

describe.runIf(run)('SigmaHQ regression_data', () => {
  let set: RuleSet;
  let byId: Map<string, DetectionRule>;

  beforeAll(() => {
    const { pipeline, errors } = loadBuiltinPipeline('windows');
    expect(errors).toEqual([]);
    set = loadRules(
      ACTIVE.map((d) => join(SIGMA, d)),
      { pipelines: pipeline === null ? [] : [pipeline], placeholderFallback: 'wildcard' },
    );
    byId = new Map();
    for (const rule of set.rules) if (rule.id !== null) byId.set(rule.id, rule);
  });

  it('every regression case fires its rule on its events', async () => {
    const { cases, withoutTests } = readCases();
    expect(cases.length).toBeGreaterThan(150);

    // One detect call over every case's events; record numbers map back to cases.
    const events: Record<string, unknown>[] = [];
    const caseOfRecord: number[] = [];
    const problems = new Map<number, string>();
    cases.forEach((c, index) => {
      const path = join(SIGMA, c.eventFile);
      if (!existsSync(path)) {
        problems.set(index, 'event file missing');
        return;
      }
      const parsed = parseConcatenatedJson(readFileSync(path, 'utf8'));
      if (parsed.length === 0) problems.set(index, 'event file holds no JSON object');
      for (const event of parsed) {
        events.push(event);
        caseOfRecord.push(index);
      }
    });
    const alerts = await detect(events, { rules: set.rules });
    const alertsOfCase = new Map<number, Alert[]>();
    for (const alert of alerts) {
      const index = caseOfRecord[alert.source.record - 1] as number;
      const list = alertsOfCase.get(index) ?? [];
      list.push(alert);
      alertsOfCase.set(index, list);
    }

    const misses: string[] = [];
    cases.forEach((c, index) => {
      const fired = alertsOfCase.get(index) ?? [];
      if (fired.some((a) => a.rule.id === c.ruleId)) return;
      const rule = byId.get(c.ruleId);
      let reason: string;
      if (problems.has(index)) reason = problems.get(index) as string;
      else if (rule === undefined) {
        const files = filesMentioning(c.ruleId);
        const errors: ErrorRecord[] = set.errors.filter((e) => files.some((f) => e.location?.file === f));
        reason = `rule not loaded (${files.map((f) => relative(SIGMA, f)).join(', ') || 'no rule file has this id'})${errors
          .map((e) => `\n      ${e.code}: ${e.message}`)
          .join('')}`;
      } else if (!rule.shouldAlert) reason = 'rule is silenced by a correlation (shouldAlert false)';
      else {
        const others = [...new Set(fired.map((a) => a.rule.title))].slice(0, 5);
        reason = `no alert from the rule${rule.isMapped ? '' : ' (rule is unmapped: its logsource matches no pipeline entry)'}; other rules fired: ${others.length === 0 ? 'none' : others.join(' | ')}`;
      }
      const file = rule === undefined ? '?' : relative(SIGMA, rule.origin.file);
      misses.push(`${c.ruleId}  rule ${file}  events ${c.eventFile}\n    ${reason}`);
    });

    const hits = cases.length - misses.length;
    console.info(
      `SigmaHQ regression_data: ${cases.length} cases, ${hits} hits, ${misses.length} misses (${events.length} events, ${alerts.length} alerts; ${withoutTests.length} info.yml without a test entry: ${withoutTests.join(', ') || 'none'})`,
    );
    expect(misses, `${misses.length} regression cases did not fire:\n${misses.join('\n')}`).toEqual([]);
  });
});
