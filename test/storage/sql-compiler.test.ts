// The SQL compiler against the reference matcher, value by value, and with hostile rule values
// (quotes, backslashes, %, _, NUL, SQL comments, semicolons, non-ASCII): every value is a
// parameter, so the query neither breaks nor changes meaning. One in-memory DuckDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BooleanValue,
  CidrValue,
  CompareValue,
  Exists,
  FieldRefValue,
  Keyword,
  Match,
  NullValue,
  NumberValue,
  PatternPart,
  RegexValue,
  StringPattern,
  TimePartValue,
  type Node,
} from '@siemlite/core';
import { compileCondition, SqlHunter } from '@siemlite/storage';
import { referenceMatches } from '../engine/reference-matcher.js';

type Json = Record<string, unknown>;
let hunter: SqlHunter;
beforeAll(async () => {
  hunter = await SqlHunter.open();
  await hunter.connection.run('CREATE TEMP TABLE one_event (record JSON)');
});
afterAll(() => hunter?.close());

async function sqlMatches(node: Node, event: Json): Promise<boolean> {
  await hunter.connection.run('DELETE FROM one_event');
  await hunter.connection.run('INSERT INTO one_event VALUES ($1)', [JSON.stringify(event)]);
  const { sql, params } = compileCondition(node);
  const reader = await hunter.connection.runAndReadAll(`SELECT ${sql} AS ok FROM one_event`, params as never);
  return reader.getRows()[0]?.[0] === true;
}

const lit = (text: string, cased = false): StringPattern => StringPattern.literal(text, cased);
const contains = (text: string): StringPattern => StringPattern.create([PatternPart.anyChars, PatternPart.literal(text), PatternPart.anyChars], false);

const EVENTS: Json[] = [
  { Image: 'C:\\Windows\\System32\\cmd.exe', EventID: 4688, Count: '12', User: 'Админ', Tags: ['evil', 'x'], Ip: '10.1.2.3', Time: '2024-01-01T23:59:59Z' },
  { Image: "it's 100% a_b \\ -- ; DROP TABLE events; /* x */", EventID: '4688', Count: 5.5, Nested: { Path: 'a.b' }, Ip: '172.32.0.1', Flag: true, Null: null },
  { Image: 'a\u0000b', EventID: 1, User: 'ΣΥΣΤΗΜΑ', Tags: [], Time: '2024-02-29 22:15:00', Other: 'cmd.exe' },
  { Image: "it's 100x a-b", Count: ' 7 ', Flag: 'TRUE', Ip: '192.168.1.20', Other: 'C:\\WINDOWS\\system32\\CMD.EXE' },
];

const CASES: [string, Node][] = [
  ['literal folded', Match.create('Image', lit('c:\\windows\\system32\\cmd.exe'))],
  ['contains', Match.create('Image', contains('system32'))],
  ['question mark', Match.create('Image', StringPattern.create([PatternPart.literal('a'), PatternPart.oneChar, PatternPart.literal('b')], false))],
  ['cyrillic folded', Match.create('User', lit('админ'))],
  ['greek folded', Match.create('User', lit('σύστημα'.normalize('NFC').replace('ύ', 'υ')))],
  ['number 4688', Match.create('EventID', NumberValue.create(4688))],
  ['boolean', Match.create('Flag', BooleanValue.create(true))],
  ['null', Match.create('Null', NullValue.create())],
  ['missing null', Match.create('Absent', NullValue.create())],
  ['list element', Match.create('Tags', lit('EVIL'))],
  ['regex', Match.create('Image', RegexValue.create('cmd\\.exe$', 'i'))],
  ['cidr', Match.create('Ip', CidrValue.create(4, '172.16.0.0', 12))],
  ['cidr /16', Match.create('Ip', CidrValue.create(4, '192.168.0.0', 16))],
  ['gte', Match.create('Count', CompareValue.create('gte', 7))],
  ['lt', Match.create('Count', CompareValue.create('lt', 6))],
  ['fieldref endswith', Match.create('Image', FieldRefValue.create('Other', 'endswith', false))],
  ['fieldref exact', Match.create('Other', FieldRefValue.create('Image', 'exact', false))],
  ['exists', Exists.create('Nested.Path')],
  ['dotted nested', Match.create('Nested.Path', lit('A.B'))],
  ['hour', Match.create('Time', TimePartValue.create('hour', 'gte', 22))],
  ['week', Match.create('Time', TimePartValue.create('week', 'eq', 1))],
  ['month', Match.create('Time', TimePartValue.create('month', 'eq', 2))],
  ['keyword', Keyword.create(contains('drop table'))],
  ['keyword number', Keyword.create(lit('4688'))],
  // hostile values: exact, and near misses
  ['quote %', Match.create('Image', lit("it's 100% a_b \\ -- ; drop table events; /* x */"))],
  ['% is literal', Match.create('Image', StringPattern.create([PatternPart.literal("it's 100%"), PatternPart.anyChars], false))],
  ['_ is literal', Match.create('Image', StringPattern.create([PatternPart.anyChars, PatternPart.literal('a_b')], false))],
  ['backslash', Match.create('Image', contains(' \\ '))],
  ['comment', Match.create('Image', contains('/* x */'))],
  ['semicolon injection', Match.create('Image', lit("'; DROP TABLE events; --"))],
  ['NUL', Match.create('Image', lit('a\u0000b'))],
  ['NUL near miss', Match.create('Image', lit('ab'))],
  ['regex with quote', Match.create('Image', RegexValue.create("it's", ''))],
];

describe('SQL compiler agrees with the reference matcher', () => {
  for (const [name, node] of CASES) {
    it(name, async () => {
      const expected = EVENTS.map((e) => referenceMatches(node, e));
      const actual: boolean[] = [];
      for (const e of EVENTS) actual.push(await sqlMatches(node, e));
      expect(actual).toEqual(expected);
    });
  }

  it('hostile values stay parameters: no rule text in the SQL', () => {
    const node = Match.create('Image', lit("'; DROP TABLE events; -- /* % _ \\"));
    const { sql, params } = compileCondition(node);
    expect(sql).not.toContain('DROP');
    expect(params.some((p) => typeof p === 'string' && p.includes('DROP'))).toBe(true);
  });

  it('the cases cover matches and misses', () => {
    const all = CASES.flatMap(([, n]) => EVENTS.map((e) => referenceMatches(n, e)));
    expect(all.filter(Boolean).length).toBeGreaterThan(20);
    expect(all.filter((x) => !x).length).toBeGreaterThan(20);
  });
});
