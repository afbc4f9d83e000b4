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
 * New buffers of 1 MiB or more are made a quarter larger than asked, rounded up to 1 MiB, so
 * that the next, slightly larger chunk or batch still fits one; smaller ones are made as asked.
 */
const MIB = 1 << 20;

/** Larger buffers are not kept: one huge batch would otherwise hold its memory for good. */
const MAX_KEPT = 64 * MIB;

/**
 * A buffer of its own (never a slice of Node's shared pool, so it can be transferred) of
 * at least `capacity` bytes: the smallest recycled one that fits without wasting more than
 * three quarters, else a new one with some room to spare. A new buffer is costly beyond
 * V8's collections: on this machine, writing a fresh 7 MB buffer for the first time took
 * 17 ms (page faults) against 0.3 ms to write a recycled one, and Arrow batches of a few
 * MB vary in size from one to the next, so without the spare room half of them missed.
 */
export function takeChunkBuffer(capacity: number): Buffer {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const length = (free[i] as Buffer).length;
    if (length >= capacity && length <= capacity * 4 && (best < 0 || length < (free[best] as Buffer).length)) best = i;
  }
  if (best >= 0) {
    const b = free[best] as Buffer;
    free[best] = free[free.length - 1] as Buffer;
    free.pop();
    return b;
  }
  return Buffer.allocUnsafeSlow(capacity < MIB ? capacity : Math.ceil((capacity * 1.25) / MIB) * MIB);
}

/**
 * Gives back the whole buffer under `bytes` for a later {@link takeChunkBuffer}. Only for
 * bytes nothing else reads any more; a detached (moved) or empty buffer is ignored, and so is
 * one over 64 MiB. When the list is full, the smallest buffer makes way for a larger one.
 */
export function recycleChunkBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0 || buffer.byteLength > MAX_KEPT) return;
  for (const b of free) if (b.buffer === buffer) return; // already given back
  const b = Buffer.from(buffer, 0, buffer.byteLength);
  if (free.length < MAX_FREE) {
    free.push(b);
    return;
  }
  let smallest = 0;
  for (let i = 1; i < free.length; i++) if ((free[i] as Buffer).length < (free[smallest] as Buffer).length) smallest = i;
  if ((free[smallest] as Buffer).length < b.length) free[smallest] = b;
}
