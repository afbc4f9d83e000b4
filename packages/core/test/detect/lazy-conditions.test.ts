// Routing on recorded keys (start-up, issue 14): rules whose condition is decoded on first
// read give the evaluator their (Channel, EventID) keys up front, and the evaluator reads
// the conditions of the subset an event reaches, no other.
import { describe, expect, it } from 'vitest';
import { RoutedEvaluator } from '../../src/detect/routed-evaluator.js';
import { keysOfRule, keysStandIn, recordRuleKeys, ruleAccess, ruleKeysOf, type RuleKeys } from '../../src/detect/key-routing.js';
import { And, Constant, Match, Not, Or, type Node } from '../../src/ir/nodes.js';
import { NumberValue, PatternPart, StringPattern } from '../../src/ir/values.js';
import { mapLeaves } from '../../src/ir/dispatch.js';
import { decodeCondition, encodeSharedWorkerConfig, encodeWorkerConfig } from '../../src/pool/wire.js';
import { createTaskRunner } from '../../src/pool/run-task.js';
import { rule } from '../pool/pool-fixtures.js';

const text = (t: string, isCased = false) => StringPattern.create([PatternPart.literal(t)], isCased);
const channel = (c: string) => Match.create('Channel', text(c));
const eventId = (n: number) => Match.create('EventID', NumberValue.create(n));
const field = (name: string, value: string) => Match.create(name, text(value));

/** Four rules on three keys. */
const sources: readonly Node[] = [
  And.create([channel('Security'), eventId(4624), field('User', 'alice')]),
  And.create([channel('Security'), eventId(4625), field('User', 'bob')]),
  And.create([channel('System'), eventId(7045), field('Service', 'evil')]),
  And.create([channel('Security'), eventId(4624), field('User', 'carol')]),
];

describe('keysStandIn', () => {
  const conditions: Node[] = [
    Constant.TRUE,
    field('Image', 'cmd.exe'),
    channel('Security'),
    eventId(4688),
    And.create([channel('Microsoft-Windows-Sysmon/Operational'), eventId(1), field('Image', 'x')]),
    Or.create([And.create([channel('Security'), eventId(4688)]), And.create([channel('Microsoft-Windows-Sysmon/Operational'), eventId(1)])]),
    And.create([channel('A'), channel('B')]), // never holds: []
    And.create([Or.create([eventId(12), eventId(13), eventId(14)]), channel('Microsoft-Windows-Sysmon/Operational')]),
    // Over 64 pairs: channels only.
    And.create([Or.create(Array.from({ length: 9 }, (_, i) => channel(`C${i}`))), Or.create(Array.from({ length: 9 }, (_, i) => eventId(i)))]),
    Not.create(channel('Security')),
    And.create([channel('MiXeD/Case'), Match.create('EventID', text('4624'))]),
  ];

  it('is a condition with the same keys as the one they were read from, for every shape ruleKeysOf gives', () => {
    const shapes = new Set<string>();
    for (const c of conditions) {
      const keys = ruleKeysOf(c);
      shapes.add(keys === null ? 'any' : keys.length === 0 ? 'none' : keys.some((k) => k.channel === null) ? 'event ids' : keys.some((k) => k.eventId === null) ? 'channels' : 'pairs');
      expect(ruleKeysOf(keysStandIn(keys)), JSON.stringify(keys)).toStrictEqual(keys);
    }
    expect([...shapes].sort()).toEqual(['any', 'channels', 'event ids', 'none', 'pairs']);
  });
});

describe('recorded keys', () => {
  it('are what keysOfRule gives for that rule object only; a copy reads its condition', () => {
    const rule = { condition: And.create([channel('Security'), eventId(4624)]) };
    expect(keysOfRule(rule)).toStrictEqual([{ channel: 'security', eventId: '4624' }]);
    const recorded: RuleKeys = [{ channel: 'security', eventId: null }];
    recordRuleKeys(rule, recorded);
    expect(keysOfRule(rule)).toBe(recorded);
    expect(keysOfRule({ ...rule })).toStrictEqual([{ channel: 'security', eventId: '4624' }]);
    const any = { condition: channel('System') };
    recordRuleKeys(any, null);
    expect(keysOfRule(any)).toBeNull();
  });
});

describe('RoutedEvaluator over lazily decoded rules', () => {
  // The four rules, each condition readable only through a counting getter.

  function lazyRules(withKeys: boolean): { rules: { readonly condition: Node }[]; reads: number[] } {
    const reads = sources.map(() => 0);
    const rules = sources.map((node, i) => {
      const rule = {
        get condition(): Node {
          reads[i] = (reads[i] as number) + 1;
          return node;
        },
      };
      if (withKeys) recordRuleKeys(rule, ruleKeysOf(node));
      return rule;
    });
    return { rules, reads };
  }

  const evaluatorOf = (rules: readonly { readonly condition: Node }[]) =>
    new RoutedEvaluator([{ events: 'all', ruleCount: rules.length, reported: new Uint8Array(rules.length).fill(1), ...ruleAccess(() => rules) }]);

  it('reads only the conditions of the rules an event can reach, and matches as with every condition read', () => {
    const { rules, reads } = lazyRules(true);
    const evaluator = evaluatorOf(rules);
    const logon = { Channel: 'Security', EventID: 4624, User: 'carol' };
    expect([...evaluator.evaluate([logon], [logon], 1)]).toEqual([3]);
    expect(reads).toEqual([1, 0, 0, 1]);
    const service = { Channel: 'System', EventID: 7045, Service: 'evil' };
    expect([...evaluator.evaluate([service], [service], 1)]).toEqual([2]);
    expect(reads).toEqual([1, 0, 1, 1]);
    // An event without a key reaches every rule.
    const bare = { User: 'bob' };
    expect([...evaluator.evaluate([bare], [bare], 1)]).toEqual([]);
    expect(reads.every((n) => n >= 1)).toBe(true);
  });

  it('reads every condition to route when no keys were recorded (the default)', () => {
    const { rules, reads } = lazyRules(false);
    const logon = { Channel: 'Security', EventID: 4624, User: 'alice' };
    expect([...evaluatorOf(rules).evaluate([logon], [logon], 1)]).toEqual([0]);
    expect(reads.every((n) => n >= 1)).toBe(true);
  });
});

describe('a worker rule set (wire.ts) decodes only the conditions its events reach', () => {
  // The four rules as a pool's workers receive them: each condition serialized on its
  // own, keys decoded. The bytes of the rules an event cannot reach are then spoiled, so
  // decoding them would throw and the task would come back failed.
  const rules = sources.map((condition, i) => rule(`rule ${i}`, condition));
  const config = () => encodeWorkerConfig([{ rules, events: 'all' }], { correlationFields: rules.map(() => null), timeField: null });

  it('carries each condition on its own, without origins, and the keys as keysOfRule reads them', () => {
    const [set] = config().ruleSets;
    if (set === undefined) throw new Error('no set');
    expect(set.keys).toStrictEqual(sources.map(ruleKeysOf));
    sources.forEach((node, i) => expect(decodeCondition(set, i)).toStrictEqual(mapLeaves(node, (l) => ({ ...l, origin: null }))));
    expect(() => decodeCondition(set, 4)).toThrow(RangeError);
  });

  it('routes and matches one key with the other rules never decoded', () => {
    const encoded = config();
    const [set] = encoded.ruleSets;
    if (set === undefined) throw new Error('no set');
    const spoiled = set.conditions.slice();
    for (const i of [1, 2]) spoiled.fill(0xff, i === 0 ? 0 : (set.conditionEnds[i - 1] as number), set.conditionEnds[i] as number);
    const run = createTaskRunner({ ...encoded, ruleSets: [{ ...set, conditions: spoiled }] });
    const line = JSON.stringify({ Channel: 'Security', EventID: 4624, User: 'carol' });
    const bytes = new TextEncoder().encode(line);
    const reply = run({ kind: 'records', count: 1, bytes, ends: Int32Array.of(bytes.length), lines: Float64Array.of(1) });
    if (reply.kind !== 'records') throw new Error(`expected records, got ${reply.kind}: ${reply.kind === 'failed' ? reply.message : ''}`);
    expect([...reply.matches]).toEqual([0, 3]);
    // A System event reaches rule 2, whose bytes are spoiled: now the task fails.
    const other = new TextEncoder().encode(JSON.stringify({ Channel: 'System', EventID: 7045, Service: 'evil' }));
    expect(run({ kind: 'records', count: 1, bytes: other, ends: Int32Array.of(other.length), lines: Float64Array.of(1) }).kind).toBe('failed');
  });
});

describe('shared conditions (encodeSharedWorkerConfig): the workers start before the conditions are written', () => {
  const rules = sources.map((condition, i) => rule(`rule ${i}`, condition));
  const report = { correlationFields: [...rules, ...rules].map(() => null), timeField: null };

  it('gives the keys at once, and each set\'s conditions once the calling thread has written them', () => {
    const { config, write } = encodeSharedWorkerConfig([{ rules, events: 'all' }, { rules: rules.slice(0, 2), events: 'all' }], report);
    const [first, second] = config.ruleSets;
    if (first === undefined || second === undefined) throw new Error('two sets expected');
    expect(first.keys).toStrictEqual(sources.map(ruleKeysOf));
    expect([first.written?.[0], second.written?.[0]]).toEqual([0, 0]);
    write(0);
    expect([first.written?.[0], second.written?.[0]]).toEqual([1, 0]);
    sources.forEach((node, i) => expect(decodeCondition(first, i)).toStrictEqual(mapLeaves(node, (l) => ({ ...l, origin: null }))));
    write(1);
    expect(decodeCondition(second, 1)).toStrictEqual(decodeCondition(first, 1));
  });

  it('tells the calling thread when a worker asks for a set, and not before', async () => {
    const { config, whenWanted } = encodeSharedWorkerConfig([{ rules, events: 'all' }], { correlationFields: rules.map(() => null), timeField: null });
    const [set] = config.ruleSets;
    if (set?.wanted === undefined) throw new Error('no shared set');
    let asked = 0;
    whenWanted(0, () => asked++);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toBe(0);
    // What decodeCondition does in a worker before it waits.
    Atomics.store(set.wanted, 0, 1);
    Atomics.notify(set.wanted, 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toBe(1);
    // Asked already: called on the next turn.
    whenWanted(0, () => asked++);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toBe(2);
  });

  it('marks a set whose conditions cannot be written, and a worker reading it gets an error instead of waiting', () => {
    const unclonable = Match.create('User', text('x'), null) as unknown as Record<string, unknown>;
    const broken = rule('broken', { ...unclonable, extra: () => 1 } as unknown as Node);
    const { config, write } = encodeSharedWorkerConfig([{ rules: [broken], events: 'all' }], { correlationFields: [null], timeField: null });
    expect(() => write(0)).toThrow();
    const [set] = config.ruleSets;
    if (set === undefined) throw new Error('no set');
    expect(set.written?.[0]).toBe(2);
    expect(() => decodeCondition(set, 0)).toThrow(/could not be sent/);
  });
});
