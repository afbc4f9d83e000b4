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
  Or,
  PatternPart,
  RegexValue,
  StringPattern,
  TimePartValue,
  type Node,
} from '@siemlite/core';
import { parseIp } from '@siemlite/core';
import { compileCondition, compileHuntQuery, EventStore, SqlHunter } from '@siemlite/storage';
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
  { Image: 'C:\\Windows\\System32\\cmd.exe', EventID: 4688, Count: '12', User: 'Админ', Tags: ['evil', 'x'], Ip: '10.1.2.3', Time: '2024-01-01T23:59:59Z', Ip6: '::1' },
  { Image: "it's 100% a_b \\ -- ; DROP TABLE events; /* x */", EventID: '4688', Count: 5.5, Nested: { Path: 'a.b' }, Ip: '172.32.0.1', Flag: true, Null: null, Ip6: 'fe80::1' },
  { Image: 'a\u0000b', EventID: 1, User: 'ΣΥΣΤΗΜΑ', Tags: [], Time: '2024-02-29 22:15:00', Other: 'cmd.exe', Ip6: 'FC00:0:0:0:0:0:0:5' },
  { Image: "it's 100x a-b", Count: ' 7 ', Flag: 'TRUE', Ip: '192.168.1.20', Other: 'C:\\WINDOWS\\system32\\CMD.EXE', Ip6: '::ffff:10.1.2.3' },
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
  ['cidr ipv6 loopback', Match.create('Ip6', CidrValue.create(6, '::1', 128))],
  ['cidr ipv6 fe80::/10', Match.create('Ip6', CidrValue.create(6, 'fe80::', 10))],
  ['cidr ipv6 fc00::/7 (full form)', Match.create('Ip6', CidrValue.create(6, 'fc00::', 7))],
  ['cidr ipv6 mapped IPv4', Match.create('Ip6', CidrValue.create(6, '::ffff:10.0.0.0', 104))],
  ['cidr ipv6 near miss', Match.create('Ip6', CidrValue.create(6, '::ffff:10.1.2.0', 127))],
  ['cidr v4 network, v6 value', Match.create('Ip6', CidrValue.create(4, '10.0.0.0', 8))],
  ['cidr v6 network, v4 value', Match.create('Ip', CidrValue.create(6, '::', 0))],
  ['cidr set, one address test for all networks (v4 and v6)', Or.create([Match.create('Ip', CidrValue.create(4, '10.0.0.0', 8)), Match.create('Ip', CidrValue.create(6, '::1', 128)), Match.create('Ip', CidrValue.create(4, '192.168.1.16', 28)), Match.create('Ip6', CidrValue.create(6, 'fe80::', 10))])],
  ['cidr set on IPv6 values', Or.create([Match.create('Ip6', CidrValue.create(6, 'fc00::', 7)), Match.create('Ip6', CidrValue.create(6, '::ffff:10.0.0.0', 104)), Match.create('Ip6', CidrValue.create(4, '0.0.0.0', 0))])],
  ['cidr set on a list', Or.create([Match.create('Tags', CidrValue.create(4, '10.0.0.0', 8)), Match.create('Tags', CidrValue.create(4, '0.0.0.0', 1))])],
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
  // three or more patterns of one field in an OR are one RE2 search (pattern set)
  ['pattern set: exact, prefix, suffix, contains', Or.create([
    Match.create('Image', lit("it's 100x a-b")),
    Match.create('Image', StringPattern.create([PatternPart.literal('C:\\WINDOWS'), PatternPart.anyChars], false)),
    Match.create('Image', StringPattern.create([PatternPart.anyChars, PatternPart.literal('\u0000B')], false)),
    Match.create('Image', contains('(.*+?)[^$]{|}')),
  ])],
  ['pattern set: regex syntax is literal', Or.create([Match.create('Image', contains('.*')), Match.create('Image', contains('a|b')), Match.create('Image', contains('1{2}'))])],
  ['pattern set: inner wildcard, near misses', Or.create([
    Match.create('Image', StringPattern.create([PatternPart.literal("it's"), PatternPart.anyChars, PatternPart.literal('a_b \\ --'), PatternPart.anyChars], false)),
    Match.create('Image', lit("it's 100% a_b")),
    Match.create('Image', lit('a\u0000')),
  ])],
  ['pattern set anchors', Or.create([
    Match.create('Other', lit('cmd.exe')),
    Match.create('Other', lit('system32')),
    Match.create('Other', StringPattern.create([PatternPart.literal('windows'), PatternPart.anyChars], false)),
    Match.create('Other', StringPattern.create([PatternPart.anyChars, PatternPart.literal('c:')], false)),
  ])],
  ['pattern set cased', Or.create([Match.create('Other', lit('cmd.exe', true)), Match.create('Other', contains('WINDOWS')), Match.create('Other', lit('x', true))])],
  ['pattern set on a list and on numbers', Or.create([Match.create('Tags', lit('EVIL')), Match.create('Tags', lit('y')), Match.create('Tags', contains('zz')), Match.create('EventID', lit('4688')), Match.create('EventID', lit('1')), Match.create('EventID', contains('99'))])],
  ['keyword set', Or.create([Keyword.create(contains('ΣΥΣΤ')), Keyword.create(contains('5.5')), Keyword.create(StringPattern.create([PatternPart.anyChars, PatternPart.literal('cmd'), PatternPart.anyChars, PatternPart.literal('exe'), PatternPart.anyChars], false))])],
  ['keyword exact, not contains', Keyword.create(lit('x'))],
  ['keyword cased', Keyword.create(StringPattern.create([PatternPart.anyChars, PatternPart.literal('DROP'), PatternPart.anyChars], true))],
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

  it('IPv6 addresses read as the engine reads them (zone, brackets, ::, dotted IPv4 tail, spaces)', async () => {
    const texts = ['::1', 'fe80::1%eth0', '[fc00::5]', ' ::ffff:10.1.2.3 ', '1:2:3:4:5:6:7::', '::', 'FFFF:0:0:0:0:0:0:1', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::ffff:10.1.2.300', 'g::1', '10.1.2.3', 'x'];
    const reader = await hunter.connection.runAndReadAll(`SELECT t, sl_ip6(t) FROM unnest($1::JSON::VARCHAR[]) u(t)`, [JSON.stringify(texts)]);
    const got = Object.fromEntries(reader.getRows().map(([t, hex]) => [String(t), hex === null ? null : String(hex)]));
    const want = Object.fromEntries(texts.map((t) => { const ip = parseIp(t.trim()); return [t, ip === null || ip.version !== 6 ? null : ip.value.toString(16).padStart(32, '0')]; }));
    expect(got).toEqual(want);
    expect(Object.values(want).filter((v) => v !== null).length).toBe(7);
  });

  it('the cases cover matches and misses', () => {
    const all = CASES.flatMap(([, n]) => EVENTS.map((e) => referenceMatches(n, e)));
    expect(all.filter(Boolean).length).toBeGreaterThan(20);
    expect(all.filter((x) => !x).length).toBeGreaterThan(20);
  });
});

/** The matches of `node` over `events` stored in an event store (typed columns), run as `hunt --engine sql` runs them. */
async function storeMatches(node: Node, store: EventStore, count: number): Promise<boolean[]> {
  const hunter = await SqlHunter.on(store.connection);
  const hits = new Set((await hunter.hunt([node], 'events', 20, store.shape())).map((m) => m.sourceRecord));
  return Array.from({ length: count }, (_, i) => hits.has(i + 1));
}

describe('SQL over the event store (typed columns, parameters as session variables) agrees with the reference matcher', () => {
  // Alone, each event's fields get their own types (BIGINT, DOUBLE, BOOLEAN, VARCHAR,
  // VARCHAR[]); together, fields whose type differs between events are JSON columns.
  const stores: EventStore[] = [];
  let together: EventStore;
  beforeAll(async () => {
    for (const e of EVENTS) {
      const store = await EventStore.open(':memory:');
      await store.add([{ path: 'one', record: 1, value: e }]);
      await store.flush();
      stores.push(store);
    }
    together = await EventStore.open(':memory:');
    await together.add(EVENTS.map((value, i) => ({ path: 'all', record: i + 1, value })));
    await together.flush();
  });
  afterAll(() => {
    for (const s of stores) s.close();
    together?.close();
  });

  it('the stores have typed and JSON columns', () => {
    const types = new Set(stores.flatMap((s) => [...s.fields.values()].map((f) => f.type)));
    expect([...types].sort()).toEqual(['BIGINT', 'BOOLEAN', 'DOUBLE', 'JSON', 'VARCHAR', 'VARCHAR[]']);
    expect(together.fields.get('EventID')?.type).toBe('JSON');
  });

  for (const [name, node] of CASES) {
    it(name, async () => {
      const expected = EVENTS.map((e) => referenceMatches(node, e));
      const alone: boolean[] = [];
      for (const store of stores) alone.push((await storeMatches(node, store, 1))[0] as boolean);
      expect(alone).toEqual(expected);
      expect(await storeMatches(node, together, EVENTS.length)).toEqual(expected);
    });
  }

  it('hostile values stay out of the SQL text of a hunt query', () => {
    const node = Or.create([Match.create('Image', lit("'; DROP TABLE events; --")), Match.create('Image', contains('/* x */')), Match.create('Image', contains("it's"))]);
    const q = compileHuntQuery([node], 'events');
    expect(q.sql).not.toMatch(/DROP|\/\*|it's/);
    expect(q.strings.join('')).toContain('DROP TABLE');
  });
});
