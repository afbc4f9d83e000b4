// `siemlite test PATH... [--format text|json] [--require-tests]`: run rule tests (NAME.tests.yml).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { PIPELINE_FOLDER } from '@siemlite/rules';
import { formatDiagnostic } from '../output/diagnostics.js';
import { runTestsFile, type RuleResult } from '../rule-tests/run-rule-tests.js';
import { readTestsFile, ruleFileOf, TESTS_SUFFIX } from '../rule-tests/tests-file.js';
import { UsageError } from '../usage-error.js';
import type { CommandIo } from './validate.js';

export const TEST_USAGE = `usage: siemlite test PATH... [options]

Runs rule tests: for each rule file NAME.yml in PATH (files and folders, recursively) the
tests in NAME.tests.yml beside it (format: README.md "Rule tests"). Reports pass/fail per
rule, with the explain output of each event that failed.

options:
  --format text|json     output (default: text)
  --require-tests        a rule file without a tests file fails the run
  -h, --help             show this help

exit status: 0 every test passed, 1 a test failed (or a tests file is broken, or with
--require-tests a rule file has no tests), 2 bad usage`;

const isYaml = (name: string): boolean => extname(name) === '.yml' || extname(name) === '.yaml';

/** Rule files and tests files under PATHs, as rule loading walks them (pipelines folder skipped). */
function collect(paths: readonly string[]): { ruleFiles: Set<string>; testsFiles: Set<string> } {
  const ruleFiles = new Set<string>();
  const testsFiles = new Set<string>();
  const add = (file: string): void => {
    if (file.endsWith(TESTS_SUFFIX)) testsFiles.add(file);
    else {
      ruleFiles.add(file);
      const sibling = `${file.slice(0, -extname(file).length)}${TESTS_SUFFIX}`;
      if (existsSync(sibling)) testsFiles.add(sibling);
    }
  };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== PIPELINE_FOLDER) walk(child);
      else if (entry.isFile() && isYaml(entry.name)) add(child);
    }
  };
  for (const p of paths) {
    const full = p;
    if (!existsSync(full)) throw new UsageError(`'${p}' does not exist`);
    if (statSync(full).isDirectory()) walk(full);
    else add(full);
  }
  return { ruleFiles, testsFiles };
}

export async function runTest(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      'require-tests': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${TEST_USAGE}\n`);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not '${values.format}'`);
  if (positionals.length === 0) throw new UsageError('test needs at least one PATH');
  const { ruleFiles, testsFiles } = collect(positionals);
  const tested = new Set<string>();
  const all: RuleResult[] = [];
  const broken: string[] = [];
  const text = values.format === 'text';
  for (const file of testsFiles) {
    const tests = readTestsFile(file);
    tested.add(tests.ruleFile);
    if (!existsSync(tests.ruleFile)) {
      broken.push(`${file}: no rule file ${basename(ruleFileOf(file))} beside it`);
      continue;
    }
    const result = await runTestsFile(tests);
    for (const e of result.errors) broken.push(formatDiagnostic(e));
    for (const r of result.rules) {
      all.push(r);
      if (!text) continue;
      const failed = r.cases.filter((c) => !c.passed);
      const status = r.cases.length === 0 ? 'NONE' : failed.length > 0 ? 'FAIL' : 'PASS';
      io.stdout(`${status}  ${r.title} (${r.file}): ${r.cases.length - failed.length}/${r.cases.length} tests passed\n`);
      for (const c of failed) io.stdout(`  ✗ ${c.name} (${r.testsFile}:${c.line}:${c.column})\n${c.detail.replace(/^/gm, '    ')}\n`);
    }
  }
  const untested = [...ruleFiles].filter((f) => !tested.has(f));
  const cases = all.flatMap((r) => r.cases);
  const failedRules = all.filter((r) => r.cases.some((c) => !c.passed));
  // A rule of a tested file with no case of its own is untested too.
  const caseless = all.filter((r) => r.cases.length === 0);
  const failing = failedRules.length > 0 || broken.length > 0 || (values['require-tests'] && (untested.length > 0 || caseless.length > 0));
  if (text) {
    for (const b of broken) io.stdout(`ERROR ${b}\n`);
    if (untested.length > 0) io.stdout(`rule files without tests${values['require-tests'] ? ' (--require-tests: failing)' : ''}:\n${untested.map((f) => `  ${f}\n`).join('')}`);
    io.stdout(
      `${all.length} rules tested: ${all.length - failedRules.length - caseless.length} passed, ${failedRules.length} failed` +
        `${caseless.length > 0 ? `, ${caseless.length} without a test case` : ''}; ` +
        `${cases.length} tests, ${cases.filter((c) => !c.passed).length} failed; ${untested.length} rule files without tests` +
        `${broken.length > 0 ? `; ${broken.length} errors` : ''}\n`,
    );
  } else {
    io.stdout(`${JSON.stringify({ passed: !failing, rules: all, errors: broken, untested }, null, 2)}\n`);
  }
  return failing ? 1 : 0;
}
