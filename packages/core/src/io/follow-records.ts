// `hunt --follow`: tail -F over files and folders. Appended lines are read as they come,
// a file renamed away (rotation) is read to its end and the new file at its path from its
// start, a file cut shorter (truncation, copytruncate) is read again from its start, and
// files that appear in a followed folder are picked up. Records leave in the same RawChunks
// as readRawRecords gives (the pool cannot tell them apart); a partly filled chunk leaves at
// most `flushIntervalMs` after its bytes were read.
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeIoError } from './describe-io-error.js';
import { expandInputs } from './expand-inputs.js';
import { FlushTimer, flushInterval } from './flush-timer.js';
import { positiveInteger } from './read-records.js';
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_RECORDS, MAX_CHUNK_BYTES, RawChunkBuilder } from './read-raw-records.js';
import type { RawChunk, RawReadOptions, RawRecordStream } from './read-raw-records.js';
import type { RecordDecoder } from './decoder.js';
import type { BadRecord } from './record-types.js';

/** Options of {@link followRawRecords}. */
export interface FollowOptions extends Omit<RawReadOptions, 'stdin' | 'onProgress'> {
  /** How often files are checked for new data, rotation and truncation, in ms; default 100. */
  readonly pollIntervalMs?: number;
  /** How often followed folders are listed for new files, in ms; default 500. */
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
const DEFAULT_SCAN_MS = 500;
const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
const READ_BYTES = 1 << 20;
const NEWLINE = Buffer.from('\n');

/** One followed path: the file open at it now and how far it was read. */
interface Tail {
  readonly path: string;
  /** Given on the command line (waited for when missing) or found in a followed folder (dropped when gone). */
  readonly isNamed: boolean;
  readonly decoder: RecordDecoder;
  handle: FileHandle | null;
  /** `dev:ino` of the open file. */
  id: string;
  position: number;
  /** The last bytes pushed did not end a line. */
  isMidLine: boolean;
  isStopped: boolean;
}

/**
 * Follows files and folders like `tail -F` and yields their JSON Lines records as raw
 * chunks for a DetectorPool, until `options.signal` is aborted: then what was read is
 * handed out (a last line without its newline too) and the stream ends.
 *
 * Followed files are read as JSON Lines (no gzip, no EVTX: those are not appended to line by
 * line). Records are numbered per followed path across rotations and truncations, so an
 * alert's (path, record) stays unique while following; line numbers count on the same way.
 * A missing named file is reported once and waited for.
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
  readonly #output: RawChunkBuilder;
  readonly #flush: FlushTimer;
  readonly #tails = new Map<string, Tail>();
  /** Files already read (by `dev:ino`) and how far: a followed file renamed within a followed folder is not read twice. */
  readonly #seen = new Map<string, number>();
  /** Chunk file ordinal -> path, for stopFile. */
  readonly #ordinals = new Map<number, string>();
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
    this.#flush = new FlushTimer(flushInterval(options.flushIntervalMs));
    this.#output = new RawChunkBuilder(
      positiveInteger(options.chunkRecords, DEFAULT_CHUNK_RECORDS, 'chunkRecords'),
      Math.min(positiveInteger(options.chunkBytes, DEFAULT_CHUNK_BYTES, 'chunkBytes'), MAX_CHUNK_BYTES),
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<RawChunk> {
    return this.#chunks();
  }

  stopFile(file: number): void {
    const path = this.#ordinals.get(file);
    const tail = path === undefined ? undefined : this.#tails.get(path);
    if (tail === undefined) return;
    tail.isStopped = true;
    tail.decoder.abandon();
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
        if (tail.isStopped || !tail.isMidLine) continue;
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
      decoder: this.#output.createDecoder('json', {
        path,
        format: 'jsonl',
        isIndented: false,
        maxRecordBytes: this.#maxRecordBytes,
        chunkRecords: DEFAULT_CHUNK_RECORDS,
        onBadRecord: (bad) => this.#output.addBad(bad),
      }),
      handle: null,
      id: '',
      position: 0,
      isMidLine: false,
      isStopped: false,
    };
    this.#tails.set(path, tail);
    await this.#open(tail, isFirst && !this.#fromStart);
  }

  /** Opens the file now at the tail's path; false if there is none. */
  async #open(tail: Tail, atEnd: boolean): Promise<boolean> {
    let handle: FileHandle;
    try {
      handle = await open(tail.path, 'r');
    } catch (error) {
      if (tail.isNamed && !this.#reported.has(tail.path)) {
        this.#reported.add(tail.path);
        this.#report({ path: tail.path, record: 0, line: 0, code: 'io', message: `${describeIoError(error)}; waiting for it to appear` });
      }
      return false;
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      this.#report({ path: tail.path, record: 0, line: 0, code: 'io', message: 'is not a regular file; not followed' });
      tail.isStopped = true;
      return false;
    }
    this.#reported.delete(tail.path);
    tail.handle = handle;
    tail.id = `${info.dev}:${info.ino}`;
    // A file already read under another name (renamed within a followed folder) goes on where that read stopped.
    tail.position = this.#seen.get(tail.id) ?? (atEnd ? info.size : 0);
    return true;
  }

  /** New data of one tail, rotation and truncation. */
  async *#poll(tail: Tail): AsyncGenerator<RawChunk> {
    if (tail.handle === null) {
      if (!(await this.#open(tail, false))) {
        if (!tail.isNamed && !tail.isStopped) this.#tails.delete(tail.path); // gone from its folder
        return;
      }
    }
    const handle = tail.handle as FileHandle;
    const now = await stat(tail.path).catch(() => null);
    const size = (await handle.stat()).size;
    if (size < tail.position) {
      // Truncated: what is there now is new.
      yield* this.#endLine(tail);
      tail.position = 0;
      this.#seen.set(tail.id, 0);
    }
    yield* this.#readToEnd(tail);
    if (now !== null && `${now.dev}:${now.ino}` === tail.id) return;
    // Rotated (renamed away, maybe already replaced): the old file was read to its end
    // above; the new one is read from its start once it is there.
    if (now === null && tail.isNamed) return; // keep reading the old file until the new one appears
    yield* this.#endLine(tail);
    await handle.close().catch(ignore);
    tail.handle = null;
    if (now === null) {
      this.#tails.delete(tail.path);
      return;
    }
    if (await this.#open(tail, false)) yield* this.#readToEnd(tail);
  }

  async *#readToEnd(tail: Tail): AsyncGenerator<RawChunk> {
    const handle = tail.handle as FileHandle;
    // The same file may be open under two names for a moment (renamed within a followed
    // folder): whichever reads first takes the bytes.
    tail.position = Math.max(tail.position, this.#seen.get(tail.id) ?? 0);
    for (;;) {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, tail.position);
      if (bytesRead === 0) break;
      tail.position += bytesRead;
      this.#seen.set(tail.id, tail.position);
      yield* this.#switchTo(tail);
      tail.decoder.push(buffer.subarray(0, bytesRead));
      tail.isMidLine = buffer[bytesRead - 1] !== 0x0a;
      this.#flush.added();
      yield* this.#ready();
    }
  }

  /** A line cut off by a rotation or truncation ends there (it is a record of its own, or a bad one). */
  async *#endLine(tail: Tail): AsyncGenerator<RawChunk> {
    if (!tail.isMidLine) return;
    yield* this.#switchTo(tail);
    tail.decoder.push(NEWLINE);
    tail.isMidLine = false;
    yield* this.#ready();
  }

  /** Chunks never mix files: the chunk of the previous file leaves first. */
  *#switchTo(tail: Tail): Generator<RawChunk> {
    if (this.#current === tail) return;
    yield* this.#rest();
    this.#current = tail;
    this.#output.beginFile(tail.path);
    this.#ordinals.set(++this.#ordinal, tail.path);
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

function ignore(): void {
  // A timer cut short by the stop signal, or a close that failed: nothing to do.
}
