// The one setting that locates the shared corpus: SIEMLITE_SHARED, default ../shared
// beside the checkout. Missing locally: tests skip loudly. Missing in CI: they fail.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DIR = resolve(process.env.SIEMLITE_SHARED ?? resolve(REPO_ROOT, '../shared'));

/** True when the shared corpus is there; otherwise warns (or throws under CI=true). */
export function hasShared(what: string): boolean {
  if (existsSync(resolve(SHARED_DIR, 'sigma'))) return true;
  const message = `shared corpus not found at ${SHARED_DIR} (set SIEMLITE_SHARED): ${what} cannot run`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n*** SKIPPED: ${message} ***\n`);
  return false;
}
