// The `.{N,}` shortcut in compileRegex must answer exactly as RE2 does.
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { compileValueTest } from '../../src/compile/value-tests.js';
import { RegexValue } from '../../src/ir/values.js';
import { Rng } from '../../../../test/support/random.js';

const PIECES = ['a', 'Z', ' ', '\n', '\r', '\t', 'é', '😀', '\ud800', '\udc00', 'x'.repeat(7), '\n\n'];

describe('compileRegex: long runs', () => {
  it.each([
    ['.{5,}', ''],
    ['.{5,}', 's'],
    ['.{5,}', 'i'],
    ['.{1,}', ''],
    ['.{0,}', ''],
    ['.{12,}', 'm'],
  ])('/%s/%s agrees with RE2 on generated strings', (source, flags) => {
    const rng = new Rng(0x1e9);
    const test = compileValueTest(RegexValue.create(source, flags));
    const re = new RE2(source, flags);
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const parts = rng.int(12);
      for (let p = 0; p < parts; p++) text += rng.pick(PIECES);
      const expected = re.test(text);
      if (expected) matched++;
      expect(test(text, text.toLowerCase()), JSON.stringify(text)).toBe(expected);
    }
    expect(matched).toBeGreaterThan(0);
  });

  it('decides SigmaHQ\'s .{1000,} on a long command line and a long multi-line script', () => {
    const test = compileValueTest(RegexValue.create('.{1000,}', ''));
    expect(test('powershell -enc ' + 'A'.repeat(990), '')).toBe(true);
    expect(test('a'.repeat(999), '')).toBe(false);
    expect(test(('b'.repeat(600) + '\n').repeat(5), '')).toBe(false);
    expect(test('😀'.repeat(999) + 'x', '')).toBe(true);
  });
});
