// EVTX behind the decoder seam: takes a file's bytes as they come (any read size, plain or
// from gzip or stdin), cuts them into the 4 KiB file header and 64 KiB chunks, and decodes
// each chunk as soon as it is complete (or, for the worker pool, hands the undecoded chunk
// on: the workers decode). Memory: one chunk buffer, whatever the file size.
import { RecordChunks } from '../record-chunks.js';
import type { SplitterOptions } from '../record-splitter.js';
import type { BadRecord, SourceRecord } from '../record-types.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './chunk.js';
import type { EvtxDamage } from './chunk.js';
import { checkFileHeader, chunkItems, headerChunkCount } from './read-evtx.js';

/**
 * Records are numbered 1, 2, … in file order (chunk order, then record order within a
 * chunk): the order evtx_dump writes them in, so an alert on record n of a .evtx is on
 * record n of its evtx_dump JSON twin. Damage is reported as a `bad-evtx` BadRecord with
 * record 0 (the chunk and EventRecordID are in the message) and takes no record number.
 * @internal
 */
export class EvtxDecoder {
  isStopped = false;
  private readonly options: SplitterOptions;
  private block = new Uint8Array(FILE_HEADER_SIZE);
  private filled = 0;
  private isHeaderDone = false;
  private claimedChunks = 0;
  private chunkIndex = 0;
  private bytesAfterHeader = 0;
  private recordNumber = 0;
  private readonly chunks: RecordChunks;

  constructor(options: SplitterOptions) {
    this.options = options;
    this.chunks = new RecordChunks(options.chunkRecords);
  }

  push(chunk: Buffer): void {
    if (this.isStopped) return;
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(this.block.length - this.filled, chunk.length - at);
      this.block.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.block.length) this.flushBlock();
    }
  }

  end(): void {
    if (this.isStopped) return;
    if (this.filled > 0) this.flushBlock();
    const whole = Math.floor(this.bytesAfterHeader / CHUNK_SIZE);
    if (whole < this.claimedChunks) {
      this.report({ chunk: whole, message: `file truncated: the header counts ${this.claimedChunks} chunks, the file ends inside chunk ${whole}` });
    }
  }

  discardPartial(): void {
    // The records of a partial chunk before the damage are good: keep them.
    if (this.filled > 0 && this.isHeaderDone) this.flushBlock();
    this.filled = 0;
  }

  abandon(): void {
    this.isStopped = true;
    this.filled = 0;
  }

  takeReady(): readonly SourceRecord[][] {
    return this.chunks.takeReady();
  }

  takeRest(): SourceRecord[] {
    return this.chunks.takeRest();
  }

  private flushBlock(): void {
    const bytes = this.block.subarray(0, this.filled);
    this.filled = 0;
    if (!this.isHeaderDone) {
      this.isHeaderDone = true;
      for (const damage of checkFileHeader(bytes)) this.report(damage);
      this.claimedChunks = headerChunkCount(bytes);
      this.block = new Uint8Array(CHUNK_SIZE);
      return;
    }
    this.bytesAfterHeader += bytes.length;
    const sink = this.options.sink;
    if (sink?.addEvtxChunk !== undefined) {
      // Raw mode: the worker that gets the chunk decodes it (the pool numbers its records).
      sink.addEvtxChunk(bytes, this.chunkIndex++, this.claimedChunks);
      return;
    }
    for (const item of chunkItems(this.chunkIndex++, bytes, this.claimedChunks)) {
      if (item.kind === 'damage') this.report(item.damage);
      else this.emit(item.record.value);
    }
  }

  private emit(value: Record<string, unknown>): void {
    const record = ++this.recordNumber;
    const sink = this.options.sink;
    if (sink !== undefined && sink !== null) {
      const text = Buffer.from(JSON.stringify(value));
      sink.add(text, 0, text.length, record, 0);
      return;
    }
    this.chunks.add({ path: this.options.path, record, value });
  }

  private report(damage: EvtxDamage): void {
    this.options.onBadRecord?.(evtxBadRecord(this.options.path, damage));
  }
}

/** How EVTX damage is reported: a `bad-evtx` BadRecord with record and line 0, the place in the message. */
export function evtxBadRecord(path: string, damage: EvtxDamage): BadRecord {
  const where = damage.chunk < 0 ? 'file header' : `chunk ${damage.chunk}${damage.recordId === undefined ? '' : `, EventRecordID ${damage.recordId}`}`;
  return Object.freeze({ path, record: 0, line: 0, code: 'bad-evtx', message: `${where}: ${damage.message}` });
}
