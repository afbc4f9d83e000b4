// Chevrotain, loaded on first use. Conditions are parsed only when a rule file is not in the
// rule cache, so a warm start never needs the parser. Chevrotain's package entry pulls in
// lodash-es, about 650 modules (~0.4 s of start-up here, issue 14); the same release ships
// the library as one bundled file (lib/chevrotain.mjs), which loads in a few milliseconds.
// Both are ES modules, loaded synchronously through require (Node >= 20.19).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Chevrotain from 'chevrotain';

export type ChevrotainApi = typeof Chevrotain;

let api: ChevrotainApi | null = null;

/** The Chevrotain library: its bundled file when the installed release has it, else its entry. */
export function chevrotain(): ChevrotainApi {
  if (api === null) {
    const require = createRequire(import.meta.url);
    const bundle = join(dirname(require.resolve('chevrotain')), '..', 'chevrotain.mjs');
    api = (existsSync(bundle) ? require(bundle) : require('chevrotain')) as ChevrotainApi;
  }
  return api;
}
