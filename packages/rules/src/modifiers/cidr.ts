// `cidr` (sigma-semantics.md §4.6): an IPv4 or IPv6 network, parsed strictly as pySigma
// does (host bits set is an error), stored in one canonical text form so the evaluator and
// the SQL compiler can parse it without a general IP parser.
import { CidrValue } from '@siemlite/core';
import { defineModifier, fail, typeError, type ModifierFailure } from './modifier-def.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): bigint | null {
  const m = IPV4.exec(text);
  if (m === null) return null;
  let value = 0n;
  for (const octet of m.slice(1, 5) as string[]) {
    // Python's ipaddress rejects leading zeros (ambiguous octal), and so do we.
    if ((octet.length > 1 && octet.startsWith('0')) || Number(octet) > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  for (const group of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    out.push(parseInt(group, 16));
  }
  return out;
}

function parseIpv6(text: string): bigint | null {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 address stands for the last two groups (`::ffff:10.0.0.1`).
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0] as string);
    const rest = parseGroups(halves[1] as string);
    if (head === null || rest === null) return null;
    const missing = 8 - head.length - rest.length;
    // `::` stands for at least one group (RFC 4291 §2.2).
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    const all = parseGroups(body);
    if (all === null) return null;
    groups = all;
  }
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function formatIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16).padStart(4, '0'));
  return groups.join(':');
}

/**
 * Parses `address[/prefix]` strictly: a bare address is /32 or /128, host bits must be
 * clear (`10.0.0.1/8` is an error, edge case 24). IPv4 networks are stored dotted, IPv6
 * networks fully expanded: eight lowercase groups of four hex digits.
 *
 * @example parseCidr('2001:db8::/32') // { version: 6, network: '2001:0db8:0000:...:0000', prefixLength: 32 }
 */
export function parseCidr(text: string): CidrValue | ModifierFailure {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const version: 4 | 6 = address.includes(':') ? 6 : 4;
  const bits = version === 4 ? 32 : 128;
  const value = version === 4 ? parseIpv4(address) : parseIpv6(address);
  if (value === null) return fail('invalid-cidr', `'${text}' is not an IPv${version} address or network`);
  if (prefixText !== null && !/^\d{1,3}$/.test(prefixText)) {
    return fail('invalid-cidr', `'${text}' has an invalid prefix length '${prefixText}'`);
  }
  const prefixLength = prefixText === null ? bits : Number(prefixText);
  if (prefixLength > bits) return fail('invalid-cidr', `'${text}': an IPv${version} prefix length is at most ${bits}`);
  const hostMask = (1n << BigInt(bits - prefixLength)) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = value & ~hostMask;
    const shown = version === 4 ? formatIpv4(network) : formatIpv6(network);
    return fail('invalid-cidr', `'${text}' has host bits set; the network is ${shown}/${prefixLength}`);
  }
  return CidrValue.create(version, version === 4 ? formatIpv4(value) : formatIpv6(value), prefixLength);
}

/** `cidr`: the value is a network; must be first, since it reads the value as written. */
export const CIDR = defineModifier({
  name: 'cidr',
  family: 'cidr',
  mustBeFirst: true,
  apply: (value, env) => {
    if (value.kind !== 'string' || value.raw === null) return typeError(env, value, 'a network such as 10.0.0.0/8');
    const parsed = parseCidr(value.raw);
    if (parsed.kind === 'failure') return parsed;
    return Object.freeze({ kind: 'cidr', value: parsed });
  },
});
