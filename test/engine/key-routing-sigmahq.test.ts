// Key routing (detect/key-routing.ts) on real rules and events: every SigmaHQ rule under the
// windows pipeline, over real events of evtx_attack_samples and copies of them whose Channel
// and EventID take the forms the matcher treats alike or apart (case, a long s, the id as
// text, with a leading zero or a space, a list, missing). The evaluator that routes each
// event to the rules of its (Channel, EventID) must report exactly the (event, rule) pairs
// that one plan of all rules reports.
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchBuilder, compileRuleSet, evaluateBatch, normalizeEvent, readRecords, RoutedEvaluator, type Node } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';
import { hasShared, SHARED_DIR } from '../support/shared.js';

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'];
const EVENTS = 1500;
const run = hasShared('key routing on SigmaHQ rules');
type Json = Record<string, unknown>;

/** Copies of an event whose Channel or EventID is written another way. */
function variants(e: Json): Json[] {
  const out: Json[] = [e];
  const channel = e['Channel'];
  const id = e['EventID'];
  if (typeof channel === 'string') {
    out.push({ ...e, Channel: channel.toUpperCase() });
    out.push({ ...e, Channel: channel.replace(/s/g, 'ſ') });
    out.push({ ...e, Channel: `${channel} ` });
    out.push({ ...e, Channel: [channel] });
    const { Channel: _, ...rest } = e;
    out.push(rest);
  }
  if (id !== undefined) {
    out.push({ ...e, EventID: String(id) });
    out.push({ ...e, EventID: `0${String(id)}` });
    out.push({ ...e, EventID: [id] });
    const { EventID: _, ...rest } = e;
    out.push(rest);
  }
  return out;
}

describe.runIf(run)('key routing on SigmaHQ rules (windows pipeline)', () => {
  let conditions: Node[];
  const events: Json[] = [];

  beforeAll(async () => {
    const { pipeline } = loadBuiltinPipeline('windows');
    const set = loadRules(
      ACTIVE.map((d) => join(SHARED_DIR, 'sigma', d)),
      { pipelines: pipeline === null ? [] : [pipeline], placeholderFallback: 'wildcard' },
    );
    conditions = set.rules.filter((r) => r.shouldAlert).map((r) => r.condition);
    const read: Json[] = [];
    for await (const chunk of readRecords([resolve(SHARED_DIR, 'datasets', 'evtx_attack_samples.jsonl.gz')])) {
      for (const r of chunk) if (read.length < EVENTS) read.push(r.value);
      if (read.length >= EVENTS) break;
    }
    // Every 10th event in all its variants: the variants test the routing, the rest the plans.
    read.forEach((raw, i) => {
      const e = normalizeEvent(raw);
      events.push(...(i % 10 === 0 ? variants(e) : [e]));
    });
  }, 300_000);

  it('reports the same (event, rule) pairs as one plan of all rules', () => {
    const plan = compileRuleSet(conditions.map((condition) => ({ condition })));
    const builder = new BatchBuilder({ fields: plan.fields, withKeywords: plan.hasKeywords });
    const expected: number[] = [];
    for (let start = 0; start < events.length; start += 2048) {
      const slice = events.slice(start, start + 2048);
      const m = evaluateBatch(plan, builder.build(slice, slice));
      for (let j = 0; j < m.count; j++) expected.push((start + (m.rows[j] as number)) * conditions.length + (m.ruleIndexes[j] as number));
    }
    expected.sort((a, b) => a - b);

    const routed = new RoutedEvaluator([{ events: 'all', ruleCount: conditions.length, reported: new Uint8Array(conditions.length).fill(1), conditions: () => conditions }]);
    const got: number[] = [];
    for (let start = 0; start < events.length; start += 2048) {
      const slice = events.slice(start, start + 2048);
      for (const k of routed.evaluate(slice.slice(), slice, slice.length)) got.push(k + start * conditions.length);
    }
    console.info(`key routing: ${conditions.length} rules, ${events.length} events, ${expected.length} matches`);
    expect(expected.length).toBeGreaterThan(100);
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
  }, 300_000);
});
