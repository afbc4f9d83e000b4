// Value modifiers end to end (sigma-semantics.md §2.3-§4): each case is a small Sigma rule
// loaded by @siemlite/rules and run through `detect`; the reference matcher must agree.
import { describe, expect, it } from 'vitest';
import { checkCase, loadErrors, type Event, type MatchCase } from './helpers.js';

const b64 = (bytes: Buffer): string => bytes.toString('base64');
const utf16le = (s: string): Buffer => Buffer.from(s, 'utf16le');
const utf16be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

function cases(title: string, list: readonly MatchCase[]): void {
  describe(title, () => {
    for (const c of list) it(c.name, () => checkCase(c));
  });
}

const yes = (e: Event): readonly [Event, boolean] => [e, true];
const no = (e: Event): readonly [Event, boolean] => [e, false];

cases('plain values', [
  {
    name: 'a plain string must equal the whole value, case-insensitively',
    detection: `
      s:
        User: 'Admin'
      condition: s`,
    events: [yes({ User: 'admin' }), yes({ User: 'ADMIN' }), no({ User: 'admin2' }), no({ User: 'xadmin' }), no({}), no({ User: null })],
  },
  {
    name: 'case-insensitivity covers Cyrillic and Greek letters',
    detection: `
      s:
        User: 'АДМИН'
        Host: 'ΔΙΑΚΟΜΙΣΤΗΣ'
      condition: s`,
    events: [yes({ User: 'админ', Host: 'διακομιστης' }), yes({ User: 'Админ', Host: 'ΔιακομιστηΣ' }), no({ User: 'admin', Host: 'διακομιστης' })],
  },
  {
    name: 'simple case folding makes capital sigma, sigma and final sigma one letter',
    detection: `
      s:
        Host: 'ΟΔΟΣ'
      condition: s`,
    events: [yes({ Host: 'οδος' }), yes({ Host: 'οδοσ' }), yes({ Host: 'ΟΔΟσ' }), no({ Host: 'οδο' })],
  },
  {
    name: 'case folding never changes the number of characters ? has to match',
    detection: `
      s:
        x: 'a?b'
      condition: s`,
    events: [yes({ x: 'aİb' }), yes({ x: 'aIb' }), no({ x: 'ab' })],
  },
  {
    name: 'a YAML list of values is OR-ed',
    detection: `
      s:
        Image:
          - 'a.exe'
          - 'b.exe'
      condition: s`,
    events: [yes({ Image: 'A.exe' }), yes({ Image: 'b.exe' }), no({ Image: 'c.exe' })],
  },
  {
    name: 'event numbers are compared as integer text without .0 and booleans as true/false',
    detection: `
      s:
        Count: '5'
        Flag: 'TRUE'
      condition: s`,
    events: [yes({ Count: 5.0, Flag: true }), yes({ Count: '5', Flag: 'true' }), no({ Count: 5.5, Flag: true }), no({ Count: 5, Flag: false })],
  },
  {
    name: 'a rule number matches the event number and its canonical decimal text only',
    detection: `
      s:
        EventID: 4688
      condition: s`,
    events: [yes({ EventID: 4688 }), yes({ EventID: '4688' }), no({ EventID: '04688' }), no({ EventID: ' 4688' }), no({ EventID: 4689 }), no({})],
  },
  {
    name: 'a rule float with an integral value is the integer',
    detection: `
      s:
        Version: 1.0
      condition: s`,
    events: [yes({ Version: 1 }), yes({ Version: '1' }), no({ Version: '1.0x' }), no({ Version: 2 })],
  },
  {
    name: 'a rule boolean matches the event boolean or its text in any case, not a number',
    detection: `
      s:
        Signed: true
      condition: s`,
    events: [yes({ Signed: true }), yes({ Signed: 'true' }), yes({ Signed: 'TRUE' }), no({ Signed: false }), no({ Signed: 1 }), no({ Signed: 'yes' })],
  },
  {
    name: "'*' matches any present non-null value, including the empty string",
    detection: `
      s:
        x: '*'
      condition: s`,
    events: [yes({ x: '' }), yes({ x: 'abc' }), yes({ x: 5 }), no({ x: null }), no({})],
  },
  {
    name: '? matches exactly one character, * any run including newlines',
    detection: `
      s:
        x: 'a?c*z'
      condition: s`,
    events: [yes({ x: 'abcz' }), yes({ x: 'aÄc\n\nz' }), yes({ x: 'a😀cz' }), no({ x: 'acz' }), no({ x: 'abbcz' })],
  },
  {
    name: 'regex syntax in a plain value is literal',
    detection: `
      s:
        x: 'a.b(c)[d]+$'
      condition: s`,
    events: [yes({ x: 'A.B(C)[D]+$' }), no({ x: 'aXb(c)[d]+$' }), no({ x: 'a.b(c)dd' })],
  },
  {
    name: 'a list-valued field matches when any element matches',
    detection: `
      s:
        Tags: 'evil'
      condition: s`,
    events: [yes({ Tags: ['good', 'EVIL'] }), no({ Tags: ['good', 'evilish'] }), no({ Tags: [] })],
  },
  {
    name: 'objects are not matched by string tests',
    detection: `
      s:
        x|contains: 'a'
      condition: s`,
    events: [no({ x: { y: 'a' } }), yes({ x: 'a' })],
  },
]);

cases('field lookup', [
  {
    name: 'a dotted name is looked up as an exact key first, then through nested objects',
    detection: `
      s:
        Nested.Path: 'a'
      condition: s`,
    events: [
      yes({ 'Nested.Path': 'a' }),
      yes({ Nested: { Path: 'A' } }),
      no({ Nested: { Path: 'b' } }),
      no({ Nested: 'a' }),
      no({ Path: 'a' }),
    ],
  },
  {
    name: 'nested keys that themselves contain dots are found',
    detection: `
      s:
        a.b.c: 1
      condition: s`,
    events: [yes({ a: { 'b.c': 1 } }), yes({ 'a.b': { c: 1 } }), yes({ a: { b: { c: '1' } } }), no({ a: { b: 1 } })],
  },
  {
    name: 'field names are case-sensitive',
    detection: `
      s:
        image: 'x'
      condition: s`,
    events: [no({ Image: 'x' }), yes({ image: 'x' })],
  },
  {
    name: 'inherited object members are not fields',
    detection: `
      s:
        constructor|exists: true
      condition: s`,
    events: [no({}), yes({ constructor: 'x' })],
  },
]);

cases('contains / startswith / endswith', [
  {
    name: 'contains is a case-insensitive substring test',
    detection: `
      s:
        CommandLine|contains: 'mimikatz'
      condition: s`,
    events: [yes({ CommandLine: 'run MimiKatz.exe' }), yes({ CommandLine: 'mimikatz' }), no({ CommandLine: 'mimi katz' }), no({}), no({ CommandLine: null })],
  },
  {
    name: 'contains searches the text of event numbers',
    detection: `
      s:
        x|contains: '68'
      condition: s`,
    events: [yes({ x: 4688 }), no({ x: 4788 })],
  },
  {
    name: 'contains keeps inner wildcards',
    detection: `
      s:
        x|contains: 'a*c'
      condition: s`,
    events: [yes({ x: 'zzABBBCzz' }), yes({ x: 'ac' }), no({ x: 'ca' })],
  },
  {
    name: 'startswith anchors at the start; a trailing backslash stays literal',
    detection: String.raw`
      s:
        Image|startswith: 'C:\Windows\'
      condition: s`,
    events: [yes({ Image: 'c:\\windows\\system32\\x.exe' }), yes({ Image: 'C:\\Windows\\' }), no({ Image: 'D:\\Windows\\x' }), no({ Image: 'C:\\Windowsx' })],
  },
  {
    name: 'endswith anchors at the end; \\c is not an escape',
    detection: String.raw`
      s:
        Image|endswith: '\cmd.exe'
      condition: s`,
    events: [yes({ Image: 'C:\\Windows\\System32\\CMD.EXE' }), no({ Image: 'C:\\cmd.exe.bak' }), no({ Image: 'C:\\xcmd.exe' })],
  },
  {
    name: 'contains|all requires every value, each possibly in a different list element',
    detection: `
      s:
        CommandLine|contains|all:
          - '-enc'
          - 'bypass'
      condition: s`,
    events: [
      yes({ CommandLine: 'x -ENC y -ep Bypass' }),
      no({ CommandLine: 'x -enc y' }),
      yes({ CommandLine: ['-enc a', 'bypass'] }),
      no({ CommandLine: ['-enc a', 'other'] }),
    ],
  },
]);

cases('cased', [
  {
    name: 'cased makes equality case-sensitive',
    detection: `
      s:
        User|cased: 'Admin'
      condition: s`,
    events: [yes({ User: 'Admin' }), no({ User: 'admin' }), no({ User: 'ADMIN' })],
  },
  {
    name: 'cased composes with contains in either order',
    detection: `
      a:
        x|contains|cased: 'Evil'
      b:
        y|cased|startswith: 'Ab'
      condition: a and b`,
    events: [yes({ x: 'xEvilx', y: 'Abc' }), no({ x: 'xevilx', y: 'Abc' }), no({ x: 'xEvilx', y: 'abc' })],
  },
  {
    name: 'cased comparison of non-ASCII text is exact',
    detection: `
      s:
        x|cased|endswith: 'Ω'
      condition: s`,
    events: [yes({ x: 'abcΩ' }), no({ x: 'abcω' })],
  },
]);

cases('re and its flags', [
  {
    name: 're is an unanchored, case-sensitive search',
    detection: `
      s:
        x|re: 'b+c'
      condition: s`,
    events: [yes({ x: 'abbbcd' }), no({ x: 'aBBBCd' }), no({ x: 'ac' })],
  },
  {
    name: 're anchors in the pattern are honoured',
    detection: `
      s:
        x|re: '^ab'
      condition: s`,
    events: [yes({ x: 'abc' }), no({ x: 'zab' })],
  },
  {
    name: 're|i ignores case',
    detection: `
      s:
        x|re|i: 'ABC'
      condition: s`,
    events: [yes({ x: 'xabcx' }), yes({ x: 'ABC' }), no({ x: 'ab c' })],
  },
  {
    name: 'a leading (?i) becomes the i flag',
    detection: `
      s:
        x|re: '(?i)^abc$'
      condition: s`,
    events: [yes({ x: 'ABC' }), no({ x: 'ABCD' })],
  },
  {
    name: 're|m lets ^ and $ match at line breaks',
    detection: `
      a:
        x|re|m: '^two$'
      b:
        y|re: '^two$'
      condition: a or b`,
    events: [yes({ x: 'one\ntwo\nthree' }), no({ y: 'one\ntwo\nthree' }), yes({ y: 'two' })],
  },
  {
    name: 're|s lets . match a newline',
    detection: `
      a:
        x|re|s: 'a.b'
      b:
        y|re: 'a.b'
      condition: a or b`,
    events: [yes({ x: 'a\nb' }), no({ y: 'a\nb' }), yes({ y: 'axb' })],
  },
  {
    name: 'the pySigma aliases ignorecase, multiline and dotall are i, m and s',
    detection: `
      s:
        x|re|ignorecase|multiline|dotall: '^B.C$'
      condition: s`,
    events: [yes({ x: 'a\nb\nc\nd' }), yes({ x: 'BxC' }), no({ x: 'ab\nc' })],
  },
  {
    name: 're searches the text of event numbers',
    detection: String.raw`
      s:
        x|re: '^46\d\d$'
      condition: s`,
    events: [yes({ x: 4688 }), yes({ x: '4600' }), no({ x: 46888 })],
  },
  {
    name: 're|contains changes nothing for search semantics',
    detection: `
      s:
        x|re|contains: 'b+'
      condition: s`,
    events: [yes({ x: 'abbc' }), no({ x: 'ac' })],
  },
]);

cases('encodings', [
  {
    name: 'base64 matches the padded encoding of the UTF-8 bytes, case-insensitively',
    detection: `
      s:
        x|base64: 'ping'
      condition: s`,
    events: [yes({ x: 'cGluZw==' }), yes({ x: 'CGLUZW==' }), no({ x: 'cGluZw' }), no({ x: 'ping' })],
  },
  {
    name: 'base64|contains finds the encoding inside a value',
    detection: `
      s:
        x|base64|contains: 'ping'
      condition: s`,
    events: [yes({ x: 'abc cGluZw== def' }), no({ x: 'abc cGlu def' })],
  },
  {
    name: 'base64 of non-ASCII text encodes its UTF-8 bytes',
    detection: `
      s:
        x|base64: 'é'
      condition: s`,
    events: [yes({ x: b64(Buffer.from('é', 'utf8')) }), no({ x: b64(Buffer.from('é', 'latin1')) })],
  },
  {
    name: 'base64offset|contains finds the value at any of the three byte offsets',
    detection: `
      s:
        x|base64offset|contains: 'ping'
      condition: s`,
    events: [
      yes({ x: `zz ${b64(Buffer.from('ping now'))} zz` }),
      yes({ x: b64(Buffer.from('a ping')) }),
      yes({ x: b64(Buffer.from('ab ping')) }),
      yes({ x: 'xx IHBpbmcg yy' }),
      no({ x: b64(Buffer.from('pong')) }),
      no({ x: 'ping' }),
    ],
  },
  {
    name: 'wide and utf16le encode as UTF-16LE before base64',
    detection: `
      a:
        x|wide|base64: 'ping'
      b:
        y|utf16le|base64: 'ping'
      condition: a or b`,
    events: [yes({ x: 'cABpAG4AZwA=' }), yes({ y: b64(utf16le('ping')) }), no({ x: 'cGluZw==' })],
  },
  {
    name: 'utf16le|base64offset|contains finds UTF-16LE text at every offset',
    detection: `
      s:
        CommandLine|utf16le|base64offset|contains: 'ping'
      condition: s`,
    events: [
      yes({ CommandLine: `powershell -enc ${b64(utf16le('ping x'))}` }),
      yes({ CommandLine: b64(utf16le('a ping')) }),
      yes({ CommandLine: b64(utf16le('ab ping')) }),
      no({ CommandLine: b64(Buffer.from('ab ping')) }),
      no({ CommandLine: b64(utf16le('pong')) }),
    ],
  },
  {
    name: 'wide|base64offset|contains matches cABpAG4AZwA=',
    detection: `
      s:
        x|wide|base64offset|contains: 'ping'
      condition: s`,
    events: [yes({ x: 'cABpAG4AZwA=' }), yes({ x: b64(utf16le('xx ping')) })],
  },
  {
    name: 'utf16be encodes as UTF-16BE',
    detection: `
      s:
        x|utf16be|base64: 'ab'
      condition: s`,
    events: [yes({ x: b64(utf16be('ab')) }), yes({ x: 'AGEAYg==' }), no({ x: b64(utf16le('ab')) })],
  },
  {
    name: 'utf16 puts the FF FE byte-order mark before UTF-16LE (spec, not pySigma)',
    detection: `
      s:
        x|utf16|base64: 'ab'
      condition: s`,
    events: [yes({ x: '//5hAGIA' }), yes({ x: b64(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le('ab')])) }), no({ x: '77u/YWI=' })],
  },
]);

cases('windash', [
  {
    name: 'windash accepts -, /, en dash, em dash and horizontal bar before a flag',
    detection: `
      s:
        x|windash: '-a'
      condition: s`,
    events: [yes({ x: '-a' }), yes({ x: '/a' }), yes({ x: '–a' }), yes({ x: '—a' }), yes({ x: '―a' }), no({ x: 'a' }), no({ x: '+a' })],
  },
  {
    name: 'windash|contains expands a flag inside the command line',
    detection: `
      s:
        CommandLine|windash|contains: ' -f '
      condition: s`,
    events: [yes({ CommandLine: 'tool /f x' }), yes({ CommandLine: 'tool -F x' }), yes({ CommandLine: 'tool —f x' }), no({ CommandLine: 'tool f x' })],
  },
  {
    name: 'contains|windash equals windash|contains',
    detection: `
      s:
        CommandLine|contains|windash: '-f'
      condition: s`,
    events: [yes({ CommandLine: 'tool /f x' }), no({ CommandLine: 'tool f x' })],
  },
  {
    name: 'windash leaves a dash between word characters alone',
    detection: `
      s:
        x|windash: 'a-b'
      condition: s`,
    events: [yes({ x: 'a-b' }), no({ x: 'a/b' }), no({ x: 'a–b' })],
  },
  {
    name: 'windash expands every dash position independently',
    detection: `
      s:
        x|windash: '-a -b'
      condition: s`,
    events: [yes({ x: '/a -b' }), yes({ x: '-a /b' }), yes({ x: '—a ―b' }), no({ x: '-a b' })],
  },
]);

cases('cidr', [
  {
    name: 'cidr matches IPv4 addresses inside the network',
    detection: `
      s:
        Ip|cidr: '192.168.0.0/16'
      condition: s`,
    events: [
      yes({ Ip: '192.168.1.1' }),
      yes({ Ip: '192.168.255.255' }),
      no({ Ip: '192.169.0.1' }),
      no({ Ip: '10.0.0.1' }),
      no({ Ip: 'not an ip' }),
      no({ Ip: '192.168.1' }),
      no({ Ip: '192.168.1.256' }),
      no({}),
    ],
  },
  {
    name: 'a cidr list is OR-ed and prefix lengths are exact',
    detection: `
      s:
        Ip|cidr:
          - '10.0.0.0/8'
          - '172.16.0.0/12'
      condition: s`,
    events: [yes({ Ip: '172.31.255.255' }), yes({ Ip: '10.200.3.4' }), no({ Ip: '172.32.0.0' }), no({ Ip: '11.0.0.0' })],
  },
  {
    name: 'a bare address is a /32 network',
    detection: `
      s:
        Ip|cidr: '10.1.2.3'
      condition: s`,
    events: [yes({ Ip: '10.1.2.3' }), no({ Ip: '10.1.2.4' }), no({ Ip: '10.1.2.30' })],
  },
  {
    name: 'cidr matches IPv6 numerically, compressed or not, any case',
    detection: `
      s:
        Ip|cidr: '2001:db8::/32'
      condition: s`,
    events: [
      yes({ Ip: '2001:db8::1' }),
      yes({ Ip: '2001:0DB8:0000:0000:0000:0000:0000:0001' }),
      yes({ Ip: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' }),
      no({ Ip: '2001:db9::1' }),
      no({ Ip: '192.168.1.1' }),
      no({ Ip: '2001:db8::1::2' }),
    ],
  },
  {
    name: 'cidr requires the same IP version',
    detection: `
      a:
        Ip|cidr: '0.0.0.0/0'
      b:
        Ip6|cidr: '::/0'
      condition: a or b`,
    events: [yes({ Ip: '1.2.3.4' }), no({ Ip: '::1' }), yes({ Ip6: '::1' }), no({ Ip6: '1.2.3.4' })],
  },
  {
    name: 'a /64 IPv6 network with a non-zero last group in the prefix',
    detection: `
      s:
        Ip|cidr: 'fe80:0:0:1::/64'
      condition: s`,
    events: [yes({ Ip: 'fe80::1:0:0:0:5' }), yes({ Ip: 'FE80:0000:0000:0001:abcd::' }), no({ Ip: 'fe80::2:0:0:0:5' })],
  },
]);

cases('exists', [
  {
    name: 'exists: true holds when the key is present, even null or empty',
    detection: `
      s:
        x|exists: true
      condition: s`,
    events: [yes({ x: null }), yes({ x: '' }), yes({ x: 0 }), no({}), no({ X: 1 })],
  },
  {
    name: 'exists: false holds when the key is absent',
    detection: `
      s:
        x|exists: false
      condition: s`,
    events: [yes({}), no({ x: null }), no({ x: 'a' })],
  },
  {
    name: 'exists follows dotted paths',
    detection: `
      s:
        Nested.Path|exists: true
      condition: s`,
    events: [yes({ Nested: { Path: null } }), yes({ 'Nested.Path': 'a' }), no({ Nested: {} })],
  },
]);

cases('fieldref', [
  {
    name: 'fieldref compares with another field of the same event',
    detection: `
      s:
        x|fieldref: y
      condition: s`,
    events: [yes({ x: 'v', y: 'v' }), yes({ x: 'V', y: 'v' }), no({ x: 'v', y: 'w' }), no({ x: 'v' }), no({ y: 'v' }), no({})],
  },
  {
    name: 'fieldref|contains / startswith / endswith test the referenced value inside the field',
    detection: `
      a:
        x|fieldref|contains: y
      b:
        p|fieldref|startswith: q
      c:
        m|endswith|fieldref: n
      condition: a or b or c`,
    events: [
      yes({ x: 'abcd', y: 'BC' }),
      no({ x: 'abcd', y: 'bd' }),
      yes({ p: 'abcd', q: 'ab' }),
      no({ p: 'abcd', q: 'bc' }),
      yes({ m: 'abcd', n: 'CD' }),
      no({ m: 'abcd', n: 'bc' }),
    ],
  },
  {
    name: 'fieldref|cased compares case-sensitively',
    detection: `
      s:
        x|fieldref|cased: y
      condition: s`,
    events: [yes({ x: 'Ab', y: 'Ab' }), no({ x: 'Ab', y: 'ab' })],
  },
  {
    name: 'fieldref|neq negates the comparison; a missing field satisfies it',
    detection: `
      s:
        x|fieldref|neq: y
      condition: s`,
    events: [yes({ x: 'a', y: 'b' }), no({ x: 'a', y: 'A' }), yes({}), yes({ x: 'a' })],
  },
  {
    name: 'a list of referenced fields is OR-ed',
    detection: `
      s:
        x|fieldref:
          - y
          - z
      condition: s`,
    events: [yes({ x: 'a', z: 'a' }), yes({ x: 'a', y: 'a' }), no({ x: 'a', y: 'b', z: 'c' })],
  },
  {
    name: 'fieldref with wildcard characters in the referenced value compares them literally',
    detection: `
      s:
        x|fieldref: y
      condition: s`,
    events: [yes({ x: 'a*', y: 'a*' }), no({ x: 'ab', y: 'a*' }), no({ x: 'ab', y: 'a?' })],
  },
]);

cases('numeric comparisons', [
  {
    name: 'gt compares event numbers and numeric strings numerically',
    detection: `
      s:
        Count|gt: 5
      condition: s`,
    events: [
      yes({ Count: 6 }),
      no({ Count: 5 }),
      yes({ Count: '10' }),
      yes({ Count: ' 12 ' }),
      yes({ Count: 5.5 }),
      no({ Count: '0x10' }),
      no({ Count: '12abc' }),
      no({ Count: '' }),
      no({ Count: ' ' }),
      no({ Count: 'abc' }),
      no({ Count: true }),
      no({ Count: null }),
      no({}),
    ],
  },
  {
    name: 'gte, lt and lte include or exclude the bound',
    detection: `
      a:
        A|gte: 5
      b:
        B|lt: 1.5
      c:
        C|lte: -3
      condition: a or b or c`,
    events: [
      yes({ A: 5 }),
      no({ A: 4.999 }),
      yes({ B: 1 }),
      yes({ B: '1.49' }),
      no({ B: 1.5 }),
      yes({ C: '-3' }),
      yes({ C: -4 }),
      no({ C: -2 }),
    ],
  },
  {
    name: 'a comparison on a list field holds when any element satisfies it',
    detection: `
      s:
        Count|lt: 0
      condition: s`,
    events: [yes({ Count: [5, -1] }), no({ Count: [5, '7'] })],
  },
]);

cases('neq', [
  {
    name: 'neq negates the whole item: a missing or null field satisfies it',
    detection: `
      s:
        x|neq: 'a'
      condition: s`,
    events: [yes({}), yes({ x: null }), yes({ x: 'b' }), no({ x: 'A' }), no({ x: 'a' })],
  },
  {
    name: 'neq over a list is NOT of the OR',
    detection: `
      s:
        x|neq:
          - a
          - b
      condition: s`,
    events: [no({ x: 'a' }), no({ x: 'B' }), yes({ x: 'c' })],
  },
  {
    name: 'contains|neq negates a substring test',
    detection: `
      s:
        x|contains|neq: 'evil'
      condition: s`,
    events: [no({ x: 'xEVILx' }), yes({ x: 'good' })],
  },
  {
    name: 'neq: null means present and not null',
    detection: `
      s:
        x|neq: null
      condition: s`,
    events: [yes({ x: 'a' }), yes({ x: '' }), no({}), no({ x: null })],
  },
  {
    name: 'neq with a number compares like equality does',
    detection: `
      s:
        EventID|neq: 4688
      condition: s`,
    events: [no({ EventID: 4688 }), no({ EventID: '4688' }), yes({ EventID: 1 })],
  },
]);

cases('expand', [
  {
    name: 'expand replaces a placeholder by each configured value',
    detection: `
      s:
        User|expand: '%admins%'
      condition: s`,
    placeholders: { admins: ['root', 'admin'] },
    events: [yes({ User: 'admin' }), yes({ User: 'ROOT' }), no({ User: 'guest' })],
  },
  {
    name: 'placeholder values keep their wildcards and surrounding text',
    detection: `
      s:
        User|expand: 'corp_%admins%'
      condition: s`,
    placeholders: { admins: ['adm_*'] },
    events: [yes({ User: 'CORP_adm_x' }), no({ User: 'adm_x' })],
  },
  {
    name: 'several placeholders expand to their cartesian product',
    detection: `
      s:
        x|expand|contains: '%a%-%b%'
      condition: s`,
    placeholders: { a: ['p', 'q'], b: ['1', '2'] },
    events: [yes({ x: 'zq-1z' }), yes({ x: 'p-2' }), no({ x: 'p-3' }), no({ x: 'r-1' })],
  },
  {
    name: 'without expand, %name% is plain text',
    detection: `
      s:
        x: '%admins%'
      condition: s`,
    placeholders: { admins: ['root'] },
    events: [yes({ x: '%admins%' }), no({ x: 'root' })],
  },
]);

cases('time parts', [
  {
    name: 'hour is taken from the timestamp as written, without time-zone conversion',
    detection: `
      s:
        T|hour: 23
      condition: s`,
    events: [
      yes({ T: '2024-01-01T23:59:59+02:00' }),
      yes({ T: '2024-01-01 23:00:00.123' }),
      no({ T: '2024-01-01T22:59:59Z' }),
      no({ T: 'yesterday' }),
      no({}),
    ],
  },
  {
    name: 'minute, day, month and year parts',
    detection: `
      a:
        A|minute: 5
      b:
        B|day: 31
      c:
        C|month: 12
      d:
        D|year: 2024
      condition: a or b or c or d`,
    events: [
      yes({ A: '2024-03-10T10:05:00Z' }),
      no({ A: '2024-03-10T05:10:00Z' }),
      yes({ B: '2023-01-31T00:00:00Z' }),
      no({ B: '2023-01-30T00:00:00Z' }),
      yes({ C: '2023-12-01T00:00:00Z' }),
      no({ C: '2023-11-12T00:00:00Z' }),
      yes({ D: '2024-06-01T00:00:00Z' }),
      no({ D: '2023-06-01T00:00:00Z' }),
    ],
  },
  {
    name: 'week is the ISO-8601 week number',
    detection: `
      a:
        A|week: 1
      b:
        B|week: 53
      condition: a or b`,
    events: [yes({ A: '2024-01-01T12:00:00Z' }), yes({ A: '2024-12-30T12:00:00Z' }), no({ A: '2023-01-01T12:00:00Z' }), yes({ B: '2021-01-03T12:00:00Z' })],
  },
  {
    name: 'an impossible date is not a timestamp',
    detection: `
      s:
        T|hour: 0
      condition: s`,
    events: [yes({ T: '2024-01-01T00:00:00Z' }), no({ T: '2024-13-01T00:00:00Z' }), no({ T: '2023-02-30T00:00:00Z' })],
  },
  {
    name: 'a time part combines with a comparison',
    detection: `
      s:
        T|hour|gte: 22
      condition: s`,
    events: [yes({ T: '2024-01-01T22:00:00Z' }), yes({ T: '2024-01-01T23:30:00Z' }), no({ T: '2024-01-01T21:59:59Z' })],
  },
]);

describe('modifier load errors the tests rely on', () => {
  it('an unknown placeholder under expand makes the rule fail to load', () => {
    expect(
      loadErrors(
        `
        s:
          User|expand: '%admins%'
        condition: s`,
        { others: ['x'] },
      ),
    ).toContain('unknown-placeholder');
  });
  it("exists with a quoted 'yes' is a load error", () => {
    expect(
      loadErrors(`
        s:
          x|exists: 'yes'
        condition: s`).length,
    ).toBeGreaterThan(0);
  });
});
