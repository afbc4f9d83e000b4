#!/usr/bin/env node
// The `prepack` step of a workspace package: copies the repository data the package loads at
// run time (shipped pipelines, rules, samples) into <package>/dist/data/, where
// `shippedDataPath` (@siemlite/core) finds it once the package is installed.
//
//   node ../../scripts/pack-data.mjs rules/pipelines            (from packages/rules)
//   node ../../scripts/pack-data.mjs rules --without rules/pipelines   (from packages/cli)
//
// Arguments are paths relative to the repository root; --without PATH leaves a path out.
// The package must be built (dist/index.js): a tarball without its code is refused here.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = process.cwd();
const fail = (message) => {
  process.stderr.write(`pack-data: ${message}\n`);
  process.exit(1);
};

if (!existsSync(join(pkg, 'package.json')) || relative(repo, pkg).split(sep)[0] !== 'packages') {
  fail(`run me from a workspace package folder (packages/NAME), not ${pkg}`);
}
if (!existsSync(join(pkg, 'dist', 'index.js'))) fail(`${relative(repo, pkg)}/dist/index.js is missing: build first (npm run build)`);

const include = [];
const exclude = new Set();
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg !== '--without') include.push(arg);
  else if (i + 1 < process.argv.length) exclude.add(resolve(repo, process.argv[++i]));
  else fail('--without needs a path');
}
if (include.length === 0) fail('name at least one path to copy');

const target = join(pkg, 'dist', 'data');
rmSync(target, { recursive: true, force: true });
for (const path of include) {
  const from = resolve(repo, path);
  if (!existsSync(from)) fail(`${path} does not exist in the repository`);
  for (const x of exclude) if (!existsSync(x)) fail(`excluded path ${relative(repo, x)} does not exist (a typo would ship it)`);
  cpSync(from, join(target, path), { recursive: true, filter: (src) => !exclude.has(resolve(src)) });
  process.stderr.write(`pack-data: ${path} -> ${relative(pkg, join(target, path))}\n`);
}
