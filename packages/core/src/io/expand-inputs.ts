import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { describeIoError } from './describe-io-error.js';
import { isGlobPattern, matchGlobSegment } from './match-glob.js';
import type { BadRecord } from './record-types.js';

/** The input that means standard input. */
export const STDIN_INPUT = '-';

/** What {@link expandInputs} found: files to read, in order, and inputs that could not be used. */
export interface ExpandedInputs {
  readonly files: readonly string[];
  readonly errors: readonly BadRecord[];
}

// Extensions picked up when walking a folder; an explicitly named file is read whatever its name.
const LOG_EXTENSIONS: readonly string[] = ['.json', '.jsonl', '.ndjson', '.log', '.evtx'];

const SEPARATORS = sep === '/' ? /\/+/ : /[\\/]+/;

interface Entry {
  readonly name: string;
  readonly path: string;
  readonly isDirectory: boolean;
  readonly isFile: boolean;
}

/**
 * Turns command-line inputs into the list of files to read, so one missing path or empty
 * glob is reported instead of aborting a hunt over hundreds of files.
 *
 * - a file is taken as is (any name, also FIFOs such as `<(zcat x.gz)`);
 * - a folder is walked recursively in code-unit order of names, keeping `.json`,
 *   `.jsonl`, `.ndjson`, `.log` and `.evtx` files, each also with `.gz` (case-insensitive);
 *   hidden files and folders (leading `.`) are skipped; symlinks to files are
 *   followed, symlinks to folders are not (as `grep -r` and ripgrep: no cycles, no
 *   surprise trips out of the tree);
 * - a path that does not exist but contains `*` or `?` is a glob (`*`, `?`, `**`),
 *   matched against files of any extension; hidden names only match a pattern
 *   segment that itself starts with `.`;
 * - `-` is standard input (once, however often it is given).
 *
 * A file reached twice (for example by a folder and a glob) is read once, at its first place.
 * Paths keep the spelling of the input (`logs/` gives `logs/a.json`).
 *
 * @example
 * const { files, errors } = await expandInputs(['logs/', 'extra/**\/*.jsonl.gz', '-']);
 */
export async function expandInputs(inputs: readonly string[]): Promise<ExpandedInputs> {
  const files: string[] = [];
  const errors: BadRecord[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = file === STDIN_INPUT ? file : resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const input of inputs) {
    if (input === STDIN_INPUT) {
      add(input);
      continue;
    }
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(input)).isDirectory();
    } catch (error) {
      if (isGlobPattern(input)) {
        const matches = await expandGlob(input, errors);
        if (matches.length === 0) errors.push(ioError(input, 'no files match this pattern'));
        for (const match of matches) add(match);
      } else {
        errors.push(ioError(input, describeIoError(error)));
      }
      continue;
    }
    if (!isDirectory) {
      add(input);
      continue;
    }
    const found: string[] = [];
    await walkFolder(input, found, errors);
    if (found.length === 0) {
      errors.push(ioError(input, `folder holds no ${LOG_EXTENSIONS.join(', ')} files (optionally .gz)`));
    }
    for (const file of found) add(file);
  }
  return { files, errors };
}

function ioError(path: string, message: string): BadRecord {
  return Object.freeze({ path, record: 0, line: 0, code: 'io', message });
}

function isLogFileName(name: string): boolean {
  let lower = name.toLowerCase();
  if (lower.endsWith('.gz')) lower = lower.slice(0, -3);
  return LOG_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

async function walkFolder(dir: string, out: string[], errors: BadRecord[]): Promise<void> {
  for (const entry of await listFolder(dir, errors, false)) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory) await walkFolder(entry.path, out, errors);
    else if (entry.isFile && isLogFileName(entry.name)) out.push(entry.path);
  }
}

/** Lists a folder sorted by name, symlinks to files resolved; [] (after reporting) if unreadable. */
async function listFolder(dir: string, errors: BadRecord[], isGlob: boolean): Promise<Entry[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir === '' ? '.' : dir, { withFileTypes: true });
  } catch (error) {
    // A glob's folder that doesn't exist is just "no match", reported once by the caller.
    const code = (error as NodeJS.ErrnoException).code;
    if (!(isGlob && (code === 'ENOENT' || code === 'ENOTDIR'))) {
      errors.push(ioError(dir, `cannot read folder: ${describeIoError(error)}`));
    }
    return [];
  }
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries: Entry[] = [];
  for (const d of dirents) {
    const path = joinPath(dir, d.name);
    const isDirectory = d.isDirectory();
    let isFile = d.isFile() || d.isFIFO();
    if (d.isSymbolicLink()) {
      try {
        const target = await stat(path);
        isFile = target.isFile() || target.isFIFO();
      } catch {
        // A dangling symlink in a log folder is not an input anyone asked for.
        continue;
      }
    }
    entries.push({ name: d.name, path, isDirectory, isFile });
  }
  return entries;
}

function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') || dir.endsWith(sep) ? dir + name : dir + sep + name;
}

async function expandGlob(pattern: string, errors: BadRecord[]): Promise<string[]> {
  const parts = pattern.split(SEPARATORS);
  // Literal leading segments form the folder to start from, spelled as given.
  let literal = 0;
  while (literal < parts.length && !isGlobPattern(parts[literal] ?? '')) literal++;
  let base = parts.slice(0, literal).join(sep);
  if (base === '' && literal > 0) base = sep; // the pattern is absolute: "/…"
  const segments = parts.slice(literal).filter((s) => s !== '');
  const out: string[] = [];
  if (segments.length > 0) await matchSegments(base, segments, 0, out, errors);
  return out.sort(comparePaths);
}

async function matchSegments(
  dir: string,
  segments: readonly string[],
  index: number,
  out: string[],
  errors: BadRecord[],
): Promise<void> {
  const segment = segments[index] ?? '';
  const isLast = index === segments.length - 1;
  if (segment === '**') {
    if (isLast) {
      await walkAll(dir, out, errors);
      return;
    }
    // `**` is zero or more folders: try the rest here, then one level deeper with `**` again.
    await matchSegments(dir, segments, index + 1, out, errors);
    for (const entry of await listFolder(dir, errors, true)) {
      if (entry.isDirectory && !entry.name.startsWith('.')) await matchSegments(entry.path, segments, index, out, errors);
    }
    return;
  }
  const mayBeHidden = segment.startsWith('.');
  for (const entry of await listFolder(dir, errors, true)) {
    if ((entry.name.startsWith('.') && !mayBeHidden) || !matchGlobSegment(segment, entry.name)) continue;
    if (isLast) {
      if (entry.isFile) out.push(entry.path);
    } else if (entry.isDirectory) {
      await matchSegments(entry.path, segments, index + 1, out, errors);
    }
  }
}

async function walkAll(dir: string, out: string[], errors: BadRecord[]): Promise<void> {
  for (const entry of await listFolder(dir, errors, true)) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory) await walkAll(entry.path, out, errors);
    else if (entry.isFile) out.push(entry.path);
  }
}

/** Orders paths segment by segment, so a folder's files and subfolders interleave by name as in a walk. */
function comparePaths(a: string, b: string): number {
  const as = a.split(SEPARATORS);
  const bs = b.split(SEPARATORS);
  const n = Math.min(as.length, bs.length);
  for (let i = 0; i < n; i++) {
    const x = as[i] ?? '';
    const y = bs[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return as.length - bs.length;
}
