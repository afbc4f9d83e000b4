// hunt and logsource routing: events of no recognized source see no rule (every valid Sigma
// rule states a logsource; the summary says so); --source declares them; --pipeline none is blind;
// --input-format forces a text format.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, useTemporaryRuleCache } from './run-cli.js';

useTemporaryRuleCache('hunt-sources');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-hunt-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const rule = (title: string, id: string, logsource: string, detection: string): string =>
  `title: ${title}\nid: ${id}\nlogsource:\n${logsource}\ndetection:\n${detection}\n    condition: selection\nlevel: high\n`;

write('rules-sshd.yml', rule('sshd-root', '0b7e7c4e-8a4e-4b8e-9d1e-000000000001', '    product: linux\n    service: sshd', '    selection:\n        message|contains: root'));
write('rules-zeek.yml', rule('zeek-rdp-any', '0b7e7c4e-8a4e-4b8e-9d1e-000000000002', '    product: zeek\n    service: rdp', '    selection:\n        message|contains: root'));
const ruleArgs = ['--rules', join(dir, 'rules-sshd.yml'), '--rules', join(dir, 'rules-zeek.yml')];

/** Alerted rule titles, per record. */
function alerted(out: string): string[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { rule: { title: string }; source: { record: number } })
    .map((a) => `${a.source.record} ${a.rule.title}`);
}

describe('hunt routes events to the rules of their logsource', () => {
  const syslog = write('auth.log', 'Feb  5 17:32:18 web1 sshd[4123]: Failed password for root from 10.0.0.5\n');
  const unknown = write('app.jsonl', '{"message":"login as root"}\n');

  it('runs the sshd rule on sshd syslog lines, not the Zeek rule', async () => {
    const { code, out, err } = await run('hunt', '--format', 'jsonl', ...ruleArgs, syslog);
    expect(code).toBe(0);
    expect(alerted(out)).toEqual(['1 sshd-root']);
    expect(err).not.toMatch(/no recognized source/);
  });

  it('runs no rule on events of no known source, and says so in the summary', async () => {
    const { out, err } = await run('hunt', '--format', 'jsonl', ...ruleArgs, unknown);
    expect(alerted(out)).toEqual([]);
    expect(err).toMatch(/sources: 1 events of no recognized source; 2 rules that name a logsource did not run on them/);
  });

  it('gives them the logsource declared with --source', async () => {
    const { out, err } = await run('hunt', '--format', 'jsonl', '--source', 'product=linux,service=sshd', ...ruleArgs, unknown);
    expect(alerted(out)).toEqual(['1 sshd-root']);
    expect(err).not.toMatch(/no recognized source/);
  });

  it('runs every rule on every event with --pipeline none', async () => {
    const { out } = await run('hunt', '--format', 'jsonl', '--pipeline', 'none', ...ruleArgs, unknown, syslog);
    expect(alerted(out)).toEqual(['1 sshd-root', '1 zeek-rdp-any', '1 sshd-root', '1 zeek-rdp-any']);
  });

  it('adds recognizers from --recognizers FILE, and says what is wrong with a bad file', async () => {
    const app = write('app-recognizer.json', JSON.stringify([{ name: 'my-sshd-app', logsource: { product: 'linux', service: 'sshd' }, has: ['message'] }]));
    const { out, err } = await run('hunt', '--format', 'jsonl', '--recognizers', app, ...ruleArgs, unknown);
    expect(alerted(out)).toEqual(['1 sshd-root']);
    expect(err).not.toMatch(/no recognized source/);
    const broken = write('broken.json', '[{"name": "x", "logsource": {"product": "x"}}]');
    expect((await run('hunt', '--recognizers', broken, ...ruleArgs, unknown)).err).toMatch(/--recognizers .*broken\.json: recognizer 'x' tests nothing/);
    const notJson = write('not.json', '{');
    expect((await run('hunt', '--recognizers', notJson, ...ruleArgs, unknown)).err).toMatch(/--recognizers .*not\.json: /);
  });

  it('rejects a bad --source and --source without routing', async () => {
    expect((await run('hunt', '--source', 'vendor=x', ...ruleArgs, unknown)).err).toMatch(/--source: 'vendor=x': expected product=X/);
    expect((await run('hunt', '--source', 'product=linux', '--pipeline', 'none', ...ruleArgs, unknown)).err).toMatch(/--source and --recognizers need --pipeline auto/);
  });

  it('reads a file as the format --input-format names, and rejects unknown names', async () => {
    const forced = await run('hunt', '--format', 'jsonl', '--input-format', 'access-log', ...ruleArgs, syslog);
    expect(forced.err).toMatch(/auth\.log:1: bad-line: column \d+: .*\(access-log format\)/);
    const bad = await run('hunt', '--input-format', 'xml', ...ruleArgs, syslog);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--input-format must be one of auto, json, zeek-tsv, w3c, auditd, cef, access-log, syslog, csv/);
  });
});
