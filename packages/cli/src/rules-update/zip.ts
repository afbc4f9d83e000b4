// A small ZIP reader for SigmaHQ release packages: the central directory, stored and
// deflated entries (node:zlib inflateRaw), CRC-32 checked. No ZIP64, no encryption, no
// multi-disk archives (a rule package is a few MB). Every malformation is a ZipError.
import { inflateRawSync } from 'node:zlib';

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

export interface ReadZipOptions {
  /** Largest uncompressed entry accepted (default 4 MiB, the rule file limit). */
  readonly maxEntryBytes?: number;
  /** Largest total uncompressed size accepted (default 512 MiB). */
  readonly maxTotalBytes?: number;
  /** Entries to extract (others are skipped unread); default all files. */
  readonly accept?: (name: string) => boolean;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (the ZIP polynomial) of `data`. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * An entry name safe to write under a folder: relative, `/`-separated, no `..` or empty
 * parts, no drive letters or backslashes. Throws ZipError otherwise.
 */
function safeName(name: string): string {
  const parts = name.split('/');
  if (name.startsWith('/') || name.includes('\\') || /^[A-Za-z]:/.test(name) || name.includes('\0') || parts.some((p) => p === '..' || p === '.')) {
    throw new ZipError(`unsafe entry name '${name}'`);
  }
  return name;
}

/** Reads the files of a ZIP archive held in memory. */
export function readZip(buf: Buffer, options: ReadZipOptions = {}): ZipEntry[] {
  const maxEntry = options.maxEntryBytes ?? 4 * 1024 * 1024;
  const maxTotal = options.maxTotalBytes ?? 512 * 1024 * 1024;
  if (buf.length < 22) throw new ZipError(`not a ZIP archive (${buf.length} bytes)`);
  // The end-of-central-directory record is within the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a ZIP archive (no end of central directory; truncated download?)');
  const count = buf.readUInt16LE(eocd + 10);
  const dirSize = buf.readUInt32LE(eocd + 12);
  const dirOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || dirOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
  if (dirOffset + dirSize > eocd) throw new ZipError('damaged ZIP archive (central directory out of bounds)');
  const out: ZipEntry[] = [];
  let total = 0;
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== CENTRAL) throw new ZipError(`damaged ZIP archive (central directory entry ${i + 1})`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue; // a folder
    if (options.accept !== undefined && !options.accept(name)) continue;
    safeName(name);
    if (flags & 1) throw new ZipError(`'${name}' is encrypted`);
    if (size > maxEntry) throw new ZipError(`'${name}' is ${size} bytes, over the ${maxEntry}-byte limit`);
    total += size;
    if (total > maxTotal) throw new ZipError(`the archive unpacks to over ${maxTotal} bytes`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) throw new ZipError(`damaged ZIP archive (local header of '${name}')`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) throw new ZipError(`damaged ZIP archive ('${name}' runs past the end)`);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: maxEntry + 1 });
      } catch (e) {
        throw new ZipError(`'${name}' does not inflate: ${(e as Error).message}`);
      }
    } else throw new ZipError(`'${name}' uses compression method ${method} (only stored and deflate are supported)`);
    if (data.length !== size || crc32(data) !== crc) throw new ZipError(`'${name}' is damaged (size or CRC-32 mismatch)`);
    out.push({ name, data });
  }
  return out;
}
