// Correlations as SQL (storage/sql/compile-correlation.ts, store/store-correlate.ts) against
// core's streaming Correlator, the reference: the same match streams pushed through both must
// give the same alerts (content) at the same places (after which match, or at the end).
// Random streams cover every compiled type with lower and upper bounds, ties in time, window
// edges exactly at the timespan, out-of-order and late matches, missing group-by and value
// fields, aliases and generate false; hand-made cases pin the edges.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Correlator, type CorrelationAlert, type CorrelationRule } from '@siemlite/core';
import { compileCorrelation, correlateInputs, planCorrelation, type CorrelationInput } from '@siemlite/storage';
import { mulberry32 } from '../support/random.js';
import { correlationRule as correlation } from '../support/correlation-rule.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const S = 1000;

type Placed = { after: number; alert: CorrelationAlert };

/** The streaming reference: push in arrival order, alerts placed after the match that released them. */
function streamed(correlations: readonly CorrelationRule[], inputs: readonly CorrelationInput[], maxLatenessMs: number): Placed[] {
  const c = new Correlator({ correlations, maxLatenessMs });
  const out: Placed[] = [];
  for (const i of inputs) for (const alert of c.push(i)) out.push({ after: i.arrival, alert });
  for (const alert of c.finish()) out.push({ after: Number.POSITIVE_INFINITY, alert });
  return out;
}

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function viaSql(correlations: readonly CorrelationRule[], inputs: readonly CorrelationInput[], maxLatenessMs: number): Promise<Placed[]> {
  const result = await correlateInputs(connection, inputs, { correlations, maxLatenessMs });
  return result.alerts.map((a) => ({ after: a.after, alert: a.alert }));
}

function input(arrival: number, ruleKey: string, seconds: number, fields: Record<string, unknown>): CorrelationInput {
  return { arrival, ruleKey, timeMs: T0 + seconds * S, fields, source: { path: 'log.jsonl', record: arrival + 1 } };
}

/** A random stream: few groups, rules A/B/C, times on a coarse grid (ties, exact edges), some disorder. */
function randomStream(seed: number, n: number): CorrelationInput[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const out: CorrelationInput[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += pick([0, 0, 5, 10, 15, 30, 60, 60, 120]);
    const jitter = rnd() < 0.15 ? -pick([5, 30, 60, 400]) : 0; // out of order, sometimes beyond the lateness
    const fields: Record<string, unknown> = {};
    if (rnd() > 0.05) fields['user'] = pick(['alice', 'bob', 'carol', 7]);
    if (rnd() > 0.1) fields['host'] = pick(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
    if (rnd() > 0.1) fields['account'] = pick(['x', 'y']);
    const ruleKey = pick(['A', 'A', 'B', 'C']);
    out.push(rnd() < 0.02 ? { ...input(i, ruleKey, 0, fields), timeMs: Number.NaN } : input(i, ruleKey, t + jitter, fields));
  }
  return out;
}

const CASES: readonly { name: string; make: () => CorrelationRule }[] = [
  { name: 'event_count gte 3', make: () => correlation('ec', 'event_count', ['A', 'B'], [{ op: 'gte', value: 3 }]) },
  { name: 'event_count gt 1, no group-by', make: () => correlation('ec0', 'event_count', ['A'], [{ op: 'gt', value: 1 }], { groupBy: [] }) },
  { name: 'event_count gte 0', make: () => correlation('ecz', 'event_count', ['C'], [{ op: 'gte', value: 0 }]) },
  { name: 'event_count gte 4 over 40 days (a timespan past 32-bit milliseconds)', make: () => correlation('ec40', 'event_count', ['A', 'B'], [{ op: 'gte', value: 4 }], { timespanMs: 40 * 86_400 * S }) },
  { name: 'event_count lt 3', make: () => correlation('ecl', 'event_count', ['A'], [{ op: 'lt', value: 3 }]) },
  { name: 'event_count range 2..4', make: () => correlation('ecr', 'event_count', ['A', 'B'], [{ op: 'gte', value: 2 }, { op: 'lte', value: 4 }]) },
  { name: 'event_count eq 2, two group-by fields', make: () => correlation('ece', 'event_count', ['A', 'C'], [{ op: 'eq', value: 2 }], { groupBy: ['user', 'account'] }) },
  { name: 'value_count gte 3', make: () => correlation('vc', 'value_count', ['A', 'B'], [{ op: 'gte', value: 3 }], { field: ['host'] }) },
  { name: 'value_count gt 1 of two fields', make: () => correlation('vc2', 'value_count', ['A'], [{ op: 'gt', value: 1 }], { field: ['host', 'account'] }) },
  { name: 'value_count lte 2', make: () => correlation('vcl', 'value_count', ['A', 'B', 'C'], [{ op: 'lte', value: 2 }], { field: ['host'] }) },
  { name: 'value_count neq 1', make: () => correlation('vcn', 'value_count', ['B'], [{ op: 'neq', value: 1 }], { field: ['host'], timespanMs: 30 * S }) },
  { name: 'temporal (all rules)', make: () => correlation('tp', 'temporal', ['A', 'B', 'C'], [{ op: 'gte', value: 3 }]) },
  { name: 'temporal gte 2', make: () => correlation('tp2', 'temporal', ['A', 'B', 'C'], [{ op: 'gte', value: 2 }], { timespanMs: 30 * S }) },
  { name: 'temporal lt 2', make: () => correlation('tpl', 'temporal', ['A', 'B'], [{ op: 'lt', value: 2 }]) },
  { name: 'temporal_ordered (all rules)', make: () => correlation('to', 'temporal_ordered', ['A', 'B', 'C'], [{ op: 'gte', value: 3 }], { timespanMs: 120 * S }) },
  { name: 'temporal_ordered C, A, B', make: () => correlation('tocab', 'temporal_ordered', ['C', 'A', 'B'], [{ op: 'gte', value: 3 }]) },
  { name: 'temporal_ordered gte 2 of 3', make: () => correlation('to2', 'temporal_ordered', ['B', 'A', 'C'], [{ op: 'gte', value: 2 }]) },
  { name: 'temporal_ordered gte 0', make: () => correlation('to0', 'temporal_ordered', ['B', 'A'], [{ op: 'gte', value: 0 }]) },
  { name: 'temporal_ordered eq 1', make: () => correlation('toe', 'temporal_ordered', ['A', 'B'], [{ op: 'eq', value: 1 }]) },
  {
    name: 'aliases: user from account for rule B',
    make: () =>
      correlation('al', 'event_count', ['A', 'B'], [{ op: 'gte', value: 2 }], {
        groupBy: ['who'],
        aliases: [{ alias: 'who', fields: { A: 'user', B: 'account' } }],
      }),
  },
];

describe('correlations as SQL vs the streaming correlator', () => {
  for (const { name, make } of CASES) {
    it(`${name}: every random stream gives the same alerts at the same places`, async () => {
      const rule = make();
      expect(planCorrelation(rule, [rule]).kind).toBe('sql');
      let fired = 0;
      for (let seed = 1; seed <= 4; seed++) {
        const stream = randomStream(seed * 7919 + rule.key.length, 120);
        for (const lateness of [0, 60 * S, 30 * 86_400 * S]) {
          const expected = streamed([rule], stream, lateness);
          fired += expected.length;
          expect(await viaSql([rule], stream, lateness), `seed ${seed}, lateness ${lateness}`).toEqual(expected);
        }
      }
      expect(fired).toBeGreaterThan(0);
    });
  }

  it('several correlations at once (compiled and streamed, generate false) interleave as the correlator orders them', async () => {
    const rules = [
      correlation('c1', 'event_count', ['A'], [{ op: 'gte', value: 2 }]),
      correlation('c2', 'temporal', ['A', 'B'], [{ op: 'gte', value: 2 }], { groupBy: ['host'] }),
      correlation('c3', 'value_sum', ['B'], [{ op: 'gte', value: 10 }], { field: ['n'] }),
      correlation('c4', 'event_count', ['A', 'C'], [{ op: 'lte', value: 2 }], { groupBy: ['host'] }),
      correlation('c5', 'value_count', ['C'], [{ op: 'gte', value: 2 }], { field: ['host'], shouldAlert: false }),
    ];
    for (let seed = 1; seed <= 10; seed++) {
      const stream = randomStream(seed, 150).map((i) => ({ ...i, fields: { ...i.fields, n: (i.arrival % 7) * 2 } }));
      expect(await viaSql(rules, stream, 60 * S), `seed ${seed}`).toEqual(streamed(rules, stream, 60 * S));
    }
  });

  it('long runs of alerts in one group (the SQL walks 16 steps of a chain per round)', async () => {
    const rules = [
      correlation('burst', 'event_count', ['A'], [{ op: 'gte', value: 2 }]),
      correlation('few', 'event_count', ['A'], [{ op: 'lt', value: 3 }], { timespanMs: 15 * S }),
      correlation('both', 'temporal', ['A', 'B'], [{ op: 'gte', value: 2 }]),
    ];
    const stream = Array.from({ length: 700 }, (_, i) => input(i, i % 3 === 0 ? 'B' : 'A', i * 10, { user: 'one' }));
    const expected = streamed(rules, stream, 0);
    expect(expected.length).toBeGreaterThan(300);
    expect(await viaSql(rules, stream, 0)).toEqual(expected);
  });

  it('chains run in the streaming correlator, with the reason given', async () => {
    const inner = correlation('inner', 'event_count', ['A'], [{ op: 'gte', value: 2 }]);
    const outer = correlation('outer', 'temporal_ordered', ['inner', 'B'], [{ op: 'gte', value: 2 }], { timespanMs: 300 * S });
    expect(planCorrelation(inner, [inner, outer])).toMatchObject({ kind: 'stream', reason: expect.stringMatching(/chain/) });
    const twice = correlation('aab', 'temporal_ordered', ['A', 'A', 'B'], [{ op: 'gte', value: 3 }]);
    expect(planCorrelation(twice, [twice])).toMatchObject({ kind: 'stream', reason: expect.stringMatching(/twice/) });
    const stream = [input(0, 'A', 0, { user: 'u' }), input(1, 'A', 10, { user: 'u' }), input(2, 'B', 20, { user: 'u' })];
    const expected = streamed([inner, outer], stream, 0);
    expect(expected.map((p) => p.alert.rule.key)).toEqual(['inner', 'outer']);
    expect(await viaSql([inner, outer], stream, 0)).toEqual(expected);
  });

  it('a window edge exactly at the timespan: both ends inclusive (lower bounds), next window starts after the end (upper bounds)', async () => {
    const lower = correlation('edge', 'event_count', ['A'], [{ op: 'gte', value: 2 }]);
    const upper = correlation('edgeu', 'event_count', ['A'], [{ op: 'lt', value: 5 }]);
    const stream = [input(0, 'A', 0, { user: 'u' }), input(1, 'A', 60, { user: 'u' }), input(2, 'A', 120, { user: 'u' }), input(3, 'A', 120, { user: 'u' }), input(4, 'A', 181, { user: 'u' })];
    const sql = await viaSql([lower, upper], stream, 0);
    expect(sql).toEqual(streamed([lower, upper], stream, 0));
    const windows = sql.map((p) => `${p.alert.rule.key} ${p.alert.window.start.slice(11, 19)}-${p.alert.window.end.slice(11, 19)} ${p.alert.value}`);
    expect(windows).toEqual(['edge 09:00:00-09:01:00 2', 'edgeu 09:00:00-09:01:00 2', 'edge 09:02:00-09:02:00 2', 'edgeu 09:02:00-09:03:00 2', 'edgeu 09:03:01-09:04:01 1']);
  });

  it('hostile group values and rule keys reach SQL only as parameters', async () => {
    const hostile = `x'); DROP TABLE siemlite_correlation_input; --"\\`;
    const rule = correlation(hostile, 'value_count', [hostile], [{ op: 'gte', value: 2 }], {
      groupBy: [`us"er'`],
      field: [`ho/st~'`],
      aliases: [{ alias: `us"er'`, fields: { [hostile]: `us"er'` } }],
    });
    const query = compileCorrelation(rule);
    expect(query.sql).not.toContain(hostile);
    expect(query.sql).not.toContain('DROP');
    expect(query.sql).not.toContain(`us"er'`);
    expect(query.params).toContain(hostile);
    const stream = [0, 1, 2].map((i) => input(i, hostile, i * 10, { [`us"er'`]: hostile, [`ho/st~'`]: `v${i}'` }));
    const sql = await viaSql([rule], stream, 0);
    expect(sql).toEqual(streamed([rule], stream, 0));
    expect(sql[0]?.alert.group).toEqual({ [`us"er'`]: hostile });
  });
});
