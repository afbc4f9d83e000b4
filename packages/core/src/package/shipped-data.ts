// Where a siemlite package finds the data files it ships (pipelines, rules, samples).
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder, inside a package, that holds the copies of repository data its tarball carries. */
export const PACKAGED_DATA_DIR = 'dist/data';

/**
 * The path of shipped data that lives at `relativePath` under the repository root (for
 * example `rules/pipelines`). Inside a workspace checkout (the package sits in
 * `<repo>/packages/<name>`) this is the repository's own copy, so an edit takes effect
 * without a build or a pack; in an installed package it is the copy that `npm pack` put
 * under `dist/data/` (the `prepack` script, scripts/pack-data.mjs). No search: one of two
 * fixed places, decided by where the package sits.
 *
 * @param packageRoot the package's root folder as a file URL, e.g. `new URL('../../', import.meta.url)`
 *   from a module in `src/<folder>/` (which compiles to `dist/<folder>/`, at the same depth)
 * @example shippedDataPath(new URL('../../', import.meta.url), 'rules/pipelines')
 */
export function shippedDataPath(packageRoot: URL, relativePath: string): string {
  const root = fileURLToPath(packageRoot);
  const inRepository = resolve(root, '../..', relativePath);
  if (basename(dirname(resolve(root))) === 'packages' && existsSync(inRepository)) return inRepository;
  return join(root, PACKAGED_DATA_DIR, relativePath);
}
