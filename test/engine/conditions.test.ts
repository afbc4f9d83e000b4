// Condition forms, detection shapes, keywords, and the matching edge cases of
// sigma-semantics.md §12, end to end through the loader and `detect`; the reference matcher
// must give the same verdicts.
import { describe, expect, it } from 'vitest';
import { checkCase, loadErrors, type Event, type MatchCase } from './helpers.js';

function cases(title: string, list: readonly MatchCase[]): void {
  describe(title, () => {
    for (const c of list) it(c.name, () => checkCase(c));
  });
}

const yes = (e: Event): readonly [Event, boolean] => [e, true];
const no = (e: Event): readonly [Event, boolean] => [e, false];

const ABC = `
      a:
        a: 1
      b:
        b: 1
      c:
        c: 1`;

cases('boolean operators and precedence', [
  {
    name: 'and binds tighter than or',
    detection: `${ABC}
      condition: a or b and c`,
    events: [yes({ a: 1 }), no({ b: 1 }), yes({ b: 1, c: 1 }), no({ c: 1 })],
  },
  {
    name: 'not binds tighter than and',
    detection: `${ABC}
      condition: not a and b`,
    events: [yes({ b: 1 }), no({ a: 1, b: 1 }), no({})],
  },
  {
    name: 'not not cancels out',
    detection: `${ABC}
      condition: not not a`,
    events: [yes({ a: 1 }), no({})],
  },
  {
    name: 'parentheses override precedence',
    detection: `${ABC}
      condition: (a or b) and c`,
    events: [no({ a: 1 }), yes({ a: 1, c: 1 }), yes({ b: 1, c: 1 }), no({ c: 1 })],
  },
  {
    name: 'not applies to a parenthesised group written without spaces',
    detection: `${ABC}
      condition: not(a or b)`,
    events: [yes({}), yes({ c: 1 }), no({ a: 1 }), no({ b: 1 })],
  },
  {
    name: 'a condition may span several YAML lines',
    detection: `${ABC}
      condition: >-
        a
        and not
        (b or c)`,
    events: [yes({ a: 1 }), no({ a: 1, c: 1 })],
  },
  {
    name: 'a list of conditions matches when any element matches',
    detection: `${ABC}
      condition:
        - a and b
        - c`,
    events: [yes({ a: 1, b: 1 }), yes({ c: 1 }), no({ a: 1 })],
  },
  {
    name: 'identifiers may contain dashes when referenced by name',
    detection: `
      sel-one:
        a: 1
      condition: sel-one`,
    events: [yes({ a: 1 }), no({ a: 2 })],
  },
]);

cases('selectors', [
  {
    name: '1 of a pattern is the OR of the matching identifiers',
    detection: `
      sel_a:
        a: 1
      sel_b:
        b: 1
      other:
        c: 1
      condition: 1 of sel_*`,
    events: [yes({ a: 1 }), yes({ b: 1 }), no({ c: 1 })],
  },
  {
    name: 'any of is a synonym of 1 of',
    detection: `
      sel_a:
        a: 1
      sel_b:
        b: 1
      condition: any of sel_*`,
    events: [yes({ b: 1 }), no({})],
  },
  {
    name: 'all of a pattern is the AND of the matching identifiers',
    detection: `
      sel_a:
        a: 1
      sel_b:
        b: 1
      other:
        c: 1
      condition: all of sel_*`,
    events: [yes({ a: 1, b: 1 }), no({ a: 1 }), no({ a: 1, c: 1 })],
  },
  {
    name: '1 of them and all of them cover every identifier',
    detection: `${ABC}
      condition: 1 of them and not all of them`,
    events: [yes({ a: 1 }), yes({ b: 1, c: 1 }), no({ a: 1, b: 1, c: 1 }), no({})],
  },
  {
    name: 'a pattern must match the whole identifier',
    detection: `
      sel:
        a: 1
      sel2:
        b: 1
      xsel:
        c: 1
      condition: 1 of sel`,
    events: [yes({ a: 1 }), no({ b: 1 }), no({ c: 1 })],
  },
  {
    name: 'a leading * in a pattern matches any prefix',
    detection: `
      main_filter:
        a: 1
      filter:
        b: 1
      filterx:
        c: 1
      condition: 1 of *filter`,
    events: [yes({ a: 1 }), yes({ b: 1 }), no({ c: 1 })],
  },
  {
    name: '* in a pattern also matches characters that are illegal in condition identifiers',
    detection: `
      selection:
        a: 1
      filter_main_mdadm.conf:
        b: 1
      condition: selection and not 1 of filter_main_*`,
    events: [yes({ a: 1 }), no({ a: 1, b: 1 })],
  },
  {
    name: 'identifiers starting with _ are left out of them and of patterns not starting with _',
    detection: `
      sel:
        a: 1
      _h:
        b: 1
      condition: all of them`,
    events: [yes({ a: 1 }), no({ b: 1 })],
  },
  {
    name: 'an identifier starting with _ is reachable by name and by a pattern starting with _',
    detection: `
      sel:
        a: 1
      _h:
        b: 1
      _i:
        c: 1
      condition: (sel and _h) or all of _*`,
    events: [yes({ a: 1, b: 1 }), yes({ b: 1, c: 1 }), no({ a: 1 }), no({ b: 1 })],
  },
  {
    name: 'a selector matching nothing vanishes from an or',
    detection: `
      s:
        a: 1
      condition: 1 of nothing_* or s`,
    events: [yes({ a: 1 }), no({})],
  },
  {
    name: 'all of a pattern matching nothing vanishes from an and',
    detection: `
      s:
        a: 1
      condition: s and all of nothing_*`,
    events: [yes({ a: 1 }), no({})],
  },
]);

cases('detection shapes', [
  {
    name: 'a map is the AND of its items',
    detection: `
      s:
        a: 1
        b: 2
      condition: s`,
    events: [yes({ a: 1, b: 2 }), no({ a: 1 }), no({ b: 2 })],
  },
  {
    name: 'a list of maps is the OR of its elements',
    detection: `
      s:
        - a: 1
          b: 2
        - c: 3
      condition: s`,
    events: [yes({ a: 1, b: 2 }), yes({ c: 3 }), no({ a: 1 }), no({ b: 2 })],
  },
  {
    name: 'a scalar in a list of maps is a keyword alternative',
    detection: `
      s:
        - a: 1
        - 'needle'
      condition: s`,
    events: [yes({ a: 1 }), yes({ z: 'xNEEDLEx' }), no({ a: 2 })],
  },
  {
    name: 'the same field with two modifiers must satisfy both',
    detection: String.raw`
      s:
        Image|endswith: '\tool.exe'
        Image|contains: '\Temp\'
      condition: s`,
    events: [yes({ Image: 'C:\\Temp\\tool.exe' }), no({ Image: 'C:\\Windows\\tool.exe' }), no({ Image: 'C:\\Temp\\other.exe' })],
  },
]);

cases('keywords', [
  {
    name: 'keywords are a case-insensitive substring search over every value, OR-ed',
    detection: `
      keywords:
        - 'evil'
        - 'bad'
      condition: keywords`,
    events: [yes({ CommandLine: 'EVILcorp' }), yes({ Other: 'so bad' }), no({ CommandLine: 'good' }), no({})],
  },
  {
    name: 'keywords search nested objects and list elements but not keys',
    detection: `
      keywords:
        - 'needle'
      condition: keywords`,
    events: [yes({ a: { b: { c: 'the needle' } } }), yes({ a: ['x', 'NEEDLE'] }), yes({ a: [{ b: 'needle' }] }), no({ needle: 'x' }), no({ a: { needle: 1 } })],
  },
  {
    name: 'a bare scalar identifier is one keyword',
    detection: `
      keywords: 'needle'
      condition: keywords`,
    events: [yes({ m: 'xneedlex' }), no({ m: 'xneedx' })],
  },
  {
    name: 'wildcards inside keywords keep working',
    detection: `
      keywords:
        - 'rm *sh_history'
      condition: keywords`,
    events: [yes({ m: 'sudo rm -f ~/.bash_history now' }), no({ m: 'rm history' })],
  },
  {
    name: 'a number keyword is searched as text, in event numbers too',
    detection: `
      keywords:
        - 4688
      condition: keywords`,
    events: [yes({ EventID: 4688 }), yes({ m: 'id=46880' }), no({ m: '468' })],
  },
  {
    name: '|all keywords must all occur, possibly in different fields',
    detection: `
      keywords:
        '|all':
          - 'alpha'
          - 'beta'
      condition: keywords`,
    events: [yes({ m: 'alpha beta' }), yes({ a: 'ALPHA', b: { c: 'beta' } }), no({ m: 'alpha' })],
  },
  {
    name: 'a keyword may not straddle two fields',
    detection: `
      keywords:
        - 'ab'
      condition: keywords`,
    events: [no({ x: 'a', y: 'b' }), yes({ x: 'cab' })],
  },
  {
    name: 're keywords search every value',
    detection: `
      keywords:
        '|re': 'ev[i1]l'
      condition: keywords`,
    events: [yes({ a: { b: 'xev1lx' } }), no({ a: 'EVIL' })],
  },
  {
    name: 'cased keywords are case-sensitive',
    detection: `
      keywords:
        '|cased': 'Evil'
      condition: keywords`,
    events: [yes({ a: 'xEvilx' }), no({ a: 'xevilx' })],
  },
  {
    name: 'windash keywords are the OR of the dash variants',
    detection: `
      keywords:
        '|windash': ' -enc '
      condition: keywords`,
    events: [yes({ a: 'ps /enc x' }), yes({ a: 'ps -ENC x' }), no({ a: 'ps enc x' })],
  },
  {
    name: 'keywords combine with field selections',
    detection: `
      sel:
        a: 1
      keywords:
        - 'evil'
      condition: sel and not keywords`,
    events: [yes({ a: 1, m: 'good' }), no({ a: 1, m: 'evil' }), no({ m: 'x' })],
  },
]);

cases('sigma-semantics.md §12 edge cases', [
  {
    name: '#1 \\W, \\S and \\c are not escapes',
    detection: String.raw`
      s:
        Image: 'C:\Windows\System32\cmd.exe'
      condition: s`,
    events: [yes({ Image: 'C:\\Windows\\System32\\cmd.exe' })],
  },
  {
    name: '#2 a doubled backslash collapses to one',
    detection: String.raw`
      s:
        Image: 'C:\\Windows\\cmd.exe'
      condition: s`,
    events: [yes({ Image: 'C:\\Windows\\cmd.exe' }), no({ Image: 'C:\\\\Windows\\\\cmd.exe' })],
  },
  {
    name: '#3 four backslashes are two',
    detection: String.raw`
      s:
        x: 'a\\\\b'
      condition: s`,
    events: [yes({ x: 'a\\\\b' }), no({ x: 'a\\b' })],
  },
  {
    name: '#4 an escaped star is literal',
    detection: String.raw`
      s:
        x: 'ab\*'
      condition: s`,
    events: [yes({ x: 'ab*' }), no({ x: 'abc' })],
  },
  {
    name: '#5 an escaped backslash, then a wildcard',
    detection: String.raw`
      s:
        x: 'ab\\*'
      condition: s`,
    events: [yes({ x: 'ab\\c' }), yes({ x: 'ab\\' }), no({ x: 'abc' })],
  },
  {
    name: '#6 double-quoted YAML turns \\\\ into \\ and Sigma keeps \\t',
    detection: String.raw`
      s:
        x: "C:\\temp"
      condition: s`,
    events: [yes({ x: 'C:\\temp' })],
  },
  {
    name: '#6 double-quoted "\\t" is a TAB',
    detection: String.raw`
      s:
        x: "C:\temp"
      condition: s`,
    events: [no({ x: 'C:\\temp' }), yes({ x: 'C:\temp' })],
  },
  {
    name: '#7 equality is case-insensitive',
    detection: `
      s:
        User: 'ADMIN'
      condition: s`,
    events: [yes({ User: 'admin' })],
  },
  {
    name: '#8 cased equality is not',
    detection: `
      s:
        User|cased: 'ADMIN'
      condition: s`,
    events: [no({ User: 'admin' }), yes({ User: 'ADMIN' })],
  },
  {
    name: '#9 a rule number matches numeric text',
    detection: `
      s:
        EventID: 4688
      condition: s`,
    events: [yes({ EventID: '4688' })],
  },
  {
    name: '#10 a quoted number matches the stringified event number',
    detection: `
      s:
        EventID: '4688'
      condition: s`,
    events: [yes({ EventID: 4688 })],
  },
  {
    name: '#11 a rule boolean matches boolean text',
    detection: `
      s:
        Signed: true
      condition: s`,
    events: [yes({ Signed: 'true' })],
  },
  {
    name: '#12 null matches absent or JSON null, not the empty string',
    detection: `
      s:
        x: null
      condition: s`,
    events: [yes({}), yes({ x: null }), no({ x: '' }), no({ x: 0 })],
  },
  {
    name: '#13 the empty string requires presence',
    detection: `
      s:
        x: ''
      condition: s`,
    events: [no({}), no({ x: null }), yes({ x: '' }), no({ x: ' ' })],
  },
  {
    name: '#14 exists: true tests presence only',
    detection: `
      s:
        x|exists: true
      condition: s`,
    events: [yes({ x: null })],
  },
  {
    name: '#15 an empty value list means null',
    detection: `
      s:
        x: []
      condition: s`,
    events: [yes({}), no({ x: 'a' })],
  },
  {
    name: '#17 all without contains requires every equality',
    detection: `
      s:
        x|all:
          - a
          - b
      condition: s`,
    events: [no({ x: 'a' }), yes({ x: ['a', 'B'] })],
  },
  {
    name: '#18 re is an unanchored search',
    detection: `
      s:
        x|re: 'b+c'
      condition: s`,
    events: [yes({ x: 'abbbcd' })],
  },
  {
    name: '#20 base64offset|contains finds the variant Bpbm',
    detection: `
      s:
        x|base64offset|contains: 'ping'
      condition: s`,
    events: [yes({ x: 'xx IHBpbmcg yy' })],
  },
  {
    name: '#22 windash|contains matches a slash flag',
    detection: `
      s:
        x|windash|contains: ' -f '
      condition: s`,
    events: [yes({ x: 'tool /f x' })],
  },
  {
    name: '#23 a dash between word characters is not expanded',
    detection: `
      s:
        x|windash: 'a-b'
      condition: s`,
    events: [no({ x: 'a/b' })],
  },
  {
    name: '#25 cidr matches an address in the network',
    detection: `
      s:
        x|cidr: '192.168.0.0/16'
      condition: s`,
    events: [yes({ x: '192.168.1.1' })],
  },
  {
    name: '#27 a comparison on non-numeric text is false',
    detection: `
      s:
        x|gte: 5
      condition: s`,
    events: [no({ x: 'abc' })],
  },
  {
    name: '#28 neq on a missing field is true',
    detection: `
      s:
        x|neq: 'a'
      condition: s`,
    events: [yes({})],
  },
  {
    name: '#29 fieldref compares two fields',
    detection: `
      s:
        x|fieldref: y
      condition: s`,
    events: [yes({ x: 'v', y: 'v' })],
  },
  {
    name: '#30 unquoted yes is YAML 1.1 true',
    detection: `
      s:
        x|exists: yes
      condition: s`,
    events: [yes({ x: 1 }), no({})],
  },
  {
    name: '#33 a keyword is a substring in any field',
    detection: `
      keywords:
        - 'evil'
      condition: keywords`,
    events: [yes({ CommandLine: 'EVILcorp' })],
  },
  {
    name: '#35 not binds tighter than and',
    detection: `
      a:
        a: 1
      b:
        b: 1
      condition: not a and b`,
    events: [yes({ b: 1 }), no({ a: 1, b: 1 })],
  },
  {
    name: '#38 an empty selector vanishes under not',
    detection: `
      s:
        a: 1
      condition: s and not 1 of filter*`,
    events: [yes({ a: 1 }), no({ a: 2 })],
  },
  {
    name: '#39 _h is excluded from them',
    detection: `
      s:
        a: 1
      _h:
        b: 1
      condition: 1 of them`,
    events: [no({ b: 1 }), yes({ a: 1 })],
  },
  {
    name: '#40 1:30 is YAML 1.1 sexagesimal 90',
    detection: `
      s:
        x: 1:30
      condition: s`,
    events: [yes({ x: 90 }), no({ x: '1:30' })],
  },
  {
    name: '#41 a list field matches when any element does',
    detection: `
      s:
        x|startswith: 'a'
      condition: s`,
    events: [yes({ x: ['b', 'ab'] })],
  },
  {
    name: '#42 hour is taken as written',
    detection: `
      s:
        x|hour: 23
      condition: s`,
    events: [yes({ x: '2024-01-01T23:59:59+02:00' })],
  },
  {
    name: '#43 expand uses the placeholder values',
    detection: `
      s:
        x|expand: '%admins%'
      condition: s`,
    placeholders: { admins: ['root', 'admin'] },
    events: [yes({ x: 'admin' }), no({ x: 'guest' })],
  },
  {
    name: '#45 contains|all with a single value',
    detection: `
      s:
        x|contains|all: 'abc'
      condition: s`,
    events: [yes({ x: 'xabcx' })],
  },
  {
    name: '#46 each windash expansion is one OR group inside all',
    detection: `
      s:
        x|windash|contains|all:
          - ' -a'
          - ' -b'
      condition: s`,
    events: [yes({ x: 't /a /b' }), yes({ x: 't -a /b' }), no({ x: 't /a' })],
  },
  {
    name: '#47 not applies to the whole windash variant group',
    detection: `
      f:
        x|windash|contains: ' -n '
      condition: not f`,
    events: [no({ x: 't /n y' }), no({ x: 't -n y' }), yes({ x: 't y' })],
  },
  {
    name: '#50 wildcards inside keywords',
    detection: `
      keywords:
        - 'a*b'
      condition: keywords`,
    events: [yes({ m: 'xxaZZbxx' }), no({ m: 'xxbZZaxx' })],
  },
  {
    name: '#51 both entries on the same field must hold',
    detection: `
      s:
        x: 'ab'
        x|contains: 'z'
      condition: s`,
    events: [no({ x: 'ab' })],
  },
  {
    name: '#52 wide|base64offset|contains',
    detection: `
      s:
        x|wide|base64offset|contains: 'ping'
      condition: s`,
    events: [yes({ x: 'cABpAG4AZwA=' })],
  },
  {
    name: '#57 |endswith in an identifier is not a modifier',
    detection: `
      sel|endswith:
        Image: '/tree'
      condition: 1 of sel*`,
    events: [no({ Image: '/usr/bin/tree' }), yes({ Image: '/tree' })],
  },
]);

describe('§12 load errors next to matching cases', () => {
  it('#30 exists with a quoted string is an error', () => {
    expect(
      loadErrors(`
        s:
          x|exists: 'yes'
        condition: s`).length,
    ).toBeGreaterThan(0);
  });
  it('#43 expand with no value for the placeholder is an error', () => {
    expect(
      loadErrors(`
        s:
          x|expand: '%admins%'
        condition: s`),
    ).toContain('unknown-placeholder');
  });
});
