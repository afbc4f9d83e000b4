// Streaming EVTX file reader: the 4 KiB file header, then one 64 KiB chunk at a time (the
// whole file is never in memory). Chunks are read up to the end of the file, not only up to
// the header's chunk count: a file copied while in use ("dirty" header) often has valid
// chunks the header does not count yet. All-zero (preallocated) chunks are skipped silently.
import { open } from 'node:fs/promises';
import { CHUNK_SIZE, FILE_HEADER_SIZE, decodeChunk } from './chunk.js';
import type { EvtxDamage, EvtxRecord } from './chunk.js';
import { crc32 } from './crc32.js';

/** The first 8 bytes of every EVTX file. */
export const EVTX_MAGIC = Buffer.from('ElfFile\0', 'latin1');

/** True when `head` starts with the EVTX file signature. */
export function isEvtxMagic(head: Uint8Array): boolean {
  if (head.length < EVTX_MAGIC.length) return false;
  for (let i = 0; i < EVTX_MAGIC.length; i++) if (head[i] !== EVTX_MAGIC[i]) return false;
  return true;
}

/** What the reader yields, in file order: records, and damage (reported, then skipped). */
export type EvtxItem =
  | { readonly kind: 'record'; readonly chunk: number; readonly record: EvtxRecord }
  | { readonly kind: 'damage'; readonly damage: EvtxDamage };

/** Checks the file header; returns the damage found (empty when it is sound). */
export function checkFileHeader(header: Uint8Array): EvtxDamage[] {
  if (header.length < 128) return [{ chunk: -1, message: `file header truncated to ${header.length} bytes` }];
  if (!isEvtxMagic(header)) return [{ chunk: -1, message: 'no file signature "ElfFile" (chunks still searched)' }];
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const damage: EvtxDamage[] = [];
  if (crc32(header, 0, 120) !== view.getUint32(124, true)) damage.push({ chunk: -1, message: 'file header checksum mismatch (chunks still read)' });
  return damage;
}

/** Yields the chunk buffers of an EVTX file, one 64 KiB read at a time. */
export async function* readEvtxChunks(path: string): AsyncGenerator<{ index: number; bytes: Uint8Array } | { header: EvtxDamage[]; claimedChunks: number }> {
  const handle = await open(path, 'r');
  try {
    const header = new Uint8Array(FILE_HEADER_SIZE);
    const { bytesRead } = await handle.read(header, 0, FILE_HEADER_SIZE, 0);
    yield { header: checkFileHeader(header.subarray(0, bytesRead)), claimedChunks: headerChunkCount(header.subarray(0, bytesRead)) };
    for (let index = 0; ; index++) {
      const bytes = new Uint8Array(CHUNK_SIZE);
      const got = (await handle.read(bytes, 0, CHUNK_SIZE, FILE_HEADER_SIZE + index * CHUNK_SIZE)).bytesRead;
      if (got === 0) break;
      yield { index, bytes: got === CHUNK_SIZE ? bytes : bytes.subarray(0, got) };
      if (got < CHUNK_SIZE) break;
    }
  } finally {
    await handle.close();
  }
}

/** The chunk count the file header claims (0 when the header is unreadable). */
export function headerChunkCount(header: Uint8Array): number {
  return header.length >= 44 && isEvtxMagic(header) ? new DataView(header.buffer, header.byteOffset).getUint16(42, true) : 0;
}

/** The items of one chunk: its damage first, then its records. */
export function* chunkItems(index: number, bytes: Uint8Array, claimedChunks: number): Generator<EvtxItem> {
  const { records, damage } = decodeChunk(bytes, index);
  if (records.length === 0 && damage.length === 0 && index < claimedChunks && bytes[0] === 0) {
    yield { kind: 'damage', damage: { chunk: index, message: 'chunk is empty (all zero) although the file header counts it' } };
  }
  for (const d of damage) yield { kind: 'damage', damage: d };
  for (const record of records) yield { kind: 'record', chunk: index, record };
}

/** Damage when the file ends before the chunks its header counts. */
function missingChunks(claimed: number, bytesAfterHeader: number): EvtxItem[] {
  const whole = Math.floor(Math.max(0, bytesAfterHeader) / CHUNK_SIZE);
  if (whole >= claimed) return [];
  return [{ kind: 'damage', damage: { chunk: whole, message: `file truncated: the header counts ${claimed} chunks, the file ends inside chunk ${whole}` } }];
}

/** Reads an EVTX file as a stream of records and damage reports, in file order. */
export async function* readEvtx(path: string): AsyncGenerator<EvtxItem> {
  let claimed = 0;
  let bytesAfterHeader = 0;
  for await (const item of readEvtxChunks(path)) {
    if ('header' in item) {
      claimed = item.claimedChunks;
      for (const damage of item.header) yield { kind: 'damage', damage };
    } else {
      bytesAfterHeader += item.bytes.length;
      yield* chunkItems(item.index, item.bytes, claimed);
    }
  }
  yield* missingChunks(claimed, bytesAfterHeader);
}

/** The same as {@link readEvtx} over bytes already in memory (tests, fuzzing). */
export function* readEvtxBuffer(bytes: Uint8Array): Generator<EvtxItem> {
  const header = bytes.subarray(0, FILE_HEADER_SIZE);
  for (const damage of checkFileHeader(header)) yield { kind: 'damage', damage };
  const claimed = headerChunkCount(header);
  for (let index = 0, start = FILE_HEADER_SIZE; start < bytes.length; index++, start += CHUNK_SIZE) {
    yield* chunkItems(index, bytes.subarray(start, Math.min(start + CHUNK_SIZE, bytes.length)), claimed);
  }
  yield* missingChunks(claimed, bytes.length - FILE_HEADER_SIZE);
}
