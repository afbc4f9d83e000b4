import { describe, expect, it } from 'vitest';
import { MODIFIER_NAMES } from '../../src/modifiers/lower-item.js';
import { MODIFIER_REGISTRY, checkModifierChain } from '../../src/modifiers/registry.js';
import { at, codesAt, lower } from './lower-helpers.js';

const SPEC_NAMES = [
  'contains', 'startswith', 'endswith', 'all', 'neq', 'cased', 're', 'i', 'm', 's',
  'base64', 'base64offset', 'wide', 'utf16le', 'utf16be', 'utf16', 'windash', 'cidr', 'exists',
  'fieldref', 'gt', 'gte', 'lt', 'lte', 'minute', 'hour', 'day', 'week', 'month', 'year', 'expand',
];

describe('MODIFIER_NAMES', () => {
  it('lists every spec modifier and the pySigma aliases, nothing else', () => {
    expect([...MODIFIER_NAMES].sort()).toEqual([...SPEC_NAMES, 'ignorecase', 'multiline', 'dotall'].sort());
  });

  it('maps each alias to the same implementation as its modifier', () => {
    expect(MODIFIER_REGISTRY.get('ignorecase')).toBe(MODIFIER_REGISTRY.get('i'));
    expect(MODIFIER_REGISTRY.get('multiline')).toBe(MODIFIER_REGISTRY.get('m'));
    expect(MODIFIER_REGISTRY.get('dotall')).toBe(MODIFIER_REGISTRY.get('s'));
    expect(MODIFIER_REGISTRY.get('utf16le')).toBe(MODIFIER_REGISTRY.get('wide'));
  });
});

describe('unknown modifiers', () => {
  it('are an error at the key that names the modifier', () => {
    const result = lower('x|contians: a');
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'unknown-modifier', line: 1, column: 1 }]);
    expect(result.errors[0]?.message).toContain("'contians'");
  });

  it('are each reported', () => {
    expect(lower('x|foo|contains|bar: a').errors.map((e) => e.message)).toEqual([
      expect.stringContaining("'foo'"),
      expect.stringContaining("'bar'"),
    ]);
  });

  it('are case-sensitive, like pySigma', () => {
    expect(codesAt(lower('x|Contains: a').errors)).toEqual([{ code: 'unknown-modifier', line: 1, column: 1 }]);
  });

  it('include an empty name from a doubled pipe', () => {
    expect(codesAt(lower('x||contains: a').errors)).toEqual([{ code: 'unknown-modifier', line: 1, column: 1 }]);
  });

  it('are located at the key, on whatever line it is', () => {
    expect(codesAt(lower('a: 1\n# comment\ny|nope: 2\n', {}, 1).errors)).toEqual([
      { code: 'unknown-modifier', line: 3, column: 1 },
    ]);
    expect(codesAt(lower("a: 1\n'y|nope': 2\n", {}, 1).errors)).toEqual([{ code: 'unknown-modifier', line: 2, column: 1 }]);
  });
});

describe('checkModifierChain', () => {
  const keyLoc = at(3, 5);
  const check = (modifiers: string[], field: string | null = 'x', valueCount = 2) =>
    checkModifierChain({ field, modifiers, keyLoc, valueCount });

  it('resolves a valid chain with the names as written', () => {
    const result = check(['re', 'ignorecase']);
    expect(result.errors).toEqual([]);
    expect(result.chain?.map((l) => [l.name, l.def.name])).toEqual([
      ['re', 're'],
      ['ignorecase', 'i'],
    ]);
  });

  it.each([
    [['contains', 're']],
    [['all', 're']],
    [['contains', 'cidr']],
    [['neq', 'exists']],
    [['i']],
    [['m', 're']],
    [['gt', 'hour']],
    [['contains', 'base64']],
    [['endswith', 'base64offset']],
  ])('reports %j as modifier-order at the key', (modifiers) => {
    const result = check(modifiers);
    expect(result.chain).toBeNull();
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.every((e) => e.code === 'modifier-order' && e.location === keyLoc)).toBe(true);
  });

  it.each([[['exists']], [['cidr']], [['fieldref']], [['gte']], [['minute']]])(
    'reports %j on a keyword as modifier-type: it needs a field',
    (modifiers) => {
      expect(codesAt(check(modifiers, null).errors)).toEqual([{ code: 'modifier-type', line: 3, column: 5 }]);
    },
  );

  it('warns, with severity warning at the key, about suspicious combinations', () => {
    const warningsOf = (modifiers: string[], field: string | null = 'x', valueCount = 2) =>
      check(modifiers, field, valueCount).warnings.map((w) => [w.code, w.severity, w.location]);
    expect(warningsOf(['contains', 'all'], 'x', 1)).toEqual([['modifier-type', 'warning', keyLoc]]);
    expect(warningsOf(['all'])).toEqual([['modifier-type', 'warning', keyLoc]]);
    expect(warningsOf(['base64offset'])).toEqual([['modifier-order', 'warning', keyLoc]]);
    expect(warningsOf(['windash', 'contains', 'all'])).toEqual([['modifier-order', 'warning', keyLoc]]);
    expect(warningsOf(['cased', 'cased'])).toEqual([['modifier-order', 'warning', keyLoc]]);
    expect(warningsOf(['base64', 'base64'])).toEqual([]);
    expect(warningsOf(['all'], null)).toEqual([]);
  });
});
