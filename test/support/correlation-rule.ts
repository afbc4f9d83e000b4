// A correlation rule as the rules package lowers it, for tests that build rules by hand
// (core's correlator tests, the SQL correlation tests): group-by `user`, timespan 60 s.
import type { CorrelationBound, CorrelationRule, CorrelationType } from '@siemlite/core';

export function correlationRule(key: string, type: CorrelationType, rules: readonly string[], condition: readonly CorrelationBound[], extra: Partial<CorrelationRule> = {}): CorrelationRule {
  return {
    kind: 'CorrelationRule',
    key,
    id: key,
    name: null,
    title: `title of ${key}`,
    description: null,
    status: null,
    level: 'high',
    author: null,
    date: null,
    modified: null,
    tags: [],
    references: [],
    falsepositives: [],
    fields: [],
    origin: { file: 'c.yml', line: 1, column: 1 },
    type,
    rules,
    groupBy: ['user'],
    timespanMs: 60_000,
    condition,
    field: [],
    percentile: null,
    aliases: [],
    generate: false,
    shouldAlert: true,
    ...extra,
  };
}
