// EVTX (Windows XML Event Log) reader: file header, 64 KiB chunks, records, binary XML.
export { decodeChunk, CHUNK_SIZE, FILE_HEADER_SIZE } from './chunk.js';
export type { ChunkResult, EvtxDamage, EvtxRecord } from './chunk.js';
export { EVTX_MAGIC, checkFileHeader, isEvtxMagic, chunkItems, readEvtx, readEvtxBuffer, readEvtxChunks } from './read-evtx.js';
export type { EvtxItem } from './read-evtx.js';
