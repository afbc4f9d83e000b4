import type { FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * Bytes per read. 1 MiB keeps per-chunk overhead (a promise, an async-generator step)
 * negligible against the ~1,000 records each chunk holds.
 */
export const READ_CHUNK_BYTES = 1 << 20;

/** Counts raw (for gzip: compressed) bytes as they are read, for progress reports. */
export interface ByteCounter {
  bytesRead: number;
}

/**
 * Whether {@link readFileChunks} may read into a buffer it handed out before. The consumer
 * sets `isReleased` once nothing it keeps refers to a chunk after it asked for the next one
 * (its decoder copies what it keeps: RecordDecoder.releasesChunks); until then every read
 * gets a fresh buffer.
 */
export interface ReadBufferReuse {
  isReleased: boolean;
}

/**
 * Reads an open file in {@link READ_CHUNK_BYTES} chunks, keeping the next read in flight
 * while the caller parses the current chunk, so disk and CPU overlap. (From the page
 * cache the gain is within noise in benchmarks/read-records.bench.mjs; it is for cold
 * disks and network file systems, where a read costs as much as parsing the chunk.)
 * With `reuse.isReleased`, two buffers take turns instead of a new one per read: a fresh
 * 1 MiB buffer per read is external memory that V8 answers with collections. `hunt
 * --workers 2` over the OTRF dataset (`--trace-gc`): the main thread's scavenges 280 → 46
 * (127 of them "for external memory pressure" → 0), its GC time 496 → 217 ms, peak RSS
 * ~20 MB lower; wall and CPU time within noise (issue 14).
 * @internal
 *
 * @example
 * for await (const chunk of readFileChunks(handle, { bytesRead: 0 })) split(chunk);
 */
export async function* readFileChunks(handle: FileHandle, counter: ByteCounter, reuse?: ReadBufferReuse): AsyncGenerator<Buffer> {
  /** The buffer of the chunk handed out before, once the consumer released it. */
  let spare: Buffer | null = null;
  const nextBuffer = (): Buffer => {
    const b = spare ?? Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    spare = null;
    return b;
  };
  let pending = handle.read(nextBuffer(), 0, READ_CHUNK_BYTES, null);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      pending = handle.read(nextBuffer(), 0, READ_CHUNK_BYTES, null);
      counter.bytesRead += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      // The consumer asked for the next chunk: the one just handed out is free if it said so.
      if (reuse?.isReleased === true) spare = buffer;
    }
  } finally {
    // Never leave a read running on a handle the caller is about to close.
    await pending.then(ignore, ignore);
  }
}

/**
 * Reads a stream (stdin) as Buffers, whatever encoding it was set to. With `signal`, an
 * abort ends the read where it is, even while the stream stays open and silent (a pipe, a
 * terminal): the stream is destroyed (a pending read holds the process open otherwise)
 * and the generator returns as if at the stream's end.
 * @internal
 */
export async function* readStreamChunks(stream: NodeJS.ReadableStream, counter: ByteCounter, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const stop = (): void => destroyStream(stream);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
      counter.bytesRead += buffer.length;
      yield buffer;
      if (signal?.aborted === true) return;
    }
  } catch (error) {
    // Destroyed by the abort: the read ends (ERR_STREAM_PREMATURE_CLOSE), nothing failed.
    if (signal?.aborted !== true) throw error;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

function destroyStream(stream: NodeJS.ReadableStream): void {
  const destroy = (stream as { destroy?: () => void }).destroy;
  if (typeof destroy === 'function') destroy.call(stream);
  else stream.pause();
}

/**
 * Yields `head` and then the rest of `rest`: lets the reader look at the first bytes
 * (gzip magic, format) without losing them.
 * @internal
 */
export async function* prependChunk(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield head;
    for (;;) {
      const next = await rest.next();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}

/**
 * Decompresses gzip (including multi-member files, as `cat a.gz b.gz` makes) as a stream.
 * Errors of the source and of zlib surface from the returned iterator.
 * @internal
 */
export function gunzipChunks(compressed: AsyncIterable<Buffer>): AsyncIterator<Buffer> {
  // 256 KiB output chunks instead of zlib's 16 KiB default: fewer, larger pushes into the splitter.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // The pipeline destroys gunzip with the source's error (or its own), which its iterator rethrows.
  pipeline(Readable.from(compressed, { objectMode: false }), gunzip, ignore);
  return gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
}

function ignore(): void {
  // Errors reach the consumer through the iterator; nothing to do here.
}
