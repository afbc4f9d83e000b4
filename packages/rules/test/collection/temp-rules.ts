// Helpers of the rule cache tests: temporary folders removed after the file's tests, and the
// shipped windows pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { ProcessingPipeline } from '../../src/pipeline/pipeline.js';
import { loadBuiltinPipeline } from '../../src/pipeline/builtin.js';

/** A function making temporary folders (named `prefix...`), all removed after the calling test file. */
export function tempDirs(prefix: string): () => string {
  const temps: string[] = [];
  afterAll(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
}

/** The shipped windows pipeline, which must load without errors. */
export function windows(): ProcessingPipeline {
  const { pipeline, errors } = loadBuiltinPipeline('windows');
  expect(errors).toEqual([]);
  if (pipeline === null) throw new Error('windows pipeline did not load');
  return pipeline;
}
