// A regular expression written to backtrack catastrophically must not hang the engine:
// rules' regexes run on RE2 (linear time). With a backtracking engine, `(a+)+$` on 30
// characters of `a` followed by `b` takes minutes; here the test finishes in milliseconds
// (tests assert no timing: a hang would hit the test timeout).
import { describe, expect, it } from 'vitest';
import { detect } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';
import { ruleText } from './helpers.js';

describe('hostile regular expressions', () => {
  it.each(['(a+)+$', '(a|aa)+$', '(a*)*b', '^(([a-z])+.)+[A-Z]([a-z])+$'])('%s runs in linear time on a long non-matching value', async (re) => {
    const set = loadRulesFromText('r.yml', ruleText(`sel:\n  x|re: '${re}'\ncondition: sel`));
    expect(set.errors).toEqual([]);
    const events = [{ x: `${'a'.repeat(50_000)}!` }, { x: 'aaaa' }];
    const alerts = await detect(events, { rules: set.rules });
    const expected = new RegExp(re).test('aaaa') ? [2] : [];
    expect(alerts.map((a) => a.source.record)).toEqual(expected);
  });
});
