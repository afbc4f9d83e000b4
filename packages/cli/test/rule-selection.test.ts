import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readExcludeFile } from '../src/rule-selection.js';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const RULES = join(ROOT, 'rules');
const SAMPLE = join(ROOT, 'rules/samples/windows-sample.jsonl');
useTemporaryRuleCache('rule-selection');
const TMP = mkdtempSync(join(tmpdir(), 'siemlite-rule-selection-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

// The shipped rules (rules/windows, rules/correlations), by id.
const FAILED_LOGON = '0f6f3c3e-6c8e-4d0a-9a51-2b8d7f1e4c21';
const ENCODED_PS = '7f226b60-338a-4d94-b83b-bd0be24da65e';
const LSASS = 'a9090087-8ed0-4d72-bbb3-e621d42ed912';
const SPRAY = '2c7e5a90-8d4b-4b8f-9f0e-7a6d3c1b5e48';

interface Listing {
  loaded: { rules: number; correlations: number; errors: number };
  selected: { rules: number; correlations: number; bases: number };
  by_level: Record<string, number>;
  by_logsource: Record<string, number>;
  by_tactic: Record<string, number>;
  rules: { id: string; title: string; kind: string; alerts: boolean; level: string; tactics: string[]; techniques: string[] }[];
}

async function list(...options: string[]): Promise<Listing> {
  const { code, out, err } = await run('rules', RULES, '--format', 'json', ...options);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as Listing;
}

const alerts = (text: string): { type: string; rule: { id: string; title: string } }[] =>
  text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string; rule: { id: string; title: string } });

describe('siemlite rules', () => {
  it('lists every shipped rule with counts per level, logsource and tactic', async () => {
    const all = await list();
    expect(all.loaded).toEqual({ rules: 6, correlations: 3, errors: 0 });
    expect(all.selected).toEqual({ rules: 6, correlations: 3, bases: 0 });
    expect(all.by_level).toEqual({ critical: 1, high: 4, medium: 2, low: 1, informational: 1 });
    expect(all.by_logsource).toMatchObject({ 'windows/process_creation': 2, 'windows/security': 3, 'windows/process_access': 1, 'correlation (event_count)': 1 });
    expect(all.by_tactic).toMatchObject({ 'credential-access': 4, execution: 2, 'defense-evasion': 2, 'initial-access': 1, '(none)': 1 });
    expect(all.rules.filter((r) => !r.alerts).map((r) => r.title)).toEqual([
      'Failed Logon',
      'Successful Network or Remote Interactive Logon',
      'Many Failed Logons From One Address',
    ]);
    const ps = all.rules.find((r) => r.id === ENCODED_PS);
    expect(ps).toMatchObject({ kind: 'detection', alerts: true, level: 'medium', tactics: ['execution', 'defense-evasion'], techniques: ['T1059.001', 'T1027'] });
  });

  it('the table lists the rules and the same counts', async () => {
    const { code, out } = await run('rules', RULES, '--min-level', 'high');
    expect(code).toBe(0);
    expect(out).toMatch(/^LEVEL +STATUS +LOGSOURCE +TITLE +ID\n/);
    expect(out).toContain('Process Opens LSASS With Memory Read Access');
    expect(out).not.toContain('PowerShell Started With an Encoded Command');
    expect(out).toMatch(/^base +experimental +windows\/security +Failed Logon/m);
    expect(out).toMatch(/5 rules and 3 correlations selected of 9 loaded \(3 run only as bases of selected correlations\)/);
    expect(out).toMatch(/^by level: +critical 1, high 4, medium 1, low 1, informational 1$/m);
  });

  it('--min-level keeps the bases a selected correlation reads, as non-alerting bases', async () => {
    const high = await list('--min-level', 'high');
    expect(high.rules.filter((r) => r.alerts).map((r) => r.level)).toEqual(['high', 'high', 'high', 'critical', 'high']);
    expect(high.rules.filter((r) => !r.alerts).map((r) => r.title).sort()).toEqual([
      'Failed Logon',
      'Many Failed Logons From One Address',
      'Successful Network or Remote Interactive Logon',
    ]);
  });

  it('--status, --tag, --product, --category, --service and --rule-id', async () => {
    expect((await list('--status', 'stable')).selected).toEqual({ rules: 0, correlations: 0, bases: 0 });
    expect((await list('--status', 'experimental')).selected.rules).toBe(6);
    const t1059 = await list('--tag', 'attack.t1059');
    expect(t1059.rules.map((r) => r.id)).toEqual([ENCODED_PS]);
    expect((await list('--tag', 'attack.t105')).selected.rules).toBe(0);
    const cred = await list('--tag', 'attack.credential-access,attack.t1003');
    expect(cred.rules.filter((r) => r.kind === 'detection').map((r) => [r.title, r.alerts])).toEqual([
      ['Process Opens LSASS With Memory Read Access', true],
      // read by correlations without generate: true, so a base either way (Sigma §7.5)
      ['Failed Logon', false],
      // tagged attack.initial-access, read by the selected brute-force chain
      ['Successful Network or Remote Interactive Logon', false],
    ]);
    expect((await list('--product', 'linux')).selected).toEqual({ rules: 0, correlations: 0, bases: 0 });
    expect((await list('--category', 'process_creation')).rules.map((r) => r.title)).toEqual([
      'PowerShell Started With an Encoded Command',
      'Office Application Starts a Command Shell',
    ]);
    const security = await list('--service', 'security');
    expect(security.selected).toEqual({ rules: 3, correlations: 3, bases: 0 });
    const one = await list('--rule-id', SPRAY);
    expect(one.rules.map((r) => [r.id, r.alerts])).toEqual([
      [FAILED_LOGON, false],
      [SPRAY, true],
    ]);
  });

  it('--exclude-rules FILE drops the listed rules (comments and blank lines allowed)', async () => {
    const file = join(TMP, 'exclude.txt');
    writeFileSync(file, `# noisy on our hosts\n${ENCODED_PS}   # PowerShell\n\n  ${LSASS}\r\n`);
    const out = await list('--exclude-rules', file);
    expect(out.rules.map((r) => r.id)).not.toContain(ENCODED_PS);
    expect(out.rules.map((r) => r.id)).not.toContain(LSASS);
    expect(out.selected.rules).toBe(4);
  });

  it('refuses bad selection values with a usage error', async () => {
    const bad = await run('rules', RULES, '--min-level', 'severe');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--min-level must be one of informational, low, medium, high, critical, not 'severe'");
    const file = join(TMP, 'bad-exclude.txt');
    writeFileSync(file, `${ENCODED_PS}\n${LSASS} and more\n`);
    const badFile = await run('rules', RULES, '--exclude-rules', file);
    expect(badFile.code).toBe(2);
    expect(badFile.err).toContain(`${file}:2:38: one rule id per line expected, found 'and'`);
    const missing = await run('rules', RULES, '--exclude-rules', join(TMP, 'nope.txt'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--exclude-rules: cannot read');
  });

  it('reads an exclude file', () => {
    const file = join(TMP, 'ids.txt');
    writeFileSync(file, 'a # x\n#b\n\n c \n');
    expect(readExcludeFile(file)).toEqual(['a', 'c']);
  });
});

describe('rule selection in hunt, validate and explain', () => {
  it('hunt --tag runs only the selected rules', async () => {
    const { code, out } = await run('hunt', '--tag', 'attack.t1059', '--quiet', SAMPLE);
    expect(code).toBe(0);
    const ids = new Set(alerts(out).map((a) => a.rule.id));
    expect([...ids]).toEqual([ENCODED_PS]);
  });

  it('hunt --rule-id of a correlation runs its base without the base alerting', async () => {
    const { code, out } = await run('hunt', '--rule-id', SPRAY, '--quiet', SAMPLE);
    expect(code).toBe(0);
    const all = alerts(out);
    expect(all.map((a) => [a.type, a.rule.id])).toEqual([['correlation', SPRAY]]);
  });

  it('hunt --exclude-rules and --service, and a selection that leaves nothing', async () => {
    const file = join(TMP, 'exclude-hunt.txt');
    writeFileSync(file, `${LSASS}\n`);
    const { out } = await run('hunt', '--exclude-rules', file, '--category', 'process_access,process_creation', '--quiet', SAMPLE);
    const ids = new Set(alerts(out).map((a) => a.rule.id));
    expect(ids.has(LSASS)).toBe(false);
    expect(ids.has(ENCODED_PS)).toBe(true);
    const none = await run('hunt', '--product', 'linux', '--pipeline', 'none', SAMPLE);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no rule loaded (or none selected: see the rule selection options)');
  });

  it('validate counts the selected rules', async () => {
    const { code, out } = await run('validate', RULES, '--format', 'json', '--min-level', 'critical');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { rules: number; selected: { rules: number; correlations: number; bases: number } };
    expect(report.rules).toBe(6);
    // The critical chain needs the inner correlation and both logon rules.
    expect(report.selected).toEqual({ rules: 2, correlations: 2, bases: 3 });
  });

  it('explain --rule-id explains only that rule of the file', async () => {
    const file = join(TMP, 'two.yml');
    writeFileSync(
      file,
      `title: A\nid: 11111111-1111-4111-8111-111111111111\nlogsource: { product: windows }\ndetection: { sel: { EventID: 1 }, condition: sel }\n---\n` +
        `title: B\nid: 22222222-2222-4222-8222-222222222222\nlogsource: { product: windows }\ndetection: { sel: { EventID: 2 }, condition: sel }\n`,
    );
    const events = join(TMP, 'e.jsonl');
    writeFileSync(events, '{"EventID": 2}\n');
    const both = await run('explain', '--rule', file, '--format', 'json', events);
    expect(both.out.trim().split('\n')).toHaveLength(2);
    const one = await run('explain', '--rule', file, '--rule-id', '22222222-2222-4222-8222-222222222222', '--format', 'json', events);
    expect(one.code).toBe(0);
    expect(one.out.trim().split('\n').map((l) => (JSON.parse(l) as { rule: { title: string } }).rule.title)).toEqual(['B']);
    const none = await run('explain', '--rule', file, '--rule-id', 'nope', events);
    expect(none.code).toBe(2);
    expect(none.err).toContain('holds no detection rule with --rule-id nope');
  });
});
