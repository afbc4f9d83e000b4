// The rule cache of loadRules: a warm load gives exactly what a cold load gives, and the
// cache never decides anything on stale, corrupt, foreign or unwritable data.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Constant, NullValue, PatternPart, walkNodes, type Node } from '@siemlite/core';
import type { ProcessingPipeline } from '../../src/pipeline/pipeline.js';
import { loadRules, type LoadRulesOptions, type RuleSet } from '../../src/collection.js';
import { loadBuiltinPipeline } from '../../src/pipeline/builtin.js';
import { loadPipeline } from '../../src/pipeline/pipeline.js';
import type { RuleCacheReport } from '../../src/rule-cache.js';
import { tempDirs, windows } from './temp-rules.js';
import { hasShared, REPO_ROOT, SHARED_DIR } from '../../../../test/support/shared.js';

const tempDir = tempDirs('siemlite-cache-');

/** Loads with the cache in `dir`; returns the rule set and what the cache did. */
function cached(paths: readonly string[], dir: string, options: LoadRulesOptions = {}): { set: RuleSet; report: RuleCacheReport } {
  let report: RuleCacheReport | undefined;
  const set = loadRules(paths, { ...options, cache: { dir, onReport: (r) => (report = r) } });
  if (report === undefined) throw new Error('no cache report');
  return { set, report };
}

/** Every object reachable from `value` is frozen, as loading leaves the IR. */
function expectDeepFrozen(value: unknown, path = '$'): void {
  if (value === null || typeof value !== 'object') return;
  expect(Object.isFrozen(value), `${path} is frozen`).toBe(true);
  for (const [k, v] of Object.entries(value)) expectDeepFrozen(v, `${path}.${k}`);
}

/** Same rules, errors, warnings and counts, in the same order; +0/-0 and undefined keys count. */
function expectSameSet(actual: RuleSet, expected: RuleSet): void {
  expect(actual.files).toBe(expected.files);
  expect(actual.filesWithErrors).toBe(expected.filesWithErrors);
  expect(actual.rules).toStrictEqual(expected.rules);
  expect(actual.correlations).toStrictEqual(expected.correlations);
  expect(actual.filters).toStrictEqual(expected.filters);
  expect(actual.errors).toStrictEqual(expected.errors);
  expect(actual.warnings).toStrictEqual(expected.warnings);
  // And byte for byte as JSON (what the CLI prints and the pool's wire carries).
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  expectDeepFrozen(actual.rules);
  expectDeepFrozen(actual.correlations);
  expectDeepFrozen(actual.filters);
}

function cacheFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.cache'));
}

const rule = (id: string, body: string, extra = ''): string => `title: Rule ${id}
id: ${id}
logsource:
  product: windows
  category: process_creation
detection:
${body}
level: high
${extra}`;

const ID = (n: number): string => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;

/** Small rule files covering what the per-file result holds: every kind, errors, warnings. */
function writeSynthetic(dir: string): void {
  writeFileSync(join(dir, 'a_plain.yml'), rule(ID(1), "  sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains|all: [' /c ', 'whoami']\n  condition: sel"));
  writeFileSync(
    join(dir, 'b_values.yml'),
    rule(
      ID(2),
      "  sel:\n    EventID: [1, 4688]\n    Size|gte: 1.5\n    Hashes|re: '(?i)^[a-f0-9]{32}$'\n    DestinationIp|cidr: 10.0.0.0/8\n" +
        "    Enabled: true\n    Missing: null\n    Other|fieldref: Image\n    sel2|exists: true\n  keywords:\n    - 'mimikatz'\n  condition: sel and not keywords",
    ),
  );
  writeFileSync(join(dir, 'c_expand.yml'), rule(ID(3), "  sel:\n    User|expand: '%admins%'\n  condition: sel"));
  writeFileSync(
    join(dir, 'd_collection.yml'),
    `action: global\ntitle: Collection\nid: ${ID(4)}\nlogsource:\n  product: windows\n  category: process_creation\n` +
      `---\ndetection:\n  sel:\n    Image: a.exe\n  condition: sel\n---\ndetection:\n  sel:\n    Image: b.exe\n  condition: sel\n` +
      `---\naction: repeat\ndetection:\n  sel:\n    Image: c.exe\n  condition: sel\n`,
  );
  writeFileSync(
    join(dir, 'e_correlation.yml'),
    `${rule(ID(5), '  sel:\n    EventID: 4625\n  condition: sel', 'name: failed_logon\n')}---\n` +
      `title: Correlation\nid: ${ID(6)}\ncorrelation:\n  type: temporal\n  rules: [failed_logon, ${ID(1)}]\n  group-by: [user]\n` +
      `  timespan: 5m\n  aliases:\n    user:\n      failed_logon: TargetUserName\n      ${ID(1)}: User\nlevel: high\n---\n` +
      `title: Filter\nlogsource:\n  product: windows\n  category: process_creation\nfilter:\n  rules: [failed_logon]\n  sel:\n    User: svc\n  condition: not sel\n`,
  );
  // A value JSON cannot carry exactly: -0 (a percentile). Not cached. (A timespan too long
  // for a number is an error: see correlation-filter.test.ts.)
  writeFileSync(
    join(dir, 'f_uncacheable.yml'),
    `${rule(ID(7), '  sel:\n    EventID: 1\n  condition: sel', 'name: base7\n')}---\n` +
      `title: Percentile\nid: ${ID(8)}\ncorrelation:\n  type: value_percentile\n  rules: [base7]\n  group-by: [User]\n  timespan: 1h\n` +
      `  condition:\n    gt: 100\n    percentile: -0.0\n    field: Bytes\n---\n` +
      `title: Hours\nid: ${ID(9)}\ncorrelation:\n  type: event_count\n  rules: [base7]\n  timespan: 2h\n  condition:\n    gte: 2\n`,
  );
  writeFileSync(join(dir, 'g_bad_condition.yml'), rule(ID(10), '  sel:\n    Image: x\n  condition: sel and'));
  writeFileSync(join(dir, 'h_bad_yaml.yml'), 'title: x\n  detection: [\n');
  writeFileSync(join(dir, 'i_empty.yml'), '# nothing\n');
  writeFileSync(join(dir, 'j_not_utf8.yml'), Buffer.from([0x74, 0x69, 0x74, 0x6c, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
  writeFileSync(join(dir, 'k_duplicate.yml'), rule(ID(1), '  sel:\n    Image: dup.exe\n  condition: sel'));
  writeFileSync(join(dir, 'l_warning.yml'), rule(ID(11), '  sel:\n    Image: w.exe\n  condition: sel', 'tags:\n  - attack.Bad Tag\n'));
  writeFileSync(join(dir, 'm_bom.yml'), `\uFEFF${rule(ID(12), '  sel:\n    Image: bom.exe\n  condition: sel')}`);
  writeFileSync(join(dir, 'n_big.yml'), rule(ID(13), `  sel:\n    Image: '${'x'.repeat(5000)}'\n  condition: sel`));
}

const PLACEHOLDERS = (values: string): ProcessingPipeline => {
  const { pipeline, errors } = loadPipeline('p.yml', `name: p\nplaceholders:\n  admins: ${values}\n`);
  expect(errors).toEqual([]);
  if (pipeline === null) throw new Error('pipeline did not load');
  return pipeline;
};

describe('rule cache on small rule files', () => {
  it('gives the same rule set warm as cold, for every kind of result, and rewrites nothing when nothing changed', () => {
    const rules = tempDir();
    writeSynthetic(rules);
    const cache = tempDir();
    const options: LoadRulesOptions = { pipelines: [windows(), PLACEHOLDERS("['root', 'adm*']")], maxFileBytes: 4096 };
    const plain = loadRules([rules], options);
    // The fixture covers what it should: correlations with aliases, filters, errors, warnings.
    expect(plain.correlations.map((c) => c.type).sort()).toEqual(['event_count', 'temporal', 'value_percentile']);
    expect(plain.correlations.find((c) => c.type === 'temporal')?.aliases).toHaveLength(1);
    expect(Object.is(plain.correlations.find((c) => c.type === 'value_percentile')?.percentile, -0)).toBe(true);
    expect(plain.correlations.find((c) => c.type === 'event_count')?.timespanMs).toBe(7_200_000);
    expect(plain.filters).toHaveLength(1);
    expect(new Set(plain.errors.map((e) => e.code))).toEqual(
      new Set(['condition-syntax', 'yaml-syntax', 'empty-document', 'io', 'duplicate-id', 'yaml-too-large']),
    );
    expect(plain.warnings.length).toBeGreaterThan(0);

    const cold = cached([rules], cache, options);
    expectSameSet(cold.set, plain);
    expect(cold.report).toMatchObject({ hits: 0, written: true, error: null });
    const mtime = (): number[] => cacheFiles(cache).map((f) => readFileSync(join(cache, f)).length);
    const before = mtime();

    const warm = cached([rules], cache, options);
    expectSameSet(warm.set, plain);
    // Every file is a hit except the one with a value JSON cannot carry (-0) and
    // the one that is not UTF-8 (both read every time); too large files are never read.
    expect(warm.report).toMatchObject({ hits: 11, misses: 2, written: false, error: null });
    expect(mtime()).toEqual(before);
    expect(cacheFiles(cache)).toHaveLength(1);

    // The IR's shared objects are shared again (memory and wire size as after a cold load).
    const parts = new Set<unknown>();
    const values = new Set<unknown>();
    const visit = (n: Node): void =>
      walkNodes(n, (x) => {
        if (x.kind === 'Constant') values.add(x);
        if (x.kind === 'Match' || x.kind === 'Keyword') {
          values.add(x.value.kind === 'Null' ? x.value : null);
          if (x.value.kind === 'StringPattern') for (const p of x.value.parts) if (p.kind !== 'Literal') parts.add(p);
        }
      });
    for (const r of warm.set.rules) visit(r.condition);
    expect([...parts]).toEqual([PatternPart.anyChars]);
    expect(values.has(NullValue.create())).toBe(true);
    expect([...values].every((v) => v === null || v === NullValue.create() || v === Constant.TRUE || v === Constant.FALSE)).toBe(true);
  });

  it('parses a changed file again and leaves a deleted file out', () => {
    const rules = tempDir();
    writeSynthetic(rules);
    const cache = tempDir();
    const options: LoadRulesOptions = { pipelines: [PLACEHOLDERS("['root']")] };
    cached([rules], cache, options);

    writeFileSync(join(rules, 'a_plain.yml'), rule(ID(1), "  sel:\n    Image|endswith: '\\powershell.exe'\n  condition: sel"));
    rmSync(join(rules, 'l_warning.yml'));
    const changed = cached([rules], cache, options);
    expectSameSet(changed.set, loadRules([rules], options));
    expect(changed.report).toMatchObject({ hits: 10, misses: 3, written: true }); // a_plain, f_uncacheable, j_not_utf8
    expect(JSON.stringify(changed.set.rules)).toContain('powershell.exe');
    expect(changed.set.rules.some((r) => r.id === ID(11))).toBe(false);

    // Same bytes back: the cache holds the new entry, and the load is right again.
    const again = cached([rules], cache, options);
    expectSameSet(again.set, changed.set);
    expect(again.report).toMatchObject({ hits: 11, misses: 2, written: false });
  });

  it('trusts a settled file by its stat stamp, and parses it again when it changes with the same size and modification time', () => {
    const rules = tempDir();
    writeSynthetic(rules);
    const cache = tempDir();
    // Files written just now have no stamp by default: they are hashed on every load.
    cached([rules], cache);
    const stampsOf = (): string[] =>
      readFileSync(join(cache, cacheFiles(cache)[0] as string), 'utf8').split('\n').slice(1).map((line) => line.split('\t')[2] as string);
    expect(stampsOf().every((stamp) => stamp === '')).toBe(true);
    // Settled (no settle time here): each cacheable file's entry records its stamp...
    const settled = (): { set: RuleSet; report: RuleCacheReport } => {
      let report: RuleCacheReport | undefined;
      const set = loadRules([rules], { cache: { dir: cache, stampSettleMs: 0, onReport: (r) => (report = r) } });
      if (report === undefined) throw new Error('no cache report');
      return { set, report };
    };
    const first = settled();
    expect(first.report.written).toBe(true);
    expect(stampsOf().filter((stamp) => /^\d+:[\d.]+:[\d.]+:\d+:\d+$/.test(stamp)).length).toBeGreaterThanOrEqual(10);
    // ...and a load by stamps gives what a cold load gives, writing nothing.
    const warm = settled();
    expectSameSet(warm.set, loadRules([rules]));
    expect(warm.report).toMatchObject({ hits: first.report.hits, written: false });
    // Same size, old modification time put back: the change time still differs.
    const file = join(rules, 'a_plain.yml');
    const before = statSync(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('cmd.exe', 'cmx.exe'));
    utimesSync(file, before.atime, before.mtime);
    expect(statSync(file).size).toBe(before.size);
    const changed = settled();
    expect(JSON.stringify(changed.set.rules)).toContain('cmx.exe');
    expectSameSet(changed.set, loadRules([rules]));
  });

  it('keeps parsed pipelines too: the windows pipeline warm equals it cold, and an edited pipeline is parsed again', () => {
    const cache = tempDir();
    const cold = loadBuiltinPipeline('windows');
    let reports: RuleCacheReport[] = [];
    const options = { cache: { dir: cache, onReport: (r: RuleCacheReport) => reports.push(r) } };
    expect(loadBuiltinPipeline('windows', undefined, options)).toStrictEqual(cold);
    expect(reports).toMatchObject([{ hits: 0, written: true }]);
    reports = [];
    const warm = loadBuiltinPipeline('windows', undefined, options);
    expect(reports).toMatchObject([{ hits: 1, written: false }]);
    expect(warm).toStrictEqual(cold);
    expectDeepFrozen(warm);
    // Same path, other text: a miss, and the new text's result.
    const file = join(tempDir(), 'p.yml');
    const first = loadPipeline(file, "name: p\nplaceholders:\n  admins: ['root']\n", options);
    const edited = loadPipeline(file, "name: p\nplaceholders:\n  admins: ['admin']\n", options);
    expect(edited.pipeline?.placeholders).not.toEqual(first.pipeline?.placeholders);
    expect(edited).toStrictEqual(loadPipeline(file, "name: p\nplaceholders:\n  admins: ['admin']\n"));
  });

  it('keys entries by path: the same bytes under another name are parsed for that name', () => {
    const rules = tempDir();
    writeFileSync(join(rules, 'one.yml'), rule(ID(1), '  sel:\n    Image: a.exe\n  condition: sel and'));
    const cache = tempDir();
    cached([rules], cache);
    cpSync(join(rules, 'one.yml'), join(rules, 'two.yml'));
    rmSync(join(rules, 'one.yml'));
    const moved = cached([rules], cache);
    expect(moved.report).toMatchObject({ hits: 0, misses: 1 });
    expect(moved.set.errors.map((e) => e.location?.file)).toEqual([join(rules, 'two.yml')]);
    expectSameSet(moved.set, loadRules([rules]));
  });

  it('does not reuse entries under another placeholder configuration or fallback', () => {
    const rules = tempDir();
    writeSynthetic(rules);
    const cache = tempDir();
    const first = cached([rules], cache, { pipelines: [PLACEHOLDERS("['root']")] });
    expect(JSON.stringify(first.set.rules)).toContain('"root"');

    const other = cached([rules], cache, { pipelines: [PLACEHOLDERS("['toor']")] });
    expect(other.report.hits).toBe(0);
    expect(other.report.file).not.toBe(first.report.file);
    expectSameSet(other.set, loadRules([rules], { pipelines: [PLACEHOLDERS("['toor']")] }));
    expect(JSON.stringify(other.set.rules)).not.toContain('"root"');

    const none = cached([rules], cache, { placeholderFallback: 'error' });
    const wildcard = cached([rules], cache, { placeholderFallback: 'wildcard' });
    expect([none.report.hits, wildcard.report.hits]).toEqual([0, 0]);
    expect(none.set.errors.some((e) => e.code === 'unknown-placeholder')).toBe(true);
    expectSameSet(wildcard.set, loadRules([rules], { placeholderFallback: 'wildcard' }));
    expect(cacheFiles(cache)).toHaveLength(4);

    // Each configuration keeps its own file: going back hits.
    expect(cached([rules], cache, { pipelines: [PLACEHOLDERS("['root']")] }).report).toMatchObject({ hits: 12, misses: 2 });
  });

  it.each([
    ['garbage', (_: Buffer): Buffer => Buffer.from('not a cache\n\u0000\u0001')],
    ['an empty file', (): Buffer => Buffer.alloc(0)],
    ['a truncated file', (b: Buffer): Buffer => b.subarray(0, Math.floor(b.length / 2))],
    ['a changed byte in an entry', (b: Buffer): Buffer => Buffer.from(b.toString('latin1').replace('a.exe', 'b.exe'), 'latin1')],
    ['another layout version', (b: Buffer): Buffer => Buffer.from(b.toString('latin1').replace('"layout":4', '"layout":999'), 'latin1')],
    ['another context (other loader code)', (b: Buffer): Buffer => Buffer.from(b.toString('latin1').replace(/"context":"[0-9a-f]/, '"context":"x'), 'latin1')],
    ['an entry line without separators', (b: Buffer): Buffer => Buffer.concat([b, Buffer.from('\nbroken')])],
  ])('ignores and rewrites a cache file holding %s', (_name, corrupt) => {
    const rules = tempDir();
    writeSynthetic(rules);
    const cache = tempDir();
    const plain = loadRules([rules]);
    const cold = cached([rules], cache);
    const file = cold.report.file;
    writeFileSync(file, corrupt(readFileSync(file)));

    const after = cached([rules], cache);
    expectSameSet(after.set, plain);
    expect(after.report).toMatchObject({ hits: 0, written: true, error: null });
    expect(cached([rules], cache).report.hits).toBe(12);
  });

  it('loads the same when the cache folder cannot be created or written, and says why', () => {
    const rules = tempDir();
    writeSynthetic(rules);
    const blocker = join(tempDir(), 'a-file');
    writeFileSync(blocker, 'not a folder');
    // A folder under a regular file cannot exist, even for root.
    const { set, report } = cached([rules], join(blocker, 'cache'));
    expectSameSet(set, loadRules([rules]));
    expect(report).toMatchObject({ hits: 0, written: false });
    expect(report.error).toMatch(/ENOTDIR/);
  });

  it('is unused by default and by files given one by one it caches each', () => {
    const rules = tempDir();
    writeSynthetic(rules);
    const cache = tempDir();
    loadRules([rules]);
    expect(readdirSync(cache)).toEqual([]);
    const single = [join(rules, 'a_plain.yml'), join(rules, 'e_correlation.yml')];
    cached(single, cache);
    const warm = cached([rules], cache);
    expect(warm.report).toMatchObject({ hits: 2, written: true });
    // A later load of a subset keeps the entries of the other files.
    cached(single, cache);
    expect(cached([rules], cache).report.hits).toBe(12);
  });

  it('drops entries of deleted files when it writes', () => {
    const rules = tempDir();
    mkdirSync(join(rules, 'sub'));
    writeFileSync(join(rules, 'sub', 'x.yml'), rule(ID(1), '  sel:\n    Image: a.exe\n  condition: sel'));
    writeFileSync(join(rules, 'y.yml'), rule(ID(2), '  sel:\n    Image: b.exe\n  condition: sel'));
    const cache = tempDir();
    const { report } = cached([rules], cache);
    rmSync(join(rules, 'sub'), { recursive: true });
    writeFileSync(join(rules, 'y.yml'), rule(ID(2), '  sel:\n    Image: c.exe\n  condition: sel'));
    cached([join(rules, 'y.yml')], cache);
    const text = readFileSync(report.file, 'utf8');
    expect(text).not.toContain('x.yml');
    expect(text).toContain('y.yml');
  });
});

describe.runIf(hasShared('rule cache over SigmaHQ rules'))('rule cache on SigmaHQ rules', () => {
  const sigma = (p: string): string => resolve(SHARED_DIR, 'sigma', p);
  // Process creation (most rules), deprecated and unsupported (errors: old aggregation
  // conditions, unknown modifiers...), and the repository's correlation and filter fixtures.
  const paths = [
    sigma('rules/windows/process_creation'),
    sigma('deprecated'),
    sigma('unsupported'),
    resolve(REPO_ROOT, 'test/fixtures/rules'),
  ];

  it('gives the same rule set warm as cold with the windows pipeline', () => {
    const cache = tempDir();
    const options: LoadRulesOptions = { pipelines: [windows()], placeholderFallback: 'wildcard' };
    const plain = loadRules(paths, options);
    expect(plain.rules.length).toBeGreaterThan(1000);
    expect(plain.correlations.length).toBeGreaterThan(0);
    expect(plain.filters.length).toBeGreaterThan(0);
    expect(plain.errors.length).toBeGreaterThan(0);
    expect(plain.warnings.length).toBeGreaterThan(0);

    const cold = cached(paths, cache, options);
    expectSameSet(cold.set, plain);
    const warm = cached(paths, cache, options);
    expectSameSet(warm.set, plain);
    // Every file parsed cold is a hit warm: no SigmaHQ rule has a value JSON cannot carry.
    expect(warm.report).toMatchObject({ hits: cold.report.misses, misses: 0, written: false });
  });

  it('parses only the edited copy of a SigmaHQ rule again', () => {
    const rules = tempDir();
    cpSync(sigma('rules/windows/process_creation'), rules, { recursive: true });
    const cache = tempDir();
    const options: LoadRulesOptions = { pipelines: [windows()] };
    const cold = cached([rules], cache, options);
    const file = join(rules, readdirSync(rules).filter((f) => f.endsWith('.yml')).sort()[0] as string);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: Edited title'));
    const warm = cached([rules], cache, options);
    expect(warm.report).toMatchObject({ hits: cold.set.files - 1, misses: 1, written: true });
    expectSameSet(warm.set, loadRules([rules], options));
    expect(warm.set.rules.filter((r) => r.title === 'Edited title')).toHaveLength(1);
  });
});
