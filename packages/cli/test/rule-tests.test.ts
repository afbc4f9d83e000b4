import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const RULES = join(ROOT, 'rules');
useTemporaryRuleCache('rule-tests');
const TMP = mkdtempSync(join(tmpdir(), 'siemlite-rule-tests-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/**
 * A fresh folder with copies of shipped rule files (paths under rules/) and their tests
 * files, each tests file passed through `edit`.
 */
function folder(name: string, files: readonly string[], edit: (tests: string) => string = (t) => t): string {
  const dir = join(TMP, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const base = f.split('/').pop() as string;
    writeFileSync(join(dir, base), readFileSync(join(RULES, f), 'utf8'));
    const tests = readFileSync(join(RULES, f.replace(/\.yml$/, '.tests.yml')), 'utf8');
    writeFileSync(join(dir, base.replace(/\.yml$/, '.tests.yml')), edit(tests.replaceAll('../windows/', '')));
  }
  return dir;
}

describe('siemlite test', () => {
  it('every shipped rule has tests, and they pass', async () => {
    const { code, out } = await run('test', RULES, '--require-tests', '--format', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { passed: boolean; untested: string[]; errors: string[]; rules: { title: string; kind: string; cases: { passed: boolean }[] }[] };
    expect(report).toMatchObject({ passed: true, untested: [], errors: [] });
    // 6 detection rules and 3 correlations (the chain and the inner one it reads).
    expect(report.rules.map((r) => r.kind).sort()).toEqual([...Array(3).fill('correlation'), ...Array(6).fill('detection')]);
    for (const r of report.rules) {
      expect(r.cases.length, r.title).toBeGreaterThanOrEqual(2);
      expect(r.cases.every((c) => c.passed)).toBe(true);
    }
  });

  it('a failing detection test exits 1 and prints the explain output of the failing event', async () => {
    const dir = folder('fail-detection', ['windows/security_logon_failed.yml'], (t) => t.replace('expect: no-match', 'expect: match'));
    const { code, out } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toContain('FAIL  Failed Logon');
    expect(out).toMatch(/✗ a successful logon \(4624\) \(.*security_logon_failed\.tests\.yml:6:5\)/);
    expect(out).toContain('event 1 of 1: expected match, got no match');
    expect(out).toContain('verdict: NOT MATCHED');
    expect(out).toContain('✗ [selection] EventID: expected 4625, seen 4624');
    expect(out).toMatch(/1 rules tested: 0 passed, 1 failed; 2 tests, 1 failed/);
  });

  it('a failing correlation test reports the alert count and what the bases matched', async () => {
    const dir = folder('fail-correlation', ['windows/security_logon_failed.yml', 'correlations/password_spray.yml'], (t) => t.replace('alerts: 1', 'alerts: 2'));
    const { code, out } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toContain('FAIL  Password Spraying From One Address');
    expect(out).toContain('5 events, pipeline windows: expected 2 alerts, got 1');
    expect(out).toContain('base rule matches: Failed Logon 5');
    expect(out).toContain('PASS  Failed Logon');
  });

  it('a correlation whose base is not loaded says to name its file under with:', async () => {
    const dir = folder('no-with', ['correlations/password_spray.yml'], (t) => t.replace(/^with:.*$/m, ''));
    const { code, out } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toMatch(/password_spray\.yml:15:7: unknown-reference: correlation refers to rule '0f6f3c3e-6c8e-4d0a-9a51-2b8d7f1e4c21', which does not exist; name the rule file it reads under 'with:' in password_spray\.tests\.yml/);
  });

  it('a broken tests file is an error with file, line and column', async () => {
    const dir = folder('broken', ['windows/security_audit_log_cleared.yml'], (t) => t.replace('expect: match', 'expect: yes').replace('    event: { Channel: System', '    evnt: { Channel: System'));
    const { code, out } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toMatch(/security_audit_log_cleared\.tests\.yml:5:13: .*'expect' must be match or no-match/);
    expect(out).not.toContain('must be a string');
    expect(out).toMatch(/security_audit_log_cleared\.tests\.yml:7:5: .*unknown key 'evnt'/);
  });

  it('an unknown rule: in a test case is an error', async () => {
    const dir = folder('unknown-rule', ['windows/security_logon_failed.yml'], (t) => t.replace('  - name: a failed logon (4625)\n', '  - name: a failed logon (4625)\n    rule: nope\n'));
    const { code, out } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toMatch(/security_logon_failed\.tests\.yml:3:5: .*no rule 'nope'/);
  });

  it('rule files without tests are listed; --require-tests makes them fail the run', async () => {
    const dir = folder('untested', ['windows/security_logon_failed.yml']);
    writeFileSync(join(dir, 'extra.yml'), readFileSync(join(RULES, 'windows/security_audit_log_cleared.yml'), 'utf8'));
    const lenient = await run('test', dir);
    expect(lenient.code).toBe(0);
    expect(lenient.out).toMatch(/rule files without tests:\n {2}.*extra\.yml\n/);
    expect(lenient.out).toContain('1 rule files without tests');
    const strict = await run('test', dir, '--require-tests');
    expect(strict.code).toBe(1);
    expect(strict.out).toContain('(--require-tests: failing)');
  });

  it('rule loading skips tests files: validate and hunt see only rules', async () => {
    const { code, out } = await run('validate', RULES, '--format', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { files: number; rules: number; errors: unknown[] };
    expect(report).toMatchObject({ files: 8, rules: 6, errors: [] });
  });
});
