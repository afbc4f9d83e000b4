// Reading a rule tests file (`NAME.tests.yml` beside the rule file `NAME.yml`); the format
// is documented in README.md "Rule tests".
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorRecord, type ErrorRecord, type SourceLocation } from '@siemlite/core';
import { loadYaml, RULE_TESTS_SUFFIX, type YamlMap, type YamlValue } from '@siemlite/rules';

/** The suffix that makes a YAML file a tests file; rule loading skips these files. */
export const TESTS_SUFFIX = RULE_TESTS_SUFFIX;

export type Expectation = 'match' | 'no-match';

export interface RuleTestCase {
  readonly name: string;
  /** Rule id or name the case is about; null: every rule of the rule file. */
  readonly rule: string | null;
  readonly events: readonly Record<string, unknown>[];
  readonly expect: Expectation;
  /** For correlations: the exact number of alerts expected (with `expect: match`). */
  readonly alerts: number | null;
  /** Pipeline mode for this case (auto, windows, none, or a file), resolved against the tests file. */
  readonly pipeline: string;
  readonly loc: SourceLocation;
}

export interface TestsFile {
  readonly file: string;
  /** The rule file under test: the tests file's name without `.tests`. */
  readonly ruleFile: string;
  /** Other rule files the rules under test read (correlation bases), resolved. */
  readonly with: readonly string[];
  readonly cases: readonly RuleTestCase[];
  readonly errors: readonly ErrorRecord[];
}

/** `a/x.tests.yml` -> `a/x.yml` (or `a/x.yaml` if only that exists is for the caller to check). */
export function ruleFileOf(testsFile: string): string {
  return `${testsFile.slice(0, -TESTS_SUFFIX.length)}.yml`;
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function plain(v: YamlValue): Plain {
  if (v.kind === 'scalar') return v.value;
  if (v.kind === 'seq') return v.items.map(plain);
  const out: Record<string, Plain> = {};
  for (const e of v.entries) out[e.key] = plain(e.value);
  return out;
}

const KNOWN_TOP = new Set(['with', 'pipeline', 'tests']);
const KNOWN_CASE = new Set(['name', 'rule', 'event', 'events', 'expect', 'alerts', 'pipeline']);

/** Reads and checks a tests file; every problem is an error record with file, line and column. */
export function readTestsFile(file: string): TestsFile {
  const errors: ErrorRecord[] = [];
  const fail = (message: string, loc: SourceLocation): void => void errors.push(errorRecord('schema', message, loc));
  const ruleFile = ruleFileOf(file);
  const empty = { file, ruleFile, with: [], cases: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ...empty, errors: [errorRecord('io', `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file, line: 1, column: 1 })] };
  }
  const { documents } = loadYaml(file, text);
  const doc = documents[0];
  if (doc === undefined || doc.errors.length > 0 || doc.value === null) {
    return { ...empty, errors: doc?.errors.length ? doc.errors : [errorRecord('schema', 'the tests file is empty', { file, line: 1, column: 1 })] };
  }
  if (documents.length > 1) fail('a tests file holds one YAML document', documents[1]?.loc ?? doc.loc);
  if (doc.value.kind !== 'map') {
    fail("a tests file is a mapping with 'tests:' (and optionally 'with:' and 'pipeline:')", doc.value.loc);
    return { ...empty, errors };
  }
  const top = doc.value;
  const base = dirname(file);
  const entry = (m: YamlMap, key: string): YamlValue | undefined => m.entries.find((e) => e.key === key)?.value;
  for (const e of top.entries) if (!KNOWN_TOP.has(e.key)) fail(`unknown key '${e.key}' (expected with, pipeline, tests)`, e.keyLoc);

  const stringOf = (v: YamlValue | undefined, what: string): string | null => {
    if (v === undefined) return null;
    if (v.kind === 'scalar' && v.value !== null && typeof v.value !== 'boolean') return String(v.value);
    fail(`${what} must be a string`, v.loc);
    return null;
  };
  /** A pipeline mode; a file path is resolved against the tests file's folder. */
  const pipelineOf = (v: YamlValue | undefined, fallback: string): string => {
    const s = stringOf(v, "'pipeline'");
    if (s === null) return fallback;
    return ['auto', 'windows', 'none'].includes(s) ? s : resolve(base, s);
  };
  const defaultPipeline = pipelineOf(entry(top, 'pipeline'), 'auto');

  const withFiles: string[] = [];
  const w = entry(top, 'with');
  if (w !== undefined) {
    const items = w.kind === 'seq' ? w.items : [w];
    for (const item of items) {
      const s = stringOf(item, "'with' entries (rule files, relative to the tests file)");
      if (s !== null) withFiles.push(resolve(base, s));
    }
  }

  const cases: RuleTestCase[] = [];
  const tests = entry(top, 'tests');
  if (tests === undefined || tests.kind !== 'seq' || tests.items.length === 0) {
    fail("'tests:' must be a non-empty list of test cases", tests?.loc ?? top.loc);
    return { file, ruleFile, with: withFiles, cases, errors };
  }
  tests.items.forEach((item, i) => {
    if (item.kind !== 'map') {
      fail(`test ${i + 1} must be a mapping (name, event or events, expect)`, item.loc);
      return;
    }
    for (const e of item.entries) if (!KNOWN_CASE.has(e.key)) fail(`unknown key '${e.key}' in test ${i + 1} (expected ${[...KNOWN_CASE].join(', ')})`, e.keyLoc);
    const name = stringOf(entry(item, 'name'), "'name'") ?? `test ${i + 1}`;
    const one = entry(item, 'event');
    const many = entry(item, 'events');
    const events: Record<string, unknown>[] = [];
    if ((one === undefined) === (many === undefined)) fail(`test '${name}' needs exactly one of 'event' (a mapping) or 'events' (a list of mappings)`, item.loc);
    for (const ev of one !== undefined ? [one] : many?.kind === 'seq' ? many.items : many === undefined ? [] : [many]) {
      if (ev.kind === 'map') events.push(plain(ev) as Record<string, unknown>);
      else fail(`test '${name}': an event must be a mapping of field names to values`, ev.loc);
    }
    if (many !== undefined && many.kind === 'seq' && many.items.length === 0) fail(`test '${name}': 'events' is empty`, many.loc);
    const ex = entry(item, 'expect');
    const expectText = ex?.kind === 'scalar' ? ex.text : null;
    if (expectText !== 'match' && expectText !== 'no-match') {
      fail(`test '${name}': 'expect' must be match or no-match`, ex?.loc ?? item.loc);
      return;
    }
    const al = entry(item, 'alerts');
    let alerts: number | null = null;
    if (al !== undefined) {
      if (al.kind === 'scalar' && typeof al.value === 'number' && Number.isSafeInteger(al.value) && al.value >= 1 && expectText === 'match') alerts = al.value;
      else fail(`test '${name}': 'alerts' must be a whole number of at least 1, with expect: match`, al.loc);
    }
    cases.push({
      name,
      rule: stringOf(entry(item, 'rule'), "'rule'"),
      events,
      expect: expectText,
      alerts,
      pipeline: pipelineOf(entry(item, 'pipeline'), defaultPipeline),
      loc: item.loc,
    });
  });
  return { file, ruleFile, with: withFiles, cases, errors };
}
