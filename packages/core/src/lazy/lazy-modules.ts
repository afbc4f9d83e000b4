// Libraries a short run may never need, loaded on first use instead of at start-up: most of
// a one-event hunt's start-up was module loading (issue 14, benchmarks/startup.bench.mjs).
// Apache Arrow (~250 ms of CPU to load its ~200 modules) is needed only when batches cross
// threads as Arrow IPC or go to storage; fast-json-stringify (~200 ms) only when the first
// alert is written. Both load synchronously through require: Arrow's ES module entry (the
// same module instance an application's `import 'apache-arrow'` gets, so its classes are
// the application's), fast-json-stringify as the CommonJS package it is.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Arrow from 'apache-arrow';
import type FastJsonStringify from 'fast-json-stringify';

const require = createRequire(import.meta.url);
let arrowApi: typeof Arrow | null = null;
let fastJsonApi: typeof FastJsonStringify | null = null;

/** Apache Arrow's ES module entry (Node build), loaded on the first call. */
export function arrow(): typeof Arrow {
  if (arrowApi === null) arrowApi = require(join(dirname(require.resolve('apache-arrow')), 'Arrow.node.mjs')) as typeof Arrow;
  return arrowApi;
}

/** fast-json-stringify's schema compiler, loaded on the first call. */
export function fastJson(): typeof FastJsonStringify {
  if (fastJsonApi === null) fastJsonApi = require('fast-json-stringify') as typeof FastJsonStringify;
  return fastJsonApi;
}
