// Chunk buffers given back by the pool are reused for later chunks, whole, once each, and
// only when they fit; moved (detached) or empty buffers are never kept.
import { describe, expect, it } from 'vitest';
import { recycleChunkBuffer, takeChunkBuffer } from '../../src/io/chunk-buffers.js';

describe('chunk buffers', () => {
  it('reuses a given-back buffer whole for a chunk it fits, once', () => {
    const a = takeChunkBuffer(64 * 1024);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(a.length); // its own buffer, transferable
    recycleChunkBuffer(a.subarray(0, 100)); // a chunk's bytes are a view of the start
    recycleChunkBuffer(a); // the same buffer twice is kept once
    const b = takeChunkBuffer(48 * 1024);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(64 * 1024);
    expect(takeChunkBuffer(48 * 1024).buffer).not.toBe(a.buffer);
  });

  it('does not hand out a buffer too small, or one more than twice the size asked', () => {
    const big = takeChunkBuffer(1 << 20);
    recycleChunkBuffer(big);
    expect(takeChunkBuffer(2 << 20).buffer).not.toBe(big.buffer);
    expect(takeChunkBuffer(100 * 1024).buffer).not.toBe(big.buffer);
    expect(takeChunkBuffer(600 * 1024).buffer).toBe(big.buffer);
  });

  it('ignores buffers that moved to another thread', () => {
    const a = takeChunkBuffer(64 * 1024);
    structuredClone(a.buffer, { transfer: [a.buffer] }); // detaches it here
    recycleChunkBuffer(a);
    const b = takeChunkBuffer(64 * 1024);
    expect(b.length).toBe(64 * 1024);
    expect(b.buffer.byteLength).toBe(64 * 1024);
  });
});
