// One EVTX chunk (64 KiB): header, checksums, and its event records. Chunks are independent
// (names and templates are chunk-relative), so a chunk's bytes are all a decoder needs: this
// is what the file reader (and the worker pool) hands around.
import { BinXmlError, ChunkDecoder } from './binxml.js';
import { crc32 } from './crc32.js';

export const FILE_HEADER_SIZE = 4096;
/** Bytes of one EVTX chunk (64 KiB), the unit a decoder and the worker pool handle. */
export const CHUNK_SIZE = 65536;
const CHUNK_HEADER_SIZE = 512;
const RECORD_MAGIC = 0x00002a2a;

/** One decoded event record. */
export interface EvtxRecord {
  /** The EventRecordID stored in the record header. */
  readonly recordId: number;
  /** Byte offset of the record within its chunk. */
  readonly offset: number;
  /** Size of the record in bytes (header, binary XML and trailing size copy). */
  readonly size: number;
  /** evtx_dump-shaped JSON (`{Event: {System, EventData|UserData, ...}}`). */
  readonly value: Record<string, unknown>;
}

/** Damage found while reading: a chunk or record that is reported, then skipped. */
export interface EvtxDamage {
  /** 0-based chunk index in the file (-1 for the file header). */
  readonly chunk: number;
  /** EventRecordID of the damaged record, when its header could still be read. */
  readonly recordId?: number;
  readonly message: string;
}

/** What decoding one chunk gave: its records in order, and the damage found (reported, then skipped). */
export interface ChunkResult {
  readonly records: EvtxRecord[];
  readonly damage: EvtxDamage[];
}

function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

const CHUNK_MAGIC = [0x45, 0x6c, 0x66, 0x43, 0x68, 0x6e, 0x6b, 0x00]; // "ElfChnk\0"

/**
 * Decodes the records of one chunk. Never throws: a bad signature skips the chunk; a bad
 * header or data checksum is reported and the records are still read (each one is checked
 * on its own: magic, size, size copy, binary XML); a damaged record is reported and the
 * reader resynchronises on the next record signature.
 */
export function decodeChunk(bytes: Uint8Array, chunk: number): ChunkResult {
  const records: EvtxRecord[] = [];
  const damage: EvtxDamage[] = [];
  if (bytes.length < CHUNK_HEADER_SIZE) {
    if (!isAllZero(bytes)) damage.push({ chunk, message: `chunk truncated to ${bytes.length} bytes (header needs ${CHUNK_HEADER_SIZE})` });
    return { records, damage };
  }
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== CHUNK_MAGIC[i]) {
      if (!isAllZero(bytes)) damage.push({ chunk, message: 'no chunk signature "ElfChnk" (chunk skipped)' });
      return { records, damage };
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerCrc = crc32(bytes, 128, CHUNK_HEADER_SIZE, crc32(bytes, 0, 120));
  if (headerCrc !== view.getUint32(124, true)) damage.push({ chunk, message: 'chunk header checksum mismatch (records still read one by one)' });
  let end = view.getUint32(48, true);
  if (end < CHUNK_HEADER_SIZE || end > CHUNK_SIZE) {
    damage.push({ chunk, message: `chunk free-space offset ${end} out of range (records read up to the chunk's end)` });
    end = CHUNK_SIZE;
  } else if (crc32(bytes, CHUNK_HEADER_SIZE, Math.min(end, bytes.length)) !== view.getUint32(52, true)) {
    damage.push({ chunk, message: 'chunk records checksum mismatch (records still read one by one)' });
  }
  if (end > bytes.length) {
    damage.push({ chunk, message: `chunk truncated at ${bytes.length} of ${end} bytes of records` });
    end = bytes.length;
  }
  const decoder = new ChunkDecoder(bytes);
  let pos = CHUNK_HEADER_SIZE;
  while (pos + 28 <= end) {
    if (view.getUint32(pos, true) !== RECORD_MAGIC) {
      const next = findRecord(view, pos + 1, end);
      damage.push({ chunk, message: `no record signature at chunk offset ${pos}; ${next < 0 ? 'rest of chunk skipped' : `resuming at offset ${next}`}` });
      if (next < 0) break;
      pos = next;
      continue;
    }
    const size = view.getUint32(pos + 4, true);
    const recordId = Number(view.getBigUint64(pos + 8, true));
    if (size < 28 || pos + size > end || view.getUint32(pos + size - 4, true) !== size) {
      const next = findRecord(view, pos + 1, end);
      damage.push({ chunk, recordId, message: `record at chunk offset ${pos} has a bad size ${size}; ${next < 0 ? 'rest of chunk skipped' : `resuming at offset ${next}`}` });
      if (next < 0) break;
      pos = next;
      continue;
    }
    const value = decodeRecordSafely(decoder, pos + 24, pos + size - 4, chunk, recordId, damage);
    if (value !== undefined) records.push({ recordId, offset: pos, size, value });
    pos += size;
  }
  return { records, damage };
}

function decodeRecordSafely(
  decoder: ChunkDecoder,
  start: number,
  end: number,
  chunk: number,
  recordId: number,
  damage: EvtxDamage[],
): Record<string, unknown> | undefined {
  try {
    const value = decoder.decodeRecord(start, end);
    for (const _ in value) return value;
    damage.push({ chunk, recordId, message: 'record skipped: its binary XML holds no element' });
    return undefined;
  } catch (error) {
    const reason = error instanceof BinXmlError ? error.message : error instanceof RangeError ? 'binary XML reads past the chunk' : String(error);
    damage.push({ chunk, recordId, message: `record skipped: ${reason}` });
    return undefined;
  }
}

/** The next offset at or after `from` holding a plausible record (magic, size and size copy agree), or -1. */
function findRecord(view: DataView, from: number, end: number): number {
  for (let p = from; p + 28 <= end; p++) {
    if (view.getUint32(p, true) !== RECORD_MAGIC) continue;
    const size = view.getUint32(p + 4, true);
    if (size >= 28 && p + size <= end && view.getUint32(p + size - 4, true) === size) return p;
  }
  return -1;
}
