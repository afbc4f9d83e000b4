// IP address parsing for `cidr` (§4.6): numeric comparison, never text. Values are
// BigInt so IPv4 and IPv6 share one code path; CIDR tests run once per distinct value.

/** An IP address as a BigInt with its version (IPv4: 32 bits, IPv6: 128 bits), as {@link parseIp} gives it. */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An IPv4 or IPv6 address as a number (§4.6; an IPv6 zone and brackets are dropped); null when the text is not one. */
export function parseIp(text: string): IpAddress | null {
  const m4 = IPV4.exec(text);
  if (m4 !== null) {
    let v = 0n;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(m4[i]);
      if (octet > 255 || ((m4[i] as string).length > 1 && (m4[i] as string).startsWith('0'))) return null;
      v = (v << 8n) | BigInt(octet);
    }
    return { version: 4, value: v };
  }
  return text.includes(':') ? parseIpv6(text) : null;
}

function parseIpv6(input: string): IpAddress | null {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const groups: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as string;
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIp(item);
        if (v4 === null || v4.version !== 4) return null;
        groups.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null;
      groups.push(parseInt(item, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return { version: 6, value: v };
}
