import { describe, expect, it } from 'vitest';
import { compileFieldPath, lookupField } from '../../src/event/lookup-field.js';
import { normalizeEvent } from '../../src/event/normalize-event.js';

type Json = Record<string, unknown>;

/** A CloudTrail record from otrf_aws_cloudtrail (OTRF Security-Datasets, MIT), shortened. */
const CLOUDTRAIL: Json = {
  requestParameters: { filterSet: {}, instancesSet: { items: [{ instanceId: 'i-044b1baf4c96e1b62' }] } },
  userAgent: 'console.ec2.amazonaws.com',
  eventType: 'AwsApiCall',
  userIdentity: {
    arn: 'arn:aws:iam::123456789123:user/pedro',
    type: 'IAMUser',
    sessionContext: { sessionIssuer: {}, attributes: { mfaAuthenticated: 'true', creationDate: '2020-09-13T17:16:47Z' } },
  },
  responseElements: null,
  eventName: 'DescribeInstances',
  eventSource: 'ec2.amazonaws.com',
  '@timestamp': '2020-09-14T00:44:24.000Z',
};

/** A Zeek conn record: flat keys that contain dots. */
const ZEEK: Json = { ts: 1591367999.305988, 'id.orig_h': '192.168.1.10', 'id.orig_p': 54321, 'id.resp_p': 443, proto: 'tcp' };

/** [event, field, expected] — each case runs through lookupField and compileFieldPath alike. */
const CASES: [string, Json, string, unknown][] = [
  ['exact flat key', { Image: 'C:\\x.exe' }, 'Image', 'C:\\x.exe'],
  ['exact key containing dots (Zeek)', ZEEK, 'id.orig_h', '192.168.1.10'],
  ['exact key wins over the nested path', { 'a.b': 1, a: { b: 2 } }, 'a.b', 1],
  ['nested objects (CloudTrail)', CLOUDTRAIL, 'userIdentity.sessionContext.attributes.mfaAuthenticated', 'true'],
  ['nested key that itself contains dots', { a: { 'b.c': 1 } }, 'a.b.c', 1],
  ['top-level dotted key, then nesting', { 'a.b': { c: 3 } }, 'a.b.c', 3],
  ['longest key first at each level', { a: { 'b.c': 'long', b: { c: 'short' } } }, 'a.b.c', 'long'],
  ['backtracks when the longer key leads nowhere', { a: { 'b.c': {}, b: { c: { d: 5 } } } }, 'a.b.c.d', 5],
  ['absent field', { a: 1 }, 'b', undefined],
  ['absent nested field', CLOUDTRAIL, 'userIdentity.userName', undefined],
  ['JSON null is null', { a: null }, 'a', null],
  ['JSON null nested is null', CLOUDTRAIL, 'responseElements', null],
  ['walking through null is absent', { a: null }, 'a.b', undefined],
  ['walking through a string is absent (no "length")', { a: 'abc' }, 'a.length', undefined],
  ['empty string is a value', { a: '' }, 'a', ''],
  ['a list value is returned as the list', { Data: ['x', 'y'] }, 'Data', ['x', 'y']],
  ['an object value is returned as the object', { a: { b: 1 } }, 'a', { b: 1 }],
  ['arrays of objects are searched element by element', CLOUDTRAIL, 'requestParameters.instancesSet.items.instanceId', ['i-044b1baf4c96e1b62']],
  ['values from several elements, nested lists flattened', { r: [{ v: 1 }, { w: 0 }, { v: [2, 3] }, [{ v: 4 }]] }, 'r.v', [1, 2, 3, 4]],
  ['null inside an element is kept', { r: [{ v: null }, { v: 'x' }] }, 'r.v', [null, 'x']],
  ['no element has it: absent', { r: [{ w: 1 }, 'text', null] }, 'r.v', undefined],
  ['numeric segments do not index arrays', { r: ['a', 'b'] }, 'r.0', undefined],
  ['Object.prototype names are absent', {}, 'constructor', undefined],
  ['toString is absent', {}, 'toString', undefined],
  ['__proto__ is absent', {}, '__proto__', undefined],
  ['inherited names inside a path are absent', { a: {} }, 'a.hasOwnProperty', undefined],
  ['an own key named like a prototype member is found', JSON.parse('{"constructor":"c","__proto__":"p"}') as Json, 'constructor', 'c'],
  ['an own __proto__ key is found', JSON.parse('{"__proto__":"p"}') as Json, '__proto__', 'p'],
  ['an undefined property counts as absent', { a: undefined }, 'a', undefined],
];

describe('lookupField (§2.2)', () => {
  it.each(CASES)('%s', (_name, event, field, expected) => {
    expect(lookupField(event, field)).toEqual(expected);
  });

  it('distinguishes absent (undefined) from JSON null', () => {
    expect(lookupField({ a: null }, 'a')).toBeNull();
    expect(lookupField({}, 'a')).toBeUndefined();
  });

  it('finds short names and Hayabusa-style paths on a normalized evtx event', () => {
    const event = normalizeEvent({
      Event: {
        System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' },
        EventData: { Image: 'C:\\Windows\\System32\\cmd.exe ', ProcessId: 4256 },
      },
    });
    expect(lookupField(event, 'Image')).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(lookupField(event, 'Event.EventData.Image')).toBe('C:\\Windows\\System32\\cmd.exe ');
    expect(lookupField(event, 'Event.System.Provider.#attributes.Name')).toBe('Microsoft-Windows-Sysmon');
    expect(lookupField(event, 'Provider_Name')).toBe('Microsoft-Windows-Sysmon');
    expect(lookupField(event, 'ProcessId')).toBe(4256);
  });
});

describe('compileFieldPath', () => {
  it.each(CASES)('agrees with lookupField: %s', (_name, event, field, expected) => {
    expect(compileFieldPath(field)(event)).toEqual(expected);
  });

  it('reuses one accessor across events of different shapes', () => {
    const accessor = compileFieldPath('id.orig_h');
    expect(accessor(ZEEK)).toBe('192.168.1.10');
    expect(accessor({ id: { orig_h: '10.0.0.1' } })).toBe('10.0.0.1');
    expect(accessor({ id: [{ orig_h: '10.0.0.2' }] })).toEqual(['10.0.0.2']);
    expect(accessor({})).toBeUndefined();
  });
});
