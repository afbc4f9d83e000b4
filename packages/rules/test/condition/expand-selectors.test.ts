import { describe, expect, it } from 'vitest';
import { resolveCondition } from '../../src/condition/expand-selectors.js';
import type { ResolvedConditionResult } from '../../src/condition/expand-selectors.js';
import { parseCondition } from '../../src/condition/parse-condition.js';
import { showAst } from './show-ast.js';

function resolve(text: string, identifiers: readonly string[]): ResolvedConditionResult {
  const { ast, errors } = parseCondition(text);
  expect(errors).toEqual([]);
  if (ast === null) throw new Error('unreachable');
  return resolveCondition(ast, identifiers);
}

/** Resolves a condition that must have no errors and no warnings; returns the compact tree. */
function clean(text: string, identifiers: readonly string[]): string {
  const result = resolve(text, identifiers);
  expect(result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  return showAst(result.ast);
}

describe('resolveCondition: identifiers', () => {
  it('turns identifiers into refs and keeps the tree shape', () => {
    expect(clean('sel and not (f1 or f2)', ['sel', 'f1', 'f2'])).toBe('and(sel, not(or(f1, f2)))');
  });

  it('reports an unknown identifier at its offset and still returns a tree', () => {
    const result = resolve('sel and not filter', ['sel']);
    expect(result.errors).toEqual([{ offset: 12, length: 6, message: "unknown identifier 'filter'" }]);
    expect(showAst(result.ast)).toBe('and(sel, not(filter))');
  });

  it('reports every unknown identifier in source order', () => {
    expect(resolve('x or sel or y', ['sel']).errors.map((error) => error.offset)).toEqual([0, 12]);
  });

  it('matches identifiers case-sensitively and suggests the right case', () => {
    const result = resolve('Selection', ['selection']);
    expect(result.errors).toEqual([
      {
        offset: 0,
        length: 9,
        message: "unknown identifier 'Selection': did you mean 'selection'? identifiers are case-sensitive",
      },
    ]);
  });

  it('hints that operators are lowercase when an upper-case operator is read as an identifier', () => {
    expect(resolve('NOT', ['sel']).errors[0]?.message).toBe(
      "unknown identifier 'NOT': operators are lowercase, use 'not'",
    );
  });

  it('lets _-prefixed identifiers be referenced by name', () => {
    expect(clean('sel and not _helper', ['sel', '_helper'])).toBe('and(sel, not(_helper))');
  });

  it('accepts identifiers with dashes', () => {
    expect(clean('sel-a or sel-b', ['sel-a', 'sel-b'])).toBe('or(sel-a, sel-b)');
  });
});

describe('resolveCondition: selectors', () => {
  const ids = ['selection_a', 'filter_main', 'selection_b', 'filter_optional', 'other'];

  it('expands 1 of pattern to an or over matching identifiers in definition order', () => {
    expect(clean('1 of selection_*', ids)).toBe('or(selection_a, selection_b)');
  });

  it('expands any of like 1 of', () => {
    expect(clean('any of filter_*', ids)).toBe('or(filter_main, filter_optional)');
  });

  it('expands all of pattern to an and', () => {
    expect(clean('all of selection_*', ids)).toBe('and(selection_a, selection_b)');
  });

  it('expands 1 of them to every identifier', () => {
    expect(clean('1 of them', ids)).toBe('or(selection_a, filter_main, selection_b, filter_optional, other)');
  });

  it('replaces a selector matching one identifier by a plain ref', () => {
    expect(clean('1 of oth*', ids)).toBe('other');
    expect(clean('all of other', ids)).toBe('other');
  });

  it('matches the whole name, not a prefix or substring', () => {
    expect(clean('1 of selection', ['selection', 'selection_2'])).toBe('selection');
    expect(clean('1 of *tion', ['selection', 'selection_2', 'action'])).toBe('or(selection, action)');
  });

  it('lets * match any run, including an empty one and characters illegal in conditions', () => {
    const names = ['filter_main_mdadm.conf', 'select_tree|endswith', 'select', 'filter_main_'];
    expect(clean('1 of filter_main_*', names)).toBe('or(filter_main_mdadm.conf, filter_main_)');
    expect(clean('1 of select*', names)).toBe('or(select_tree|endswith, select)');
  });

  it('handles several wildcards in a pattern', () => {
    expect(clean('1 of *_main_*', ['filter_main_a', 'main_b', 'x_main_'])).toBe('or(filter_main_a, x_main_)');
    expect(clean('1 of a*b*c', ['abc', 'aXbYc', 'acb', 'abcX'])).toBe('or(abc, aXbYc)');
  });

  it('keeps nesting: not of a selector negates the whole expansion', () => {
    expect(clean('sel and not 1 of filter_*', ['sel', 'filter_a', 'filter_b'])).toBe(
      'and(sel, not(or(filter_a, filter_b)))',
    );
  });

  it('expands identifiers in definition order even when defined unsorted', () => {
    expect(clean('1 of s*', ['s3', 's1', 's2'])).toBe('or(s3, s1, s2)');
  });

  it('ignores duplicate identifiers in the detection list', () => {
    expect(clean('1 of s*', ['s1', 's2', 's1'])).toBe('or(s1, s2)');
  });

  it('freezes the resolved tree', () => {
    const result = resolve('sel and not 1 of f*', ['sel', 'f1', 'f2']);
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.ast)).toBe(true);
    expect(Object.isFrozen(result.warnings)).toBe(true);
  });

  it('matches hostile patterns without exponential backtracking', () => {
    const pattern = `${'*a'.repeat(2_000)}*b`;
    const result = resolve(`1 of ${pattern}`, ['a'.repeat(5_000), `${'a'.repeat(2_000)}b`]);
    expect(showAst(result.ast)).toBe(`${'a'.repeat(2_000)}b`);
  });
});

describe('resolveCondition: _-prefixed identifiers', () => {
  const ids = ['sel', '_helper', 'filter', '_filter_x'];

  it('excludes them from them', () => {
    expect(clean('1 of them', ids)).toBe('or(sel, filter)');
  });

  it('excludes them from patterns that do not start with _', () => {
    expect(clean('1 of *', ids)).toBe('or(sel, filter)');
    expect(clean('1 of *filter*', ids)).toBe('filter');
  });

  it('includes them in patterns that start with _', () => {
    expect(clean('1 of _*', ids)).toBe('or(_helper, _filter_x)');
    expect(clean('all of _filter*', ids)).toBe('_filter_x');
  });
});

describe('resolveCondition: selectors that match nothing vanish', () => {
  it('drops an empty selector from an and and warns at the selector', () => {
    const text = 's and not 1 of filter*';
    const result = resolve(text, ['s']);
    expect(showAst(result.ast)).toBe('s');
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      { offset: 10, length: 12, message: "'1 of filter*' matches no identifier and is dropped from the condition" },
    ]);
  });

  it('drops an empty selector from an or', () => {
    const result = resolve('a or all of x* or b', ['a', 'b']);
    expect(showAst(result.ast)).toBe('or(a, b)');
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      "'all of x*' matches no identifier and is dropped from the condition",
    ]);
  });

  it('drops a group whose every member vanished, and the not around it', () => {
    const result = resolve('a and not (1 of x* or all of y*)', ['a']);
    expect(showAst(result.ast)).toBe('a');
    expect(result.warnings.map((warning) => warning.offset)).toEqual([11, 22]);
  });

  it('renders any of as 1 of in the warning', () => {
    expect(resolve('a or any of x*', ['a']).warnings[0]?.message).toMatch(/^'1 of x\*' matches no identifier/);
  });

  it('turns a condition that vanishes entirely into const false (the rule never matches)', () => {
    const result = resolve('1 of filter* or not all of x*', ['sel']);
    expect(result.ast).toEqual({ kind: 'const', value: false });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      "'1 of filter*' matches no identifier and is dropped from the condition",
      "'all of x*' matches no identifier and is dropped from the condition",
      'no selector in the condition matches an identifier, so the rule never matches',
    ]);
    expect(result.warnings[2]).toMatchObject({ offset: 0, length: 29 });
  });

  it('vanishes 1 of them when every identifier is _-prefixed', () => {
    const result = resolve('1 of them', ['_a', '_b']);
    expect(result.ast).toEqual({ kind: 'const', value: false });
  });

  it('hints at lowercase them when a THEM pattern matches nothing', () => {
    expect(resolve('1 of THEM', ['sel']).warnings[0]?.message).toContain("did you mean 'them'?");
  });

  it('does not make an unknown identifier vanish: that stays an error', () => {
    const result = resolve('missing or 1 of x*', ['sel']);
    expect(result.errors.map((error) => error.message)).toEqual(["unknown identifier 'missing'"]);
    expect(showAst(result.ast)).toBe('missing');
  });
});

describe('resolveCondition: them warnings', () => {
  it('warns on all of them', () => {
    const result = resolve('all of them', ['a', 'b']);
    expect(showAst(result.ast)).toBe('and(a, b)');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ offset: 0, length: 11 });
    expect(result.warnings[0]?.message).toMatch(/^'all of them' is discouraged/);
  });

  it('warns on 1 of them when it covers a single identifier', () => {
    const result = resolve('1 of them', ['selection']);
    expect(showAst(result.ast)).toBe('selection');
    expect(result.warnings).toEqual([
      { offset: 0, length: 9, message: "'1 of them' only covers 'selection': reference it by name" },
    ]);
  });

  it('counts only identifiers that them covers when deciding it is a single one', () => {
    expect(resolve('any of them', ['sel', '_helper']).warnings).toHaveLength(1);
  });

  it('does not warn on 1 of them over several identifiers', () => {
    expect(resolve('1 of them', ['a', 'b']).warnings).toEqual([]);
  });
});
