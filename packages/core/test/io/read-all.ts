// Test helpers: read everything an input list yields, and temp folders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecords } from '../../src/io/read-records.js';
import type { BadRecord, ReadOptions, SourceRecord } from '../../src/io/read-records.js';

export interface ReadAll {
  readonly records: SourceRecord[];
  readonly bad: BadRecord[];
  /** Size of each yielded chunk, in order. */
  readonly chunks: number[];
  /** Path of each yielded chunk (chunks never mix files). */
  readonly chunkPaths: string[];
}

export async function readAll(inputs: readonly string[], options: ReadOptions = {}): Promise<ReadAll> {
  const records: SourceRecord[] = [];
  const bad: BadRecord[] = [];
  const chunks: number[] = [];
  const chunkPaths: string[] = [];
  for await (const chunk of readRecords(inputs, { ...options, onBadRecord: (b) => bad.push(b) })) {
    chunks.push(chunk.length);
    const paths = new Set(chunk.map((r) => r.path));
    chunkPaths.push([...paths].join('|'));
    records.push(...chunk);
  }
  return { records, bad, chunks, chunkPaths };
}

/** A fresh temp folder and a function that removes it. */
export function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `siemlite-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
