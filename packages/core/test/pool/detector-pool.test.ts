// The worker pool against the single-thread path: same alerts in the same order, same bad
// records in the same order, bounded work in flight, worker failures reported.
// The workers run the build output (dist/pool/worker.js): run `npx turbo run build` first
// (`npm test` does).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchBuilder } from '../../src/batch/batch-builder.js';
import { compileRuleSet } from '../../src/compile/compile-rule-set.js';
import { evaluateBatch } from '../../src/eval/evaluate-batch.js';
import { normalizeEvent } from '../../src/event/normalize-event.js';
import { Match } from '../../src/ir/nodes.js';
import { RegexValue } from '../../src/ir/values.js';
import { readRawRecords, type RawChunk, type RawRecordStream } from '../../src/io/read-raw-records.js';
import type { BadRecord } from '../../src/io/read-records.js';
import { createDetectorPool, type ChunkDetections, type DetectorPool, type DetectorRuleSet } from '../../src/pool/detector-pool.js';
import { encodeBatch } from '../../src/pool/wire.js';
import { hasShared, SHARED_DIR } from '../../../../test/support/shared.js';
import { makeTempDir } from '../io/read-all.js';
import { EVERY_EVENT, OTHER_RULES, WINDOWS_RULES, alertLines, expectSameLines, reference, rule } from './pool-fixtures.js';

const temp = makeTempDir('pool');
const pools: DetectorPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  temp.remove();
});

function pool(ruleSets: readonly DetectorRuleSet[], workers = 2, maxInFlight?: number): DetectorPool {
  const p = createDetectorPool(maxInFlight === undefined ? { ruleSets, workers } : { ruleSets, workers, maxInFlight });
  pools.push(p);
  return p;
}

interface PoolRun {
  readonly results: ChunkDetections[];
  readonly lines: string[];
  readonly bad: BadRecord[];
  readonly events: number;
}

async function run(p: DetectorPool, inputs: readonly string[], chunkRecords = 1024, chunkBytes?: number): Promise<PoolRun> {
  const results: ChunkDetections[] = [];
  for await (const r of p.detect(readRawRecords(inputs, chunkBytes === undefined ? { chunkRecords } : { chunkRecords, chunkBytes }))) results.push(r);
  return {
    results,
    lines: alertLines(results.flatMap((r) => r.alerts)),
    bad: results.flatMap((r) => r.bad),
    events: results.reduce((n, r) => n + r.events, 0),
  };
}

function file(name: string, content: string | Buffer): string {
  const path = join(temp.dir, name);
  writeFileSync(path, content);
  return path;
}

const AUTO: readonly DetectorRuleSet[] = [
  { rules: [...WINDOWS_RULES, EVERY_EVENT], events: 'windows' },
  { rules: [...OTHER_RULES, EVERY_EVENT], events: 'not-windows' },
];

describe.runIf(hasShared('pool vs single thread on shared/datasets'))('on real data', () => {
  const evtx = join(SHARED_DIR, 'datasets/evtx_attack_samples.jsonl.gz');
  const cloudtrail = join(SHARED_DIR, 'datasets/otrf_aws_cloudtrail.jsonl.gz');

  it('gives the alerts of the single-thread engine, in the same order (Windows events and the rest routed to their rule sets)', async () => {
    const inputs = [evtx, cloudtrail];
    const expected = await reference(inputs, AUTO);
    const actual = await run(pool(AUTO), inputs, 500);
    expect(actual.events).toBe(expected.events);
    expect(actual.bad).toEqual(expected.bad);
    expectSameLines(actual.lines, alertLines(expected.alerts));
    // Every event alerted once for EVERY_EVENT, so this covered the whole input.
    expect(actual.lines.filter((l) => l.includes('"title":"every event"'))).toHaveLength(expected.events);
    expect(new Set(actual.results.map((r) => r.path))).toEqual(new Set(inputs));
  });

  it('does not depend on the number of workers or on chunk sizes', async () => {
    const inputs = [cloudtrail, evtx];
    const one = await run(pool(AUTO, 1, 1), inputs, 4096);
    const three = await run(pool(AUTO, 3, 5), inputs, 97);
    expect(three.events).toBe(one.events);
    expectSameLines(three.lines, one.lines);
    expect(three.results.length).toBeGreaterThan(one.results.length);
  });

  it('evaluateArrowBatches returns what evaluateBatch returns, batch by batch, in order', async () => {
    const events: Record<string, unknown>[] = [];
    for await (const chunk of readRawRecords([evtx], { chunkRecords: 4096 })) {
      const text = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
      for (let i = 0; i < chunk.count; i++) events.push(normalizeEvent(JSON.parse(text.toString('utf8', i === 0 ? 0 : chunk.ends[i - 1], chunk.ends[i]))));
    }
    const rules = [...WINDOWS_RULES, EVERY_EVENT];
    const plan = compileRuleSet(rules);
    const builder = new BatchBuilder({ fields: plan.fields, withKeywords: plan.hasKeywords });
    const batches = [];
    for (let i = 0; i < events.length; i += 700) batches.push(builder.build(events.slice(i, i + 700)));
    const expected = batches.map((b) => evaluateBatch(plan, b));
    const ipc = batches.map(encodeBatch);
    // A young generation of its own for the workers changes nothing but the heap (youngGenerationMb).
    const young = createDetectorPool({ ruleSets: [{ rules: OTHER_RULES }, { rules }], workers: 2, maxInFlight: 3, youngGenerationMb: 32 });
    pools.push(young);
    for (const p of [pool([{ rules: OTHER_RULES }, { rules }], 2, 3), young]) {
      // The IPC bytes twice: the second pass writes batches into buffers the first pass's replies gave back.
      for (const input of [batches, ipc, ipc]) {
        const actual = [];
        for await (const m of p.evaluateArrowBatches(input, { ruleSet: 1 })) actual.push(m);
        expect(actual.map((m) => m.count)).toEqual(expected.map((m) => m.count));
        for (let i = 0; i < actual.length; i++) {
          expect([...(actual[i]?.ruleIndexes ?? [])]).toEqual([...(expected[i]?.ruleIndexes.subarray(0, expected[i]?.count) ?? [])]);
          expect([...(actual[i]?.rows ?? [])]).toEqual([...(expected[i]?.rows.subarray(0, expected[i]?.count) ?? [])]);
        }
      }
    }
    // Bytes given are copied, never moved away from the caller.
    expect(ipc.every((bytes) => bytes.byteLength > 0)).toBe(true);
    expect(() => createDetectorPool({ ruleSets: [{ rules }], workers: 1, youngGenerationMb: 0 })).toThrow(/youngGenerationMb must be a positive number/);
  });
});

describe.runIf(hasShared('pool over .evtx on shared/datasets'))('over .evtx (EVTX chunks decoded in the workers)', () => {
  const root = join(SHARED_DIR, 'datasets/evtx_attack_samples_evtx');
  // 17 chunks each: with chunkBytes 8 × 64 KiB, three tasks each, records numbered across them.
  const big = ['Other/rdpcorets_148_mst120_bluekeep_rpdscan_full.evtx', 'Privilege Escalation/Sysmon_UACME_64.evtx'].map((f) => join(root, f));

  it('gives the records, numbers, alerts and damage reports of the single-thread reader, with 0, 1 and 2 workers', async () => {
    // A damaged copy of the second (its header counts 12 chunks): a flipped byte in chunk 3,
    // chunk 7 zeroed, cut inside chunk 10, so damage falls in both of its tasks.
    const bytes = Buffer.from(readFileSync(big[1] as string));
    bytes[4096 + 3 * 65536 + 900] ^= 0xff;
    bytes.fill(0, 4096 + 7 * 65536, 4096 + 8 * 65536);
    const damaged = file('damaged.evtx', bytes.subarray(0, 4096 + 10 * 65536 + 30_000));
    const inputs = [...big, damaged];
    const sets: DetectorRuleSet[] = [{ rules: [...WINDOWS_RULES, EVERY_EVENT], events: 'windows' }];
    const expected = await reference(inputs, sets);
    expect(expected.events).toBeGreaterThan(1000);
    expect(expected.bad.length).toBeGreaterThanOrEqual(3);
    for (const workers of [0, 1, 2]) {
      const actual = await run(pool(sets, workers), inputs, 1024, 8 * 65536);
      expect(actual.results.length).toBeGreaterThanOrEqual(6);
      expect(actual.events).toBe(expected.events);
      expect(actual.bad).toEqual(expected.bad);
      expectSameLines(actual.lines, alertLines(expected.alerts));
      expect(actual.lines.filter((l) => l.includes('"title":"every event"'))).toHaveLength(expected.events);
    }
  });
});

describe('bad records', () => {
  const good = (i: number): string => JSON.stringify({ EventID: 4688, Channel: 'Security', n: i, CommandLine: i % 3 === 0 ? 'powershell -enc x' : 'cmd' });

  it('are reported in file order, merged from splitting (too large, UTF-8) and parsing (JSON, not an object)', async () => {
    const lines: (string | Buffer)[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 97 === 5) lines.push('{"broken": ');
      else if (i % 211 === 7) lines.push('[1, 2]');
      else if (i % 307 === 11) lines.push(`{"pad":"${'x'.repeat(3000)}"}`);
      else if (i % 401 === 13) lines.push(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
      else lines.push(good(i));
    }
    const content = Buffer.concat(lines.flatMap((l) => [Buffer.from(l), Buffer.from('\n')]));
    const inputs = [file('mixed.jsonl', content), file('mixed.jsonl.gz', gzipSync(content)), join(temp.dir, 'missing.jsonl')];
    const sets = [{ rules: [...WINDOWS_RULES, EVERY_EVENT] }];
    const expected = await reference(inputs, sets, { maxRecordBytes: 2000 });
    const results: ChunkDetections[] = [];
    for await (const r of pool(sets, 2, 3).detect(readRawRecords(inputs, { chunkRecords: 64, maxRecordBytes: 2000 }))) results.push(r);
    const bad = results.flatMap((r) => r.bad);
    expect(bad.map((b) => b.code)).toEqual(expect.arrayContaining(['bad-json', 'not-object', 'too-large', 'bad-utf8', 'io']));
    expect(bad).toEqual(expected.bad);
    expect(results.reduce((n, r) => n + r.events, 0)).toBe(expected.events);
    expectSameLines(alertLines(results.flatMap((r) => r.alerts)), alertLines(expected.alerts));
  });

  it('gives up on a file that is not JSON at the same record as readRecords, and stops reading it', async () => {
    // An application's own text log: neither JSON nor a known text format.
    const text = Array.from({ length: 50_000 }, (_, i) => `12:00:${String(i % 60).padStart(2, '0')} INFO [worker-42] line ${i}`).join('\n');
    const almost = [good(0), ...Array.from({ length: 1500 }, (_, i) => `{"x": ${i},}`), good(1)].join('\n');
    const inputs = [file('syslog.log', text), file('almost.jsonl', almost), file('after.jsonl', `${good(2)}\n`)];
    const sets = [{ rules: [EVERY_EVENT] }];
    const expected = await reference(inputs, sets);
    // The syslog file is given up; almost.jsonl gave a good record first, so it is read to its end.
    expect(expected.bad.filter((b) => b.code === 'io')).toHaveLength(1);

    const stream = readRawRecords(inputs, { chunkRecords: 50 });
    let pulled = 0;
    const counted: RawRecordStream = {
      stopFile: (f) => stream.stopFile(f),
      async *[Symbol.asyncIterator](): AsyncGenerator<RawChunk> {
        for await (const chunk of stream) {
          pulled++;
          yield chunk;
        }
      },
    };
    const results: ChunkDetections[] = [];
    for await (const r of pool(sets, 2, 4).detect(counted)) results.push(r);
    expect(results.flatMap((r) => r.bad)).toEqual(expected.bad);
    expect(results.reduce((n, r) => n + r.events, 0)).toBe(expected.events);
    expectSameLines(alertLines(results.flatMap((r) => r.alerts)), alertLines(expected.alerts));
    // 50,000 syslog lines are 1,000 chunks; reading stopped a few chunks after the 100th line.
    expect(pulled).toBeLessThan(60);
  });
});

describe('backpressure and order', () => {
  const content = `${Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ EventID: i % 2 === 0 ? 1 : 4688, Image: i % 5 === 0 ? 'C:\\Windows\\cmd.exe' : 'x.exe', n: i })).join('\n')}\n`;

  it('never has more than maxInFlight chunks between the reader and the consumer, even with a slow consumer', async () => {
    const input = file('many.jsonl', content);
    const cap = 3;
    const p = pool([{ rules: WINDOWS_RULES }], 2, cap);
    const stream = readRawRecords([input], { chunkRecords: 100 });
    let pulled = 0;
    let consumed = 0;
    let mostAhead = 0;
    const counted: AsyncIterable<RawChunk> = {
      async *[Symbol.asyncIterator](): AsyncGenerator<RawChunk> {
        for await (const chunk of stream) {
          pulled++;
          mostAhead = Math.max(mostAhead, pulled - consumed);
          yield chunk;
        }
      },
    };
    const records: number[] = [];
    for await (const r of p.detect(counted)) {
      for (const a of r.alerts) records.push(a.source.record);
      if (consumed % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      consumed++;
    }
    expect(consumed).toBe(200);
    expect(mostAhead).toBe(cap);
    expect(p.peakInFlight).toBe(cap);
    expect(p.inFlight).toBe(0);
    // Record order survives however the workers interleave.
    expect(records).toEqual([...records].sort((a, b) => a - b));
    const expected = await reference([input], [{ rules: WINDOWS_RULES }]);
    expect(records).toEqual(expected.alerts.map((a) => a.source.record));
  });

  it('starts a second worker only when there is a second chunk to work on', async () => {
    const small = pool([{ rules: WINDOWS_RULES }], 2);
    const one = await run(small, [file('one-chunk.jsonl', content.split('\n').slice(0, 50).join('\n'))]);
    expect(one.results).toHaveLength(1);
    expect(small.startedWorkers).toBe(1);
    const large = pool([{ rules: WINDOWS_RULES }], 2);
    const many = await run(large, [file('many-chunks.jsonl', content)], 100);
    expect(many.results).toHaveLength(200);
    expect(large.startedWorkers).toBe(2);
  });

  it('keeps memory flat: no chunk buffer outlives its result', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const line = (i: number): string => JSON.stringify({ EventID: 4688, n: i, CommandLine: `cmd /c ${'x'.repeat(500)} ${i}` });
    const input = file('flat.jsonl', `${Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n')}\n`);
    const p = pool([{ rules: WINDOWS_RULES }], 2, 4);
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const samples: number[] = [];
    for await (const _ of p.detect(readRawRecords([input], { chunkBytes: 64 * 1024 }))) {
      if (samples.push(0) % 10 === 0) {
        gc();
        samples[samples.length - 1] = process.memoryUsage().arrayBuffers - before;
      }
    }
    // About 190 chunks of 64 KiB went through (12 MB): live ArrayBuffers (read buffers, a
    // few chunks in flight) stay level; a buffer kept per chunk would add 12 MB by the end.
    expect(samples.length).toBeGreaterThan(150);
    const measured = samples.filter((x) => x !== 0);
    const third = Math.floor(measured.length / 3);
    const growth = Math.max(...measured.slice(-third)) - Math.min(...measured.slice(0, third));
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });

  it('stops pulling chunks when the consumer stops early', async () => {
    const input = file('early.jsonl', content);
    const stream = readRawRecords([input], { chunkRecords: 100 });
    let pulled = 0;
    const counted: AsyncIterable<RawChunk> = {
      async *[Symbol.asyncIterator](): AsyncGenerator<RawChunk> {
        for await (const chunk of stream) {
          pulled++;
          yield chunk;
        }
      },
    };
    const p = pool([{ rules: WINDOWS_RULES }], 2, 4);
    let seen = 0;
    for await (const _ of p.detect(counted)) if (++seen === 3) break;
    expect(pulled).toBeLessThanOrEqual(3 + 4);
    expect(p.inFlight).toBe(0);
  });
});

describe('worker failures', () => {
  it('a chunk that fails in a worker ends the run with an error naming the file and records', async () => {
    const bad = rule('bad regex', Match.create('Image', RegexValue.create('(unclosed', '')));
    expect(() => compileRuleSet([bad])).toThrow();
    const input = file('fail.jsonl', `${JSON.stringify({ Image: 'a' })}\n${JSON.stringify({ Image: 'b' })}\n`);
    const p = pool([{ rules: [bad] }], 1);
    await expect(async () => {
      for await (const _ of p.detect(readRawRecords([input]))) void _;
    }).rejects.toThrow(/a worker failed on .*fail\.jsonl, records 1-2/);
  });

  it('a batch that fails in a worker ends the run with an error', async () => {
    const p = pool([{ rules: WINDOWS_RULES }], 1);
    await expect(async () => {
      for await (const _ of p.evaluateArrowBatches([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])])) void _;
    }).rejects.toThrow(/a worker failed on a batch/);
  });
});
