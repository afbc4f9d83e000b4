// Resolves `--pipeline NAME|FILE` for every command that takes it.
import { readFileSync } from 'node:fs';
import type { ErrorRecord } from '@siemlite/core';
import { BUILTIN_PIPELINE_NAMES, loadBuiltinPipeline, loadPipeline, type ProcessingPipeline, type RuleCacheOptions } from '@siemlite/rules';
import { UsageError } from './usage-error.js';

/**
 * `none` means no pipeline; a built-in name (e.g. `windows`) loads the shipped one;
 * anything else is read as a pipeline YAML file. With `cache`, parsed pipelines are kept in
 * the rule cache like rules.
 */
export function resolvePipelines(spec: string, cache?: RuleCacheOptions): { pipelines: ProcessingPipeline[]; errors: readonly ErrorRecord[] } {
  if (spec === 'none') return { pipelines: [], errors: [] };
  if ((BUILTIN_PIPELINE_NAMES as readonly string[]).includes(spec)) {
    const { pipeline, errors } = loadBuiltinPipeline(spec as (typeof BUILTIN_PIPELINE_NAMES)[number], undefined, cache === undefined ? {} : { cache });
    return { pipelines: pipeline === null ? [] : [pipeline], errors };
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch {
    throw new UsageError(`--pipeline: '${spec}' is neither a built-in pipeline (${['none', ...BUILTIN_PIPELINE_NAMES].join(', ')}) nor a readable file`);
  }
  const { pipeline, errors } = loadPipeline(spec, text, cache === undefined ? {} : { cache });
  return { pipelines: pipeline === null ? [] : [pipeline], errors };
}
