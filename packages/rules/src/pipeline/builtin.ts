// The pipelines siemlite ships as data in rules/pipelines/ at the repository root.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorRecord, type ErrorRecord } from '@siemlite/core';
import { loadPipeline, type ProcessingPipeline } from './pipeline.js';

/** Names of the pipelines in rules/pipelines/ that {@link loadBuiltinPipeline} accepts. */
export type BuiltinPipelineName = 'windows';

/** Every shipped pipeline name, for CLI help and `--pipeline` validation. */
export const BUILTIN_PIPELINE_NAMES: readonly BuiltinPipelineName[] = Object.freeze(['windows']);

/**
 * Loads a shipped pipeline. The file is found relative to this module: src/pipeline/ and
 * dist/pipeline/ sit at the same depth under packages/rules, so one relative URL serves
 * tests (from source) and the built CLI. `directory` overrides the folder, for installs
 * that move the data.
 *
 * @example const { pipeline, errors } = loadBuiltinPipeline('windows');
 */
export function loadBuiltinPipeline(
  name: BuiltinPipelineName,
  directory?: string,
): { readonly pipeline: ProcessingPipeline | null; readonly errors: readonly ErrorRecord[] } {
  const file =
    directory === undefined
      ? fileURLToPath(new URL(`../../../../rules/pipelines/${name}.yml`, import.meta.url))
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
  return loadPipeline(file, text);
}
