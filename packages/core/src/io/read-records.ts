import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { describeIoError } from './describe-io-error.js';
import { DETECT_MAX_BYTES, detectFormat } from './detect-format.js';
import type { Detection } from './detect-format.js';
import { STDIN_INPUT, expandInputs } from './expand-inputs.js';
import { gunzipChunks, prependChunk, readFileChunks, readStreamChunks } from './read-chunks.js';
import type { ByteCounter, ReadBufferReuse } from './read-chunks.js';
import { createRecordDecoder } from './decoder.js';
import { checkInputFormat, chooseTextFormat, startOfText } from './formats/text-formats.js';
import type { DecoderKind, RecordDecoder } from './decoder.js';
import type { SplitterOptions } from './record-splitter.js';
import type { BadRecord, InputFormat, ReadOptions, SourceRecord } from './record-types.js';
import { EVTX_MAGIC, isEvtxMagic } from './evtx/read-evtx.js';
import { FLUSH_DUE, FlushTimer, flushInterval } from './flush-timer.js';

export type { BadRecord, BadRecordCode, InputFormat, ReadOptions, SourceRecord } from './record-types.js';

/** How a file's records are shown when it is standard input. */
export const STDIN_PATH = '<stdin>';

/** Default `maxRecordBytes`: a record longer than this is reported and skipped. @internal */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
const DEFAULT_CHUNK_RECORDS = 1024;
const PROGRESS_INTERVAL_MS = 250;

interface ReadContext {
  readonly maxRecordBytes: number;
  readonly chunkRecords: number;
  readonly onBadRecord: ((bad: BadRecord) => void) | undefined;
  readonly onProgress: ReadOptions['onProgress'];
  readonly inputFormat: InputFormat;
  readonly signal: AbortSignal | undefined;
}

/**
 * Reads JSON events from files, folders, globs and stdin, in input order, as chunks of
 * parsed objects. Bad data never throws: it is reported through `onBadRecord` and
 * reading goes on. Chunks never mix files.
 *
 * Each file's format comes from its content: gzip (magic `1f 8b`, then the inner
 * content decides), JSON Lines, a JSON array of objects, or JSON values one after
 * another (pretty-printed evtx_dump output). A UTF-8 BOM is skipped. An empty or
 * whitespace-only file yields nothing and reports nothing. Input errors found while
 * expanding folders and globs are reported before any record.
 *
 * @example
 * for await (const chunk of readRecords(['logs/'], { onBadRecord: (b) => console.error(b) })) {
 *   for (const { path, record, value } of chunk) detect(value);
 * }
 */
export async function* readRecords(inputs: readonly string[], options: ReadOptions = {}): AsyncGenerator<readonly SourceRecord[]> {
  yield* readInputs(inputs, options, new ParsedOutput());
}

/**
 * Where the splitters of one read put their records: parsed chunks ({@link readRecords})
 * or raw chunks that workers parse (`readRawRecords`). Everything else (inputs, files,
 * gzip, format detection, framing, progress) is the same code for both.
 * @internal
 */
export interface RecordOutput<C> {
  /** Called before each file (or stdin) is opened. */
  beginFile(path: string): void;
  /** The decoder for the current file, once its format is known. */
  createDecoder(kind: DecoderKind, options: SplitterOptions): RecordDecoder;
  /** Full chunks to hand out now. */
  takeReady(): readonly C[];
  /** Whatever is left to hand out (the last, partial chunk of a file), or null. */
  takeRest(): C | null;
}

/** Parsed records in chunks, as the splitter groups them. */
class ParsedOutput implements RecordOutput<readonly SourceRecord[]> {
  #splitter: RecordDecoder | null = null;

  beginFile(): void {
    this.#splitter = null;
  }

  createDecoder(kind: DecoderKind, options: SplitterOptions): RecordDecoder {
    this.#splitter = createRecordDecoder(kind, options);
    return this.#splitter;
  }

  takeReady(): readonly (readonly SourceRecord[])[] {
    return this.#splitter === null ? NO_CHUNKS : this.#splitter.takeReady();
  }

  takeRest(): readonly SourceRecord[] | null {
    const rest = this.#splitter?.takeRest();
    return rest === undefined || rest.length === 0 ? null : rest;
  }
}

const NO_CHUNKS: readonly (readonly SourceRecord[])[] = Object.freeze([]);

/**
 * The reading loop shared by {@link readRecords} and `readRawRecords`: expands the
 * inputs and reads each file through `output`.
 * @internal
 */
export async function* readInputs<C>(inputs: readonly string[], options: ReadOptions, output: RecordOutput<C>): AsyncGenerator<C> {
  const context: ReadContext = {
    maxRecordBytes: positiveInteger(options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES, 'maxRecordBytes'),
    chunkRecords: positiveInteger(options.chunkRecords, DEFAULT_CHUNK_RECORDS, 'chunkRecords'),
    onBadRecord: options.onBadRecord,
    onProgress: options.onProgress,
    inputFormat: checkInputFormat(options.inputFormat),
    signal: options.signal,
  };
  const stdinFlushMs = flushInterval(options.flushIntervalMs);
  const { files, errors } = await expandInputs(inputs);
  for (const error of errors) context.onBadRecord?.(error);
  let rest = output.takeRest();
  if (rest !== null) yield rest;
  for (const file of files) {
    if (context.signal?.aborted === true) break;
    if (file === STDIN_INPUT) {
      output.beginFile(STDIN_PATH);
      const counter: ByteCounter = { bytesRead: 0 };
      const stdin = options.stdin ?? process.stdin;
      yield* readSource(STDIN_PATH, readStreamChunks(stdin, counter, context.signal), counter, null, context, output, new FlushTimer(stdinFlushMs));
    } else {
      output.beginFile(file);
      yield* readFile(file, context, output);
    }
    // Reports that came after the file's last chunk (a truncated gzip stream, a file that can't be opened).
    rest = output.takeRest();
    if (rest !== null) yield rest;
  }
}

/** `value`, or `fallback` when undefined; throws RangeError unless a positive integer. @internal */
export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

async function* readFile<C>(path: string, context: ReadContext, output: RecordOutput<C>): AsyncGenerator<C> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    reportIo(context, path, describeIoError(error));
    return;
  }
  try {
    let totalBytes: number | null;
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) {
        reportIo(context, path, 'is a directory');
        return;
      }
      totalBytes = stats.isFile() ? stats.size : null;
    } catch (error) {
      reportIo(context, path, describeIoError(error));
      return;
    }
    const counter: ByteCounter = { bytesRead: 0 };
    const reuse: ReadBufferReuse = { isReleased: false };
    yield* readSource(path, readFileChunks(handle, counter, reuse), counter, totalBytes, context, output, null, reuse);
  } finally {
    // Closing a read-only handle can't lose data; a failure here is not worth a report.
    await handle.close().catch(() => undefined);
  }
}

/** A failed read, kept apart from data so the read loop has no try/catch. */
class ReadFailure {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

async function pull(chunks: AsyncIterator<Buffer>): Promise<Buffer | null | ReadFailure> {
  try {
    const next = await chunks.next();
    return next.done === true ? null : next.value;
  } catch (error) {
    return new ReadFailure(error);
  }
}

/** Reads one source through `output`; `flush` for a live source (its partly filled chunks leave on time). */
async function* readSource<C>(
  path: string,
  raw: AsyncGenerator<Buffer>,
  counter: ByteCounter,
  totalBytes: number | null,
  context: ReadContext,
  output: RecordOutput<C>,
  flush: FlushTimer | null = null,
  reuse: ReadBufferReuse | null = null,
): AsyncGenerator<C> {
  const progress = new ProgressReporter(path, counter, totalBytes, context.onProgress);
  let chunks: AsyncIterator<Buffer> = raw;
  try {
    // The gzip magic needs two bytes; a pipe may deliver fewer in its first chunk.
    let head: Buffer | null | ReadFailure = await pull(raw);
    while (head instanceof Buffer && head.length < 2) {
      const more = await pull(raw);
      if (!(more instanceof Buffer)) {
        if (more instanceof ReadFailure) head = more;
        break;
      }
      head = Buffer.concat([head, more]);
    }
    if (head instanceof ReadFailure) {
      reportIo(context, path, `cannot read: ${describeIoError(head.error)}`);
      return;
    }
    if (head === null) {
      progress.report(true);
      return;
    }
    const isGzip = head[0] === 0x1f && head[1] === 0x8b;
    chunks = isGzip ? gunzipChunks(prependChunk(head, raw)) : prependChunk(head, raw);

    // Gather just enough decompressed bytes to tell the format.
    let sample: Buffer = Buffer.alloc(0);
    let failure: ReadFailure | null = null;
    let isEnd = false;
    let detection: Detection | null = null;
    let isEvtx = false;
    while (detection === null && !isEvtx) {
      const next = await pull(chunks);
      if (next instanceof ReadFailure || next === null) {
        if (next === null) isEnd = true;
        else failure = next;
        isEvtx = isEvtxMagic(sample);
        detection = detectFormat(sample, true);
      } else {
        sample = sample.length === 0 ? next : Buffer.concat([sample, next]);
        // EVTX is told by its magic "ElfFile\0" (whatever the file is called).
        isEvtx = isEvtxMagic(sample);
        if (!isEvtx && sample.length >= EVTX_MAGIC_LENGTH) detection = detectFormat(sample, sample.length >= DETECT_MAX_BYTES);
      }
    }
    if (isEvtx) {
      detection = { kind: 'records', format: 'jsonl', isIndented: false, start: 0 };
    } else if (detection === null) {
      detection = detectFormat(sample, true);
    }
    const text = isEvtx ? null : chooseTextFormat(context.inputFormat, sample, isEnd, detection);
    if (text !== null) detection = { kind: 'records', format: 'jsonl', isIndented: false, start: startOfText(sample) };
    if (detection.kind === 'not-json') {
      reportIo(context, path, `file does not look like JSON: ${detection.reason}`);
      return;
    }
    if (detection.kind === 'records') {
      const splitter = output.createDecoder(isEvtx ? 'evtx' : 'json', {
        path,
        format: detection.format,
        isIndented: detection.isIndented,
        maxRecordBytes: context.maxRecordBytes,
        chunkRecords: context.chunkRecords,
        onBadRecord: context.onBadRecord,
        text,
      });
      splitter.push(detection.start === 0 ? sample : sample.subarray(detection.start));
      // From here on every chunk goes straight to the decoder, which keeps no reference to
      // it if it says so; gzip input goes through zlib, which may still read a chunk later.
      if (reuse !== null && !isGzip && splitter.releasesChunks === true) reuse.isReleased = true;
      flush?.added();
      for (const chunk of output.takeReady()) yield chunk;
      let reading: Promise<Buffer | null | ReadFailure> | null = null;
      while (!isEnd && failure === null && !splitter.isStopped) {
        reading ??= pull(chunks);
        const next = flush === null ? await reading : await flush.wait(reading);
        if (next === FLUSH_DUE) {
          // A live source went quiet: what it sent leaves now, the read stays pending.
          flush?.flushed();
          const rest = output.takeRest();
          if (rest !== null) yield rest;
          continue;
        }
        reading = null;
        if (context.signal?.aborted === true) isEnd = true;
        if (next === null) isEnd = true;
        else if (next instanceof ReadFailure) failure = next;
        else {
          splitter.push(next);
          flush?.added();
          progress.report(false);
          for (const chunk of output.takeReady()) yield chunk;
        }
      }
      if (failure !== null) splitter.discardPartial();
      else splitter.end();
      for (const chunk of output.takeReady()) yield chunk;
      const rest = output.takeRest();
      if (rest !== null) yield rest;
    }
    if (failure !== null) {
      reportIo(context, path, isGzip ? `gzip data is truncated or corrupt (${describeIoError(failure.error)}); records after it are lost` : `read failed: ${describeIoError(failure.error)}`);
    }
    progress.report(true);
  } finally {
    // Stops decompression and reading when the consumer breaks out early or a file is given up.
    await chunks.return?.();
  }
}

const EVTX_MAGIC_LENGTH = EVTX_MAGIC.length;

function reportIo(context: ReadContext, path: string, message: string): void {
  context.onBadRecord?.(Object.freeze({ path, record: 0, line: 0, code: 'io', message }));
}

/** Throttles progress callbacks so a fast reader doesn't spend its time reporting. */
class ProgressReporter {
  private readonly path: string;
  private readonly counter: ByteCounter;
  private readonly totalBytes: number | null;
  private readonly onProgress: ReadOptions['onProgress'];
  private lastMs = performance.now();

  constructor(path: string, counter: ByteCounter, totalBytes: number | null, onProgress: ReadOptions['onProgress']) {
    this.path = path;
    this.counter = counter;
    this.totalBytes = totalBytes;
    this.onProgress = onProgress;
  }

  report(isFinal: boolean): void {
    if (this.onProgress === undefined) return;
    const now = performance.now();
    if (!isFinal && now - this.lastMs < PROGRESS_INTERVAL_MS) return;
    this.lastMs = now;
    this.onProgress({ path: this.path, bytesRead: this.counter.bytesRead, totalBytes: this.totalBytes });
  }
}
