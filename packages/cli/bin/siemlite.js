#!/usr/bin/env node
// The `siemlite` command. This small file exists before the build, so npm can link the
// command at install time; the program itself is the built dist/main.js.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('siemlite: not built yet: run `npm run build` in the repository first\n');
  process.exit(2);
}
await import(main.href);
