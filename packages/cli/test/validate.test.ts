import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/rules');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTty: false });
  return { code, out, err };
}

describe('siemlite validate', () => {
  it('prints file:line:col: code: message for each error and a summary, exit 1', async () => {
    const { code, out } = await run('validate', resolve(FIXTURES, 'bad'));
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines.find((l) => l.includes('dangling_and.yml'))).toMatch(/dangling_and\.yml:9:\d+: condition-syntax: /);
    expect(lines.find((l) => l.includes('unknown_modifier.yml'))).toMatch(/unknown_modifier\.yml:8:5: unknown-modifier: .*endswithh/);
    expect(lines.find((l) => l.includes('bad_indent.yml'))).toMatch(/bad_indent\.yml:\d+:\d+: yaml-syntax: /);
    expect(lines.find((l) => l.includes('bad_reference.yml'))).toMatch(/bad_reference\.yml:6:7: unknown-reference: .*no_such_rule/);
    expect(lines.at(-1)).toBe('4 files (0 without errors): 0 rules, 0 correlations, 0 filters loaded; 4 errors, 0 warnings');
  });

  it('prints one JSON object with counts and located errors', async () => {
    const { code, out } = await run('validate', '--format', 'json', resolve(FIXTURES, 'bad'), resolve(FIXTURES, 'good'));
    expect(code).toBe(1);
    const json = JSON.parse(out) as { files: number; rules: number; correlations: number; filters: number; errors: Record<string, unknown>[] };
    expect(json).toMatchObject({ files: 5, rules: 1, correlations: 1, filters: 1 });
    expect(json.errors).toHaveLength(4);
    const unknownModifier = json.errors.find((e) => e.code === 'unknown-modifier');
    expect(unknownModifier).toMatchObject({
      file: resolve(FIXTURES, 'bad/unknown_modifier.yml'),
      line: 8,
      column: 5,
      rule_id: '6c4f1f8e-6a44-4a4e-9b86-0d6b1c2a0002',
    });
    expect(Object.keys(unknownModifier ?? {}).sort()).toEqual(['code', 'column', 'file', 'line', 'message', 'rule_id', 'severity']);
    expect(json.errors.find((e) => e.code === 'yaml-syntax')?.rule_id).toBeNull();
  });

  it('exits 0 when every rule loads', async () => {
    const { code, out } = await run('validate', resolve(FIXTURES, 'good'), '--pipeline', 'windows');
    expect(code).toBe(0);
    expect(out).toContain('1 rules, 1 correlations, 1 filters loaded; 0 errors');
  });

  it.each([
    [['validate']],
    [['validate', '--format', 'xml', 'x']],
    [['validate', '--bogus', 'x']],
    [['validate', '--pipeline', 'no-such-pipeline', 'x']],
    [['frobnicate']],
  ])('exits 2 on bad usage: %j', async (argv) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(/usage: siemlite/);
  });
});
