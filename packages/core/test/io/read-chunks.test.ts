import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { READ_CHUNK_BYTES, readFileChunks, type ReadBufferReuse } from '../../src/io/read-chunks.js';
import { makeTempDir } from './read-all.js';

const temp = makeTempDir('read-chunks');
afterAll(temp.remove);

/** The chunks of `path` (their bytes copied as handed out) and how many distinct buffers held them. */
async function readChunks(path: string, reuse?: ReadBufferReuse): Promise<{ bytes: Buffer; buffers: number; chunks: number }> {
  const handle = await open(path, 'r');
  try {
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of readFileChunks(handle, { bytesRead: 0 }, reuse)) {
      copies.push(Buffer.from(chunk));
      buffers.add(chunk.buffer);
    }
    return { bytes: Buffer.concat(copies), buffers: buffers.size, chunks: copies.length };
  } finally {
    await handle.close();
  }
}

describe('readFileChunks', () => {
  const content = Buffer.alloc(Math.floor(5.5 * READ_CHUNK_BYTES));
  for (let i = 0; i < content.length; i++) content[i] = (i * 31 + (i >> 20)) & 0xff;
  const path = join(temp.dir, 'chunks.bin');
  writeFileSync(path, content);

  it('reads every byte in order into a fresh buffer per read by default', async () => {
    const read = await readChunks(path);
    expect(read.bytes.equals(content)).toBe(true);
    expect(read.chunks).toBe(6);
    expect(read.buffers).toBe(6);
  });

  it('with the chunks released, two buffers take turns and every byte still arrives in order', async () => {
    const read = await readChunks(path, { isReleased: true });
    expect(read.bytes.equals(content)).toBe(true);
    expect(read.chunks).toBe(6);
    expect(read.buffers).toBe(2);
  });

  it('reuses nothing until the consumer releases the chunks', async () => {
    const reuse: ReadBufferReuse = { isReleased: false };
    const handle = await open(path, 'r');
    const buffers: ArrayBufferLike[] = [];
    try {
      for await (const chunk of readFileChunks(handle, { bytesRead: 0 }, reuse)) {
        buffers.push(chunk.buffer);
        if (buffers.length === 2) reuse.isReleased = true; // from the 3rd request on
      }
    } finally {
      await handle.close();
    }
    // Chunks 1 and 2 came before the release: neither buffer is read into again until chunk 2 is
    // released (when the 3rd chunk is asked for), so chunk 1's buffer never comes back.
    expect(buffers.slice(2)).not.toContain(buffers[0]);
    expect(new Set(buffers).size).toBe(3);
  });
});
