import { describe, expect, it } from 'vitest';
import { MAX_CONDITION_DEPTH, parseCondition } from '../../src/condition/parse-condition.js';
import type { ConditionSyntaxIssue } from '../../src/condition/parse-condition.js';
import { showAst } from './show-ast.js';

/** Parses text that must be valid and returns the compact tree form. */
function tree(text: string): string {
  const result = parseCondition(text);
  expect(result.errors).toEqual([]);
  return showAst(result.ast);
}

/** Parses text that must be invalid and returns its only error. */
function onlyError(text: string): ConditionSyntaxIssue {
  const result = parseCondition(text);
  expect(result.ast).toBeNull();
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors;
  if (error === undefined) throw new Error('unreachable');
  return error;
}

/** The source text an issue points at. */
function pointedAt(text: string, issue: ConditionSyntaxIssue): string {
  return text.slice(issue.offset, issue.offset + issue.length);
}

describe('parseCondition: precedence and associativity', () => {
  it('binds not tighter than and', () => {
    expect(tree('not a and b')).toBe('and(not(a), b)');
  });

  it('binds and tighter than or', () => {
    expect(tree('a or b and c')).toBe('or(a, and(b, c))');
    expect(tree('a and b or c')).toBe('or(and(a, b), c)');
  });

  it('flattens chains of the same operator into one node', () => {
    expect(tree('a and b and c')).toBe('and(a, b, c)');
    expect(tree('a or b or c or d')).toBe('or(a, b, c, d)');
  });

  it('groups mixed chains left to right by precedence', () => {
    expect(tree('a and b or c and d or e')).toBe('or(and(a, b), and(c, d), e)');
  });

  it('lets parentheses override precedence', () => {
    expect(tree('(a or b) and c')).toBe('and(or(a, b), c)');
    expect(tree('not (a and b)')).toBe('not(and(a, b))');
  });

  it('keeps parenthesised groups as written rather than merging them into the outer chain', () => {
    expect(tree('a and (b and c)')).toBe('and(a, and(b, c))');
  });

  it('treats redundant parentheses as transparent', () => {
    expect(tree('((a))')).toBe('a');
    expect(tree('(a) and ((b))')).toBe('and(a, b)');
  });

  it('accepts not not', () => {
    expect(tree('not not a')).toBe('not(not(a))');
  });

  it('accepts not directly followed by a parenthesis', () => {
    expect(tree('not(a)')).toBe('not(a)');
    expect(tree('sel and not(f1 or f2)')).toBe('and(sel, not(or(f1, f2)))');
  });

  it('accepts parentheses without spaces around operators', () => {
    expect(tree('(a)or(b)')).toBe('or(a, b)');
  });

  it('accepts multi-line conditions with tabs and CRLF', () => {
    expect(tree('selection\n  and not\tfilter\r\n  or other\n')).toBe('or(and(selection, not(filter)), other)');
  });

  it('accepts leading and trailing whitespace', () => {
    expect(tree('  \n a \n ')).toBe('a');
  });
});

describe('parseCondition: identifiers', () => {
  it('records name, offset and length of identifiers', () => {
    expect(parseCondition('  sel_1 and x-y').ast).toEqual({
      kind: 'and',
      children: [
        { kind: 'identifier', name: 'sel_1', offset: 2, length: 5 },
        { kind: 'identifier', name: 'x-y', offset: 12, length: 3 },
      ],
    });
  });

  it('accepts names with digits, _ and -, including leading _ and -', () => {
    expect(tree('_hidden or sel-1 or 2sel or -x')).toBe('or(_hidden, sel-1, 2sel, -x)');
  });

  it('keeps identifier case', () => {
    expect(tree('Selection and SEL')).toBe('and(Selection, SEL)');
  });

  it.each([
    ['order_sel', 'order_sel'],
    ['notepad', 'notepad'],
    ['sel or notepad', 'or(sel, notepad)'],
    ['sel andfilter', null],
    ['andfilter', 'andfilter'],
    ['them_sel', 'them_sel'],
    ['all_x', 'all_x'],
    ['one1', 'one1'],
    ['not notepad', 'not(notepad)'],
    ['office or anything', 'or(office, anything)'],
  ])('does not split identifiers at keywords: %s', (text, expected) => {
    if (expected === null) {
      // pySigma reads `sel andfilter` as `sel and filter`; we see two identifiers in a row.
      expect(onlyError(text).message).toBe("missing 'and' or 'or' between 'sel' and 'andfilter'");
    } else {
      expect(tree(text)).toBe(expected);
    }
  });
});

describe('parseCondition: selectors', () => {
  it('parses 1 of pattern with the span of the whole selector', () => {
    expect(parseCondition('x or 1 of sel_*').ast).toEqual({
      kind: 'or',
      children: [
        { kind: 'identifier', name: 'x', offset: 0, length: 1 },
        { kind: 'selector', quantifier: 'one', pattern: 'sel_*', offset: 5, length: 10 },
      ],
    });
  });

  it('treats any of as a synonym of 1 of', () => {
    expect(parseCondition('any of sel*').ast).toEqual({
      kind: 'selector',
      quantifier: 'one',
      pattern: 'sel*',
      offset: 0,
      length: 11,
    });
  });

  it('parses all of pattern', () => {
    expect(tree('all of filter_*')).toBe('all(filter_*)');
  });

  it('represents them as a null pattern', () => {
    expect(parseCondition('all of them').ast).toEqual({
      kind: 'selector',
      quantifier: 'all',
      pattern: null,
      offset: 0,
      length: 11,
    });
    expect(tree('1 of them')).toBe('one(them)');
    expect(tree('any of them')).toBe('one(them)');
  });

  it('accepts wildcards anywhere in a pattern', () => {
    expect(tree('1 of *')).toBe('one(*)');
    expect(tree('1 of *_main_*')).toBe('one(*_main_*)');
    expect(tree('all of sel*a**b')).toBe('all(sel*a**b)');
  });

  it('accepts a pattern without wildcard', () => {
    expect(tree('1 of selection')).toBe('one(selection)');
  });

  it('accepts underscore-prefixed patterns', () => {
    expect(tree('1 of _helper*')).toBe('one(_helper*)');
  });

  it('binds selectors tighter than not, and and or', () => {
    expect(tree('sel and not 1 of filter_* or all of x*')).toBe('or(and(sel, not(one(filter_*))), all(x*))');
  });

  it('allows selectors inside parentheses and across lines', () => {
    expect(tree('(1\nof\nsel*)')).toBe('one(sel*)');
  });

  it('accepts pattern-like words that start with keyword text', () => {
    expect(tree('1 of them_*')).toBe('one(them_*)');
    expect(tree('all of of*')).toBe('all(of*)');
  });
});

describe('parseCondition: result shape', () => {
  it('freezes the result, the error list and every node', () => {
    const result = parseCondition('a and not (b or 1 of c*)');
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.errors)).toBe(true);
    const ast = result.ast;
    if (ast?.kind !== 'and') throw new Error('expected and');
    expect(Object.isFrozen(ast)).toBe(true);
    expect(Object.isFrozen(ast.children)).toBe(true);
    for (const child of ast.children) expect(Object.isFrozen(child)).toBe(true);
  });

  it('produces plain JSON-safe data', () => {
    const ast = parseCondition('a and not 1 of b*').ast;
    expect(JSON.parse(JSON.stringify(ast))).toEqual(ast);
  });

  it('reuses the parser: an error does not leak into the next parse', () => {
    expect(parseCondition('a and').errors).toHaveLength(1);
    expect(tree('a and b')).toBe('and(a, b)');
    expect(parseCondition('(a').errors).toHaveLength(1);
    expect(tree('(a)')).toBe('a');
  });
});

describe('parseCondition: errors', () => {
  it.each([
    ['', 0, 0],
    ['   \n\t', 0, 5],
  ])('rejects an empty condition %j', (text, offset, length) => {
    expect(onlyError(text)).toEqual({ offset, length, message: 'condition is empty' });
  });

  it('points a dangling and at the and and says the condition ended', () => {
    const error = onlyError('sel and');
    expect(error).toMatchObject({ offset: 4, length: 3 });
    expect(error.message).toMatch(/^unexpected end of condition after 'and'/);
  });

  it('reports a dangling operator after trailing whitespace at the operator', () => {
    expect(onlyError('a or \n ')).toMatchObject({ offset: 2, length: 2 });
  });

  it('reports a dangling not, quantifier and of', () => {
    expect(onlyError('a and not').message).toMatch(/^unexpected end of condition after 'not'/);
    expect(onlyError('1')).toEqual({
      offset: 0,
      length: 1,
      message: "unexpected end of condition after '1': expected 'of'",
    });
    expect(onlyError('all of')).toMatchObject({
      offset: 4,
      length: 2,
      message: "unexpected end of condition after 'of': expected 'them' or a pattern such as 'sel*'",
    });
  });

  it('rejects a leading or', () => {
    const error = onlyError('or a');
    expect(error).toMatchObject({ offset: 0, length: 2 });
    expect(error.message).toMatch(/^condition cannot start with 'or'/);
  });

  it('rejects two operators in a row at the second', () => {
    const error = onlyError('a and or b');
    expect(error).toMatchObject({ offset: 6, length: 2 });
    expect(error.message).toMatch(/^'or' cannot follow 'and'/);
  });

  it('points an unclosed parenthesis at the (', () => {
    expect(onlyError('(a and b')).toEqual({ offset: 0, length: 1, message: "'(' is never closed: missing ')'" });
    expect(onlyError('x and ((a) or b')).toMatchObject({ offset: 6, length: 1 });
  });

  it('points an unmatched closing parenthesis at the )', () => {
    expect(onlyError('a and b)')).toEqual({ offset: 7, length: 1, message: "unmatched ')': no '(' is open here" });
    expect(onlyError(')a(')).toMatchObject({ offset: 0, length: 1 });
  });

  it('rejects empty parentheses', () => {
    expect(onlyError('a and ()')).toEqual({
      offset: 7,
      length: 1,
      message: "empty parentheses: expected a condition between '(' and ')'",
    });
  });

  it('rejects two identifiers in a row inside parentheses', () => {
    expect(onlyError('(a b)')).toEqual({ offset: 3, length: 1, message: "missing 'and' or 'or' between 'a' and 'b'" });
  });

  it('suggests and not when not follows an operand', () => {
    expect(onlyError('a not b')).toMatchObject({ offset: 2, length: 3 });
    expect(onlyError('a not b').message).toContain("'a and not …'");
  });

  it('explains that operators are lowercase: s AND f', () => {
    expect(onlyError('s AND f')).toEqual({
      offset: 2,
      length: 3,
      message: "operators are lowercase: use 'and' instead of 'AND'",
    });
  });

  it.each([
    ['s OR f', 2, 'or', 'OR'],
    ['NOT s', 0, 'not', 'NOT'],
    ['sel and Not filter', 8, 'not', 'Not'],
    ['1 OF them', 2, 'of', 'OF'],
    ['ALL of them', 0, 'all', 'ALL'],
    ['Any of sel*', 0, 'any', 'Any'],
  ])('points mis-cased operator words at the word: %s', (text, offset, lower, written) => {
    expect(onlyError(text)).toEqual({
      offset,
      length: written.length,
      message: `operators are lowercase: use '${lower}' instead of '${written}'`,
    });
  });

  it('rejects counts other than 1: 2 of x', () => {
    expect(onlyError('2 of x')).toEqual({
      offset: 0,
      length: 4,
      message: "unsupported quantifier '2 of': only '1 of', 'any of' and 'all of' are allowed",
    });
    expect(onlyError('a or 10 of them')).toMatchObject({ offset: 5, length: 5 });
  });

  it('rejects - in selector patterns: 1 of sel-*', () => {
    expect(onlyError('1 of sel-*')).toEqual({
      offset: 5,
      length: 5,
      message: "pattern 'sel-*' cannot contain '-': patterns may only use letters, digits, '_' and '*'",
    });
  });

  it('rejects - in selector patterns even without a wildcard: 1 of sel-x', () => {
    expect(onlyError('1 of sel-x')).toMatchObject({ offset: 5, length: 5 });
  });

  it('rejects a wildcard pattern outside a selector', () => {
    const error = onlyError('sel and filter_*');
    expect(error).toMatchObject({ offset: 8, length: 8 });
    expect(error.message).toContain("'1 of filter_*'");
  });

  it('rejects a word mixing * and - outside a selector', () => {
    expect(onlyError('sel-*')).toMatchObject({ offset: 0, length: 5 });
  });

  it('rejects a quantifier without of', () => {
    expect(onlyError('1 sel*')).toEqual({ offset: 2, length: 4, message: "expected 'of' after '1', found 'sel*'" });
  });

  it('rejects of without quantifier', () => {
    expect(onlyError('of sel*')).toMatchObject({ offset: 0, length: 2 });
    expect(onlyError('sel of x').message).toMatch(/^'of' must follow a quantifier/);
  });

  it('rejects them outside a selector', () => {
    expect(onlyError('them')).toMatchObject({ offset: 0, length: 4 });
    expect(onlyError('a and them')).toMatchObject({ offset: 6, length: 4 });
  });

  it('rejects a keyword as selector target', () => {
    expect(onlyError('1 of all')).toMatchObject({ offset: 5, length: 3 });
  });

  it.each([
    ['s | count() > 5', 2, 13],
    ['sel|count(x) by y', 3, 14],
    ['|', 0, 1],
    ['a or b | near c  ', 7, 8],
  ])('rejects pipe aggregation syntax anywhere: %j', (text, offset, length) => {
    const error = onlyError(text);
    expect(error).toMatchObject({ offset, length });
    expect(error.message).toMatch(/deprecated/);
    expect(error.message).toMatch(/correlation/);
  });

  it('reports each run of unknown characters with its offset', () => {
    const text = 'a = b and c ?? d';
    const { ast, errors } = parseCondition(text);
    expect(ast).toBeNull();
    expect(errors.map((error) => [error.offset, pointedAt(text, error)])).toEqual([
      [2, '='],
      [12, '??'],
    ]);
    expect(errors[0]?.message).toMatch(/^unexpected character '='/);
    expect(errors[1]?.message).toMatch(/^unexpected characters '\?\?'/);
  });

  it.each([['sél'], ['a ∧ b'], ["'sel'"], ['sel, filter'], ['a && b']])(
    'rejects non-grammar characters: %j',
    (text) => {
      expect(parseCondition(text).errors.length).toBeGreaterThan(0);
      expect(parseCondition(text).ast).toBeNull();
    },
  );

  it('explains that names with a dot are only reachable through a pattern', () => {
    const error = onlyError('sel and not filter_main_mdadm.conf');
    expect(error).toMatchObject({ offset: 29, length: 1 });
    expect(error.message).toContain("'1 of filter_main_mdadm*'");
  });

  it('caps the number of character errors on garbage input', () => {
    const errors = parseCondition('a.'.repeat(500_000)).errors;
    expect(errors.length).toBe(21);
    expect(errors[20]?.message).toMatch(/more invalid characters/);
  });

  it('reports one error per parse, the first one', () => {
    expect(parseCondition('a b c d').errors).toEqual([
      { offset: 2, length: 1, message: "missing 'and' or 'or' between 'a' and 'b'" },
    ]);
  });

  it('never puts Chevrotain token dumps in messages', () => {
    const texts = ['a and', 'or a', '(a b)', '1 x', '1 of', '1 of 1', 'a )', 'not', '()', 'a (b)', '1 of them them'];
    for (const text of texts) {
      for (const error of parseCondition(text).errors) {
        expect(error.message).not.toMatch(/Expecting|token sequences|-->|<--|EOF/);
      }
    }
  });
});

describe('parseCondition: hostile input', () => {
  function nested(depth: number, open: string, close: string): string {
    return `${open.repeat(depth)}a${close.repeat(depth)}`;
  }

  it('accepts nesting up to the limit', () => {
    expect(parseCondition(nested(MAX_CONDITION_DEPTH, '(', ')')).errors).toEqual([]);
    expect(parseCondition(nested(MAX_CONDITION_DEPTH, 'not ', '')).errors).toEqual([]);
    expect(parseCondition(nested(MAX_CONDITION_DEPTH / 2, 'not (', ')')).errors).toEqual([]);
  });

  it('counts nots that are not nested as separate levels only while they wait for their operand', () => {
    const flat = Array.from({ length: 1_000 }, (_, i) => `not (a${i})`).join(' and ');
    expect(parseCondition(flat).errors).toEqual([]);
  });

  it('rejects one level past the limit at the token that crosses it', () => {
    expect(onlyError(nested(MAX_CONDITION_DEPTH + 1, '(', ')'))).toEqual({
      offset: MAX_CONDITION_DEPTH,
      length: 1,
      message: "condition nested too deeply (limit 200 levels of parentheses and 'not')",
    });
  });

  it.each([
    ['parentheses', '(', ')'],
    ['nots', 'not ', ''],
    ['nots before parentheses', 'not (', ')'],
  ])('rejects 10,000 nested %s quickly with a clear error', (_name, open, close) => {
    const error = onlyError(nested(10_000, open, close));
    expect(error.message).toMatch(/^condition nested too deeply \(limit 200/);
  });

  it('rejects 10,000 unclosed parentheses with the depth error, not a stack overflow', () => {
    expect(onlyError('('.repeat(10_000)).message).toMatch(/nested too deeply/);
  });

  it('parses a 1 MB flat condition in linear time', () => {
    const text = `${'sel_a and not filter_b or '.repeat(40_000)}x`;
    expect(text.length).toBeGreaterThan(1_000_000);
    const { ast, errors } = parseCondition(text);
    expect(errors).toEqual([]);
    expect(ast?.kind === 'or' ? ast.children.length : 0).toBe(40_001);
  });

  it.each([
    ['one huge identifier', 'a'.repeat(1_000_000)],
    ['one huge pattern', `1 of ${'a*'.repeat(500_000)}`],
    ['operands without operators', 'a '.repeat(500_000)],
    ['a dangling and at the end', `${'a and '.repeat(170_000)}and`],
    ['garbage', '#'.repeat(1_000_000)],
  ])('handles a 1 MB condition made of %s quickly', (_name, text) => {
    const result = parseCondition(text);
    for (const error of result.errors) expect(error.message.length).toBeLessThan(300);
  });

  it('rejects a non-string condition instead of throwing', () => {
    expect(parseCondition(42 as unknown as string).errors).toEqual([
      { offset: 0, length: 0, message: 'condition must be a string' },
    ]);
  });
});

describe('parseCondition: random input', () => {
  // Deterministic LCG so a failure reproduces; pieces are chosen to hit every token kind.
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }
  const pieces = ['a', 'sel_1', 'x-y', 'f*', 'a-*', 'and', 'or', 'not', '1', 'any', 'all', 'of', 'them', '(', ')', ' ', '\n', 'AND', '2', '.', '|', '#'];

  it('never throws, and every result is either an AST or located errors', () => {
    const next = random(42);
    for (let i = 0; i < 3_000; i++) {
      const length = Math.floor(next() * 12);
      let text = '';
      for (let j = 0; j < length; j++) text += `${pieces[Math.floor(next() * pieces.length)] ?? ''} `;
      const { ast, errors } = parseCondition(text);
      expect(ast === null).toBe(errors.length > 0);
      for (const error of errors) {
        expect(error.offset).toBeGreaterThanOrEqual(0);
        expect(error.offset + error.length).toBeLessThanOrEqual(text.length);
        expect(error.message).not.toMatch(/Expecting|token sequences|skipped \d+ characters/);
      }
    }
  });
});
