// Live sources in the readers: stdin that stays open hands out a partly filled chunk after
// flushIntervalMs, an abort ends it where it is (the stream destroyed), and
// followRawRecords reads appended lines and stops on its signal. The latency of the whole
// CLI is tested end to end in test/e2e/live.test.ts.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { followRawRecords, readRawRecords, readRecords, type RawChunk } from '../../src/index.js';

const EVENT = '{"EventID":1,"Image":"C:\\\\Windows\\\\System32\\\\cmd.exe"}';

/** `promise`'s value, or 'timeout' after `ms` (the promise is left running). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const result = await Promise.race([promise, timeout]);
  clearTimeout(timer);
  return result;
}

/** The next value of `iterator`, or 'timeout' after `ms` (only where the test ends after a timeout). */
function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<IteratorResult<T> | 'timeout'> {
  return within(iterator.next(), ms);
}

describe('stdin as a live source', () => {
  it('hands out a partly filled chunk after flushIntervalMs while the stream stays open, and ends on abort', async () => {
    const stdin = new PassThrough();
    const stop = new AbortController();
    const chunks = readRecords(['-'], { stdin, flushIntervalMs: 50, signal: stop.signal });
    stdin.write(`${EVENT}\n${EVENT}\n`);
    const started = performance.now();
    const first = await nextWithin(chunks, 2000);
    expect(first).not.toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1000);
    expect((first as IteratorResult<readonly unknown[]>).value).toHaveLength(2);
    stdin.write(EVENT); // no newline yet
    stdin.write('\n');
    const second = await nextWithin(chunks, 2000);
    expect((second as IteratorResult<readonly unknown[]>).value).toHaveLength(1);
    // Nothing more comes: the reader waits (no empty chunks) until the abort ends it.
    const pending = chunks.next();
    expect(await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))])).toBe('waiting');
    stop.abort();
    expect((await pending).done).toBe(true);
    expect(stdin.destroyed).toBe(true);
  });

  it('without flushing, the same records wait for the chunk to fill (the flush is what makes them leave)', async () => {
    const stdin = new PassThrough();
    const stop = new AbortController();
    const chunks = readRawRecords(['-'], { stdin, flushIntervalMs: 60_000, signal: stop.signal })[Symbol.asyncIterator]();
    stdin.write(`${EVENT}\n`);
    expect(await nextWithin(chunks, 500)).toBe('timeout');
    stop.abort();
  });
});

describe('followRawRecords', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reads lines appended after it started (not those before), a text format told from the first line, and stops on abort with the last line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-follow-'));
    dirs.push(dir);
    const json = join(dir, 'app.jsonl');
    const syslog = join(dir, 'auth.log');
    writeFileSync(json, `${EVENT}\n`);
    writeFileSync(syslog, '');
    const stop = new AbortController();
    const chunks = followRawRecords([json, syslog], { signal: stop.signal, flushIntervalMs: 20, pollIntervalMs: 10 })[Symbol.asyncIterator]();
    // Following starts on the first next(): give it time to open the files at their end.
    let pending = chunks.next();
    expect(await within(pending, 300)).toBe('timeout');
    appendFileSync(json, `${EVENT}\n${EVENT}\n`);
    appendFileSync(syslog, '<34>Oct 11 22:14:15 mymachine su: su root failed for lonvick on /dev/pts/8\n');
    const got: RawChunk[] = [];
    while (got.reduce((n, c) => n + c.count, 0) < 3) {
      const next = await within(pending, 2000);
      pending = chunks.next();
      if (next === 'timeout' || next.done === true) throw new Error(`got only ${JSON.stringify(got.map((c) => [c.path, c.count]))}`);
      got.push(next.value);
    }
    // One poll round reads the files in turn: the syslog line may be seen a round before the JSON lines.
    expect(got.map((c) => [c.path, c.count, c.records[0], c.text ?? 'json']).sort()).toEqual([
      [json, 2, 1, 'json'],
      [syslog, 1, 1, 'syslog'],
    ]);
    appendFileSync(json, EVENT); // no newline: read at the stop
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop.abort();
    const last: RawChunk[] = [];
    for (;;) {
      const next = await within(pending, 2000);
      pending = chunks.next();
      if (next === 'timeout') throw new Error('follow did not end on abort');
      if (next.done === true) break;
      last.push(next.value);
    }
    expect(last.map((c) => [c.path, c.count, c.records[0]])).toEqual([[json, 1, 3]]);
  });
});
