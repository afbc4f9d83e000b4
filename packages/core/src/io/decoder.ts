// The decoder seam: what turns one input's bytes into records. readInputs (read-records.ts)
// finds the inputs, opens files, unpacks gzip and tells the format from the first bytes;
// then one RecordDecoder per file takes the bytes as they come. JSON (Lines, arrays,
// concatenated values) is RecordSplitter; EVTX is EvtxDecoder. Both hand records either to
// their own chunks (parsed mode, readRecords) or to a RawRecordSink (raw mode, the worker pool).
import { EvtxDecoder } from './evtx/evtx-decoder.js';
import { RecordSplitter } from './record-splitter.js';
import type { SplitterOptions } from './record-splitter.js';
import type { SourceRecord } from './record-types.js';

/** The formats a decoder exists for. */
export type DecoderKind = 'json' | 'evtx';

/** One file's decoder: bytes in (push, then end or discardPartial), records out. */
export interface RecordDecoder {
  /** True once the decoder gave up on the file; the reader then stops reading it. */
  readonly isStopped: boolean;
  /**
   * True when the decoder keeps no reference to a chunk once push() returned, so the reader
   * may read the next bytes into the same buffer (read-chunks.ts, ReadBufferReuse).
   * Absent or false: every chunk must stay as it was for as long as the decoder lives.
   */
  readonly releasesChunks?: boolean;
  /** The next bytes of the file (any size, in order). */
  push(chunk: Buffer): void;
  /** The file ended: decode and report whatever is left. */
  end(): void;
  /** Reading failed (a corrupt gzip stream, an I/O error): keep what was decoded, report nothing more. */
  discardPartial(): void;
  /** Stops decoding without a report: the consumer gave up on the file and said why. */
  abandon(): void;
  /** Parsed mode: the full chunks of records ready so far. */
  takeReady(): readonly SourceRecord[][];
  /** Parsed mode: the last, partial chunk; call after end(). */
  takeRest(): SourceRecord[];
}

/** The decoder for a file of format `kind`. */
export function createRecordDecoder(kind: DecoderKind, options: SplitterOptions): RecordDecoder {
  return kind === 'evtx' ? new EvtxDecoder(options) : new RecordSplitter(options);
}
