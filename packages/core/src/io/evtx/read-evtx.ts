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
export async function* readEvtxChunks(path: string): AsyncGenerator<{ index: number; bytes: Uint8Array } | { header: EvtxDamage[] }> {
  const handle = await open(path, 'r');
  try {
    const header = new Uint8Array(FILE_HEADER_SIZE);
    const { bytesRead } = await handle.read(header, 0, FILE_HEADER_SIZE, 0);
    yield { header: checkFileHeader(header.subarray(0, bytesRead)) };
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

/** Reads an EVTX file as a stream of records and damage reports, in file order. */
export async function* readEvtx(path: string): AsyncGenerator<EvtxItem> {
  for await (const item of readEvtxChunks(path)) {
    if ('header' in item) {
      for (const damage of item.header) yield { kind: 'damage', damage };
      continue;
    }
    const { records, damage } = decodeChunk(item.bytes, item.index);
    for (const d of damage) yield { kind: 'damage', damage: d };
    for (const record of records) yield { kind: 'record', chunk: item.index, record };
  }
}
