import { describe, expect, it } from 'vitest';
import { applySelection, attackOf, isEmptySelection, loadRulesFromText, selectRules, type RuleSelection } from '../../src/index.js';

// Rules are named by short names here; their ids are UUIDs (Sigma requires them).
const SHORT = ['r-ps', 'r-cmd', 'r-t10590', 'r-fail', 'c-brute', 'c-cmd', 'c-chain'] as const;
const ID = Object.fromEntries(SHORT.map((n, i) => [n, `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`])) as Record<(typeof SHORT)[number], string>;
const short = (key: string): string => SHORT.find((n) => ID[n] === key) ?? key;
const long = (list: readonly string[]): string[] => list.map((n) => ID[n as (typeof SHORT)[number]] ?? n);

// Five detection rules and two correlations with distinct metadata; the ids are short names.
const TEXT = `
title: Encoded PowerShell
id: ${ID['r-ps']}
status: stable
level: medium
tags: [attack.execution, attack.t1059.001]
logsource: { product: windows, category: process_creation }
detection: { sel: { CommandLine|contains: ' -enc ' }, condition: sel }
---
title: Cmd
id: ${ID['r-cmd']}
status: test
level: high
tags: [attack.execution, attack.t1059]
logsource: { product: windows, category: process_creation }
detection: { sel: { Image|endswith: '\\cmd.exe' }, condition: sel }
---
title: Similar technique number
id: ${ID['r-t10590']}
status: experimental
level: critical
tags: [attack.t10590]
logsource: { product: windows, category: process_creation }
detection: { sel: { Image: x }, condition: sel }
---
title: Failed logon
id: ${ID['r-fail']}
status: stable
level: low
tags: [attack.credential_access, attack.t1110]
logsource: { product: windows, service: security }
detection: { sel: { EventID: 4625 }, condition: sel }
---
title: Linux no level
name: linux_rule
logsource: { product: linux, category: process_creation }
detection: { sel: { Image: /bin/sh }, condition: sel }
---
title: Brute force
id: ${ID['c-brute']}
status: stable
level: high
tags: [attack.credential-access, attack.t1110.001]
correlation: { type: event_count, rules: [${ID['r-fail']}], group-by: [IpAddress], timespan: 5m, condition: { gte: 10 }, generate: true }
---
title: Cmd burst
id: ${ID['c-cmd']}
status: test
level: low
correlation: { type: event_count, rules: [${ID['r-cmd']}], group-by: [Computer], timespan: 5m, condition: { gte: 3 } }
`;
const set = loadRulesFromText('sel.yml', TEXT);

function pick(selection: RuleSelection): { rules: string[]; correlations: string[]; silenced: string[] } {
  const out = selectRules(set.rules, set.correlations, {
    ...selection,
    ...(selection.ruleIds === undefined ? {} : { ruleIds: long(selection.ruleIds) }),
    ...(selection.exclude === undefined ? {} : { exclude: new Set(long([...selection.exclude])) }),
  });
  return { rules: out.rules.map((r) => short(r.key)), correlations: out.correlations.map((c) => short(c.key)), silenced: [...out.silenced].map(short).sort() };
}

describe('selectRules', () => {
  it('loads the fixture', () => {
    expect(set.errors).toEqual([]);
    expect(set.rules.map((r) => short(r.key))).toEqual(['r-ps', 'r-cmd', 'r-t10590', 'r-fail', 'linux_rule']);
    expect(set.correlations.map((c) => short(c.key))).toEqual(['c-brute', 'c-cmd']);
  });

  it('an empty selection runs everything unchanged', () => {
    expect(isEmptySelection({})).toBe(true);
    expect(isEmptySelection({ tags: [], exclude: new Set() })).toBe(true);
    const out = selectRules(set.rules, set.correlations, {});
    expect(out.rules).toEqual(set.rules);
    expect(out.correlations).toEqual(set.correlations);
    expect(out.silenced.size).toBe(0);
  });

  it('--min-level keeps rules at the level or above; no level counts as informational', () => {
    expect(pick({ minLevel: 'high' })).toEqual({ rules: ['r-cmd', 'r-t10590', 'r-fail'], correlations: ['c-brute'], silenced: ['r-fail'] });
    expect(pick({ minLevel: 'informational' }).rules).toContain('linux_rule');
    expect(pick({ minLevel: 'low' }).rules).not.toContain('linux_rule');
  });

  it('a base the selection drops runs without alerting for the selected correlation that reads it', () => {
    const out = selectRules(set.rules, set.correlations, { minLevel: 'high' });
    const fail = out.rules.find((r) => r.key === ID['r-fail']);
    expect(fail?.shouldAlert).toBe(false);
    expect(set.rules.find((r) => r.key === ID['r-fail'])?.shouldAlert).toBe(true); // generate: true
    expect(out.rules.find((r) => r.key === ID['r-t10590'])?.shouldAlert).toBe(true);
    expect(Object.isFrozen(fail)).toBe(true);
    // The same selection over another copy of the rules (after a pipeline): same keys, same silencing.
    const again = applySelection(set.rules, out);
    expect(again.map((r) => [r.key, r.shouldAlert])).toEqual(out.rules.map((r) => [r.key, r.shouldAlert]));
  });

  it('--status matches exactly; a rule without status is never selected by status', () => {
    expect(pick({ statuses: ['stable'] })).toEqual({ rules: ['r-ps', 'r-fail'], correlations: ['c-brute'], silenced: [] });
    expect(pick({ statuses: ['TEST', 'experimental'] }).rules).toEqual(['r-cmd', 'r-t10590']);
  });

  it('--tag matches tag prefixes on dot boundaries', () => {
    expect(pick({ tags: ['attack.t1059'] }).rules).toEqual(['r-ps', 'r-cmd']);
    expect(pick({ tags: ['attack.t1059.001'] }).rules).toEqual(['r-ps']);
    expect(pick({ tags: ['attack.t105'] }).rules).toEqual([]);
    expect(pick({ tags: ['ATTACK.T10590'] }).rules).toEqual(['r-t10590']);
    // Ids match case-insensitively too.
    expect(pick({ ruleIds: [ID['r-ps'].toUpperCase()] }).rules).toEqual(['r-ps']);
    // A correlation is selected by its own tags; the base it reads runs silenced.
    expect(pick({ tags: ['attack.t1110.001'] })).toEqual({ rules: ['r-fail'], correlations: ['c-brute'], silenced: ['r-fail'] });
  });

  it('--product, --category and --service match the logsource; correlations through the rules they read', () => {
    expect(pick({ products: ['linux'] })).toEqual({ rules: ['linux_rule'], correlations: [], silenced: [] });
    expect(pick({ categories: ['process_creation'], products: ['windows'] })).toEqual({
      rules: ['r-ps', 'r-cmd', 'r-t10590'],
      correlations: ['c-cmd'],
      silenced: [],
    });
    expect(pick({ services: ['security'] })).toEqual({ rules: ['r-fail'], correlations: ['c-brute'], silenced: [] });
    expect(pick({ services: ['sysmon'] })).toEqual({ rules: [], correlations: [], silenced: [] });
  });

  it('--rule-id selects by id, or by name for a rule without id', () => {
    expect(pick({ ruleIds: ['r-ps', 'linux_rule'] }).rules).toEqual(['r-ps', 'linux_rule']);
    expect(pick({ ruleIds: ['c-cmd'] })).toEqual({ rules: ['r-cmd'], correlations: ['c-cmd'], silenced: ['r-cmd'] });
  });

  it('--exclude-rules drops the listed rules; a correlation that needs one keeps it as a silent base', () => {
    expect(pick({ exclude: new Set(['r-ps', 'LINUX_RULE']) }).rules).toEqual(['r-cmd', 'r-t10590', 'r-fail']);
    expect(pick({ exclude: new Set(['r-fail']) })).toEqual({
      rules: ['r-ps', 'r-cmd', 'r-t10590', 'r-fail', 'linux_rule'],
      correlations: ['c-brute', 'c-cmd'],
      silenced: ['r-fail'],
    });
    expect(pick({ exclude: new Set(['r-fail', 'c-brute']) }).correlations).toEqual(['c-cmd']);
  });

  it('values of one option are alternatives, different options must all hold', () => {
    expect(pick({ minLevel: 'medium', tags: ['attack.execution', 'attack.credential-access'] }).rules).toEqual(['r-ps', 'r-cmd', 'r-fail']);
    expect(pick({ minLevel: 'high', statuses: ['test'], tags: ['attack.execution'] }).rules).toEqual(['r-cmd']);
  });

  it('reports a selected correlation whose base is not loaded', () => {
    const out = selectRules(
      set.rules.filter((r) => r.key !== ID['r-fail']),
      set.correlations,
      {},
    );
    expect(out.correlations.map((c) => short(c.key))).toEqual(['c-cmd']);
    expect(out.missing.map((m) => [short(m.rule.key), short(m.key)])).toEqual([['c-brute', 'r-fail']]);
  });

  it('keeps a chained correlation a selected one reads, silenced', () => {
    const chain = loadRulesFromText(
      'chain.yml',
      `${TEXT}---
title: Brute force then logon
id: ${ID['c-chain']}
level: critical
correlation: { type: temporal, rules: [${ID['c-brute']}, ${ID['r-ps']}], group-by: [IpAddress], timespan: 10m }
`,
    );
    const out = selectRules(chain.rules, chain.correlations, { minLevel: 'critical' });
    expect(out.correlations.map((c) => [short(c.key), c.shouldAlert])).toEqual([
      ['c-brute', false],
      ['c-chain', true],
    ]);
    expect(out.rules.map((r) => [short(r.key), r.shouldAlert])).toEqual([
      ['r-ps', false],
      ['r-t10590', true],
      ['r-fail', false],
    ]);
  });
});

describe('attackOf', () => {
  it('reads tactics in kill-chain order and techniques upper-cased', () => {
    expect(attackOf(['attack.t1059.001', 'attack.defense_evasion', 'attack.execution', 'attack.g0016', 'cve.2021-1', 'attack.t1059.001'])).toEqual({
      tactics: ['execution', 'defense-evasion'],
      techniques: ['T1059.001'],
    });
    expect(attackOf(['attack.stealth', 'attack.T1027'])).toEqual({ tactics: ['stealth'], techniques: ['T1027'] });
  });
});
