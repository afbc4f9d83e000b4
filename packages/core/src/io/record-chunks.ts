// Parsed records grouped in chunks of a fixed size: what every decoder's parsed mode
// hands to readRecords (full chunks as they fill, then the partial rest).
import type { SourceRecord } from './record-types.js';

const NO_CHUNKS: readonly SourceRecord[][] = Object.freeze([]);

/** @internal */
export class RecordChunks {
  private readonly size: number;
  private current: SourceRecord[] = [];
  private ready: SourceRecord[][] = [];

  constructor(size: number) {
    this.size = size;
  }

  add(record: SourceRecord): void {
    const out = this.current;
    out.push(record);
    if (out.length >= this.size) {
      this.ready.push(out);
      this.current = [];
    }
  }

  /** Full chunks of records ready to hand out, oldest first (empty array if none). */
  takeReady(): readonly SourceRecord[][] {
    if (this.ready.length === 0) return NO_CHUNKS;
    const ready = this.ready;
    this.ready = [];
    return ready;
  }

  /** The last, partial chunk; call after end(). */
  takeRest(): SourceRecord[] {
    const rest = this.current;
    this.current = [];
    return rest;
  }
}
