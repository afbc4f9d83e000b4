import { isUtf8 } from 'node:buffer';
import type { RecordFormat } from './detect-format.js';
import { BadRunLimit } from './bad-run-limit.js';
import { RecordChunks } from './record-chunks.js';
import { RecordFailure, firstInvalidUtf8, parseRecordObject } from './parse-record.js';
import { isHeaderFormat, LineFailure, lineParser, type LineParser, type TextFormat } from './formats/text-formats.js';
import { HeaderReader, type TextHeader } from './formats/header-formats.js';
import type { BadRecord, BadRecordCode, SourceRecord } from './record-types.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

// Where the value-stream scanner is between bytes.
const BETWEEN = 0; // between records
const CONTAINER = 1; // inside a record that is an object or array
const TOP_STRING = 2; // inside a record that is a bare string
const SCALAR = 3; // inside a record that is a bare number, literal or garbage

/**
 * Where a splitter in raw mode puts each record instead of parsing it (readRawRecords:
 * the pool's workers parse). `buf[start, end)` is one record's text, valid UTF-8, without
 * its line end or BOM; the sink must copy what it keeps, `buf` may be reused.
 * @internal
 */
export interface RawRecordSink {
  /** One record, `buf[start, end)`. The sink must copy what it keeps: the reader may read the next bytes into `buf` (RecordSplitter.releasesChunks). */
  add(buf: Buffer, start: number, end: number, record: number, line: number): void;
  /**
   * An EVTX chunk (64 KiB, or less at the end of a file), not decoded: chunks are
   * independent, so the workers decode them (readRawRecords). `chunk` is its 0-based
   * index in the file, `claimedChunks` the file header's chunk count. The sink must copy
   * what it keeps. Without this method the EVTX decoder decodes here and calls `add`.
   */
  addEvtxChunk?(bytes: Uint8Array, chunk: number, claimedChunks: number): void;
  /** A header format's header changed (records after it are parsed under it): see header-formats.ts. */
  setHeader?(header: TextHeader): void;
}

/** What a splitter needs to know about the file and the caller. */
export interface SplitterOptions {
  readonly path: string;
  readonly format: RecordFormat;
  /** Pretty-printed with indentation: a `{` in column 0 then always starts a record. */
  readonly isIndented: boolean;
  readonly maxRecordBytes: number;
  readonly chunkRecords: number;
  readonly onBadRecord: ((bad: BadRecord) => void) | undefined;
  /**
   * Raw mode: records go to this sink unparsed (and chunks are the sink's business). A
   * record handed over counts as valid for the bad-run limit; the consumer that parses
   * them applies the exact limit (see {@link BadRunLimit}).
   */
  readonly sink?: RawRecordSink | null;
  /** Lines of this text format instead of JSON (`format` is then `jsonl`: one record per line). */
  readonly text?: TextFormat | null;
}

/**
 * Turns a file's bytes, pushed chunk by chunk, into parsed records grouped in chunks of
 * `chunkRecords`; in raw mode (with a `sink`) it hands each record's bytes to the sink
 * instead. Synchronous and allocation-light: per record it allocates the decoded string,
 * the parsed value and the {@link SourceRecord}; per input chunk one UTF-8 check.
 * @internal
 *
 * @example
 * const s = new RecordSplitter({ path: 'a.jsonl', format: 'jsonl', isIndented: false,
 *   maxRecordBytes: 1 << 24, chunkRecords: 1024, onBadRecord: undefined });
 * s.push(Buffer.from('{"a":1}\n')); s.end(); s.takeRest(); // [{ path: 'a.jsonl', record: 1, value: { a: 1 } }]
 */
export class RecordSplitter {
  /** Set once the file was given up on (too many invalid records); push() then does nothing. */
  isStopped = false;

  private readonly path: string;
  private readonly isJsonLines: boolean;
  private readonly isIndented: boolean;
  private readonly maxRecordBytes: number;
  private readonly onBadRecord: ((bad: BadRecord) => void) | undefined;
  private readonly sink: RawRecordSink | null;
  private readonly text: TextFormat | null;
  /** Header formats: the header lines seen so far. */
  private readonly headers: HeaderReader | null;
  /** Text formats (parsed mode): the line parser, rebuilt when the header changes. */
  private parseLine: LineParser | null;
  private readonly limit = new BadRunLimit();

  private readonly chunks: RecordChunks;
  private recordCount = 0;
  /** Line number of the byte being read (value stream) or of the line being read (JSON Lines). */
  private line = 1;
  /** Bytes of the record in progress from earlier chunks; joined once when it ends. */
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  /** The record in progress is too large and was reported: stream past it. */
  private isSkipping = false;

  // Value-stream state that survives chunk boundaries.
  private mode = BETWEEN;
  private depth = 0;
  private inString = false;
  private isEscaped = false;
  private inArray = false;
  private arrayLine = 0;
  private recordStart = 0;
  private recordLine = 0;
  private recordNumber = 0;
  private lastByte = LF;

  constructor(options: SplitterOptions) {
    this.path = options.path;
    this.isJsonLines = options.format === 'jsonl';
    this.isIndented = options.isIndented;
    this.maxRecordBytes = options.maxRecordBytes;
    this.chunks = new RecordChunks(options.chunkRecords);
    this.onBadRecord = options.onBadRecord;
    this.sink = options.sink ?? null;
    this.text = options.text ?? null;
    this.headers = this.text !== null && isHeaderFormat(this.text) ? new HeaderReader(this.text) : null;
    this.parseLine = this.text === null ? null : lineParser(this.text, null);
  }

  /**
   * After push() returns, the splitter holds no reference to `chunk`: what it keeps of an
   * unfinished record is a copy. The reader can then read the next bytes into the same
   * buffer ({@link RecordDecoder.releasesChunks}).
   */
  readonly releasesChunks = true;

  /** Feeds the next chunk of the file; the splitter keeps no reference to it (see releasesChunks). */
  push(chunk: Buffer): void {
    if (this.isStopped || chunk.length === 0) return;
    if (this.isJsonLines) this.pushLines(chunk);
    else this.pushValues(chunk);
  }

  /** Ends the file: a last line without newline is still a record; an unclosed value is reported. */
  end(): void {
    if (this.isStopped) return;
    if (this.isJsonLines) {
      if (!this.isSkipping && this.pieces.length > 0) {
        const buf = this.joinPieces(null, 0);
        this.pieces = [];
        this.pieceBytes = 0;
        this.handleLine(buf, 0, buf.length, false);
      }
      return;
    }
    if (this.mode === SCALAR) {
      this.mode = BETWEEN;
      if (!this.isSkipping) this.finishRecord(null, 0);
    } else if (this.mode !== BETWEEN) {
      this.mode = BETWEEN;
      if (!this.isSkipping) {
        this.bad('bad-json', this.recordNumber, this.recordLine, 'unexpected end of file: the record is not closed');
      }
    } else if (this.inArray) {
      this.bad('bad-json', 0, this.line, `file ends before the closing ] of the array that starts at line ${this.arrayLine}`);
    }
    this.pieces = [];
    this.pieceBytes = 0;
  }

  /** Stops splitting without a report: the consumer gave up on the file and said why. */
  abandon(): void {
    this.isStopped = true;
    this.pieces = [];
    this.pieceBytes = 0;
  }

  /** Drops a partial record, for input that ended abnormally (a truncated gzip stream). */
  discardPartial(): void {
    this.pieces = [];
    this.pieceBytes = 0;
    this.mode = BETWEEN;
    this.isSkipping = false;
  }

  /** Full chunks of records ready to hand out, oldest first (empty array if none). */
  takeReady(): readonly SourceRecord[][] {
    return this.chunks.takeReady();
  }

  /** The last, partial chunk; call after end(). */
  takeRest(): SourceRecord[] {
    return this.chunks.takeRest();
  }

  // ---- JSON Lines ------------------------------------------------------------------

  private pushLines(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    if (this.isSkipping) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) return;
      this.isSkipping = false;
      this.line++;
      pos = nl + 1;
    } else if (this.pieces.length > 0) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        this.carry(chunk, 0);
        return;
      }
      if (this.pieceBytes + nl > this.maxRecordBytes) {
        this.pieces = [];
        this.pieceBytes = 0;
        this.tooLarge(++this.recordCount, this.line);
        this.line++;
      } else {
        const buf = this.joinPieces(chunk, nl);
        this.pieces = [];
        this.pieceBytes = 0;
        this.handleLine(buf, 0, buf.length, false);
        if (this.isStopped) return;
      }
      pos = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(LF);
    if (lastNl >= pos) {
      // One native UTF-8 check covers every complete line of the chunk; lines are only
      // checked one by one when it fails. A LF byte never occurs inside a multi-byte
      // sequence, so the range holds whole characters.
      const isValid = isUtf8(chunk.subarray(pos, lastNl));
      let nl = chunk.indexOf(LF, pos);
      while (nl !== -1) {
        this.handleLine(chunk, pos, nl, isValid);
        if (this.isStopped) return;
        pos = nl + 1;
        nl = pos > lastNl ? -1 : chunk.indexOf(LF, pos);
      }
    }
    if (pos < len) this.carry(chunk, pos);
  }

  /** Keeps the unfinished last line of a chunk, or reports it as too large and skips it. */
  private carry(chunk: Buffer, from: number): void {
    const bytes = chunk.length - from;
    if (this.pieceBytes + bytes > this.maxRecordBytes) {
      this.pieces = [];
      this.pieceBytes = 0;
      this.isSkipping = true;
      this.tooLarge(++this.recordCount, this.line);
      return;
    }
    this.pieces.push(copyOf(chunk, from));
    this.pieceBytes += bytes;
  }

  private handleLine(buf: Buffer, start: number, end: number, isKnownValid: boolean): void {
    const line = this.line++;
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) return;
    let first = buf[start];
    if (first === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) {
      // A BOM mid-file: files concatenated with `cat`, each written with a BOM.
      start += 3;
      if (start === end) return;
      first = buf[start];
    }
    if (first === SPACE || first === TAB || first === CR) {
      let s = start + 1;
      while (s < end && (buf[s] === SPACE || buf[s] === TAB || buf[s] === CR)) s++;
      if (s === end) return; // whitespace-only lines are blank lines
    }
    const headers = this.headers;
    if (headers !== null && (headers.format === 'csv' ? headers.header === null : first === 0x23) && end - start <= this.maxRecordBytes) {
      // A header or directive line of a header format: not a record (see header-formats.ts).
      const before = headers.header;
      if (headers.take(buf.toString('utf8', start, end)) && headers.header !== before && headers.header !== null) {
        this.parseLine = lineParser(this.text as TextFormat, headers.header);
        this.sink?.setHeader?.(headers.header);
      }
      return;
    }
    const record = ++this.recordCount;
    if (end - start > this.maxRecordBytes) {
      this.tooLarge(record, line);
      return;
    }
    if (!isKnownValid && !isUtf8(buf.subarray(start, end))) {
      this.badUtf8(buf, start, end, record, line);
      return;
    }
    if (this.sink !== null) this.handOver(buf, start, end, record, line);
    else this.accept(buf.toString('utf8', start, end), record, line);
  }

  // ---- value stream (pretty-printed objects, arrays, concatenated values) -------------

  private pushValues(chunk: Buffer): void {
    const len = chunk.length;
    let mode = this.mode;
    let depth = this.depth;
    let inString = this.inString;
    let isEscaped = this.isEscaped;
    let line = this.line;
    let nextLf = -1; // next LF at or after the current string, recomputed when passed
    if (mode !== BETWEEN) this.recordStart = 0;
    for (let i = 0; i < len; i++) {
      const c = chunk[i];
      if (mode === CONTAINER) {
        if (inString) {
          if (isEscaped) isEscaped = false;
          else if (c === BACKSLASH) isEscaped = true;
          else if (c === QUOTE) inString = false;
          else if (c === LF) line++;
          else if (c === LBRACE && (i > 0 ? chunk[i - 1] : this.lastByte) === LF) {
            // A raw newline can't be inside a JSON string, so an unterminated string ran
            // into the next record: resynchronise there.
            this.breakRecord(i, line);
            depth = 1;
            inString = false;
            isEscaped = false;
          }
          continue;
        }
        switch (c) {
          case QUOTE: {
            // Jump to the closing quote natively instead of stepping through the string:
            // 2-2.5x faster scanning of arrays and pretty files (benchmarks/read-records.bench.mjs).
            let j = i;
            for (;;) {
              j = chunk.indexOf(QUOTE, j + 1);
              if (j === -1) break;
              let k = j - 1;
              while (chunk[k] === BACKSLASH) k--;
              if (((j - k) & 1) === 1) break; // an even run of backslashes: the quote is not escaped
            }
            if (j !== -1) {
              if (nextLf < i) nextLf = chunk.indexOf(LF, i);
              if (nextLf === -1) nextLf = len;
              if (nextLf > j) {
                i = j;
                break;
              }
            }
            // Slow path, byte by byte: the string runs past the chunk or holds a raw newline
            // (invalid JSON, but lines must still be counted and a resync may follow).
            inString = true;
            break;
          }
          case LBRACE:
            if (this.isIndented && (i > 0 ? chunk[i - 1] : this.lastByte) === LF) {
              // In an indented file a `{` in column 0 starts a record: the one before is truncated.
              this.breakRecord(i, line);
              depth = 1;
            } else depth++;
            break;
          case LBRACKET:
            depth++;
            break;
          case RBRACE:
          case RBRACKET:
            if (--depth === 0) {
              mode = BETWEEN;
              this.finishRecord(chunk, i + 1);
              if (this.isStopped) return;
            }
            break;
          case LF:
            line++;
            break;
        }
      } else if (mode === BETWEEN) {
        switch (c) {
          case LF:
            line++;
            break;
          case SPACE:
          case TAB:
          case CR:
          case COMMA: // `{...},\n{...}` without brackets is common enough to accept
            break;
          case LBRACKET:
            if (!this.inArray) {
              this.inArray = true;
              this.arrayLine = line;
              break;
            }
            this.beginRecord(i, line);
            mode = CONTAINER;
            depth = 1;
            break;
          case LBRACE:
            this.beginRecord(i, line);
            mode = CONTAINER;
            depth = 1;
            break;
          case RBRACKET:
            if (this.inArray) {
              this.inArray = false;
              break;
            }
            this.beginRecord(i, line);
            mode = SCALAR;
            break;
          case QUOTE:
            this.beginRecord(i, line);
            mode = TOP_STRING;
            isEscaped = false;
            break;
          default:
            if (c === 0xef && chunk[i + 1] === 0xbb && chunk[i + 2] === 0xbf) {
              i += 2; // a BOM mid-file, from `cat`-ed files (one split across reads stays an error)
              break;
            }
            this.beginRecord(i, line);
            mode = SCALAR;
        }
      } else if (mode === TOP_STRING) {
        if (isEscaped) isEscaped = false;
        else if (c === BACKSLASH) isEscaped = true;
        else if (c === QUOTE) {
          mode = BETWEEN;
          this.finishRecord(chunk, i + 1);
          if (this.isStopped) return;
        } else if (c === LF) line++;
      } else if (
        c === SPACE || c === LF || c === CR || c === TAB || c === COMMA ||
        c === LBRACE || c === RBRACE || c === LBRACKET || c === RBRACKET || c === QUOTE
      ) {
        mode = BETWEEN;
        this.finishRecord(chunk, i);
        if (this.isStopped) return;
        i--; // the delimiter itself is read again between records
      }
    }
    this.mode = mode;
    this.depth = depth;
    this.inString = inString;
    this.isEscaped = isEscaped;
    this.line = line;
    this.lastByte = chunk[len - 1] ?? LF;
    if (mode !== BETWEEN && !this.isSkipping) {
      const bytes = len - this.recordStart;
      if (this.pieceBytes + bytes > this.maxRecordBytes) {
        this.pieces = [];
        this.pieceBytes = 0;
        this.isSkipping = true;
        this.tooLarge(this.recordNumber, this.recordLine);
      } else {
        this.pieces.push(copyOf(chunk, this.recordStart));
        this.pieceBytes += bytes;
      }
    }
  }

  private beginRecord(at: number, line: number): void {
    this.recordStart = at;
    this.recordLine = line;
    this.recordNumber = ++this.recordCount;
    this.isSkipping = false;
  }

  /** Reports the open record as truncated and starts a new one at `at`. */
  private breakRecord(at: number, line: number): void {
    if (!this.isSkipping) {
      this.bad('bad-json', this.recordNumber, this.recordLine, `the record is not closed before the next one starts at line ${line}`);
    }
    this.pieces = [];
    this.pieceBytes = 0;
    this.beginRecord(at, line);
  }

  /** The record in progress ends just before `end` of `chunk` (or in the pieces when chunk is null). */
  private finishRecord(chunk: Buffer | null, end: number): void {
    if (this.isSkipping) {
      this.isSkipping = false;
      return;
    }
    const record = this.recordNumber;
    const line = this.recordLine;
    let buf: Buffer;
    let start: number;
    if (this.pieces.length === 0 && chunk !== null) {
      buf = chunk;
      start = this.recordStart;
    } else {
      buf = this.joinPieces(chunk, end);
      this.pieces = [];
      this.pieceBytes = 0;
      start = 0;
      end = buf.length;
    }
    if (end - start > this.maxRecordBytes) {
      this.tooLarge(record, line);
      return;
    }
    if (!isUtf8(buf.subarray(start, end))) {
      this.badUtf8(buf, start, end, record, line);
      return;
    }
    if (this.sink !== null) this.handOver(buf, start, end, record, line);
    else this.accept(buf.toString('utf8', start, end), record, line);
  }

  // ---- shared ------------------------------------------------------------------------

  /** Joins the carried pieces with `chunk[0, end)`, once per record (no quadratic copying). */
  private joinPieces(chunk: Buffer | null, end: number): Buffer {
    if (chunk !== null && end > 0) this.pieces.push(chunk.subarray(0, end));
    const total = this.pieceBytes + (chunk !== null ? end : 0);
    const only = this.pieces[0];
    return this.pieces.length === 1 && only !== undefined ? only : Buffer.concat(this.pieces, total);
  }

  private accept(text: string, record: number, line: number): void {
    const value = this.parseLine === null ? parseRecordObject(text, line) : this.parseLine(text);
    if (value instanceof RecordFailure || value instanceof LineFailure) {
      this.bad(value.code, record, line, value.message);
      return;
    }
    this.limit.good();
    this.chunks.add({ path: this.path, record, value });
  }

  private handOver(buf: Buffer, start: number, end: number, record: number, line: number): void {
    this.limit.good();
    (this.sink as RawRecordSink).add(buf, start, end, record, line);
  }

  private tooLarge(record: number, line: number): void {
    this.bad('too-large', record, line, `record is larger than maxRecordBytes (${this.maxRecordBytes} bytes); skipped`);
  }

  private badUtf8(buf: Buffer, start: number, end: number, record: number, line: number): void {
    const at = firstInvalidUtf8(buf, start, end);
    this.bad('bad-utf8', record, line, `invalid UTF-8 at byte ${at + 1} of the record (is the file in a legacy encoding such as Windows-1252?)`);
  }

  private bad(code: BadRecordCode, record: number, line: number, message: string): void {
    this.onBadRecord?.(Object.freeze({ path: this.path, record, line, code, message }));
    const stop = this.limit.bad(code, record);
    if (stop !== null) this.stop(stop);
  }

  private stop(message: string): void {
    this.isStopped = true;
    this.pieces = [];
    this.pieceBytes = 0;
    this.onBadRecord?.(Object.freeze({ path: this.path, record: 0, line: 0, code: 'io', message }));
  }
}

/**
 * `chunk[from..]` in a buffer of its own: the reader may write its next bytes into `chunk`
 * (RecordSplitter.releasesChunks). Only the unfinished end of a chunk is copied, a part of
 * one record, so at most one chunk's worth of bytes per chunk and usually a few hundred.
 */
function copyOf(chunk: Buffer, from: number): Buffer {
  return Buffer.copyBytesFrom(chunk, from);
}
