// explain(rule, event): the analyst's view of one verdict. Its verdict must equal the
// engine's on the differential test's random rules (every modifier and condition form the
// generator draws); helpers.checkCase also runs it on every case of modifiers.test.ts and
// conditions.test.ts. The tree itself is checked here on hand-written rules.
import { describe, expect, it } from 'vitest';
import { detect, explain, type DetectionRule, type ExplainLeaf, type ExplainNode } from '@siemlite/core';
import { loadRulesFromText, selectionLocations } from '@siemlite/rules';
import { Rng } from '../support/random.js';
import { loadOne, ruleText } from './helpers.js';
import { eventFor, ruleYaml, type Event } from './random-rules.js';

function leaves(node: ExplainNode): ExplainLeaf[] {
  return 'children' in node ? node.children.flatMap(leaves) : [node];
}

describe('explain agrees with the engine on random rules and events', () => {
  for (const seed of [11, 12]) {
    it(`seed ${seed}: 300 rules x 200 events give the engine's verdicts`, async () => {
      const rng = new Rng(seed);
      const rules: DetectionRule[] = [];
      for (let i = 0; i < 300; i++) {
        const set = loadRulesFromText(`random-${seed}-${i}.yml`, ruleYaml(rng, i));
        expect(set.errors).toEqual([]);
        rules.push(set.rules[0] as DetectionRule);
      }
      const events: Event[] = Array.from({ length: 200 }, () => eventFor(rng));
      const alerts = await detect(events, { rules });
      const byTitle = new Map(rules.map((r, i) => [r.title, i]));
      const engine = new Set(alerts.map((a) => `${byTitle.get(a.rule.title)}:${a.source.record - 1}`));
      const differ: string[] = [];
      let matches = 0;
      for (let r = 0; r < rules.length; r++) {
        for (let e = 0; e < events.length; e++) {
          const verdict = explain(rules[r] as DetectionRule, events[e] as Event).matched;
          if (verdict) matches++;
          if (verdict !== engine.has(`${r}:${e}`)) differ.push(`rule ${r} event ${JSON.stringify(events[e])}`);
        }
      }
      expect(matches, 'the generator makes matching common').toBeGreaterThan(rules.length * events.length * 0.02);
      expect(differ.slice(0, 5)).toEqual([]);
    }, 120_000);
  }
});

describe('explain tree', () => {
  const rule = loadOne(`
    selection:
      Image|endswith: '\\\\cmd.exe'
      CommandLine|contains|all: [whoami, /all]
    filter:
      User|re: '^adm_'
    condition: selection and not filter
  `);

  it('marks each field test matched, not matched or missing, with seen and expected values', () => {
    const out = explain(rule, { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'whoami /groups' });
    expect(out.matched).toBe(false);
    const byField = leaves(out.tree).map((l) => [l.field, l.status, l.seen, l.expected]);
    expect(byField).toEqual([
      ['Image', 'matched', 'C:\\Windows\\System32\\cmd.exe', "'*\\\\cmd.exe'"],
      ['CommandLine', 'matched', 'whoami /groups', "'*whoami*'"],
      ['CommandLine', 'not-matched', 'whoami /groups', "'*/all*'"],
      ['User', 'missing', undefined, 're /^adm_/'],
    ]);
    // Every leaf points back at its line in the rule file.
    for (const l of leaves(out.tree)) expect(l.origin?.line).toBeGreaterThan(0);
  });

  it('shows the filter that excluded an event under its Not', () => {
    const out = explain(rule, { Image: 'c:\\x\\CMD.EXE', CommandLine: 'whoami /all', User: 'adm_bob' });
    expect(out.matched).toBe(false);
    expect(out.tree.kind).toBe('And');
    const not = (out.tree as { children: readonly ExplainNode[] }).children.find((c) => c.kind === 'Not');
    expect(not?.matched).toBe(false);
    expect(leaves(not as ExplainNode)).toMatchObject([{ field: 'User', status: 'matched', seen: 'adm_bob' }]);
    expect(explain(rule, { Image: 'c:\\x\\CMD.EXE', CommandLine: 'whoami /all', User: 'bob' }).matched).toBe(true);
  });

  it('describes keywords, exists, numbers, cidr, comparisons, fieldref and time parts', () => {
    const r = loadOne(`
      keywords: [mimikatz]
      s1:
        EventID: 4688
        Ip|cidr: 10.0.0.0/8
        Count|gte: 5
        Parent|exists: true
        Target|fieldref: Source
        Time|hour: 22
      condition: keywords or s1
    `);
    const out = explain(r, { EventID: '4688', Ip: '10.1.2.3', Count: ' 7 ', Parent: null, Target: 'A', Source: 'a', Time: '2024-01-01T22:05:00Z', Note: 'x Mimikatz' });
    expect(out.matched).toBe(true);
    expect(leaves(out.tree).map((l) => [l.kind, l.status, l.expected])).toEqual([
      ['Keyword', 'matched', "keyword '*mimikatz*'"],
      ['Match', 'matched', '4688'],
      ['Match', 'matched', 'cidr 10.0.0.0/8'],
      ['Match', 'matched', 'gte 5'],
      ['Exists', 'matched', 'exists'],
      ['Match', 'matched', 'fieldref exact Source'],
      ['Match', 'matched', 'hour eq 22'],
    ]);
    expect(leaves(out.tree)[0]?.seen).toBe('x Mimikatz');
  });
});

describe('explain names selections', () => {
  const text = ruleText(`
    selection:
      Image|endswith: '\\\\cmd.exe'
      CommandLine|contains: [whoami, ipconfig]
    filter_admin:
      User: admin
    filter_system:
      User|startswith: 'NT AUTHORITY'
    unused:
      Foo: bar
    condition: selection and not 1 of filter_*
  `);
  const rule = loadRulesFromText('named.yml', text).rules[0] as DetectionRule;
  const selections = selectionLocations('named.yml', text);

  it('finds every search identifier of the file with its line', () => {
    expect(selections.map((s) => s.name)).toEqual(['selection', 'filter_admin', 'filter_system', 'unused']);
    expect(selections.every((s) => s.origin.file === 'named.yml' && s.origin.line > 0)).toBe(true);
  });

  it('gives each selection its verdict, so the filter that excluded the event is visible', () => {
    const out = explain(rule, { Image: 'C:\\cmd.exe', CommandLine: 'whoami', User: 'admin' }, { selections });
    expect(out.matched).toBe(false);
    expect(out.selections).toEqual([
      { name: 'selection', matched: true },
      { name: 'filter_admin', matched: true },
      { name: 'filter_system', matched: false },
      { name: 'unused', matched: null },
    ]);
    expect(leaves(out.tree).map((l) => [l.selection, l.field, l.status])).toEqual([
      ['selection', 'Image', 'matched'],
      ['selection', 'CommandLine', 'matched'],
      ['selection', 'CommandLine', 'not-matched'],
      ['filter_admin', 'User', 'matched'],
      ['filter_system', 'User', 'not-matched'],
    ]);
  });

  it('a selection spread over several items of one group combines as that group', () => {
    const out = explain(rule, { Image: 'C:\\cmd.exe', CommandLine: 'net user', User: 'bob' }, { selections });
    expect(out.matched).toBe(false);
    expect(out.selections.slice(0, 3)).toEqual([
      { name: 'selection', matched: false },
      { name: 'filter_admin', matched: false },
      { name: 'filter_system', matched: false },
    ]);
  });
});
