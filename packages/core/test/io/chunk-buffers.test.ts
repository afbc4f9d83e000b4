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

  it('does not hand out a buffer too small, or one more than four times the size asked', () => {
    const big = takeChunkBuffer(1 << 20);
    expect(big.length).toBe(2 << 20); // a quarter more, rounded up to 1 MiB
    recycleChunkBuffer(big);
    expect(takeChunkBuffer(3 << 20).buffer).not.toBe(big.buffer);
    expect(takeChunkBuffer(500 * 1024).buffer).not.toBe(big.buffer);
    expect(takeChunkBuffer((2 << 20) - 1).buffer).toBe(big.buffer);
  });

  it('hands out the smallest buffer that fits, so a batch a little larger than the last still finds one', () => {
    const sizes = [(7 << 20) + 5, (9 << 20) + 7, (6 << 20) + 3]; // Arrow batches vary in size
    const first = sizes.map((n) => takeChunkBuffer(n));
    for (const b of first) recycleChunkBuffer(b);
    const again = [(6 << 20) + 100, (7 << 20) + 900_000, (9 << 20) + 50_000].map((n) => takeChunkBuffer(n));
    // Identity, not contents (toEqual would call two fresh zeroed buffers of one size equal,
    // and a failing toBe would print megabytes).
    expect([again[0]?.buffer === first[2]?.buffer, again[1]?.buffer === first[0]?.buffer, again[2]?.buffer === first[1]?.buffer]).toEqual([true, true, true]);
  });

  it('keeps the larger buffers when more come back than it keeps', () => {
    const small = Array.from({ length: 8 }, () => takeChunkBuffer(1 << 20));
    for (const b of small) recycleChunkBuffer(b);
    const large = takeChunkBuffer(6 << 20);
    recycleChunkBuffer(large);
    expect(takeChunkBuffer(6 << 20).buffer).toBe(large.buffer);
    for (let i = 0; i < 7; i++) expect(small.map((b) => b.buffer)).toContain(takeChunkBuffer(1 << 20).buffer);
  });

  it('does not keep a buffer over 64 MiB (a huge batch would hold its memory for good)', () => {
    const huge = takeChunkBuffer(60 << 20); // 75 MiB with the spare quarter
    recycleChunkBuffer(huge);
    expect(takeChunkBuffer(60 << 20).buffer === huge.buffer).toBe(false);
    const large = takeChunkBuffer(48 << 20); // 60 MiB: kept
    recycleChunkBuffer(large);
    expect(takeChunkBuffer(48 << 20).buffer === large.buffer).toBe(true);
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
