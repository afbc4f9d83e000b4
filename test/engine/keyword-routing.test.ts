// Keyword rules the way SigmaHQ writes them: most are routed to one log (Channel, EventID)
// and a few, like Mimikatz Use, search every event. The compiler gives each rule's keywords
// their own matcher and the evaluator scans a keyword matcher only on the rows asked about,
// row by row, so a keyword shared by rules with different routing must still be found on
// every row that each rule asks about. The engine must agree with the reference matcher on
// every (rule, event) pair, in batches small and large.
import { describe, expect, it } from 'vitest';
import { BatchBuilder, compileRuleSet, decodeBatch, detect, encodeBatch, evaluateBatch, KEYWORD_COLUMN, type DetectionRule } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';
import { referenceMatches } from './reference-matcher.js';
import { Rng } from '../support/random.js';

type Event = Record<string, unknown>;

const RULES = [
  // Every event, as Mimikatz Use (20 keywords: past the field prefilter's 16).
  `title: all events
logsource: {product: test}
detection:
  keywords: ['sekurlsa::', 'kerberos::golden', 'kerberos::ptt', 'lsadump::', 'privilege::debug', 'misc::skeleton',
             'event::clear', 'event::drop', 'dpapi::masterkey', 'gentilkiwi.com', 'eo.oe.kiwi', 'mimidrv.sys',
             '\\mimilib.dll', 'misc::shadowcopies', 'misc::printnightmare', 'kerberos::ptc', 'kerberos::tgt',
             'privilege::backup', 'privilege::driver', 'Kiwi Legit Printer']
  filter: {EventID: 15}
  condition: keywords and not filter`,
  // Routed to one channel; shares 'sekurlsa::' with the rule above.
  `title: application log
logsource: {product: test}
detection:
  selection: {Channel: Application}
  keywords: ['sekurlsa::', 'HackTool', 'Trojan', 'Packed.Generic']
  noise: ['Defender update']
  condition: selection and keywords and not noise`,
  // Routed to a rare channel (a few rows of a batch), keywords in an AND.
  `title: rare channel
logsource: {product: test}
detection:
  selection: {Channel: 'MSExchange Management'}
  k1: ['Set-OabVirtualDirectory']
  k2: ['ExternalUrl', 'InternalUrl']
  condition: selection and k1 and k2`,
  // Keywords under an OR with a field test, and a NOT of a keyword.
  `title: mixed
logsource: {product: test}
detection:
  selection: {EventID: [4624, 4688]}
  keywords: ['HackTool', 'gentilkiwi.com']
  image: {Image|endswith: '\\mimikatz.exe'}
  benign: ['Trojan']
  condition: selection and (keywords or image) and not benign`,
];

const CHANNELS = ['Application', 'Security', 'System', 'MSExchange Management', 'Microsoft-Windows-Sysmon/Operational'];
const WORDS = [
  'sekurlsa::logonpasswords',
  'KERBEROS::GOLDEN /user:x',
  'HackTool:Win32/Mimikatz',
  'Trojan.Generic',
  'Set-OabVirtualDirectory -ExternalUrl http://x',
  'Set-OabVirtualDirectory -InternalUrl http://y',
  'Defender update',
  'C:\\Windows\\System32\\mimilib.dll',
  'nothing to see',
  'https://gentilkiwi.com/',
  'kerberos::',
  'lsadump',
  'ordinary text that is long enough for the prefilter to run on it, without any keyword',
];

function eventFor(rng: Rng): Event {
  const event: Event = { Channel: rng.pick(CHANNELS), EventID: rng.pick([1, 15, 4624, 4688, 7045]) };
  if (rng.chance(0.5)) event['Message'] = `${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
  if (rng.chance(0.3)) event['Image'] = rng.pick(['C:\\tools\\mimikatz.exe', 'C:\\Windows\\explorer.exe']);
  if (rng.chance(0.3)) event['Data'] = [rng.pick(WORDS), rng.int(100), { Nested: rng.pick(WORDS) }];
  if (rng.chance(0.2)) event['Flag'] = rng.chance(0.5);
  return event;
}

function loadAll(): DetectionRule[] {
  return RULES.map((text, i) => {
    const set = loadRulesFromText(`keyword-routing-${i}.yml`, text);
    expect(set.errors).toEqual([]);
    return set.rules[0] as DetectionRule;
  });
}

describe('keyword rules with routing', () => {
  it('gives each rule its keywords in a matcher of its own', () => {
    const plan = compileRuleSet(loadAll());
    const keywordMatchers = plan.matcherFields.filter((f) => f === KEYWORD_COLUMN).length;
    // Four rules use keywords, but a keyword shared between rules sits in the matcher of the
    // first rule that uses it: every keyword of 'mixed' already occurs in an earlier rule.
    expect(keywordMatchers).toBe(3);
    const shared = plan.leaves.filter((l) => l.field === KEYWORD_COLUMN && l.pattern?.parts.some((p) => p.kind === 'Literal' && p.text === 'sekurlsa::'));
    expect(shared).toHaveLength(1);
  });

  // Batches sent as Arrow IPC carry the keyword column deduplicated, and the evaluator then
  // remembers a keyword matcher's result per distinct value: repeated values (this corpus
  // draws from a few words) must still be found on every row that has them.
  for (const batchRows of [64, 2048]) {
    it(`agrees with the reference over Arrow IPC bytes (keyword values sent once), batches of ${batchRows}`, () => {
      const rules = loadAll();
      const plan = compileRuleSet(rules);
      const builder = new BatchBuilder({ fields: plan.fields, withKeywords: plan.hasKeywords });
      const rng = new Rng(977 + batchRows);
      const events = Array.from({ length: 600 }, () => eventFor(rng));
      const engine = new Set<string>();
      for (let start = 0; start < events.length; start += batchRows) {
        const built = builder.build(events.slice(start, start + batchRows));
        const batch = decodeBatch(encodeBatch(built));
        const keywords = batch.column(KEYWORD_COLUMN)!;
        expect(keywords.dictionary.length).toBeLessThan(built.column(KEYWORD_COLUMN)!.dictionary.length);
        const m = evaluateBatch(plan, batch);
        for (let i = 0; i < m.count; i++) engine.add(`${m.ruleIndexes[i]}:${start + m.rows[i]!}`);
      }
      const reference = new Set<string>();
      rules.forEach((rule, r) =>
        events.forEach((event, e) => {
          if (referenceMatches(rule.condition, event)) reference.add(`${r}:${e}`);
        }),
      );
      for (let r = 0; r < rules.length; r++) expect([...reference].some((k) => k.startsWith(`${r}:`)), rules[r]?.title).toBe(true);
      expect([...engine].sort()).toEqual([...reference].sort());
    });
  }

  for (const batchRows of [1, 7, 64, 2048]) {
    it(`agrees with the reference on every (rule, event) pair, batches of ${batchRows}`, async () => {
      const rules = loadAll();
      const rng = new Rng(4242 + batchRows);
      const events = Array.from({ length: 600 }, () => eventFor(rng));
      const alerts = await detect(events, { rules, batchRows });
      const byTitle = new Map(rules.map((r, i) => [r.title, i]));
      const engine = new Set(alerts.map((a) => `${byTitle.get(a.rule.title)}:${a.source.record - 1}`));
      const reference = new Set<string>();
      rules.forEach((rule, r) =>
        events.forEach((event, e) => {
          if (referenceMatches(rule.condition, event)) reference.add(`${r}:${e}`);
        }),
      );
      // Every rule matches some events and misses others, or the comparison proves little.
      for (let r = 0; r < rules.length; r++) {
        const hits = [...reference].filter((k) => k.startsWith(`${r}:`)).length;
        expect(hits, rules[r]?.title).toBeGreaterThan(0);
        expect(hits, rules[r]?.title).toBeLessThan(events.length);
      }
      expect([...engine].sort()).toEqual([...reference].sort());
    });
  }
});
