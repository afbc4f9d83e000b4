// Routing by (Channel, EventID): the key set extracted from a condition must be a necessary
// condition under the engine's matching, and the evaluator that routes on it must report
// exactly what one plan of all the rules reports.
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../src/compile/compile-rule-set.js';
import { BatchBuilder } from '../../src/batch/batch-builder.js';
import { evaluateBatch } from '../../src/eval/evaluate-batch.js';
import { RoutedEvaluator } from '../../src/detect/routed-evaluator.js';
import { EventKeys, keysFit, NO_KEY, ruleKeysOf } from '../../src/detect/key-routing.js';
import { And, Keyword, Match, Not, Or, type Node } from '../../src/ir/nodes.js';
import { NumberValue, PatternPart, StringPattern } from '../../src/ir/values.js';

const text = (t: string, isCased = false) => StringPattern.create([PatternPart.literal(t)], isCased);
const channel = (c: string) => Match.create('Channel', text(c));
const eventId = (n: number) => Match.create('EventID', NumberValue.create(n));
const image = Match.create('Image', StringPattern.create([PatternPart.anyChars, PatternPart.literal('\\cmd.exe')], false));

describe('ruleKeysOf', () => {
  it('reads the pairs of the windows pipeline: channel and event id under an AND, pairs under an OR', () => {
    const condition = And.create([Or.create([And.create([channel('Microsoft-Windows-Sysmon/Operational'), eventId(1)]), And.create([channel('Security'), eventId(4688)])]), image]);
    expect(ruleKeysOf(condition)).toEqual([
      { channel: 'microsoft-windows-sysmon/operational', eventId: '1' },
      { channel: 'security', eventId: '4688' },
    ]);
  });

  it('gives up (null: any key) on what it cannot bound: NOT, keywords, wildcards, an OR with a free branch', () => {
    expect(ruleKeysOf(Not.create(channel('Security')))).toBeNull();
    expect(ruleKeysOf(Keyword.create(text('mimikatz')))).toBeNull();
    expect(ruleKeysOf(Match.create('Channel', StringPattern.create([PatternPart.literal('Sec'), PatternPart.anyChars], false)))).toBeNull();
    expect(ruleKeysOf(Or.create([channel('Security'), image]))).toBeNull();
    expect(ruleKeysOf(image)).toBeNull();
  });

  it('an AND of two different channels can never hold: no pair', () => {
    expect(ruleKeysOf(And.create([channel('Security'), channel('System')]))).toEqual([]);
  });

  it('string event ids and channels are folded as the matcher folds them', () => {
    expect(ruleKeysOf(And.create([channel('ſECURITY'), Match.create('EventID', text('4688'))]))).toEqual([{ channel: 'security', eventId: '4688' }]);
  });

  it('keeps channels only when the pairs would be too many', () => {
    const ids = Array.from({ length: 80 }, (_, i) => eventId(i));
    const keys = ruleKeysOf(And.create([channel('Security'), Or.create(ids)]));
    expect(keys).toEqual([{ channel: 'security', eventId: null }]);
  });
});

describe('keysFit', () => {
  const keys = ruleKeysOf(And.create([channel('Security'), eventId(4688)]));
  it('fits the key it names, an unknown event id of its channel, and nothing else', () => {
    expect(keysFit(keys, 'security', '4688')).toBe(true);
    expect(keysFit(keys, 'security', null)).toBe(true);
    expect(keysFit(keys, 'security', '4624')).toBe(false);
    expect(keysFit(keys, 'system', '4688')).toBe(false);
    expect(keysFit(null, 'anything', '1')).toBe(true);
  });
});

describe('EventKeys', () => {
  it('gives equal keys to texts the rules cannot tell apart, and none to a channel that is not one string', () => {
    const keys = new EventKeys();
    const a = keys.keyOf({ Channel: 'Security', EventID: 4688 });
    expect(keys.keyOf({ Channel: 'SECURITY', EventID: '4688' })).toBe(a);
    expect(keys.keyOf({ Channel: 'ſecurity', EventID: 4688 })).toBe(a);
    expect(keys.keyOf({ Channel: 'Security', EventID: '04688' })).not.toBe(a);
    expect(keys.channels[a]).toBe('security');
    expect(keys.eventIds[a]).toBe('4688');
    const noId = keys.keyOf({ Channel: 'Security' });
    expect(keys.eventIds[noId]).toBeNull();
    expect(keys.keyOf({ Channel: ['Security'], EventID: 4688 })).toBe(NO_KEY);
    expect(keys.keyOf({ Channel: 4688 })).toBe(NO_KEY);
    expect(keys.keyOf({ EventID: 4688 })).toBe(NO_KEY);
  });
});

describe('RoutedEvaluator with key routing', () => {
  // Rules routed as the windows pipeline routes them, rules routed on one side only, and
  // rules the extraction cannot bound.
  const conditions: Node[] = [
    And.create([channel('Security'), eventId(4688), image]),
    And.create([Or.create([And.create([channel('Microsoft-Windows-Sysmon/Operational'), eventId(1)]), And.create([channel('Security'), eventId(4688)])]), image]),
    And.create([channel('System'), Not.create(eventId(7045))]),
    And.create([eventId(4624), Match.create('LogonType', NumberValue.create(3))]),
    Keyword.create(StringPattern.create([PatternPart.anyChars, PatternPart.literal('mimikatz'), PatternPart.anyChars], false)),
    And.create([channel('Security'), Match.create('EventID', text('4688'))]),
    And.create([channel('Security'), channel('System')]),
    Not.create(channel('Security')),
  ];
  const channels = ['Security', 'SECURITY', 'ſecurity', 'Security ', 'System', 'Microsoft-Windows-Sysmon/Operational', 'Application', ['Security'], 4688, undefined];
  const ids = [4688, '4688', '04688', ' 4688', 4688.5, 1, '1', 7045, 4624, null, undefined, [4688]];
  const images = ['C:\\Windows\\System32\\cmd.exe', 'C:\\x\\CMD.EXE', 'explorer.exe', undefined];
  const events: Record<string, unknown>[] = [];
  for (const c of channels) {
    for (const id of ids) {
      for (const img of images) {
        const e: Record<string, unknown> = { LogonType: events.length % 2 === 0 ? 3 : '3', Message: events.length % 7 === 0 ? 'MimiKatz here' : 'x' };
        if (c !== undefined) e['Channel'] = c;
        if (id !== undefined) e['EventID'] = id;
        if (img !== undefined) e['Image'] = img;
        events.push(e);
      }
    }
  }

  function wholePlanKeys(): number[] {
    const plan = compileRuleSet(conditions.map((condition) => ({ condition })));
    const batch = new BatchBuilder({ fields: plan.fields, withKeywords: plan.hasKeywords }).build(events, events);
    const m = evaluateBatch(plan, batch);
    const out: number[] = [];
    for (let j = 0; j < m.count; j++) out.push((m.rows[j] as number) * conditions.length + (m.ruleIndexes[j] as number));
    return out.sort((a, b) => a - b);
  }

  it('reports every (event, rule) match that one plan of all rules reports, in one call and in calls of one event', () => {
    const expected = wholePlanKeys();
    expect(expected.length).toBeGreaterThan(50);
    const set = { events: 'all' as const, ruleCount: conditions.length, reported: new Uint8Array(conditions.length).fill(1), conditions: () => conditions };
    const routed = new RoutedEvaluator([set]);
    expect([...routed.evaluate(events.slice(), events, events.length)]).toEqual(expected);
    const oneByOne = new RoutedEvaluator([set]);
    const keys: number[] = [];
    for (let i = 0; i < events.length; i++) {
      for (const k of oneByOne.evaluate([events[i]], [events[i]], 1)) keys.push(i * conditions.length + (k % conditions.length));
    }
    expect(keys).toEqual(expected);
  });
});

describe('RoutedEvaluator: subsets that mostly overlap share one plan', () => {
  const pair = (c: string, id: number) => And.create([channel(c), eventId(id)]);
  const both = Or.create([pair('A', 1), pair('B', 2)]);
  const conditions: Node[] = [
    ...Array.from({ length: 8 }, (_, i) => And.create([both, Match.create('N', NumberValue.create(i))])),
    And.create([pair('A', 1), Match.create('N', NumberValue.create(8))]),
    And.create([pair('B', 2), Match.create('N', NumberValue.create(9))]),
    And.create([pair('C', 3), Match.create('N', NumberValue.create(10))]),
  ];
  const set = { events: 'all' as const, ruleCount: conditions.length, reported: new Uint8Array(conditions.length).fill(1), conditions: () => conditions };

  it('merges (A,1) and (B,2) (8 of 10 rules in common), keeps (C,3) apart, and loses no event already routed in the call', () => {
    const events: Record<string, unknown>[] = [];
    for (let n = 0; n <= 10; n++) for (const [c, id] of [['A', 1], ['B', 2], ['C', 3]] as const) events.push({ Channel: c, EventID: id, N: n });
    const routed = new RoutedEvaluator([set]);
    const keys = [...routed.evaluate(events.slice(), events, events.length)];
    expect(routed.subsetPlanCount(0)).toBe(2);
    const expected: number[] = [];
    events.forEach((e, row) => {
      const n = e['N'] as number;
      const c = e['Channel'];
      if (n < 8 && c !== 'C') expected.push(row * conditions.length + n);
      if ((n === 8 && c === 'A') || (n === 9 && c === 'B') || (n === 10 && c === 'C')) expected.push(row * conditions.length + n);
    });
    expect(keys).toEqual(expected);
  });
});
