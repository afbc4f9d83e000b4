import { describe, expect, it } from 'vitest';
import { loadYaml } from '../../src/yaml/load-yaml.js';
import { resolvePlainScalar } from '../../src/yaml/resolve-scalar.js';

describe('resolvePlainScalar (YAML 1.1 as PyYAML)', () => {
  it.each([
    ['00000429', 'str', '00000429'],
    ['08', 'str', '08'],
    ['1e3', 'str', '1e3'],
    ['0755', 'int', 493],
    ['0x1F', 'int', 31],
    ['0b101', 'int', 5],
    ['1:30', 'int', 90],
    ['1_000', 'int', 1000],
    ['-12', 'int', -12],
    ['1.5', 'float', 1.5],
    ['1.0e+3', 'float', 1000],
    ['.5', 'float', 0.5],
    ['yes', 'bool', true],
    ['Off', 'bool', false],
    ['TRUE', 'bool', true],
    ['~', 'null', null],
    ['Null', 'null', null],
    ['2024-01-31', 'timestamp', '2024-01-31'],
    ['4688', 'int', 4688],
    ['cmd.exe', 'str', 'cmd.exe'],
  ])('%s resolves to %s', (text, tag, value) => {
    const r = resolvePlainScalar(text);
    expect(r.tag).toBe(tag);
    expect(r.value).toBe(value);
  });
});

describe('loadYaml', () => {
  it('keeps quoted scalars as strings and locates them', () => {
    const { documents } = loadYaml('x.yml', "a: '00000429'\nb: \"C:\\\\temp\"\nc: 'C:\\temp'\n");
    const map = documents[0]?.value;
    expect(map?.kind).toBe('map');
    if (map?.kind !== 'map') return;
    const [a, b, c] = map.entries;
    expect(a?.value).toMatchObject({ kind: 'scalar', value: '00000429', style: 'single', loc: { line: 1, column: 4 } });
    expect(b?.value).toMatchObject({ value: 'C:\\temp', style: 'double' });
    expect(c?.value).toMatchObject({ value: 'C:\\temp', style: 'single', loc: { line: 3, column: 4 } });
  });

  it('reports duplicate keys, quoted or not, with the second key location', () => {
    const { documents } = loadYaml('x.yml', "d:\n  'x|contains': a\n  x|contains: b\n");
    expect(documents[0]?.errors).toEqual([
      expect.objectContaining({ code: 'yaml-duplicate-key', location: { file: 'x.yml', line: 3, column: 3 } }),
    ]);
  });

  it('reports syntax errors per document and keeps the other documents', () => {
    const { documents } = loadYaml('x.yml', 'a: 1\n---\nb: [1, 2\n---\nc: 3\n');
    expect(documents).toHaveLength(3);
    expect(documents[0]?.errors).toEqual([]);
    expect(documents[1]?.errors[0]?.code).toBe('yaml-syntax');
    expect(documents[1]?.errors[0]?.location?.line).toBeGreaterThanOrEqual(3);
    expect(documents[2]?.value).toMatchObject({ kind: 'map' });
  });

  it('reports bad indentation as a located syntax error', () => {
    const { documents } = loadYaml('x.yml', 'detection:\n  sel:\n    a: 1\n   b: 2\n  condition: sel\n');
    expect(documents[0]?.errors[0]).toMatchObject({ code: 'yaml-syntax', location: { file: 'x.yml' } });
  });

  it('stops an alias bomb with a clear error instead of expanding it', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = 'abcdefghi';
    for (let i = 1; i < names.length; i++) {
      const prev = names[i - 1] as string;
      lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const { documents } = loadYaml('bomb.yml', lines.join('\n'));
    expect(documents[0]?.errors[0]?.code).toBe('yaml-alias');
  });

  it('expands small aliases normally', () => {
    const { documents } = loadYaml('x.yml', 'a: &x [1, 2]\nb: *x\n');
    const map = documents[0]?.value;
    if (map?.kind !== 'map') throw new Error('expected a map');
    expect(map.entries[1]?.value).toMatchObject({ kind: 'seq', items: [{ value: 1 }, { value: 2 }] });
  });

  it('rejects maps nested beyond the depth limit', () => {
    const deep = `${'['.repeat(500)}1${']'.repeat(500)}`;
    const { documents } = loadYaml('deep.yml', `a: ${deep}\n`);
    expect(documents[0]?.errors[0]?.code).toBe('yaml-syntax');
  });

  it('returns no documents for an empty file', () => {
    expect(loadYaml('x.yml', '').documents).toEqual([]);
  });
});
