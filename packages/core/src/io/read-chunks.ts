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
 * Reads an open file in {@link READ_CHUNK_BYTES} chunks, keeping the next read in flight
 * while the caller parses the current chunk, so disk and CPU overlap. (From the page
 * cache the gain is within noise in benchmarks/read-records.bench.mjs; it is for cold
 * disks and network file systems, where a read costs as much as parsing the chunk.)
 * @internal
 *
 * @example
 * for await (const chunk of readFileChunks(handle, { bytesRead: 0 })) split(chunk);
 */
export async function* readFileChunks(handle: FileHandle, counter: ByteCounter): AsyncGenerator<Buffer> {
  let pending = handle.read(Buffer.allocUnsafe(READ_CHUNK_BYTES), 0, READ_CHUNK_BYTES, null);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      // A fresh buffer per read: the splitter may keep the previous one for a record that
      // continues into the next chunk.
      pending = handle.read(Buffer.allocUnsafe(READ_CHUNK_BYTES), 0, READ_CHUNK_BYTES, null);
      counter.bytesRead += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    // Never leave a read running on a handle the caller is about to close.
    await pending.then(ignore, ignore);
  }
}

/**
 * Reads a stream (stdin) as Buffers, whatever encoding it was set to.
 * @internal
 */
export async function* readStreamChunks(stream: NodeJS.ReadableStream, counter: ByteCounter, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (signal === undefined) {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      counter.bytesRead += buffer.length;
      yield buffer;
    }
    return;
  }
  // Stoppable: a stream that stays open (a pipe, a terminal) ends where it is on abort.
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<string | Buffer>;
  let wake: ((next: IteratorResult<string | Buffer> | typeof STOPPED) => void) | null = null;
  const onAbort = (): void => wake?.(STOPPED);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal.aborted) {
      const next = await new Promise<IteratorResult<string | Buffer> | typeof STOPPED>((resolve, reject) => {
        wake = resolve;
        iterator.next().then(resolve, reject);
      });
      wake = null;
      if (next === STOPPED || next.done === true) return;
      const buffer = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
      counter.bytesRead += buffer.length;
      yield buffer;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Stops the stream (a read still pending ends with it); never waits for input that may not come.
    void iterator.return?.()?.then(ignore, ignore);
  }
}

const STOPPED: unique symbol = Symbol('stopped');

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
