// The mixed-garbage JSON Lines file of issue 11, generated (never committed): good records
// between raw binary lines, broken JSON, 20,000-deep nesting and NUL blocks, then a 100 MB
// line and one last good record. Seeded, so every run writes the same bytes.
import { createWriteStream } from 'node:fs';
import { Rng } from './random.js';

export function goodLine(n: number): string {
  return JSON.stringify({ EventID: 1, Image: 'C:\\Windows\\System32\\bitsadmin.exe', CommandLine: `bitsadmin /transfer job${n} http://x/y C:\\y`, n });
}

/** Raw bytes 0x00-0xFF except the line feed (so the line count stays known). */
export function binaryLine(rng: Rng): Buffer {
  const b = Buffer.alloc(40 + rng.int(200));
  for (let i = 0; i < b.length; i++) {
    const v = rng.int(256);
    b[i] = v === 0x0a ? 0 : v;
  }
  return b;
}

/**
 * 2,000 lines: even lines good (1,000), odd lines bad: raw bytes (every 10th line is one),
 * broken JSON, 20,000-deep nesting, a NUL block; then a 100 MB line and one last good record.
 * Returns the 1-based line numbers of the bad lines and the count of good records.
 */
export async function writeGarbageFile(path: string): Promise<{ badLines: number[]; goodCount: number }> {
  const rng = new Rng(0x6a7b);
  const out = createWriteStream(path);
  const write = (chunk: string | Buffer): Promise<void> =>
    new Promise((resolve) => (out.write(chunk) ? resolve() : out.once('drain', () => resolve())));
  const badLines: number[] = [];
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  for (let i = 0; i < 2000; i++) {
    if (i % 2 === 0) await write(goodLine(i));
    else {
      badLines.push(i + 1);
      if (i % 10 === 5 || i % 10 === 1) await write(binaryLine(rng));
      else if (i % 10 === 3) await write('{"EventID": 1, "Image": "C:\\\\broken');
      else if (i % 10 === 7) await write(deep);
      else await write(Buffer.alloc(4096, 0)); // a NUL block, as a crash or full disk leaves
    }
    await write('\n');
  }
  badLines.push(2001);
  const mb = Buffer.alloc(1 << 20, 0x61);
  await write('{"big":"');
  for (let i = 0; i < 100; i++) await write(mb);
  await write('"}\n');
  await write(`${goodLine(2001)}\n`);
  await new Promise((resolve) => out.end(resolve));
  return { badLines, goodCount: 1001 };
}

