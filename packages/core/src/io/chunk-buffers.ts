// Chunk buffers reused instead of allocated per chunk. A raw chunk's bytes (4 MiB or so, a
// buffer of its own so it can move to a worker) come back with the worker's reply; dropped
// there, each one was a new ArrayBuffer of external memory, and V8 answers external memory
// growth with full mark-compact collections of the main thread (about one per 10 MB read,
// 5.6 s of the main thread's 13 s on the OTRF dataset with 2 workers). The pool hands a
// buffer back once its chunk's alerts are built (they hold strings, never views of it), and
// the next chunk is written into it.

/** Buffers kept for reuse, at most: the chunks in flight of a pool of a few workers. */
const MAX_FREE = 8;
const free: Buffer[] = [];

/**
 * A buffer of its own (never a slice of Node's shared pool, so it can be transferred) of
 * at least `capacity` bytes: a recycled one when one fits without wasting more than half.
 */
export function takeChunkBuffer(capacity: number): Buffer {
  for (let i = free.length - 1; i >= 0; i--) {
    const b = free[i] as Buffer;
    if (b.length >= capacity && b.length <= capacity * 2) {
      free[i] = free[free.length - 1] as Buffer;
      free.pop();
      return b;
    }
  }
  return Buffer.allocUnsafeSlow(capacity);
}

/**
 * Gives back the whole buffer under `bytes` for a later {@link takeChunkBuffer}. Only for
 * bytes nothing else reads any more; a detached (moved) or empty buffer is ignored.
 */
export function recycleChunkBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0 || free.length >= MAX_FREE) return;
  for (const b of free) if (b.buffer === buffer) return; // already given back
  free.push(Buffer.from(buffer, 0, buffer.byteLength));
}
