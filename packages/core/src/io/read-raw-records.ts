// The reader for the worker pool: the same inputs, files, gzip, format detection and
// framing as readRecords (the same code: readInputs and RecordSplitter), but records are
// not decoded or parsed here. Each chunk carries the records' bytes in one transferable
// buffer, so JSON.parse, the most expensive step of reading, runs in the workers
// (DESIGN.md "Why workers").
import type { RecordOutput } from './read-records.js';
import type { BadRecord, ReadOptions } from './record-types.js';
import { positiveInteger, readInputs } from './read-records.js';
import { takeChunkBuffer } from './chunk-buffers.js';
import { createRecordDecoder } from './decoder.js';
import type { DecoderKind, RecordDecoder } from './decoder.js';
import type { RawRecordSink, SplitterOptions } from './record-splitter.js';
import type { TextFormat } from './formats/text-formats.js';
import type { TextHeader } from './formats/header-formats.js';

/**
 * Records of one file, split but not parsed, plus the problems found while splitting.
 *
 * Record `i` is the UTF-8 text `bytes[ends[i - 1] ?? 0, ends[i])` (already checked to be
 * valid UTF-8, without line end or BOM), starting on line `lines[i]`, and is record number
 * `records[i]` of its file. Record numbers are not consecutive when records were skipped
 * while splitting (too large, invalid UTF-8, unclosed): those are in `bad` instead.
 * `bytes` owns its ArrayBuffer (never Node's shared Buffer pool), so it can be moved to a
 * worker in a transfer list.
 *
 * Records are not yet known to be JSON objects: whoever parses them reports `bad-json` and
 * `not-object` records and applies the per-file limit on invalid records in a row
 * (`BadRunLimit`), calling {@link RawRecordStream.stopFile} when it is reached. The
 * DetectorPool does all of that.
 */
export interface RawChunk {
  readonly path: string;
  /** 0-based ordinal of the file in this read; -1 for input errors found before any file. */
  readonly file: number;
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly ends: Int32Array;
  /** Float64: line and record numbers of a file of a few hundred GB can pass 2^31. */
  readonly lines: Float64Array;
  readonly records: Float64Array;
  /** Problems found while splitting and reading (everything but JSON errors), in file order. */
  readonly bad: readonly BadRecord[];
  /**
   * For each entry of `bad`: how many records of this chunk come before it (in an EVTX
   * chunk: how many EVTX chunks).
   */
  readonly badAt: readonly number[];
  /**
   * Set when the chunk holds undecoded EVTX chunks instead of records (`count` is then 0:
   * how many records they hold is only known once a worker decoded them).
   */
  readonly evtx?: EvtxChunks;
  /** Set when the records are lines of a text format (else JSON): whoever parses them uses parseTextLine. */
  readonly text?: TextFormat;
  /** Header formats (Zeek TSV, W3C, CSV): the header the records are read under. */
  readonly header?: TextHeader;
}

/**
 * EVTX chunks of one file, back to back in {@link RawChunk.bytes}: EVTX chunk `i` is
 * `bytes[ends[i - 1] ?? 0, ends[i])`, chunk number `first + i` of its file. Records are
 * numbered in the pool, in file order, as the in-thread EVTX decoder numbers them.
 */
export interface EvtxChunks {
  readonly count: number;
  readonly ends: Int32Array;
  /** 0-based index in the file of the first EVTX chunk. */
  readonly first: number;
  /** The chunk count the file header claims (an all-zero chunk it counts is damage). */
  readonly claimedChunks: number;
}

/** Options of {@link readRawRecords}: those of readRecords, without `onBadRecord` (bad records travel in the chunks). */
export interface RawReadOptions extends Omit<ReadOptions, 'onBadRecord'> {
  /**
   * Records per chunk, at most; default 2048. A chunk is one worker task and one batch per
   * rule set: larger batches share the evaluator's per-batch work (per-rule and
   * per-distinct-value) over more events (2048 also is the in-thread hunt's batch size).
   */
  readonly chunkRecords?: number;
  /** A chunk is closed once its records hold this many bytes; default 4 MiB. Bounds the memory of chunks in flight. */
  readonly chunkBytes?: number;
}

/** The chunks of {@link readRawRecords}, and a way to give up on a file. */
export interface RawRecordStream extends AsyncIterable<RawChunk> {
  /**
   * Stops reading file `file` (a {@link RawChunk.file}) without a report: no more chunks
   * of it are produced. For the consumer that found the file's records keep failing.
   */
  stopFile(file: number): void;
}

const DEFAULT_CHUNK_RECORDS = 2048;
/**
 * EVTX chunks per task, at most (also closed at `chunkBytes`): 32 × 64 KiB hold about 750
 * to 4,000 records (SigmaHQ's samples: 23 to 120 per chunk), about a JSON chunk's worth;
 * fewer, larger tasks share the evaluator's per-batch work (measured on bench:evtx's
 * 128 MB file, --workers 0: 8.7 s user CPU with 32, 9.1 s with 8).
 */
const EVTX_CHUNKS_PER_TASK = 32;
const DEFAULT_CHUNK_BYTES = 4 << 20;
const MIN_CAPACITY = 64 * 1024;
const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_INTS = new Int32Array(0);
const EMPTY_NUMBERS = new Float64Array(0);
/** Chunk offsets are Int32. */
const MAX_CHUNK_BYTES = 1 << 30;
const NO_CHUNKS: readonly RawChunk[] = Object.freeze([]);

/**
 * Reads JSON events like {@link readRecords} (same inputs, formats, order and bad-record
 * reports), but yields unparsed chunks for workers to parse. Bad records found while
 * splitting are not reported through a callback but carried in the chunks, at their place
 * between the records, so a consumer that runs chunks in parallel can still report every
 * problem in file order. Chunks never mix files; a chunk may hold only reports.
 *
 * @example
 * const stream = readRawRecords(['logs/']);
 * for await (const chunk of stream) pool.submit(chunk); // see DetectorPool.detect
 */
export function readRawRecords(inputs: readonly string[], options: RawReadOptions = {}): RawRecordStream {
  return new RawRecordReader(inputs, options);
}

class RawRecordReader implements RawRecordStream {
  readonly #inputs: readonly string[];
  readonly #options: RawReadOptions;
  readonly #output: RawChunkBuilder;
  #stoppedFile = Number.NaN;

  constructor(inputs: readonly string[], options: RawReadOptions) {
    this.#inputs = inputs;
    this.#options = options;
    this.#output = RawChunkBuilder.fromOptions(options);
  }

  [Symbol.asyncIterator](): AsyncIterator<RawChunk> {
    return this.#chunks();
  }

  stopFile(file: number): void {
    this.#stoppedFile = file;
    this.#output.stopFile(file);
  }

  async *#chunks(): AsyncGenerator<RawChunk> {
    const output = this.#output;
    for await (const chunk of readInputs(this.#inputs, { ...this.#options, onBadRecord: (bad) => output.addBad(bad) }, output)) {
      // One read can split into many chunks, handed out one by one: drop those of a stopped file.
      if (chunk.file !== this.#stoppedFile) yield chunk;
    }
  }
}

/**
 * Collects the records a splitter hands over into chunks: bytes copied back to back into
 * one buffer per chunk (one native copy per record, no strings), offsets and line numbers
 * into typed arrays. (Also the output of followRawRecords.)
 * @internal
 */
export class RawChunkBuilder implements RecordOutput<RawChunk>, RawRecordSink {
  readonly #chunkRecords: number;
  readonly #chunkBytes: number;
  #path = '';
  #text: TextFormat | null = null;
  #header: TextHeader | null = null;
  #file = -1;
  #splitter: RecordDecoder | null = null;
  #ready: RawChunk[] = [];

  #bytes: Buffer | null = null;
  #used = 0;
  /** Bytes to allocate for the next chunk: about what the last one needed. */
  #capacity = MIN_CAPACITY;
  #ends: Int32Array;
  #lines: Float64Array;
  #records: Float64Array;
  #count = 0;
  #bad: BadRecord[] = [];
  #badAt: number[] = [];
  /** EVTX chunks in the current chunk (while it holds EVTX chunks instead of records). */
  #evtxCount = 0;
  #evtxEnds = new Int32Array(EVTX_CHUNKS_PER_TASK);
  #evtxFirst = 0;
  #evtxClaimed = 0;

  /** A builder with the chunk size limits of `options` (defaults: 2048 records, 4 MiB); RangeError on bad values. */
  static fromOptions(options: Pick<RawReadOptions, 'chunkRecords' | 'chunkBytes'>): RawChunkBuilder {
    return new RawChunkBuilder(
      positiveInteger(options.chunkRecords, DEFAULT_CHUNK_RECORDS, 'chunkRecords'),
      Math.min(positiveInteger(options.chunkBytes, DEFAULT_CHUNK_BYTES, 'chunkBytes'), MAX_CHUNK_BYTES),
    );
  }

  constructor(chunkRecords: number, chunkBytes: number) {
    this.#chunkRecords = chunkRecords;
    this.#chunkBytes = chunkBytes;
    this.#ends = new Int32Array(chunkRecords);
    this.#lines = new Float64Array(chunkRecords);
    this.#records = new Float64Array(chunkRecords);
  }

  beginFile(path: string): void {
    this.#text = null;
    this.#header = null;
    this.#path = path;
    this.#file++;
    this.#splitter = null;
  }

  createDecoder(kind: DecoderKind, options: SplitterOptions): RecordDecoder {
    this.#splitter = createRecordDecoder(kind, { ...options, sink: this });
    this.#text = options.text ?? null;
    return this.#splitter;
  }

  /**
   * followRawRecords: the records that come next are those of `decoder` (made here with
   * createDecoder), a followed file read by turns with others; a new chunk file begins.
   */
  resumeFile(path: string, decoder: RecordDecoder, text: TextFormat | null): void {
    this.beginFile(path);
    this.#splitter = decoder;
    this.#text = text;
  }

  add(buf: Buffer, start: number, end: number, record: number, line: number): void {
    const length = end - start;
    let bytes = this.#bytes;
    if (bytes === null || this.#used + length > bytes.length) bytes = this.#grow(this.#used + length);
    buf.copy(bytes, this.#used, start, end);
    this.#used += length;
    const i = this.#count++;
    this.#ends[i] = this.#used;
    this.#lines[i] = line;
    this.#records[i] = record;
    if (this.#count >= this.#chunkRecords || this.#used >= this.#chunkBytes) this.#ready.push(this.#close());
  }

  addEvtxChunk(bytes: Uint8Array, chunk: number, claimedChunks: number): void {
    if (this.#count > 0) this.#ready.push(this.#close()); // never happens within one file; chunks never mix kinds
    let buffer = this.#bytes;
    if (buffer === null || this.#used + bytes.length > buffer.length) buffer = this.#grow(Math.max(this.#used + bytes.length, Math.min(EVTX_CHUNKS_PER_TASK * bytes.length, this.#chunkBytes)));
    buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    if (this.#evtxCount === 0) {
      this.#evtxFirst = chunk;
      this.#evtxClaimed = claimedChunks;
    }
    this.#evtxEnds[this.#evtxCount++] = this.#used;
    if (this.#evtxCount >= EVTX_CHUNKS_PER_TASK || this.#used >= this.#chunkBytes) this.#ready.push(this.#close());
  }

  setHeader(header: TextHeader): void {
    if (this.#count > 0) this.#ready.push(this.#close()); // a chunk's records share one header
    this.#header = header;
  }

  addBad(bad: BadRecord): void {
    this.#bad.push(bad);
    this.#badAt.push(this.#evtxCount > 0 ? this.#evtxCount : this.#count);
  }

  takeReady(): readonly RawChunk[] {
    if (this.#ready.length === 0) return NO_CHUNKS;
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  takeRest(): RawChunk | null {
    return this.#count === 0 && this.#evtxCount === 0 && this.#bad.length === 0 ? null : this.#close();
  }

  stopFile(file: number): void {
    if (file !== this.#file) return;
    this.#splitter?.abandon();
    // What is already split of that file would only be dropped by the consumer.
    this.#ready = this.#ready.filter((c) => c.file !== file);
    this.#used = 0;
    this.#count = 0;
    this.#evtxCount = 0;
    this.#bad = [];
    this.#badAt = [];
  }

  #grow(needed: number): Buffer {
    let capacity = Math.max(this.#capacity, MIN_CAPACITY);
    while (capacity < needed) capacity *= 2;
    // A buffer of its own, never a slice of the shared pool, so it can be transferred.
    const bytes = takeChunkBuffer(capacity);
    if (this.#bytes !== null && this.#used > 0) this.#bytes.copy(bytes, 0, 0, this.#used);
    this.#bytes = bytes;
    this.#capacity = capacity;
    return bytes;
  }

  #close(): RawChunk {
    if (this.#evtxCount > 0) return this.#closeEvtx();
    const count = this.#count;
    const chunk: RawChunk = {
      path: this.#path,
      file: this.#file,
      count,
      bytes: this.#bytes === null || count === 0 ? EMPTY_BYTES : this.#bytes.subarray(0, this.#used),
      ends: count === 0 ? EMPTY_INTS : this.#ends.slice(0, count),
      lines: count === 0 ? EMPTY_NUMBERS : this.#lines.slice(0, count),
      records: count === 0 ? EMPTY_NUMBERS : this.#records.slice(0, count),
      bad: this.#bad,
      badAt: this.#badAt,
      ...(this.#text === null ? {} : { text: this.#text }),
      ...(this.#header === null ? {} : { header: this.#header }),
    };
    if (count > 0) {
      // The next chunk of a big file needs about as much; a small file's leftover shrinks it.
      this.#capacity = Math.min(Math.max(MIN_CAPACITY, this.#used + (this.#used >> 3)), this.#chunkBytes + (this.#chunkBytes >> 3));
      this.#bytes = null;
    }
    this.#used = 0;
    this.#count = 0;
    this.#bad = [];
    this.#badAt = [];
    return chunk;
  }

  #closeEvtx(): RawChunk {
    const count = this.#evtxCount;
    const chunk: RawChunk = {
      path: this.#path,
      file: this.#file,
      count: 0,
      bytes: (this.#bytes as Buffer).subarray(0, this.#used),
      ends: EMPTY_INTS,
      lines: EMPTY_NUMBERS,
      records: EMPTY_NUMBERS,
      bad: this.#bad,
      badAt: this.#badAt,
      evtx: { count, ends: this.#evtxEnds.slice(0, count), first: this.#evtxFirst, claimedChunks: this.#evtxClaimed },
    };
    this.#bytes = null;
    this.#used = 0;
    this.#evtxCount = 0;
    this.#bad = [];
    this.#badAt = [];
    return chunk;
  }
}
