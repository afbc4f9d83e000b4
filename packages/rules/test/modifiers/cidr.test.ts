import { CidrValue, Match, Not, Or } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/modifiers/cidr.js';
import { at, codesAt, lower, lowerOk } from './lower-helpers.js';

describe('cidr', () => {
  it('lowers an IPv4 network (edge case 25)', () => {
    expect(lowerOk("x|cidr: '192.168.0.0/16'")).toEqual(Match.create('x', CidrValue.create(4, '192.168.0.0', 16), at(1, 9)));
  });

  it('accepts an unquoted network (a YAML string)', () => {
    expect(lowerOk('x|cidr: 10.0.0.0/8')).toMatchObject({ value: CidrValue.create(4, '10.0.0.0', 8) });
  });

  it('reads a bare address as /32 or /128', () => {
    expect(lowerOk("x|cidr: '10.1.2.3'")).toMatchObject({ value: CidrValue.create(4, '10.1.2.3', 32) });
    expect(lowerOk("x|cidr: '::1'")).toMatchObject({
      value: CidrValue.create(6, '0000:0000:0000:0000:0000:0000:0000:0001', 128),
    });
  });

  it('stores IPv6 networks fully expanded in lowercase', () => {
    expect(lowerOk("x|cidr: '2001:DB8::/32'")).toMatchObject({
      value: CidrValue.create(6, '2001:0db8:0000:0000:0000:0000:0000:0000', 32),
    });
    expect(lowerOk("x|cidr: 'fe80::/10'")).toMatchObject({
      value: CidrValue.create(6, 'fe80:0000:0000:0000:0000:0000:0000:0000', 10),
    });
    expect(lowerOk("x|cidr: '::/0'")).toMatchObject({
      value: CidrValue.create(6, '0000:0000:0000:0000:0000:0000:0000:0000', 0),
    });
  });

  it('reads an embedded IPv4 tail of an IPv6 address', () => {
    expect(lowerOk("x|cidr: '::ffff:10.0.0.0/104'")).toMatchObject({
      value: CidrValue.create(6, '0000:0000:0000:0000:0000:ffff:0a00:0000', 104),
    });
  });

  it('ORs a list of networks', () => {
    expect(lowerOk("x|cidr: ['10.0.0.0/8', '172.16.0.0/12']")).toEqual(
      Or.create([
        Match.create('x', CidrValue.create(4, '10.0.0.0', 8), at(1, 10)),
        Match.create('x', CidrValue.create(4, '172.16.0.0', 12), at(1, 24)),
      ]),
    );
  });

  it('rejects host bits set, strict like pySigma (edge case 24)', () => {
    const result = lower("x|cidr: '10.0.0.1/8'");
    expect(result.node).toBeNull();
    expect(codesAt(result.errors)).toEqual([{ code: 'invalid-cidr', line: 1, column: 9 }]);
    expect(result.errors[0]?.message).toMatch(/10\.0\.0\.0\/8/);
    expect(codesAt(lower("x|cidr: '2001:db8::1/64'").errors)).toEqual([{ code: 'invalid-cidr', line: 1, column: 9 }]);
  });

  it.each([
    ['10.0.0.0/33'],
    ['256.0.0.0/8'],
    ['010.0.0.0/8'],
    ['10.0.0/8'],
    ['10.0.0.0/'],
    ['10.0.0.0/x'],
    ['1:2:3:4:5:6:7:8:9'],
    ['1::2::3'],
    ['1:2:3:4:5:6:7:8::'],
    ['::/129'],
    ['fe80::1%eth0'],
    ['abc'],
    [''],
  ])('rejects %j as invalid-cidr', (text) => {
    expect(parseCidr(text)).toMatchObject({ kind: 'failure', code: 'invalid-cidr' });
  });

  it('is a type error on a number', () => {
    expect(codesAt(lower('x|cidr: 10').errors)).toEqual([{ code: 'modifier-type', line: 1, column: 9 }]);
  });

  it('must be first: startswith|cidr is an order error (§4.12)', () => {
    expect(codesAt(lower("x|startswith|cidr: '10.0.0.0/8'").errors)).toEqual([{ code: 'modifier-order', line: 1, column: 1 }]);
  });

  it('cannot be followed by contains (§4.12)', () => {
    expect(codesAt(lower("x|cidr|contains: '10.0.0.0/8'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 18 }]);
  });

  it('combines with neq', () => {
    expect(lowerOk("x|cidr|neq: '10.0.0.0/8'")).toEqual(Not.create(Match.create('x', CidrValue.create(4, '10.0.0.0', 8), at(1, 13))));
  });

  it('needs a field: a keyword cidr is an error at the key', () => {
    expect(codesAt(lower("'|cidr': '10.0.0.0/8'").errors)).toEqual([{ code: 'modifier-type', line: 1, column: 1 }]);
  });
});
