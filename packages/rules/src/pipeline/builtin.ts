// The pipelines siemlite ships as data in rules/pipelines/ at the repository root.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorRecord, shippedDataPath, type ErrorRecord } from '@siemlite/core';
import { loadPipeline, type ProcessingPipeline } from './pipeline.js';
import type { RuleCacheOptions } from '../rule-cache.js';

/** Names of the pipelines in rules/pipelines/ that {@link loadBuiltinPipeline} accepts. */
export type BuiltinPipelineName = 'windows';

/** Every shipped pipeline name, for CLI help and `--pipeline` validation. */
export const BUILTIN_PIPELINE_NAMES: readonly BuiltinPipelineName[] = Object.freeze(['windows']);

/**
 * Loads a shipped pipeline: from rules/pipelines/ in a repository checkout, from the copy
 * in this package's dist/data/rules/pipelines/ once installed (`shippedDataPath`).
 * `directory` overrides the folder, for installs that move the data; `options.cache` keeps
 * the parsed pipeline in the rule cache (see {@link loadPipeline}).
 *
 * @example const { pipeline, errors } = loadBuiltinPipeline('windows');
 */
export function loadBuiltinPipeline(
  name: BuiltinPipelineName,
  directory?: string,
  options: { readonly cache?: RuleCacheOptions } = {},
): { readonly pipeline: ProcessingPipeline | null; readonly errors: readonly ErrorRecord[] } {
  const file =
    directory === undefined
      ? join(shippedDataPath(new URL('../../', import.meta.url), 'rules/pipelines'), `${name}.yml`)
      : join(directory, `${name}.yml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    return Object.freeze({
      pipeline: null,
      errors: Object.freeze([errorRecord('io', `cannot read pipeline '${name}': ${why}`, { file, line: 1, column: 1 })]),
    });
  }
  return loadPipeline(file, text, options);
}
