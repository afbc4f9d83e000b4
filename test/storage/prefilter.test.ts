// Necessary prefilters (packages/storage/src/sql/prefilter.ts): what a condition implies about
// Channel and EventID, and that a hunt restricted by them reports what the streaming engine
// reports, on values that test the leaf semantics (channel case, EventID as text, lists).
import { describe, expect, it } from 'vitest';
import { And, Constant, Exists, Keyword, Match, Not, NumberValue, Or, PatternPart, StringPattern, detect, type Node } from '@siemlite/core';
import { loadBuiltinPipeline, loadRulesFromText } from '@siemlite/rules';
import { EventStore, extractPrefilter, groupByPrefilter, huntStore, prefilterNode } from '@siemlite/storage';

const lit = (text: string, cased = false): StringPattern => StringPattern.literal(text, cased);
const channel = (c: string): Node => Match.create('Channel', lit(c));
const eventId = (n: number): Node => Match.create('EventID', NumberValue.create(n));
const image = Match.create('Image', StringPattern.create([PatternPart.anyChars, PatternPart.literal('\\cmd.exe')], false));

/** The prefilter as field -> leaf keys. */
function implied(node: Node): Record<string, string[]> {
  const p = extractPrefilter(node);
  return Object.fromEntries([...p.fields].map(([field, leaves]) => [field, leaves.map((l) => (l.value.kind === 'Number' ? l.value.value : l.value.kind === 'StringPattern' ? (l.value.parts[0] as { text: string }).text : '?') as string)]));
}

describe('extractPrefilter', () => {
  it('an AND with leaves on Channel and EventID implies both', () => {
    expect(implied(And.create([image, channel('Security'), eventId(4688)]))).toEqual({ Channel: ['Security'], EventID: [4688] });
  });

  it('an AND keeps the smaller of two constraints on one field', () => {
    const node = And.create([Or.create([eventId(1), eventId(2), eventId(3)]), eventId(2), image]);
    expect(implied(node)).toEqual({ EventID: [2] });
  });

  it('an OR implies a field only when every branch does, with the union of the values', () => {
    const both = Or.create([And.create([image, channel('Microsoft-Windows-Sysmon/Operational'), eventId(1)]), And.create([image, channel('Security'), eventId(4688)])]);
    expect(implied(both)).toEqual({ Channel: ['Microsoft-Windows-Sysmon/Operational', 'Security'], EventID: [1, 4688] });
    const oneBranchFree = Or.create([And.create([image, channel('Security')]), image]);
    expect(implied(oneBranchFree)).toEqual({});
    const differentFields = Or.create([channel('Security'), eventId(4688)]);
    expect(implied(differentFields)).toEqual({});
    expect(implied(Or.create([channel('System'), Constant.FALSE]))).toEqual({ Channel: ['System'] });
    expect(implied(Or.create([channel('System'), Constant.TRUE]))).toEqual({});
  });

  it('NOT, keywords, exists, wildcards and other fields imply nothing', () => {
    expect(implied(Not.create(channel('Security')))).toEqual({});
    expect(implied(And.create([Keyword.create(lit('mimikatz')), Not.create(eventId(1))]))).toEqual({});
    expect(implied(Exists.create('Channel'))).toEqual({});
    expect(implied(Match.create('Channel', StringPattern.create([PatternPart.literal('Sec'), PatternPart.anyChars], false)))).toEqual({});
    expect(implied(Match.create('Provider', lit('x')))).toEqual({});
    expect(extractPrefilter(image).key).toBe('');
    expect(prefilterNode(extractPrefilter(image))).toBeNull();
  });

  it('equal prefilters have equal keys whatever the leaf order; rules group by them', () => {
    const a = And.create([image, Or.create([channel('A'), channel('B')])]);
    const b = And.create([Keyword.create(lit('x')), Or.create([channel('B'), channel('A')])]);
    expect(extractPrefilter(a).key).toBe(extractPrefilter(b).key);
    expect(extractPrefilter(a).key).not.toBe(extractPrefilter(And.create([image, Or.create([channel('A'), channel('b'), channel('B')])])).key);
    const groups = groupByPrefilter([a, image, b, And.create([channel('A'), image])]);
    expect(groups.map((g) => g.indexes)).toEqual([[0, 2], [1], [3]]);
  });

  const windows = loadBuiltinPipeline('windows').pipeline;
  const rule = (logsource: string, detection: string): Node => {
    const set = loadRulesFromText('rule.yml', `title: t\nid: 8d1a4c0e-0000-4000-8000-000000000001\nstatus: test\nlogsource:\n${logsource}\ndetection:\n${detection}\nlevel: high\n`, { pipelines: windows === null ? [] : [windows] });
    expect(set.errors).toEqual([]);
    return (set.rules[0] as { condition: Node }).condition;
  };

  it('rules under the windows pipeline: process_creation (two branches), 1 of, keywords, rules without logsource conditions', () => {
    const processCreation = rule('  category: process_creation\n  product: windows', "  sel_a:\n    Image|endswith: '\\\\a.exe'\n  sel_b:\n    CommandLine|contains: b\n  condition: 1 of sel_*");
    expect(implied(processCreation)).toEqual({ Channel: ['Microsoft-Windows-Sysmon/Operational', 'Security'], EventID: [1, 4688] });
    const keywords = rule('  product: windows\n  service: system', '  keywords:\n    - evil\n  condition: keywords');
    expect(implied(keywords)).toEqual({ Channel: ['System'] });
    const negated = rule('  product: windows\n  service: security', '  sel:\n    EventID: 4624\n  filter:\n    EventID: 4625\n  condition: sel and not filter');
    expect(implied(negated)).toEqual({ Channel: ['Security'], EventID: [4624] });
    const linux = rule('  product: linux\n  category: process_creation', "  sel:\n    Image|endswith: '/bash'\n  condition: sel");
    expect(implied(linux)).toEqual({});
  });

  it('a hunt restricted by the prefilter reports what the streaming engine reports', async () => {
    const conditions = [
      And.create([image, Or.create([And.create([channel('Microsoft-Windows-Sysmon/Operational'), eventId(1)]), And.create([channel('Security'), eventId(4688)])])]),
      And.create([channel('Security'), eventId(4624)]),
      And.create([Keyword.create(lit('cmd.exe')), channel('System')]),
      image,
    ];
    const events = [
      { Channel: 'SECURITY', EventID: 4688, Image: 'C:\\Windows\\cmd.exe' },
      { Channel: 'security', EventID: '4688', Image: 'c:\\windows\\CMD.EXE' },
      { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: 'x\\cmd.exe' },
      { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 3, Image: 'x\\cmd.exe' },
      { Channel: 'Security', EventID: 4624.0, Image: 'y' },
      { Channel: ['Security', 'Other'], EventID: 4624 },
      { Channel: 'Security ', EventID: 4624 },
      { Channel: 'System', EventID: 7045, ImagePath: 'cmd.exe' },
      { EventID: 4688, Image: 'z\\cmd.exe' },
    ];
    const store = await EventStore.open(':memory:');
    try {
      await store.add(events.map((value, i) => ({ path: 'p', record: i + 1, value })));
      await store.flush();
      const rules = conditions.map((condition, i) => ({ id: `r${i}`, title: `r${i}`, condition, shouldAlert: true }));
      const alerts = await detect(events, { rules: rules as never });
      const stream = alerts.map((a) => `${a.rule.id} ${a.type === 'match' ? a.source.record : 0}`).sort();
      const sql = (await huntStore(store, [{ conditions, events: 'all' }])).map((m) => `r${m.rule} ${m.sourceRecord}`).sort();
      expect(sql).toEqual(stream);
      expect(stream.length).toBeGreaterThan(5);
    } finally {
      store.close();
    }
  });
});
