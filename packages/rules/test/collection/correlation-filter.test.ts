import { describe, expect, it } from 'vitest';
import { loadRulesFromText } from '../../src/collection.js';

const BASE = `title: Failed logon
id: 11111111-1111-4111-8111-111111111111
name: failed_logon
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
  condition: selection
---
title: Successful logon
name: ok_logon
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4624
  condition: selection
`;

const corr = (body: string, extra = ''): string => `${BASE}---
title: Correlation
id: 99999999-9999-4999-8999-999999999999
name: corr
level: high
${extra}correlation:
${body}`;

describe('correlation rules', () => {
  it.each([
    ['event_count', '  condition:\n    gte: 10\n'],
    ['value_count', '  condition:\n    gte: 3\n    field: TargetUserName\n'],
    ['temporal', ''],
    ['temporal_ordered', ''],
    ['value_sum', '  condition:\n    gt: 1000\n    field: Bytes\n'],
    ['value_avg', '  condition:\n    gt: 1.5\n    field: Bytes\n'],
    ['value_percentile', '  condition:\n    gt: 100\n    percentile: 95\n    field: Bytes\n'],
  ])('loads a %s correlation with references resolved by id and name', (type, condition) => {
    const set = loadRulesFromText(
      'c.yml',
      corr(`  type: ${type}\n  rules:\n    - 11111111-1111-4111-8111-111111111111\n    - ok_logon\n  group-by:\n    - TargetUserName\n  timespan: 10m\n${condition}`),
    );
    expect(set.errors).toEqual([]);
    const c = set.correlations[0];
    expect(c).toMatchObject({ kind: 'CorrelationRule', type, timespanMs: 600_000, groupBy: ['TargetUserName'] });
    expect(c?.rules).toEqual(['11111111-1111-4111-8111-111111111111', 'ok_logon']);
    if (type.startsWith('temporal')) expect(c?.condition).toEqual([{ op: 'gte', value: 2 }]);
  });

  it('silences referenced rules unless generate is true', () => {
    const body = '  type: event_count\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    gte: 5\n';
    const silent = loadRulesFromText('c.yml', corr(body));
    expect(silent.rules.map((r) => [r.name, r.shouldAlert])).toEqual([
      ['failed_logon', false],
      ['ok_logon', true],
    ]);
    const loud = loadRulesFromText('c.yml', corr(`${body}  generate: true\n`));
    expect(loud.rules.every((r) => r.shouldAlert)).toBe(true);
  });

  it('resolves aliases to rule keys', () => {
    const set = loadRulesFromText(
      'c.yml',
      corr(
        '  type: temporal\n  rules: [failed_logon, ok_logon]\n  group-by: [user]\n  timespan: 5m\n  aliases:\n    user:\n      failed_logon: TargetUserName\n      ok_logon: SubjectUserName\n',
      ),
    );
    expect(set.errors).toEqual([]);
    expect(set.correlations[0]?.aliases).toEqual([
      { alias: 'user', fields: { '11111111-1111-4111-8111-111111111111': 'TargetUserName', ok_logon: 'SubjectUserName' } },
    ]);
  });

  it('rejects a reference to a rule that does not exist, at the reference', () => {
    const set = loadRulesFromText('c.yml', corr('  type: event_count\n  rules:\n    - nope\n  timespan: 1h\n  condition:\n    gte: 5\n'));
    expect(set.correlations).toHaveLength(0);
    expect(set.errors).toEqual([expect.objectContaining({ code: 'unknown-reference', location: { file: 'c.yml', line: 29, column: 7 } })]);
  });

  it.each([
    ['timespan 1h30m', '  type: event_count\n  rules: failed_logon\n  timespan: 1h30m\n  condition:\n    gte: 5\n', 'schema'],
    ['timespan past any clock', `  type: event_count\n  rules: failed_logon\n  timespan: ${'9'.repeat(400)}s\n  condition:\n    gte: 5\n`, 'schema'],
    ['unknown type', '  type: sequence\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    gte: 5\n', 'schema'],
    ['missing rules', '  type: event_count\n  timespan: 1h\n  condition:\n    gte: 5\n', 'schema'],
    ['missing timespan', '  type: event_count\n  rules: failed_logon\n  condition:\n    gte: 5\n', 'schema'],
    ['missing condition', '  type: event_count\n  rules: failed_logon\n  timespan: 1h\n', 'schema'],
    ['string count', "  type: event_count\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    gte: 'ten'\n", 'schema'],
    ['unknown condition key', '  type: event_count\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    above: 5\n', 'unknown-key'],
    ['value_count without field', '  type: value_count\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    gte: 5\n', 'schema'],
    ['percentile without percentile', '  type: value_percentile\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    gte: 5\n    field: x\n', 'schema'],
    ['string condition', "  type: temporal\n  rules: failed_logon\n  timespan: 1h\n  condition: 'failed_logon and ok_logon'\n", 'schema'],
    ['generate not boolean', "  type: event_count\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    gte: 5\n  generate: 'maybe'\n", 'schema'],
    ['unknown key', '  type: event_count\n  rules: failed_logon\n  timespan: 1h\n  window: 1\n  condition:\n    gte: 5\n', 'unknown-key'],
    ['group-by map', '  type: event_count\n  rules: failed_logon\n  timespan: 1h\n  group-by:\n    a: b\n  condition:\n    gte: 5\n', 'schema'],
  ])('rejects %s with a located error', (_name, body, code) => {
    const set = loadRulesFromText('c.yml', corr(body));
    expect(set.correlations).toHaveLength(0);
    expect(set.errors[0]?.code).toBe(code);
    expect(set.errors[0]?.location?.line).toBeGreaterThan(22);
  });

  it('accepts a range condition with a warning (pySigma allows only one operator)', () => {
    const set = loadRulesFromText('c.yml', corr('  type: event_count\n  rules: failed_logon\n  timespan: 1h\n  condition:\n    gt: 100\n    lte: 200\n'));
    expect(set.errors).toEqual([]);
    expect(set.correlations[0]?.condition).toEqual([
      { op: 'gt', value: 100 },
      { op: 'lte', value: 200 },
    ]);
    expect(set.warnings.some((w) => w.message.includes('range'))).toBe(true);
  });

  it('lets a correlation refer to another correlation', () => {
    const text = `${corr('  type: event_count\n  rules: failed_logon\n  group-by: [TargetUserName]\n  timespan: 1h\n  condition:\n    gte: 5\n')}---
title: Outer
name: outer
correlation:
  type: temporal
  rules: [corr, ok_logon]
  group-by: [TargetUserName]
  timespan: 2h
`;
    const set = loadRulesFromText('c.yml', text);
    expect(set.errors).toEqual([]);
    expect(set.correlations.map((c) => [c.name, c.shouldAlert])).toEqual([
      ['corr', false],
      ['outer', true],
    ]);
  });
});

describe('filter rules', () => {
  const filter = (rules: string, condition = 'not selection', logsource = '  product: windows\n  service: security\n'): string => `${BASE}---
title: Ignore admins
logsource:
${logsource}filter:
  rules: ${rules}
  selection:
    TargetUserName|startswith: adm_
  condition: ${condition}
`;

  it('ANDs the filter condition onto the rules it names', () => {
    const set = loadRulesFromText('f.yml', filter('[failed_logon]'));
    expect(set.errors).toEqual([]);
    const [failed, ok] = set.rules;
    expect(failed?.condition.kind).toBe('And');
    expect(ok?.condition.kind).toBe('Match');
    expect(set.filters[0]).toMatchObject({ kind: 'FilterRule', rules: ['11111111-1111-4111-8111-111111111111'] });
  });

  it('applies to every rule with `any` or an empty list', () => {
    for (const rules of ['any', 'ANY', '[]']) {
      const set = loadRulesFromText('f.yml', filter(rules));
      expect(set.rules.every((r) => r.condition.kind === 'And'), rules).toBe(true);
    }
  });

  it('applies only where the filter logsource is contained in the rule logsource', () => {
    const set = loadRulesFromText('f.yml', filter('any', 'not selection', '  product: windows\n  service: system\n'));
    expect(set.rules.every((r) => r.condition.kind === 'Match')).toBe(true);
  });

  it('keeps what its condition accepts (pySigma: the condition is AND-ed, not negated)', () => {
    const set = loadRulesFromText('f.yml', filter('failed_logon', 'selection'));
    const cond = set.rules[0]?.condition;
    expect(cond?.kind === 'And' && cond.children[1]?.kind).toBe('Match');
  });

  it('warns when a filter names a rule that is not loaded', () => {
    const set = loadRulesFromText('f.yml', filter('[ghost]'));
    expect(set.errors).toEqual([]);
    expect(set.warnings.map((w) => w.code)).toContain('unknown-reference');
  });

  it.each([
    ['missing rules', `title: F\nlogsource:\n  product: windows\nfilter:\n  selection:\n    a: 1\n  condition: selection\n`],
    ['missing logsource', `title: F\nfilter:\n  rules: any\n  selection:\n    a: 1\n  condition: selection\n`],
    ['filter not a map', `title: F\nlogsource:\n  product: windows\nfilter: [a]\n`],
    ['condition list', `title: F\nlogsource:\n  product: windows\nfilter:\n  rules: any\n  selection:\n    a: 1\n  condition: [selection]\n`],
    ['rules map', `title: F\nlogsource:\n  product: windows\nfilter:\n  rules: {a: 1}\n  selection:\n    a: 1\n  condition: selection\n`],
  ])('rejects a filter with %s', (_name, text) => {
    const set = loadRulesFromText('f.yml', text);
    expect(set.filters).toHaveLength(0);
    expect(set.errors[0]?.code).toBe('schema');
    expect(set.errors[0]?.location).not.toBeNull();
  });
});
