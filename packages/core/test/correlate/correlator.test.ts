// The correlator on hand-built streams with hand-computed expectations: every type, window
// edges, lateness, aliases, chains, bounded state, snapshot and restore.
import { describe, expect, it } from 'vitest';
import type { CorrelationAlert } from '../../src/alert/alert.js';
import { percentileOf } from '../../src/correlate/aggregates.js';
import { Correlator, CorrelatorStateError, type CorrelatorOptions } from '../../src/correlate/correlator.js';
import type { CorrelationMatch } from '../../src/detect/alert-assembler.js';
import type { CorrelationBound } from '../../src/ir/rules.js';
import { mulberry32 } from '../../../../test/support/random.js';
import { correlationRule as correlation } from '../../../../test/support/correlation-rule.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const S = 1000;

let record = 0;
function m(ruleKey: string, seconds: number, fields: Record<string, unknown> = { user: 'alice' }): CorrelationMatch {
  return { ruleKey, timeMs: T0 + seconds * S, fields, source: { path: 'log.jsonl', record: ++record } };
}

/** Pushes every match, then finishes; all alerts in order. */
function runAll(options: CorrelatorOptions, matches: readonly CorrelationMatch[]): CorrelationAlert[] {
  const c = new Correlator(options);
  const out: CorrelationAlert[] = [];
  for (const x of matches) out.push(...c.push(x));
  out.push(...c.finish());
  return out;
}

const gte = (value: number): CorrelationBound[] => [{ op: 'gte', value }];
const iso = (seconds: number): string => new Date(T0 + seconds * S).toISOString();

describe('event_count', () => {
  const rule = correlation('c', 'event_count', ['a'], gte(3));

  it('fires as soon as the count holds, with the window from the first counted match to this one', () => {
    const alerts = runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0), m('a', 10), m('a', 20)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'correlation', value: 3, group: { user: 'alice' }, window: { start: iso(0), end: iso(20) }, timestamp: iso(20), matches_total: 3 });
    expect(alerts[0]?.rule).toEqual({ key: 'c', id: 'c', name: null, title: 'title of c', level: 'high', correlation_type: 'event_count' });
  });

  it('counts both window edges: matches exactly timespan apart are in one window', () => {
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0), m('a', 30), m('a', 60)])).toHaveLength(1);
    const alerts = runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0), m('a', 30), m('a', 60.001)]);
    expect(alerts).toHaveLength(0);
  });

  it('resets the group after firing: the next alert needs new matches', () => {
    const six = [0, 1, 2, 3, 4, 5].map((s) => m('a', s));
    const alerts = runAll({ correlations: [rule], maxLatenessMs: 0 }, six);
    expect(alerts.map((a) => a.window)).toEqual([
      { start: iso(0), end: iso(2) },
      { start: iso(3), end: iso(5) },
    ]);
  });

  it('keeps groups apart, and without group-by counts every match together', () => {
    const mixed = [m('a', 0, { user: 'alice' }), m('a', 1, { user: 'bob' }), m('a', 2, { user: 'alice' }), m('a', 3, { user: 'bob' })];
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, mixed)).toHaveLength(0);
    const all = runAll({ correlations: [{ ...rule, groupBy: [] }], maxLatenessMs: 0 }, mixed);
    expect(all).toHaveLength(1);
    expect(all[0]?.group).toEqual({});
  });

  it('does not count a match without its group-by field, and says so', () => {
    const c = new Correlator({ correlations: [rule], maxLatenessMs: 0 });
    for (const x of [m('a', 0), m('a', 1, {}), m('a', 2, { user: null })]) c.push(x);
    expect(c.finish()).toHaveLength(0);
    expect(c.stats.missingGroupField).toBe(2);
  });

  it('with an upper bound decides at the end of the window that opened with the first match', () => {
    const lt3 = correlation('few', 'event_count', ['a'], [{ op: 'lt', value: 3 }]);
    const stream = [m('a', 0, { user: 'alice' }), m('a', 10, { user: 'bob' }), m('a', 20, { user: 'bob' }), m('a', 30, { user: 'bob' }), m('a', 50, { user: 'alice' }), m('a', 200, { user: 'carol' })];
    const c = new Correlator({ correlations: [lt3], maxLatenessMs: 0 });
    const early: CorrelationAlert[] = [];
    for (const x of stream) early.push(...c.push(x));
    // alice's window [0, 60] held 2 matches and closed when the match at 200 s came.
    expect(early.map((a) => [a.group, a.value, a.window])).toEqual([[{ user: 'alice' }, 2, { start: iso(0), end: iso(60) }]]);
    // carol's window is decided at the end of input; bob had 3.
    expect(c.finish().map((a) => [a.group, a.value])).toEqual([[{ user: 'carol' }, 1]]);
  });
});

describe('value_count, temporal, temporal_ordered', () => {
  it('value_count counts distinct values of the field in the window', () => {
    const rule = correlation('vc', 'value_count', ['a'], gte(3), { groupBy: ['ip'], field: ['user'] });
    const stream = ['alice', 'alice', 'bob', 'bob', 'carol'].map((u, i) => m('a', i, { ip: '10.0.0.1', user: u }));
    const alerts = runAll({ correlations: [rule], maxLatenessMs: 0 }, stream);
    expect(alerts.map((a) => [a.value, a.matches_total, a.window.end])).toEqual([[3, 5, iso(4)]]);
  });

  it('temporal counts distinct rules, not events, and needs all of them by default', () => {
    const rule = correlation('t', 'temporal', ['a', 'b'], gte(2));
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0), m('a', 1), m('a', 2)])).toHaveLength(0);
    const alerts = runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0), m('a', 1), m('b', 59)]);
    expect(alerts.map((a) => [a.value, a.window])).toEqual([[2, { start: iso(0), end: iso(59) }]]);
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0), m('b', 61)])).toHaveLength(0);
  });

  it('temporal_ordered fires only for the rules in the order listed', () => {
    const rule = correlation('to', 'temporal_ordered', ['a', 'b', 'c'], gte(3));
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0), m('b', 1), m('c', 2)])).toHaveLength(1);
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('b', 0), m('a', 1), m('c', 2)])).toHaveLength(0);
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('c', 0), m('b', 1), m('a', 2)])).toHaveLength(0);
    // A wrong first attempt, then the right order later in the same window.
    expect(runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('b', 0), m('a', 1), m('b', 2), m('c', 3)])).toHaveLength(1);
  });
});

describe('value_sum, value_avg, value_percentile', () => {
  it('value_sum adds numbers and numeric strings; other values are ignored and counted', () => {
    const rule = correlation('sum', 'value_sum', ['a'], [{ op: 'gt', value: 100 }], { field: ['bytes'] });
    const c = new Correlator({ correlations: [rule], maxLatenessMs: 0 });
    const out: CorrelationAlert[] = [];
    for (const x of [m('a', 0, { user: 'u', bytes: 50 }), m('a', 1, { user: 'u', bytes: 'lots' }), m('a', 2, { user: 'u', bytes: true }), m('a', 3, { user: 'u', bytes: ' 60 ' })]) out.push(...c.push(x));
    expect(out.map((a) => [a.value, a.matches_total])).toEqual([[110, 2]]);
    expect(c.stats.nonNumeric).toBe(2);
  });

  it('value_avg with an upper bound is decided over the whole window; a window with no number has no average', () => {
    const rule = correlation('avg', 'value_avg', ['a'], [{ op: 'lt', value: 10 }], { field: ['n'] });
    const alerts = runAll({ correlations: [rule], maxLatenessMs: 0 }, [
      m('a', 0, { user: 'u', n: 5 }),
      m('a', 30, { user: 'u', n: 7 }),
      m('a', 0, { user: 'v', n: 'x' }),
    ]);
    expect(alerts.map((a) => [a.group, a.value])).toEqual([[{ user: 'u' }, 6]]);
  });

  it('value_percentile interpolates between closest ranks, with one and with few values', () => {
    expect(percentileOf([7], 95)).toBe(7);
    expect(percentileOf([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileOf([10, 20, 30, 40, 50], 90)).toBeCloseTo(46);
    expect(percentileOf([], 50)).toBeNull();
    const rule = correlation('p', 'value_percentile', ['a'], [{ op: 'gte', value: 45 }], { field: ['ms'], percentile: 90 });
    const one = runAll({ correlations: [rule], maxLatenessMs: 0 }, [m('a', 0, { user: 'u', ms: 45 })]);
    expect(one.map((a) => a.value)).toEqual([45]);
    const few = runAll({ correlations: [rule], maxLatenessMs: 0 }, [10, 20, 30, 40, 50].map((ms, i) => m('a', i, { user: 'u', ms })));
    expect(few.map((a) => a.value)).toEqual([46]);
  });
});

describe('aliases and chains', () => {
  it('aliases read a different field per rule for one group-by name', () => {
    const rule = correlation('al', 'temporal', ['logon', 'proc'], gte(2), {
      groupBy: ['account'],
      aliases: [{ alias: 'account', fields: { logon: 'TargetUserName', proc: 'User' } }],
    });
    const c = new Correlator({ correlations: [rule], maxLatenessMs: 0 });
    expect(c.fieldsFor('logon')).toEqual(['TargetUserName']);
    expect(c.fieldsFor('proc')).toEqual(['User']);
    const out = [...c.push(m('logon', 0, { TargetUserName: 'eve' })), ...c.push(m('proc', 5, { User: 'eve' })), ...c.push(m('proc', 6, { User: 'bob' }))];
    expect(out.map((a) => a.group)).toEqual([{ account: 'eve' }]);
  });

  it('chains: a correlation of correlations, with and without generate on the inner one', () => {
    const inner = correlation('burst', 'event_count', ['fail'], gte(3), { shouldAlert: false });
    const outer = correlation('outer', 'temporal_ordered', ['burst', 'ok'], gte(2), { timespanMs: 120 * S });
    const stream = [m('fail', 0), m('fail', 1), m('fail', 2), m('ok', 30)];
    const alerts = runAll({ correlations: [inner, outer], maxLatenessMs: 0 }, stream);
    expect(alerts.map((a) => [a.rule.key, a.window])).toEqual([['outer', { start: iso(2), end: iso(30) }]]);
    expect(alerts[0]?.matches.map((x) => x.rule_id)).toEqual(['burst', 'ok']);
    const shown = runAll({ correlations: [{ ...inner, shouldAlert: true }, outer], maxLatenessMs: 0 }, stream);
    expect(shown.map((a) => a.rule.key)).toEqual(['burst', 'outer']);
    // The success before the burst is the wrong order.
    expect(runAll({ correlations: [inner, outer], maxLatenessMs: 0 }, [m('ok', 0), m('fail', 1), m('fail', 2), m('fail', 3)])).toHaveLength(0);
  });
});

describe('event time', () => {
  const rule = correlation('c', 'event_count', ['a'], gte(3), { timespanMs: 10 * S });

  it('gives the alerts of sorted input when the disorder stays within the lateness', () => {
    const times = [0, 5, 2, 9, 12, 11, 30, 25, 31, 29, 33];
    const shuffled = times.map((t) => m('a', t));
    const sorted = [...shuffled].sort((x, y) => x.timeMs - y.timeMs);
    const a = runAll({ correlations: [rule], maxLatenessMs: 10 * S }, shuffled);
    const b = runAll({ correlations: [rule], maxLatenessMs: 10 * S }, sorted);
    expect(a.map((x) => x.window)).toEqual(b.map((x) => x.window));
    expect(a.length).toBeGreaterThan(0);
  });

  it('counts matches later than the lateness, and matches without a time, instead of correlating them', () => {
    const c = new Correlator({ correlations: [rule], maxLatenessMs: 5 * S });
    for (const x of [m('a', 100), m('a', 90), m('a', 96), { ...m('a', 0), timeMs: Number.NaN }]) c.push(x);
    expect(c.stats.late).toBe(1);
    expect(c.stats.noTime).toBe(1);
    expect(c.held).toBe(2);
    expect(c.finish()).toHaveLength(0);
  });
});

describe('bounded state', () => {
  it('evicts groups once no window of theirs can fire', () => {
    const rule = correlation('c', 'event_count', ['a'], gte(5), { timespanMs: 10 * S });
    const c = new Correlator({ correlations: [rule], maxLatenessMs: 0 });
    for (let i = 0; i < 10_000; i++) c.push(m('a', i, { user: `u${i}` }));
    expect(c.groups).toBeLessThanOrEqual(11);
    expect(c.stats.groupsEvicted).toBeGreaterThan(9_900);
  });

  it('caps groups at maxGroups with one warning, and keeps the state small with a million distinct groups', () => {
    const rule = correlation('c', 'value_count', ['a'], gte(3), { groupBy: ['ip'], field: ['user'], timespanMs: 3600 * S });
    const warnings: string[] = [];
    const c = new Correlator({ correlations: [rule], maxLatenessMs: 0, maxGroups: 1000, onWarning: (w) => warnings.push(w) });
    for (let i = 0; i < 1_000_000; i++) c.push({ ruleKey: 'a', timeMs: T0 + i, fields: { ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, user: 'x' }, source: { path: 'p', record: i } });
    expect(c.groups).toBe(1000);
    expect(c.stats.groupCapHits).toBe(999_000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/reached 1,000 groups/);
    expect(JSON.stringify(c.snapshot()).length).toBeLessThan(1_000_000);
  });

  it('keeps huge group values out of the key and cuts them in alerts', () => {
    const rule = correlation('c', 'event_count', ['a'], gte(2));
    const huge = 'x'.repeat(1_000_000);
    const c = new Correlator({ correlations: [rule], maxLatenessMs: 0 });
    const out = [...c.push(m('a', 0, { user: huge })), ...c.push(m('a', 1, { user: huge }))];
    expect(out).toHaveLength(1);
    expect(String(out[0]?.group['user']).length).toBeLessThan(1100);
    expect(JSON.stringify(c.snapshot()).length).toBeLessThan(10_000);
  });
});

describe('snapshot and restore', () => {
  const rules = [
    correlation('count', 'event_count', ['a'], gte(3), { timespanMs: 20 * S }),
    correlation('few', 'event_count', ['b'], [{ op: 'lte', value: 1 }], { timespanMs: 15 * S }),
    correlation('vc', 'value_count', ['a', 'b'], gte(2), { groupBy: ['host'], field: ['user'], timespanMs: 30 * S }),
    correlation('inner', 'temporal', ['a', 'b'], gte(2), { shouldAlert: false, timespanMs: 10 * S }),
    correlation('outer', 'event_count', ['inner'], gte(2), { timespanMs: 60 * S }),
  ];

  function stream(seed: number): CorrelationMatch[] {
    const random = mulberry32(seed);
    const out: CorrelationMatch[] = [];
    for (let i = 0; i < 120; i++) {
      // Times go up by about a second, with some arriving up to 4 s early or late.
      const t = i + Math.floor(random() * 8) - 4;
      out.push(m(random() < 0.6 ? 'a' : 'b', t, { user: `u${Math.floor(random() * 3)}`, host: `h${Math.floor(random() * 2)}` }));
    }
    return out;
  }

  it('two parts with a snapshot between them give the alerts of one run, split at every point', () => {
    for (const seed of [1, 2, 3]) {
      const matches = stream(seed);
      const options = { correlations: rules, maxLatenessMs: 5 * S };
      const whole = JSON.stringify(runAll(options, matches));
      expect(JSON.parse(whole).length).toBeGreaterThan(3);
      for (let at = 0; at <= matches.length; at++) {
        const first = new Correlator(options);
        const out: CorrelationAlert[] = [];
        for (const x of matches.slice(0, at)) out.push(...first.push(x));
        const state = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
        const second = Correlator.restore(state, options);
        for (const x of matches.slice(at)) out.push(...second.push(x));
        out.push(...second.finish());
        expect(JSON.stringify(out), `seed ${seed}, split at ${at}`).toBe(whole);
      }
    }
  });

  it('refuses a state from other rules, another version, or garbage, with a clear message', () => {
    const state = new Correlator({ correlations: rules }).snapshot();
    expect(() => Correlator.restore(state, { correlations: rules.slice(1) })).toThrow(/other correlation rules/);
    expect(() => Correlator.restore({ ...state, version: 99 }, { correlations: rules })).toThrow(/version 99/);
    expect(() => Correlator.restore('{"a":1}', { correlations: rules })).toThrow(CorrelatorStateError);
    expect(() => Correlator.restore({ ...state, runs: [] }, { correlations: rules })).toThrow(/incomplete or damaged/);
  });
});
