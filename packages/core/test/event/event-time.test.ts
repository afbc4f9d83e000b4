import { describe, expect, it } from 'vitest';
import { eventTimestamp } from '../../src/event/event-time.js';
import { normalizeEvent } from '../../src/event/normalize-event.js';
import { readJsonLinesHead, sharedPath } from './shared-corpus.js';

type Json = Record<string, unknown>;

describe('eventTimestamp: one case per dataset shape', () => {
  it.each<[string, Json, string]>([
    ['normalized evtx, 6 fraction digits', { TimeCreated_SystemTime: '2019-07-19T14:46:51.883827Z' }, '2019-07-19T14:46:51.883Z'],
    ['rendered evtx record, 9 digits', { TimeCreated_SystemTime: '2020-06-23T09:35:56.825510000Z' }, '2020-06-23T09:35:56.825Z'],
    ['forwarded evtx, 7 digits', { TimeCreated_SystemTime: '2020-12-11T12:28:01.2990045Z' }, '2020-12-11T12:28:01.299Z'],
    ['evtx without fraction', { TimeCreated_SystemTime: '2021-10-21T17:38:37Z' }, '2021-10-21T17:38:37.000Z'],
    [
      'raw evtx JSON, nested attributes',
      { Event: { System: { TimeCreated: { '#attributes': { SystemTime: '2019-04-27T15:57:25.868863Z' } } } } },
      '2019-04-27T15:57:25.868Z',
    ],
    [
      'raw evtx JSON, separated attributes (Chainsaw)',
      { Event: { System: { TimeCreated_attributes: { SystemTime: '2020-09-27T13:19:54.272246Z' } } } },
      '2020-09-27T13:19:54.272Z',
    ],
    ['Mordor / Logstash @timestamp', { '@timestamp': '2020-06-10T02:50:56.537Z' }, '2020-06-10T02:50:56.537Z'],
    ['auditd epoch seconds as text', { type: 'SYSCALL', timestamp: '1604996384.965', serial: '93777' }, '2020-11-10T08:19:44.965Z'],
    ['CloudTrail eventTime', { eventTime: '2020-09-13T17:16:47Z', eventName: 'ConsoleLogin' }, '2020-09-13T17:16:47.000Z'],
    ['Sysmon UtcTime (UTC, no zone)', { UtcTime: '2019-07-19 14:46:51.883' }, '2019-07-19T14:46:51.883Z'],
    ['LSASS campaign TimeCreated', { TimeCreated: '2023-08-15T09:53:59.757Z' }, '2023-08-15T09:53:59.757Z'],
    ['Mordor TimeCreated without zone', { TimeCreated: '2020-10-18 10:56:18.799' }, '2020-10-18T10:56:18.799Z'],
    ['NXLog EventTime', { EventTime: '2020-06-09 22:50:54' }, '2020-06-09T22:50:54.000Z'],
    ['Apache access log date', { date: '17/May/2015:10:05:03 +0000' }, '2015-05-17T10:05:03.000Z'],
  ])('%s', (_name, event, expected) => {
    expect(eventTimestamp(event)).toBe(expected);
  });
});

describe('eventTimestamp: field order and fall-through', () => {
  it('prefers TimeCreated_SystemTime over @timestamp and UtcTime', () => {
    const event = { UtcTime: '2019-07-19 14:46:50.000', '@timestamp': '2019-07-19T14:46:55.000Z', TimeCreated_SystemTime: '2019-07-19T14:46:51.883827Z' };
    expect(eventTimestamp(event)).toBe('2019-07-19T14:46:51.883Z');
  });

  it('prefers @timestamp over UtcTime and EventTime on a Mordor record', () => {
    const event = { UtcTime: '2020-06-10 02:50:54.631', EventTime: '2020-06-09 22:50:54', '@timestamp': '2020-06-10T02:50:56.537Z' };
    expect(eventTimestamp(event)).toBe('2020-06-10T02:50:56.537Z');
  });

  it('prefers UtcTime over a zone-less TimeCreated (host local time)', () => {
    const event = { TimeCreated: '2020-10-18 10:56:18.955', UtcTime: '2020-10-19 02:56:18.954' };
    expect(eventTimestamp(event)).toBe('2020-10-19T02:56:18.954Z');
  });

  it('uses the time of a normalized evtx event', () => {
    const event = normalizeEvent({
      Event: { System: { EventID: 1, TimeCreated: { '#attributes': { SystemTime: '2019-04-27T15:57:53.368863Z' } } }, EventData: { UtcTime: '2019-04-27 15:57:53.368' } },
    });
    expect(eventTimestamp(event)).toBe('2019-04-27T15:57:53.368Z');
  });

  it('falls through to the next field when a value does not parse', () => {
    expect(eventTimestamp({ '@timestamp': 'yesterday', UtcTime: '2019-07-19 14:46:51.883' })).toBe('2019-07-19T14:46:51.883Z');
    expect(eventTimestamp({ TimeCreated_SystemTime: '', date: '17/May/2015:10:05:03 +0000' })).toBe('2015-05-17T10:05:03.000Z');
  });

  it('returns null when no field parses', () => {
    expect(eventTimestamp({})).toBeNull();
    expect(eventTimestamp({ date: 'yesterday', timestamp: true, eventTime: null, '@timestamp': { $date: 1 } })).toBeNull();
  });
});

describe('eventTimestamp: parsing', () => {
  it.each<[unknown, string | null]>([
    ['2020-06-10T02:50:56+02:00', '2020-06-10T00:50:56.000Z'],
    ['2020-06-10T02:50:56.5-0530', '2020-06-10T08:20:56.500Z'],
    ['2020-06-10T02:50:56.12+05', '2020-06-09T21:50:56.120Z'],
    ['2020-06-10t02:50:56z', '2020-06-10T02:50:56.000Z'],
    ['2020-06-10T02:50', '2020-06-10T02:50:00.000Z'],
    ['2020-06-10', '2020-06-10T00:00:00.000Z'],
    ['2020-06-10T02:50:56,250Z', '2020-06-10T02:50:56.250Z'],
    [' 2020-06-10T02:50:56Z ', '2020-06-10T02:50:56.000Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2020-01-01T00:30:00+01:00', '2019-12-31T23:30:00.000Z'],
    ['17/May/2015:10:05:03 -0700', '2015-05-17T17:05:03.000Z'],
    ['01/dec/2015:23:59:59 +0100', '2015-12-01T22:59:59.000Z'],
    ['1604996384', '2020-11-10T08:19:44.000Z'],
    ['1604996384.9', '2020-11-10T08:19:44.900Z'],
    ['1604996384965', '2020-11-10T08:19:44.965Z'],
    ['1604996384965123456', '2020-11-10T08:19:44.965Z'],
    [1604996384.965, '2020-11-10T08:19:44.965Z'],
    [1604996384965, '2020-11-10T08:19:44.965Z'],
    ['2020-02-29T00:00:00Z', '2020-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2021-02-29T00:00:00Z', null],
    ['1900-02-29T00:00:00Z', null],
    ['2020-13-01T00:00:00Z', null],
    ['2020-04-31T00:00:00Z', null],
    ['2020-06-10T24:00:00Z', null],
    ['2020-06-10T02:61:00Z', null],
    ['2020-06-10T02:50:56.Z', null],
    ['2020-06-10T02:50:56Zjunk', null],
    ['2020-06-10X02:50:56Z', null],
    ['2020/06/10 02:50:56', null],
    ['17/Foo/2015:10:05:03 +0000', null],
    ['12abc', null],
    ['0x10', null],
    [-5, null],
    [Number.NaN, null],
    ['', null],
  ])('%j → %s', (value, expected) => {
    expect(eventTimestamp({ '@timestamp': value })).toBe(expected);
  });

  it('matches Date#toISOString on ISO-8601 UTC text across four centuries', () => {
    // A fixed LCG, so the values are the same in every run.
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(next() * 12_000_000_000_000) - 2_000_000_000_000; // ~1906 to ~2350
      const iso = new Date(ms).toISOString();
      expect(eventTimestamp({ '@timestamp': iso })).toBe(iso);
      const micros = `${iso.slice(0, 23)}${String(Math.floor(next() * 1_000_000)).padStart(6, '0')}Z`;
      expect(eventTimestamp({ TimeCreated_SystemTime: micros })).toBe(iso);
      expect(eventTimestamp({ UtcTime: `${iso.slice(0, 10)} ${iso.slice(11, 23)}` })).toBe(iso);
    }
  });
});

// ---- the shared datasets ------------------------------------------------------------------

const datasets = sharedPath('datasets', 'eventTimestamp over shared/datasets');

describe.skipIf(datasets === undefined)('eventTimestamp over the first records of every dataset', () => {
  const root = datasets ?? '';
  it.each<[string, (event: Json) => unknown]>([
    ['evtx_attack_samples.jsonl.gz', (event) => systemTime(event)],
    ['evtx_to_mitre_attack.jsonl.gz', (event) => systemTime(event)],
    ['deepbluecli_evtx.jsonl.gz', (event) => systemTime(event)],
    ['evtx_dump_0.12_shape/evtx_to_mitre_attack.evtx012.jsonl.gz', (event) => systemTime(event)],
    ['otrf_security_datasets_windows.jsonl.gz', (event) => event['@timestamp'] ?? event['UtcTime']],
    ['otrf_security_datasets_lsass_campaigns.jsonl.gz', (event) => event['@timestamp']],
    ['otrf_aws_cloudtrail.jsonl.gz', (event) => event['@timestamp']],
    ['otrf_linux_auditd.jsonl.gz', (event) => Math.round(Number(event['timestamp']) * 1000)],
    ['elastic_examples_apache_access.jsonl.gz', (event) => String(event['date']).replace(/^(\d+)\/(\w+)\/(\d+):/, '$2 $1 $3 ')],
  ])('%s', async (file, reference) => {
    const events = await readJsonLinesHead(`${root}/${file}`, 3000);
    expect(events.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const raw of events) {
      const actual = eventTimestamp(normalizeEvent(raw));
      // The reference goes through Date, which keeps milliseconds only (truncating here).
      const source = reference(raw);
      const expected = new Date(typeof source === 'string' && !/[zZ]|[+-]\d\d:?\d\d$/.test(source) ? `${source}Z` : (source as string)).toISOString();
      if (actual !== expected) problems.push(`${JSON.stringify(source)}: ${actual} ≠ ${expected}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

function systemTime(event: Json): string {
  const time = (((event['Event'] as Json)['System'] as Json)['TimeCreated'] as Json)['#attributes'] as Json;
  const text = String(time['SystemTime']);
  // Date keeps milliseconds: cut the fraction to 3 digits before handing it over.
  return text.replace(/(\.\d{3})\d*Z$/, '$1Z');
}
