// Access to the shared corpus (SigmaHQ regression_data and shared/datasets) for the event
// tests. SIEMLITE_SHARED locates it; the default is ../shared beside the checkout,
// as in test/support/shared.ts. Missing locally: the tests that need it
// skip with a loud warning. Missing under CI=true: they fail (STYLE.md §6).
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip, gunzipSync } from 'node:zlib';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED_DIR = resolve(process.env['SIEMLITE_SHARED'] ?? resolve(REPO_ROOT, '../shared'));

/** The absolute path of `relative` inside the shared corpus, or undefined (after a warning). */
export function sharedPath(relative: string, what: string): string | undefined {
  const path = join(SHARED_DIR, relative);
  if (existsSync(path)) return path;
  const message = `${path} not found (set SIEMLITE_SHARED): ${what} cannot run`;
  if (process.env['CI'] === 'true') throw new Error(message);
  console.warn(`\n*** SKIPPED: ${message} ***\n`);
  return undefined;
}

/** Every `*.json` file below `root`, sorted. */
export function listJsonFiles(root: string): string[] {
  const files: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.json')) files.push(path);
    }
  };
  visit(root);
  return files.sort();
}

/**
 * The JSON objects of a file holding one or more pretty-printed objects back to back
 * (regression_data twins with several events), split by brace depth outside strings.
 */
export function parseConcatenatedJson(text: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && --depth === 0) {
      objects.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
    }
  }
  if (depth !== 0 || inString) throw new Error('unbalanced JSON text');
  return objects;
}

/** All lines of a gzipped JSON Lines file (for the evtx datasets, 10–13 MB raw each). */
export function readJsonLines(path: string): string[] {
  return gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter((line) => line.length > 0);
}

/** The first `limit` records of a gzipped JSON Lines file, streamed (the Mordor file is 1.5 GB raw). */
export async function readJsonLinesHead(path: string, limit: number): Promise<Record<string, unknown>[]> {
  const stream = createReadStream(path).pipe(createGunzip());
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const records: Record<string, unknown>[] = [];
  for await (const line of lines) {
    if (line.length === 0) continue;
    records.push(JSON.parse(line) as Record<string, unknown>);
    if (records.length >= limit) break;
  }
  lines.close();
  stream.destroy();
  return records;
}
