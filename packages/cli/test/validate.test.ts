import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run, useTemporaryRuleCache } from './run-cli.js';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/rules');
const SHIPPED_RULES = resolve(import.meta.dirname, '../../../rules');

const CACHE_DIR = useTemporaryRuleCache('validate');

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

  it('prints byte-identical output on a second run, from the rule cache, which it does not rewrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-validate-cache-'));
    vi.stubEnv('SIEMLITE_CACHE_DIR', dir);
    try {
      for (const format of ['text', 'json']) {
        const argv = ['validate', '--warnings', '--format', format, '--pipeline', 'windows', resolve(FIXTURES, 'bad'), resolve(FIXTURES, 'good'), SHIPPED_RULES];
        const first = await run(...argv);
        expect(first.code).toBe(1);
        expect(first.err).toBe('');
        const [file] = readdirSync(dir);
        expect(file).toMatch(/\.cache$/);
        const stamp = (): unknown => {
          const st = statSync(join(dir, file as string));
          return [st.ino, st.mtimeMs, st.size];
        };
        const written = stamp();
        const second = await run(...argv);
        expect(second).toEqual(first);
        // A rewrite renames a new file over the old one: another inode.
        expect(stamp()).toEqual(written);
        expect(readdirSync(dir)).toEqual([file]);
      }
    } finally {
      vi.stubEnv('SIEMLITE_CACHE_DIR', CACHE_DIR);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes no cache with --no-rule-cache, and warns but validates when the cache cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-validate-cache-'));
    vi.stubEnv('SIEMLITE_CACHE_DIR', dir);
    try {
      const plain = await run('validate', '--no-rule-cache', resolve(FIXTURES, 'good'));
      expect(plain.code).toBe(0);
      expect(readdirSync(dir)).toEqual([]);
      expect((await run('validate', '--help')).out).toMatch(/--no-rule-cache/);

      const blocker = join(dir, 'a-file');
      writeFileSync(blocker, '');
      vi.stubEnv('SIEMLITE_CACHE_DIR', join(blocker, 'cache'));
      const blocked = await run('validate', resolve(FIXTURES, 'good'));
      expect(blocked.code).toBe(0);
      expect(blocked.out).toBe(plain.out);
      expect(blocked.err).toMatch(/^siemlite: warning: cannot write the rule cache .*ENOTDIR.*\n$/);
    } finally {
      vi.stubEnv('SIEMLITE_CACHE_DIR', CACHE_DIR);
      rmSync(dir, { recursive: true, force: true });
    }
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
