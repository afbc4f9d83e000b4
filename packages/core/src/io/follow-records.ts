// `hunt --follow`: tail -F over files and folders, by polling. Appended lines are read as
// they come; a file renamed away (rotation) is read to its end and the new file at its path
// from its start; a file cut shorter or rewritten (truncation, copytruncate) is read again
// from its start; files that appear in a followed folder are picked up. Records leave in the
// same RawChunks as readRawRecords gives (the pool cannot tell them apart); a partly filled
// chunk leaves at most `flushIntervalMs` after its bytes were read.
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeIoError } from './describe-io-error.js';
import { detectFormat } from './detect-format.js';
import { expandInputs } from './expand-inputs.js';
import { FlushTimer, flushInterval } from './flush-timer.js';
import { checkInputFormat, chooseTextFormat, isHeaderFormat, type TextFormat } from './formats/text-formats.js';
import { DEFAULT_MAX_RECORD_BYTES, positiveInteger } from './read-records.js';
import { RawChunkBuilder } from './read-raw-records.js';
import type { RawChunk, RawReadOptions, RawRecordStream } from './read-raw-records.js';
import type { RecordDecoder } from './decoder.js';
import type { BadRecord, InputFormat } from './record-types.js';

/** Options of {@link followRawRecords}. */
export interface FollowOptions extends Omit<RawReadOptions, 'stdin' | 'onProgress'> {
  /** How often files are checked for new data, rotation and truncation, in ms; default 100. */
  readonly pollIntervalMs?: number;
  /** How often followed folders are listed for new files, in ms; default 250. */
  readonly scanIntervalMs?: number;
  /**
   * Read the files that exist when following starts from their beginning; default false:
   * from their end, as `tail -F -n 0` (only what is appended from now on). Files that appear
   * later (a new file in a followed folder, the new file after a rotation) are always read
   * from their beginning.
   */
  readonly fromStart?: boolean;
}

const DEFAULT_POLL_MS = 100;
const DEFAULT_SCAN_MS = 250;
const READ_BYTES = 1 << 20;
/** Bytes kept from before a file's read position: a file rewritten in place is told by them changing. */
const FINGERPRINT_BYTES = 64;
/** A file's format is told from its first bytes once they hold a line (or this many bytes). */
const SAMPLE_BYTES = 64 * 1024;
const NEWLINE = Buffer.from('\n');
/** Chunk file ordinals remembered for stopFile: far more than chunks in flight. */
const MAX_ORDINALS = 4096;
const LF = 0x0a;

/** One followed path: the file open at it now and how far it was read. */
interface Tail {
  readonly path: string;
  /** Given on the command line (waited for when missing) or found in a followed folder (dropped when gone). */
  readonly isNamed: boolean;
  /** Made once the format is known (from the first line); records are numbered on across rotations. */
  decoder: RecordDecoder | null;
  text: TextFormat | null;
  /** Bytes read before the format was known. */
  sample: Buffer | null;
  handle: FileHandle | null;
  /** `dev:ino` of the open file. */
  id: string;
  position: number;
  /** The file's mtime when it was last read to `position`. */
  mtimeNs: bigint;
  /** Up to FINGERPRINT_BYTES bytes just before `position`. */
  fingerprint: Buffer;
  /** The mtime that changed while the size and the bytes stayed: rewritten with the same bytes if still so at the next poll. */
  suspectMtimeNs: bigint | null;
  /** The last bytes pushed did not end a line. */
  isMidLine: boolean;
  isStopped: boolean;
}

/**
 * Follows files and folders like `tail -F` and yields their records as raw chunks for a
 * DetectorPool, until `options.signal` is aborted: then what was read is handed out (a last
 * line without its newline too) and the stream ends.
 *
 * Followed files are line formats: JSON Lines, or a header-less text format (access-log,
 * syslog, auditd, cef) told from the first line or given as `inputFormat`; not gzip or EVTX
 * (not appended to line by line), nor csv/w3c/zeek-tsv (their header is not at the end
 * where following starts). Records are numbered per followed path from where following
 * began, on across rotations and truncations, so an alert's (path, record) stays unique
 * while following. A missing named file is reported once and waited for.
 *
 * @example
 * const stop = new AbortController();
 * for await (const r of pool.detect(followRawRecords(['/var/log/app/'], { signal: stop.signal }))) write(r.alerts);
 */
export function followRawRecords(paths: readonly string[], options: FollowOptions = {}): RawRecordStream {
  return new Follower(paths, options);
}

class Follower implements RawRecordStream {
  readonly #paths: readonly string[];
  readonly #signal: AbortSignal | undefined;
  readonly #pollMs: number;
  readonly #scanMs: number;
  readonly #fromStart: boolean;
  readonly #maxRecordBytes: number;
  readonly #inputFormat: InputFormat;
  readonly #output: RawChunkBuilder;
  readonly #flush: FlushTimer;
  readonly #tails = new Map<string, Tail>();
  /** Files already read (by `dev:ino`) and how far: a followed file renamed within a followed folder is not read twice. */
  readonly #seen = new Map<string, number>();
  /** Chunk file ordinal -> tail, for stopFile. */
  readonly #ordinals = new Map<number, Tail>();
  readonly #reported = new Set<string>();
  #ordinal = -1;
  #current: Tail | null = null;
  #lastScan = Number.NEGATIVE_INFINITY;

  constructor(paths: readonly string[], options: FollowOptions) {
    if (paths.length === 0) throw new RangeError('followRawRecords needs at least one path');
    this.#paths = paths;
    this.#signal = options.signal;
    this.#pollMs = positiveInteger(options.pollIntervalMs, DEFAULT_POLL_MS, 'pollIntervalMs');
    this.#scanMs = positiveInteger(options.scanIntervalMs, DEFAULT_SCAN_MS, 'scanIntervalMs');
    this.#fromStart = options.fromStart === true;
    this.#maxRecordBytes = positiveInteger(options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES, 'maxRecordBytes');
    this.#inputFormat = checkInputFormat(options.inputFormat);
    if (this.#inputFormat !== 'auto' && this.#inputFormat !== 'json' && isHeaderFormat(this.#inputFormat)) {
      throw new RangeError(`${this.#inputFormat} files cannot be followed (their header is not where following starts); read them without following`);
    }
    this.#flush = new FlushTimer(flushInterval(options.flushIntervalMs));
    this.#output = RawChunkBuilder.fromOptions(options);
  }

  [Symbol.asyncIterator](): AsyncIterator<RawChunk> {
    return this.#chunks();
  }

  stopFile(file: number): void {
    const tail = this.#ordinals.get(file);
    if (tail === undefined) return;
    tail.isStopped = true;
    tail.decoder?.abandon();
    this.#output.stopFile(file);
  }

  async *#chunks(): AsyncGenerator<RawChunk> {
    const signal = this.#signal;
    try {
      await this.#scan(true);
      while (signal?.aborted !== true) {
        let hasData = false;
        if (performance.now() - this.#lastScan >= this.#scanMs) await this.#scan(false);
        for (const tail of [...this.#tails.values()]) {
          if (tail.isStopped) continue;
          for await (const chunk of this.#poll(tail)) {
            hasData = true;
            yield chunk;
          }
        }
        yield* this.#ready();
        if (this.#flush.isDue) yield* this.#rest();
        if (hasData) continue; // more may be waiting: read again before sleeping
        const wait = Math.min(this.#pollMs, Math.max(1, Math.ceil(this.#flush.remainingMs)));
        await sleep(wait, undefined, signal === undefined ? {} : { signal }).catch(ignore);
      }
      // Stopped: what was read leaves, a last line without its newline too.
      for (const tail of this.#tails.values()) {
        if (tail.isStopped) continue;
        if (tail.decoder === null && tail.sample !== null) yield* this.#push(tail, Buffer.alloc(0), true);
        if (!tail.isMidLine || tail.decoder === null) continue;
        yield* this.#switchTo(tail);
        tail.decoder.end();
        yield* this.#ready();
      }
      yield* this.#rest();
    } finally {
      for (const tail of this.#tails.values()) await tail.handle?.close().catch(ignore);
    }
  }

  /** Finds the files to follow: the named ones and those in named folders. */
  async #scan(isFirst: boolean): Promise<void> {
    this.#lastScan = performance.now();
    for (const path of this.#paths) {
      const info = await stat(path).catch(() => null);
      if (info?.isDirectory() === true) {
        const { files, errors } = await expandInputs([path]);
        if (isFirst) for (const e of errors) this.#report(e);
        for (const file of files) if (!this.#tails.has(file)) await this.#add(file, false, isFirst);
      } else if (!this.#tails.has(path)) {
        await this.#add(path, true, isFirst);
      }
    }
  }

  async #add(path: string, isNamed: boolean, isFirst: boolean): Promise<void> {
    const tail: Tail = {
      path,
      isNamed,
      decoder: null,
      text: null,
      sample: null,
      handle: null,
      id: '',
      position: 0,
      mtimeNs: 0n,
      fingerprint: Buffer.alloc(0),
      suspectMtimeNs: null,
      isMidLine: false,
      isStopped: false,
    };
    this.#tails.set(path, tail);
    await this.#open(tail, isFirst && !this.#fromStart);
  }

  /** Opens the file now at the tail's path; null if there is none. */
  async #open(tail: Tail, atEnd: boolean): Promise<FileHandle | null> {
    let handle: FileHandle;
    try {
      handle = await open(tail.path, 'r');
    } catch (error) {
      if (tail.isNamed && !this.#reported.has(tail.path)) {
        this.#reported.add(tail.path);
        this.#report({ path: tail.path, record: 0, line: 0, code: 'io', message: `${describeIoError(error)}; waiting for it to appear` });
      }
      return null;
    }
    const info = await handle.stat({ bigint: true });
    if (!info.isFile()) {
      await handle.close();
      this.#report({ path: tail.path, record: 0, line: 0, code: 'io', message: 'is not a regular file; not followed' });
      tail.isStopped = true;
      return null;
    }
    this.#reported.delete(tail.path);
    const size = Number(info.size);
    tail.handle = handle;
    tail.id = `${info.dev}:${info.ino}`;
    // A file already read under another name (renamed within a followed folder) goes on
    // where that read stopped (unless it is shorter: an inode number used again).
    const seen = this.#seen.get(tail.id);
    tail.position = seen !== undefined && seen <= size ? seen : atEnd ? size : 0;
    tail.mtimeNs = info.mtimeNs;
    tail.fingerprint = await readAt(handle, Math.max(0, tail.position - FINGERPRINT_BYTES), tail.position);
    tail.suspectMtimeNs = null;
    return handle;
  }

  /** New data of one tail, rotation and truncation. */
  async *#poll(tail: Tail): AsyncGenerator<RawChunk> {
    const handle = tail.handle ?? (await this.#open(tail, false));
    if (handle === null) {
      if (!tail.isNamed && !tail.isStopped) this.#tails.delete(tail.path); // gone from its folder
      return;
    }
    const now = await stat(tail.path, { bigint: true }).catch(() => null);
    const info = await handle.stat({ bigint: true });
    if (await this.#isRewritten(tail, handle, Number(info.size), info.mtimeNs)) {
      yield* this.#endLine(tail);
      tail.position = 0;
      tail.fingerprint = Buffer.alloc(0);
      this.#seen.set(tail.id, 0);
    }
    yield* this.#readTo(tail, Number(info.size), info.mtimeNs);
    if (now !== null && `${now.dev}:${now.ino}` === tail.id) return;
    // Rotated (renamed away, maybe already replaced): the old file is read to its end; the
    // new one is read from its start once it is there.
    const last = await handle.stat({ bigint: true });
    yield* this.#readTo(tail, Number(last.size), last.mtimeNs);
    if (now === null && tail.isNamed) return; // keep reading the old file until the new one appears
    yield* this.#endLine(tail);
    await handle.close().catch(ignore);
    tail.handle = null;
    if (now === null) {
      this.#tails.delete(tail.path);
      return;
    }
    const next = await this.#open(tail, false);
    if (next === null) return;
    const fresh = await next.stat({ bigint: true });
    yield* this.#readTo(tail, Number(fresh.size), fresh.mtimeNs);
  }

  /**
   * Truncated (shorter than what was read), or rewritten in place: the bytes before the
   * read position changed, or the size and bytes stayed but the mtime moved on two polls
   * in a row (a write in progress can show its mtime before its size).
   */
  async #isRewritten(tail: Tail, handle: FileHandle, size: number, mtimeNs: bigint): Promise<boolean> {
    if (size < tail.position) return true;
    if (mtimeNs === tail.mtimeNs || tail.position === 0) return false;
    const bytes = await readAt(handle, tail.position - tail.fingerprint.length, tail.position);
    if (!bytes.equals(tail.fingerprint)) return true;
    if (size > tail.position) return false;
    if (tail.suspectMtimeNs === mtimeNs) return true;
    tail.suspectMtimeNs = mtimeNs;
    return false;
  }

  /** Reads the tail's file from its position up to `size` (what its stat said). */
  async *#readTo(tail: Tail, size: number, mtimeNs: bigint): AsyncGenerator<RawChunk> {
    const handle = tail.handle as FileHandle;
    // The same file may be open under two names for a moment (renamed within a followed
    // folder): whichever reads first takes the bytes.
    tail.position = Math.max(tail.position, this.#seen.get(tail.id) ?? 0);
    if (tail.position >= size) return; // nothing new (the mtime is kept: see #isRewritten)
    while (tail.position < size) {
      const want = Math.min(READ_BYTES, size - tail.position);
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buffer, 0, want, tail.position);
      if (bytesRead === 0) break;
      const data = buffer.subarray(0, bytesRead);
      tail.position += bytesRead;
      this.#seen.set(tail.id, tail.position);
      tail.fingerprint = Buffer.concat([tail.fingerprint, data.subarray(Math.max(0, bytesRead - FINGERPRINT_BYTES))]).subarray(-FINGERPRINT_BYTES);
      tail.isMidLine = data[bytesRead - 1] !== LF;
      yield* this.#push(tail, data, false);
    }
    tail.mtimeNs = mtimeNs;
    tail.suspectMtimeNs = null;
  }

  /** Hands bytes to the tail's decoder; before it has one, gathers them until a line tells the format. */
  *#push(tail: Tail, data: Buffer, isEnd: boolean): Generator<RawChunk> {
    yield* this.#switchTo(tail);
    let bytes = data;
    if (tail.decoder === null) {
      bytes = tail.sample === null ? data : Buffer.concat([tail.sample, data]);
      if (!isEnd && bytes.indexOf(LF) === -1 && bytes.length < SAMPLE_BYTES) {
        tail.sample = bytes;
        return;
      }
      tail.sample = null;
      if (!this.#startDecoder(tail, bytes)) return;
    }
    (tail.decoder as RecordDecoder).push(bytes);
    this.#flush.added();
    yield* this.#ready();
  }

  /** The tail's format, from its first line(s); false (and reported) for a format that cannot be followed. */
  #startDecoder(tail: Tail, sample: Buffer): boolean {
    const format = this.#inputFormat;
    const text = format === 'auto' ? chooseTextFormat('auto', sample, false, detectFormat(sample, true)) : format === 'json' ? null : format;
    if (text !== null && isHeaderFormat(text)) {
      this.#report({ path: tail.path, record: 0, line: 0, code: 'io', message: `looks like ${text}, which cannot be followed (its header is not where following starts); not followed` });
      tail.isStopped = true;
      return false;
    }
    tail.text = text;
    tail.decoder = this.#output.createDecoder('json', {
      path: tail.path,
      format: 'jsonl',
      isIndented: false,
      maxRecordBytes: this.#maxRecordBytes,
      chunkRecords: 1, // raw mode: the builder makes the chunks
      onBadRecord: (bad) => this.#output.addBad(bad),
      text,
    });
    return true;
  }

  /** A line cut off by a rotation or truncation ends there (it is a record of its own, or a bad one). */
  *#endLine(tail: Tail): Generator<RawChunk> {
    if (!tail.isMidLine) return;
    tail.isMidLine = false;
    yield* this.#push(tail, NEWLINE, true);
  }

  /** Chunks never mix files: the chunk of the previous file leaves first. */
  *#switchTo(tail: Tail): Generator<RawChunk> {
    if (this.#current === tail) return;
    yield* this.#rest();
    this.#current = tail;
    if (tail.decoder === null) this.#output.beginFile(tail.path);
    else this.#output.resumeFile(tail.path, tail.decoder, tail.text);
    this.#ordinals.set(++this.#ordinal, tail);
    // Only chunks still in the pool can be stopped: older ordinals are forgotten (the map stays small however long it runs).
    this.#ordinals.delete(this.#ordinal - MAX_ORDINALS);
  }

  *#ready(): Generator<RawChunk> {
    for (const chunk of this.#output.takeReady()) yield chunk;
  }

  *#rest(): Generator<RawChunk> {
    this.#flush.flushed();
    const rest = this.#output.takeRest();
    if (rest !== null) yield rest;
  }

  /** Reports travel in the chunks, at their place (each names its own path). */
  #report(bad: BadRecord): void {
    this.#output.addBad(Object.freeze(bad));
  }
}

/** Bytes `[from, to)` of an open file (fewer if it is shorter now). */
async function readAt(handle: FileHandle, from: number, to: number): Promise<Buffer> {
  if (to <= from) return Buffer.alloc(0);
  const buffer = Buffer.alloc(to - from);
  const { bytesRead } = await handle.read(buffer, 0, to - from, from);
  return buffer.subarray(0, bytesRead);
}

function ignore(): void {
  // A timer cut short by the stop signal, or a close that failed: nothing to do.
}
