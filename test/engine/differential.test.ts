// Differential test: random Sigma rules (written as YAML, loaded by the real loader) and
// random events, drawn from shared pools so that many pairs match; the set of (rule, event)
// matches from `detect` must equal the reference matcher's exactly. Seeds are fixed, so a
// failure reproduces; the report shows the rule YAML, a shrunk event and the smallest
// sub-condition on which the engine and the reference disagree.
import { describe, expect, it } from 'vitest';
import { detect, type DetectionRule, type Node } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';
import { referenceMatches } from './reference-matcher.js';
import { Rng } from '../support/random.js';
import { eventFor, ruleYaml, type Event } from './random-rules.js';

// ---- the comparison -----------------------------------------------------------------------

async function* asAsync(events: readonly Event[]): AsyncGenerator<Event> {
  for (const e of events) yield e;
}

async function engineMatchSet(rules: readonly DetectionRule[], events: readonly Event[], isAsync: boolean): Promise<Set<string>> {
  const byTitle = new Map(rules.map((r, i) => [r.title, i]));
  const alerts = await detect(isAsync ? asAsync(events) : events, { rules });
  return new Set(alerts.map((a) => `${byTitle.get(a.rule.title)}:${a.source.record - 1}`));
}

async function engineSays(rule: DetectionRule, condition: Node, event: Event): Promise<boolean> {
  const alerts = await detect([event], { rules: [{ ...rule, condition }] });
  return alerts.length > 0;
}

/** The smallest sub-condition on which engine and reference still disagree for this event. */
async function smallestDisagreement(rule: DetectionRule, node: Node, event: Event): Promise<Node> {
  const children = node.kind === 'And' || node.kind === 'Or' ? node.children : node.kind === 'Not' ? [node.child] : [];
  for (const child of children) {
    if ((await engineSays(rule, child, event)) !== referenceMatches(child, event)) return smallestDisagreement(rule, child, event);
  }
  return node;
}

/** The shape of a sub-condition without its texts: one counterexample per shape is enough. */
function signature(node: Node): string {
  return JSON.stringify(node, (k, v: unknown) => (k === 'origin' ? undefined : k === 'text' || k === 'field' || k === 'source' ? '…' : v));
}

/** Drops event fields (and nested entries) while the disagreement persists. */
async function shrinkEvent(rule: DetectionRule, node: Node, event: Event): Promise<Event> {
  let current = event;
  for (const key of Object.keys(event)) {
    const candidate = { ...current };
    delete candidate[key];
    if ((await engineSays(rule, node, candidate)) !== referenceMatches(node, candidate)) current = candidate;
  }
  return current;
}

interface Counterexample {
  readonly yaml: string;
  readonly event: Event;
  readonly engine: boolean;
  readonly node: Node;
}

async function runSeed(seed: number, ruleCount: number, eventCount: number, isAsync = false): Promise<void> {
  const rng = new Rng(seed);
  const texts: string[] = [];
  const rules: DetectionRule[] = [];
  const loadErrors: string[] = [];
  for (let i = 0; i < ruleCount; i++) {
    const yaml = ruleYaml(rng, i);
    const set = loadRulesFromText(`random-${seed}-${i}.yml`, yaml);
    if (set.errors.length > 0 || set.rules.length !== 1) {
      loadErrors.push(`${set.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}\n${yaml}`);
      continue;
    }
    texts.push(yaml);
    rules.push(set.rules[0] as DetectionRule);
  }
  expect(loadErrors.slice(0, 5), `${loadErrors.length} generated rules failed to load`).toEqual([]);

  const events = Array.from({ length: eventCount }, () => eventFor(rng));
  const engine = await engineMatchSet(rules, events, isAsync);
  const mismatches: [number, number][] = [];
  let referenceCount = 0;
  for (let r = 0; r < rules.length; r++) {
    const condition = (rules[r] as DetectionRule).condition;
    for (let e = 0; e < events.length; e++) {
      const ref = referenceMatches(condition, events[e] as Event);
      if (ref) referenceCount++;
      if (ref !== engine.has(`${r}:${e}`)) mismatches.push([r, e]);
    }
  }
  console.info(
    `differential seed ${seed}: ${rules.length} rules x ${events.length} events, reference matches ${referenceCount}, engine matches ${engine.size}, mismatches ${mismatches.length}`,
  );
  // The generator must make matching common, or the comparison proves little.
  expect(referenceCount).toBeGreaterThan((rules.length * events.length) / 50);

  if (mismatches.length === 0) return;
  // One shrunk counterexample per distinct smallest disagreeing sub-condition.
  const seen = new Map<string, Counterexample>();
  for (const [r, e] of mismatches.slice(0, 400)) {
    const rule = rules[r] as DetectionRule;
    const node = await smallestDisagreement(rule, rule.condition, events[e] as Event);
    const key = `${await engineSays(rule, node, events[e] as Event)} ${signature(node)}`;
    if (seen.has(key)) continue;
    const event = await shrinkEvent(rule, node, events[e] as Event);
    seen.set(key, { yaml: texts[r] as string, event, engine: await engineSays(rule, node, event), node });
    if (seen.size >= 12) break;
  }
  const report = [...seen.values()].map(
    (c, i) =>
      `--- counterexample ${i + 1}: engine says ${c.engine ? 'match' : 'no match'}, reference says ${c.engine ? 'no match' : 'match'}\n` +
      `rule:\n${c.yaml}event: ${JSON.stringify(c.event)}\n` +
      `smallest disagreeing sub-condition: ${JSON.stringify(c.node, (k, v: unknown) => (k === 'origin' ? undefined : v))}`,
  );
  expect.fail(`${mismatches.length} (rule, event) pairs differ for seed ${seed}\n${report.join('\n')}`);
}

describe('engine agrees with the reference matcher on random rules and events', () => {
  // ~2,000 rules x 300 events in four seeds, so each test stays well inside its timeout.
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: 500 rules x 300 events give the same (rule, event) matches`, () => runSeed(seed, 500, 300), 120_000);
  }
  // More events than one engine batch (2,048 rows), fed as an async iterable.
  it('seed 5: 100 rules x 5,000 async events across several batches give the same matches', () => runSeed(5, 100, 5000, true), 120_000);
  // Fewer rows than MATCHER_BUILD_ROWS (256): no field matcher is built, every leaf is decided
  // by its own test (compile-rule-set.ts deferMatcher), as for the first events of a run.
  it('seed 6: 500 rules x 200 events, each leaf tested by itself (no field matcher built), give the same matches', () => runSeed(6, 500, 200), 120_000);
});
