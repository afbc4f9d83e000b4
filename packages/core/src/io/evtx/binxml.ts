// EVTX binary XML: tokens, templates and substitution values of one 64 KiB chunk, turned
// into the JSON shape of evtx_dump 0.8.5–0.9.x (the shape of SigmaHQ's regression twins).
// Format: libevtx "Windows XML Event Log (EVTX)" documentation; the JSON rules follow the
// evtx crate's default output. Every read is bounds-checked by DataView (a RangeError on a
// damaged record is caught once per record by the caller), and every structure that could
// recurse or repeat is capped: template nesting depth, rendered nodes per record.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A literal piece of text, or a reference to the template instance's substitution `index`. */
interface Part {
  readonly literal: string | undefined;
  readonly index: number;
}
interface Attr {
  readonly name: string;
  readonly parts: Part[];
}
interface Elem {
  readonly name: string;
  readonly attrs: Attr[];
  readonly children: Child[];
}
interface TemplateInstance {
  readonly nodes: Child[];
  readonly values: SubValue[];
}
type Child = Elem | Part | TemplateInstance;
/** A decoded substitution value: JSON, or (type 0x21, BinXml) a nested fragment. */
type SubValue = Json | Fragment;
class Fragment {
  constructor(readonly fragment: Child[]) {}
}

const MAX_DEPTH = 24;
const MAX_NODES = 200_000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const UTF16 = new TextDecoder('utf-16le');
const LATIN1 = new TextDecoder('latin1');
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));
const FILETIME_UNIX_EPOCH = 116444736000000000n;

export class BinXmlError extends Error {}

function isElem(c: Child): c is Elem {
  return (c as Elem).attrs !== undefined;
}
function isTemplate(c: Child): c is TemplateInstance {
  return (c as TemplateInstance).values !== undefined;
}
function isFragment(v: SubValue): v is Fragment {
  return v instanceof Fragment;
}

/** Parses the binary XML of one chunk's records; template definitions and names are cached per chunk. */
export class ChunkDecoder {
  private readonly view: DataView;
  private readonly names = new Map<number, string>();
  private readonly templates = new Map<number, Child[]>();
  private readonly inProgress = new Set<number>();
  private nodeBudget = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The evtx_dump JSON of the binary XML at `[start, end)` (a record's event data). */
  decodeRecord(start: number, end: number): Record<string, Json> {
    this.nodeBudget = MAX_NODES;
    const { nodes } = this.parseFragment(start, end, 0);
    const out: Record<string, Json> = {};
    this.renderChildren(nodes, [], out, [], 0);
    return out;
  }

  private utf16(pos: number, chars: number): string {
    if (chars < 0 || pos + chars * 2 > this.bytes.byteLength) throw new BinXmlError(`string runs past the chunk at offset ${pos}`);
    return UTF16.decode(this.bytes.subarray(pos, pos + chars * 2));
  }

  /** The name at chunk offset `offset` (a u32 next link, u16 hash, u16 length, UTF-16, NUL). */
  private nameAt(offset: number): string {
    const cached = this.names.get(offset);
    if (cached !== undefined) return cached;
    if (offset < 0 || offset + 8 > this.bytes.byteLength) throw new BinXmlError(`name offset ${offset} outside the chunk`);
    const name = this.utf16(offset + 8, this.view.getUint16(offset + 6, true));
    this.names.set(offset, name);
    return name;
  }

  /** Reads a name reference at `pos`; returns the name and the position after it (past an inline name). */
  private nameRef(pos: number): [string, number] {
    const offset = this.view.getUint32(pos, true);
    const name = this.nameAt(offset);
    let next = pos + 4;
    if (offset === next) next += 10 + name.length * 2;
    return [name, next];
  }

  private parseFragment(start: number, end: number, depth: number): { nodes: Child[]; pos: number } {
    if (depth > MAX_DEPTH) throw new BinXmlError(`binary XML nested deeper than ${MAX_DEPTH} levels`);
    const view = this.view;
    const root: Child[] = [];
    const stack: Elem[] = [];
    let attr: Attr | undefined;
    let pos = start;
    const add = (part: Part): void => {
      if (attr !== undefined) attr.parts.push(part);
      else (stack.length > 0 ? (stack[stack.length - 1] as Elem).children : root).push(part);
    };
    while (pos < end) {
      const token = view.getUint8(pos);
      switch (token & 0xbf) {
        case 0x00:
          return { nodes: root, pos: pos + 1 };
        case 0x0f:
          pos += 4;
          break;
        case 0x01: {
          const [name, next] = this.nameRef(pos + 7);
          pos = next + (token & 0x40 ? 4 : 0);
          const elem: Elem = { name, attrs: [], children: [] };
          (stack.length > 0 ? (stack[stack.length - 1] as Elem).children : root).push(elem);
          stack.push(elem);
          attr = undefined;
          if (--this.nodeBudget < 0) throw new BinXmlError('too many elements in one record');
          break;
        }
        case 0x02:
          attr = undefined;
          pos += 1;
          break;
        case 0x03:
        case 0x04:
          attr = undefined;
          if (stack.pop() === undefined) throw new BinXmlError(`end of element without a start at offset ${pos}`);
          pos += 1;
          break;
        case 0x06: {
          if (stack.length === 0) throw new BinXmlError(`attribute outside an element at offset ${pos}`);
          const [name, next] = this.nameRef(pos + 1);
          attr = { name, parts: [] };
          (stack[stack.length - 1] as Elem).attrs.push(attr);
          pos = next;
          break;
        }
        case 0x05: {
          const type = view.getUint8(pos + 1);
          if (type === 0x01) {
            const chars = view.getUint16(pos + 2, true);
            add({ literal: this.utf16(pos + 4, chars), index: -1 });
            pos += 4 + chars * 2;
          } else if (type === 0x02) {
            const len = view.getUint16(pos + 2, true);
            add({ literal: LATIN1.decode(this.bytes.subarray(pos + 4, pos + 4 + len)), index: -1 });
            pos += 4 + len;
          } else {
            throw new BinXmlError(`value token of type 0x${type.toString(16)} at offset ${pos}`);
          }
          break;
        }
        case 0x07: {
          const chars = view.getUint16(pos + 1, true);
          add({ literal: this.utf16(pos + 3, chars), index: -1 });
          pos += 3 + chars * 2;
          break;
        }
        case 0x08:
          add({ literal: String.fromCharCode(view.getUint16(pos + 1, true)), index: -1 });
          pos += 3;
          break;
        case 0x09: {
          const [name, next] = this.nameRef(pos + 1);
          add({ literal: ENTITIES[name] ?? `&${name};`, index: -1 });
          pos = next;
          break;
        }
        case 0x0a: {
          pos = this.nameRef(pos + 1)[1];
          break;
        }
        case 0x0b: {
          pos += 3 + view.getUint16(pos + 1, true) * 2;
          break;
        }
        case 0x0c: {
          const parsed = this.parseTemplateInstance(pos, end, depth);
          (stack.length > 0 ? (stack[stack.length - 1] as Elem).children : root).push(parsed.instance);
          pos = parsed.pos;
          break;
        }
        case 0x0d:
        case 0x0e:
          add({ literal: undefined, index: view.getUint16(pos + 1, true) });
          pos += 4;
          break;
        default:
          throw new BinXmlError(`unknown binary XML token 0x${token.toString(16)} at offset ${pos}`);
      }
    }
    if (stack.length > 0) throw new BinXmlError(`binary XML ends inside element <${(stack[stack.length - 1] as Elem).name}>`);
    return { nodes: root, pos };
  }

  private parseTemplateInstance(at: number, end: number, depth: number): { instance: TemplateInstance; pos: number } {
    const view = this.view;
    const defOffset = view.getUint32(at + 6, true);
    let pos = at + 10;
    if (defOffset + 24 > this.bytes.byteLength) throw new BinXmlError(`template definition offset ${defOffset} outside the chunk`);
    const dataSize = view.getUint32(defOffset + 20, true);
    if (defOffset === pos) pos = defOffset + 24 + dataSize;
    let nodes = this.templates.get(defOffset);
    if (nodes === undefined) {
      if (this.inProgress.has(defOffset)) throw new BinXmlError(`template at offset ${defOffset} contains itself`);
      if (defOffset + 24 + dataSize > this.bytes.byteLength) throw new BinXmlError(`template at offset ${defOffset} runs past the chunk`);
      this.inProgress.add(defOffset);
      try {
        nodes = this.parseFragment(defOffset + 24, defOffset + 24 + dataSize, depth + 1).nodes;
      } finally {
        this.inProgress.delete(defOffset);
      }
      this.templates.set(defOffset, nodes);
    }
    const count = view.getUint32(pos, true);
    pos += 4;
    if (count * 4 > end - pos) throw new BinXmlError(`template instance claims ${count} substitutions at offset ${at}`);
    const descriptors = pos;
    pos += count * 4;
    const values: SubValue[] = new Array<SubValue>(count);
    for (let i = 0; i < count; i++) {
      const size = view.getUint16(descriptors + i * 4, true);
      const type = view.getUint8(descriptors + i * 4 + 2);
      if (pos + size > end) throw new BinXmlError(`substitution ${i} runs past the record at offset ${pos}`);
      values[i] = this.decodeValue(type, pos, size, depth);
      pos += size;
    }
    return { instance: { nodes, values }, pos };
  }

  private decodeValue(type: number, pos: number, size: number, depth: number): SubValue {
    if (type === 0x21) {
      return new Fragment(size === 0 ? [] : this.parseFragment(pos, pos + size, depth + 1).nodes);
    }
    if (type & 0x80) return this.decodeArray(type & 0x7f, pos, size);
    return this.decodeScalar(type, pos, size);
  }

  private decodeArray(type: number, pos: number, size: number): Json {
    if (type === 0x01) {
      const text = this.utf16(pos, size >> 1);
      const items = text.split('\0');
      if (items.length > 0 && items[items.length - 1] === '') items.pop();
      return items;
    }
    const width = FIXED_WIDTH[type];
    if (width === undefined) throw new BinXmlError(`array of value type 0x${type.toString(16)} at offset ${pos}`);
    const out: Json[] = [];
    for (let p = pos; p + width <= pos + size; p += width) out.push(this.decodeScalar(type, p, width));
    return out;
  }

  private decodeScalar(type: number, pos: number, size: number): Json {
    const view = this.view;
    switch (type) {
      case 0x00:
        return null;
      case 0x01: {
        let chars = size >> 1;
        while (chars > 0 && view.getUint16(pos + (chars - 1) * 2, true) === 0) chars--;
        return this.utf16(pos, chars);
      }
      case 0x02: {
        let len = size;
        while (len > 0 && this.bytes[pos + len - 1] === 0) len--;
        return LATIN1.decode(this.bytes.subarray(pos, pos + len));
      }
      case 0x03:
        return view.getInt8(pos);
      case 0x04:
        return view.getUint8(pos);
      case 0x05:
        return view.getInt16(pos, true);
      case 0x06:
        return view.getUint16(pos, true);
      case 0x07:
        return view.getInt32(pos, true);
      case 0x08:
        return view.getUint32(pos, true);
      case 0x09:
        return Number(view.getBigInt64(pos, true));
      case 0x0a:
        return Number(view.getBigUint64(pos, true));
      case 0x0b:
        return shortestFloat32(view.getFloat32(pos, true));
      case 0x0c:
        return view.getFloat64(pos, true);
      case 0x0d:
        return size >= 4 ? view.getInt32(pos, true) !== 0 : view.getUint8(pos) !== 0;
      case 0x0e: {
        let hex = '';
        for (let i = 0; i < size; i++) hex += HEX[this.bytes[pos + i] as number];
        if (pos + size > this.bytes.byteLength) throw new BinXmlError(`binary value runs past the chunk at offset ${pos}`);
        return hex;
      }
      case 0x0f:
        return this.guid(pos);
      case 0x10:
        return size === 8
          ? `0x${view.getBigUint64(pos, true).toString(16).padStart(16, '0')}`
          : `0x${view.getUint32(pos, true).toString(16).padStart(8, '0')}`;
      case 0x11:
        return fileTime(view.getBigUint64(pos, true));
      case 0x12:
        return systemTime(view, pos);
      case 0x13:
        return this.sid(pos);
      case 0x14:
        return `0x${view.getUint32(pos, true).toString(16)}`;
      case 0x15:
        return `0x${view.getBigUint64(pos, true).toString(16)}`;
      case 0x20:
      case 0x23:
        return null;
      default:
        throw new BinXmlError(`unknown value type 0x${type.toString(16)} at offset ${pos}`);
    }
  }

  private guid(pos: number): string {
    const v = this.view;
    const h = (p: number): string => HEX[v.getUint8(p)] as string;
    return (
      `${v.getUint32(pos, true).toString(16).toUpperCase().padStart(8, '0')}-` +
      `${v.getUint16(pos + 4, true).toString(16).toUpperCase().padStart(4, '0')}-` +
      `${v.getUint16(pos + 6, true).toString(16).toUpperCase().padStart(4, '0')}-` +
      `${h(pos + 8)}${h(pos + 9)}-${h(pos + 10)}${h(pos + 11)}${h(pos + 12)}${h(pos + 13)}${h(pos + 14)}${h(pos + 15)}`
    );
  }

  private sid(pos: number): string {
    const v = this.view;
    const revision = v.getUint8(pos);
    const count = v.getUint8(pos + 1);
    const authority = v.getUint16(pos + 2, false) * 2 ** 32 + v.getUint32(pos + 4, false);
    let out = `S-${revision}-${authority}`;
    for (let i = 0; i < count; i++) out += `-${v.getUint32(pos + 8 + i * 4, true)}`;
    return out;
  }

  // ---- rendering (evtx_dump 0.9 JSON rules) ----

  /** Renders `children` (with substitutions `subs`) into `out`; text values collect in `text`. */
  private renderChildren(children: Child[], subs: SubValue[], out: Record<string, Json>, text: Json[], depth: number): void {
    if (depth > MAX_DEPTH * 4) throw new BinXmlError('rendering nested too deep');
    for (const child of children) {
      if (--this.nodeBudget < 0) throw new BinXmlError('too many nodes in one record');
      if (isTemplate(child)) {
        this.renderChildren(child.nodes, child.values, out, text, depth + 1);
      } else if (isElem(child)) {
        this.renderElem(child, subs, out, depth + 1);
      } else if (child.literal !== undefined) {
        text.push(child.literal);
      } else {
        const v = subs[child.index];
        if (v === undefined) continue;
        if (isFragment(v)) this.renderChildren(v.fragment, subs, out, text, depth + 1);
        else text.push(v);
      }
    }
  }

  private attrValue(parts: Part[], subs: SubValue[]): Json {
    const values: Json[] = [];
    for (const part of parts) {
      if (part.literal !== undefined) values.push(part.literal);
      else {
        const v = subs[part.index];
        if (v !== undefined && !isFragment(v)) values.push(v);
      }
    }
    return joinText(values);
  }

  private renderElem(e: Elem, subs: SubValue[], out: Record<string, Json>, depth: number): void {
    let attrs: Record<string, Json> | undefined;
    let key = e.name;
    for (const a of e.attrs) {
      const v = this.attrValue(a.parts, subs);
      if (v === null) continue;
      if (e.name === 'Data' && a.name === 'Name' && typeof v === 'string') {
        key = v;
        continue;
      }
      (attrs ??= {})[a.name] = v;
    }
    const inner: Record<string, Json> = {};
    const textValues: Json[] = [];
    this.renderChildren(e.children, subs, inner, textValues, depth);
    const text = joinText(textValues);
    let hasChildren = false;
    for (const _ in inner) {
      hasChildren = true;
      break;
    }
    let result: Json;
    if (hasChildren || attrs !== undefined) {
      const obj: Record<string, Json> = {};
      if (attrs !== undefined) obj['#attributes'] = attrs;
      Object.assign(obj, inner);
      if (text !== null) obj['#text'] = text;
      result = obj;
    } else {
      result = text;
    }
    if (key === 'Data' && (result === null || typeof result !== 'object' || Array.isArray(result))) {
      // Unnamed <Data>: their texts gather under Data.#text (one value, or an array of them).
      const prev = out['Data'];
      if (prev !== undefined && prev !== null && typeof prev === 'object' && !Array.isArray(prev) && '#text' in prev) {
        const t = prev['#text'] as Json;
        prev['#text'] = Array.isArray(t) ? [...t, result] : [t, result];
        return;
      }
      out['Data'] = { '#text': result };
      return;
    }
    out[key] = result;
  }
}

/** One text value: a single value keeps its JSON type; several concatenate as a string; trimmed. */
function joinText(values: Json[]): Json {
  if (values.length === 0) return null;
  if (values.length === 1) {
    const v = values[0] as Json;
    return typeof v === 'string' ? v.trimEnd() : v;
  }
  let text = '';
  for (const v of values) {
    if (v === null) continue;
    text += typeof v === 'string' ? v : Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  const t = text.trimEnd();
  return t === '' ? null : t;
}

const FIXED_WIDTH: Record<number, number> = {
  0x03: 1, 0x04: 1, 0x05: 2, 0x06: 2, 0x07: 4, 0x08: 4, 0x09: 8, 0x0a: 8, 0x0b: 4, 0x0c: 8,
  0x0d: 4, 0x0f: 16, 0x11: 8, 0x12: 16, 0x14: 4, 0x15: 8,
};

function shortestFloat32(f: number): number {
  for (let p = 1; p < 10; p++) {
    const candidate = Number.parseFloat(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** FILETIME (100 ns ticks since 1601) as evtx_dump writes it: UTC, microseconds, `Z`. */
export function fileTime(ticks: bigint): string {
  const micros = (ticks - FILETIME_UNIX_EPOCH) / 10n;
  const ms = Number(micros / 1000n);
  const iso = new Date(ms).toISOString();
  const frac = Number(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n);
  return `${iso.slice(0, 19)}.${pad(frac, 6)}Z`;
}

function systemTime(v: DataView, pos: number): string {
  const y = v.getUint16(pos, true);
  const mo = v.getUint16(pos + 2, true);
  const d = v.getUint16(pos + 6, true);
  const h = v.getUint16(pos + 8, true);
  const mi = v.getUint16(pos + 10, true);
  const s = v.getUint16(pos + 12, true);
  const ms = v.getUint16(pos + 14, true);
  return `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms * 1000, 6)}Z`;
}
