// `siemlite explain`: the verdict per rule and record equals hunt's alerts on the shipped
// sample, JSON names every selection, and the text shows the tree with seen/expected values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './run-cli.js';

const SHIPPED_RULES = resolve(import.meta.dirname, '../../../rules');
const SAMPLE = join(SHIPPED_RULES, 'samples/windows-sample.jsonl');
const ENCODED = join(SHIPPED_RULES, 'windows/proc_creation_encoded_powershell.yml');

interface ExplainJson {
  matched: boolean;
  rule: { title: string };
  source: { record: number };
  selections: { name: string; matched: boolean | null }[];
}

describe('siemlite explain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siemlite-explain-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives hunt\'s verdict for every shipped rule on every sample record', async () => {
    const hunt = await run('hunt', '--quiet', '--no-rule-cache', '--format', 'jsonl', '--rules', SHIPPED_RULES, SAMPLE);
    expect(hunt.code).toBe(0);
    const alerted = new Set(
      hunt.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; rule: { title: string }; source: { record: number } })
        .filter((a) => a.type === 'match')
        .map((a) => `${a.rule.title}#${a.source.record}`),
    );
    expect(alerted.size).toBeGreaterThan(3);
    const rules = ['proc_access_lsass_memory', 'proc_creation_encoded_powershell', 'proc_creation_office_spawns_shell', 'security_audit_log_cleared'];
    const explained = new Set<string>();
    for (const name of rules) {
      for (let record = 1; record <= 24; record++) {
        const { out } = await run('explain', '--rule', join(SHIPPED_RULES, `windows/${name}.yml`), '--format', 'json', '--record', String(record), SAMPLE);
        for (const line of out.trim().split('\n')) {
          const j = JSON.parse(line) as ExplainJson;
          if (j.matched) explained.add(`${j.rule.title}#${j.source.record}`);
        }
      }
    }
    expect([...explained].sort()).toEqual([...alerted].sort());
  }, 60_000);

  it('json: top-level matched and every selection named with its verdict; exit 0 when matched', async () => {
    const { code, out } = await run('explain', '--rule', ENCODED, '--format', 'json', '--record', '10', SAMPLE);
    expect(code).toBe(0);
    const j = JSON.parse(out) as ExplainJson;
    expect(j.matched).toBe(true);
    expect(j.selections).toEqual([
      { name: 'selection_image', matched: true },
      { name: 'selection_flag', matched: true },
    ]);
  });

  it('text: verdict, selections and each field test with expected and seen values; exit 1 when not matched', async () => {
    const { code, out } = await run('explain', '--rule', ENCODED, '--record', '1', SAMPLE);
    expect(code).toBe(1);
    expect(out).toContain('verdict: NOT MATCHED');
    expect(out).toContain('selections: selection_image not matched, selection_flag not matched');
    expect(out).toMatch(/✗ \[selection_image\] Image: expected '\*\\\\powershell\.exe', seen "C:\\\\Windows\\\\System32\\\\svchost\.exe" \(line \d+\)/);
    expect(out).toMatch(/∅ \[selection_image\] NewProcessName: expected .*, field missing/);
  });

  it('names the filter that excluded an event', async () => {
    const rule = join(dir, 'filtered.yml');
    writeFileSync(
      rule,
      'title: whoami\nlogsource:\n  product: test\ndetection:\n  selection:\n    CommandLine|contains: whoami\n' +
        '  filter_admin:\n    User: admin\n  condition: selection and not 1 of filter_*\n',
    );
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, '{"CommandLine":"whoami /all","User":"Admin"}\n{"CommandLine":"whoami","User":"bob"}\n');
    const first = await run('explain', '--rule', rule, '--format', 'json', events);
    expect(JSON.parse(first.out)).toMatchObject({ matched: false, selections: [{ name: 'selection', matched: true }, { name: 'filter_admin', matched: true }] });
    const second = await run('explain', '--rule', rule, '--format', 'json', '--record', '2', events);
    expect(JSON.parse(second.out)).toMatchObject({ matched: true, selections: [{ name: 'selection', matched: true }, { name: 'filter_admin', matched: false }] });
  });

  it('reports usage errors, a missing record and a rule that does not load', async () => {
    expect((await run('explain', SAMPLE)).code).toBe(2);
    expect((await run('explain', '--rule', ENCODED, '--record', '0', SAMPLE)).code).toBe(2);
    const missing = await run('explain', '--rule', ENCODED, '--record', '999', SAMPLE);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no record 999');
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'title: x\nlogsource:\n  product: test\ndetection:\n  sel:\n    A|nosuch: 1\n  condition: sel\n');
    const broken = await run('explain', '--rule', bad, SAMPLE);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/bad\.yml:6:\d+: unknown-modifier/);
  });
});
