// A persistent cache of what loading one rule file gives (YAML parsed, attributes checked,
// detections lowered to IR, errors and warnings), so that loading unchanged files again
// skips the YAML parser and lowering, which are nearly all of `loadRules`' time.
//
// One cache file per loading configuration (placeholder values, placeholder fallback, size
// limit) in the cache folder: `rules-<hash of the configuration>.cache`. Inside:
//
//   line 1     header JSON: magic, layout version, context hash, entry count, body CRC-32
//   line 2...  one entry per rule file: JSON(path) TAB sha-256(file bytes) TAB stat stamp TAB payload JSON
//              (TAB attachment JSON)...
//
// The stat stamp (size, modification and change times, inode, device) lets a
// load trust an entry without reading and hashing its file when the file's stamp is
// unchanged: 3,780 SigmaHQ files cost a stat each instead of a read and a hash (issue 14,
// start-up). Like git's index, a stamp is only recorded for a file whose change time is
// at least STAMP_SETTLE_MS in the past when it is read, so a write in the same timestamp
// tick as that read can never leave a stale entry looking fresh; other files keep an empty
// stamp and are hashed every time until they settle.
//
// The context hash covers the configuration plus a fingerprint of the loader's own code
// (the stat stamps of the compiled files of @siemlite/rules and @siemlite/core, the versions
// of yaml, re2 and chevrotain, and of Node): after an upgrade or a rebuild the old file no longer matches,
// is ignored and rewritten. A file that is corrupt, unreadable, foreign or from another
// version is never an error, only a cold load. Writes go to a temporary file renamed over
// the old one, and only happen when some entry changed; a folder that cannot be written is
// reported through `onReport` and otherwise skipped.
//
// Attachments are parts of the result kept apart as JSON text (a detection's condition,
// collection.ts): a hit hands them over as bytes, decoded only if and when they are read
// (lazy-rules.ts), so a start does not build, then collect, the trees of rules its events
// never reach.
//
// The payload is the per-file result as JSON. Paths equal to the entry's own path are
// stored as `"file":0` (a quarter of the bytes) and put back while the parsed value is
// frozen. Results with values JSON cannot carry exactly (NaN, ±Infinity, -0, undefined,
// class instances) are not cached: the entry only records that the file must be parsed
// every time. Payloads stay bytes until their entry is used: decoding the whole file at
// once would make one huge string, two bytes a character as soon as one rule has a
// non-ASCII one.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { Constant, NullValue, PatternPart } from '@siemlite/core';

/** Bump when the layout of cache files changes. Loader changes are caught by the code fingerprint. */
const CACHE_LAYOUT_VERSION = 4;
const MAGIC = 'siemlite-rule-cache';
/** Payload of an entry whose result JSON cannot carry exactly: parse the file every time. */
const UNCACHEABLE = '';
const NEWLINE = Buffer.from('\n');

/** Where {@link loadRules} keeps its cache of per-file results. */
export interface RuleCacheOptions {
  /** Folder of the cache files, created when missing. */
  readonly dir: string;
  /** Called once per load with what the cache did (hits, misses, whether and why not written). */
  readonly onReport?: (report: RuleCacheReport) => void;
  /**
   * How long ago a rule file must have last changed for its stat stamp to be recorded, so
   * that later loads trust it without reading the file (default 2000 ms; see rule-cache.ts).
   */
  readonly stampSettleMs?: number;
}

/** What the rule cache did during one {@link loadRules}. */
export interface RuleCacheReport {
  /** The cache file of this loading configuration. */
  readonly file: string;
  /** Rule files whose result came from the cache. */
  readonly hits: number;
  /** Rule files read but not found in the cache (new, changed, not cacheable, not UTF-8). */
  readonly misses: number;
  /** True when the cache file was (re)written. */
  readonly written: boolean;
  /** Why the cache file could not be written, or null. Loading is never affected. */
  readonly error: string | null;
}

/** How long a file's change time must lie in the past for its stat stamp to be recorded. */
const STAMP_SETTLE_MS = 2000;

interface Entry {
  readonly hash: string;
  /** The file's stat stamp when it was hashed (see above), or '' when not trusted. */
  readonly stamp: string;
  /**
   * Payload JSON with the entry's path as `"file":0`, then each attachment after a tab (as
   * read: UTF-8 bytes), or {@link UNCACHEABLE}.
   */
  readonly payload: string | Uint8Array;
}

/** A cached result and its attachments (UTF-8 JSON text, see {@link decodeCachedJson}). */
export interface CacheHit<T> {
  readonly value: T;
  readonly attachments: readonly Uint8Array[];
}

/** The cache of one load: read when opened, written by {@link RuleCache.save} if anything changed. */
export class RuleCache {
  readonly #dir: string;
  readonly #path: string;
  readonly #context: string;
  readonly #entries: Map<string, Entry>;
  readonly #onReport: ((report: RuleCacheReport) => void) | undefined;
  readonly #settleMs: number;
  #dirty: boolean;
  #hits = 0;
  #misses = 0;

  private constructor(options: RuleCacheOptions, path: string, context: string, entries: Map<string, Entry> | null) {
    this.#dir = options.dir;
    this.#path = path;
    this.#context = context;
    this.#onReport = options.onReport;
    this.#settleMs = options.stampSettleMs ?? STAMP_SETTLE_MS;
    this.#entries = entries ?? new Map();
    // A missing, corrupt or foreign file is rewritten even if every rule file is uncacheable.
    this.#dirty = entries === null;
  }

  /**
   * Opens the cache for one loading configuration: a JSON-safe description of everything
   * besides the file's bytes, its path and the loader's code that per-file results depend on.
   */
  static open(options: RuleCacheOptions, configuration: unknown): RuleCache {
    const config = JSON.stringify(configuration);
    const path = join(options.dir, `rules-${sha256(config).slice(0, 20)}.cache`);
    const context = sha256(JSON.stringify({ layout: CACHE_LAYOUT_VERSION, config, code: codeFingerprint() }));
    return new RuleCache(options, path, context, readCacheFile(path, context));
  }

  /**
   * The stat stamp of a file (see the top of this file), '' for a file changed too recently
   * to trust its stamp, or null when it cannot be stat'ed.
   */
  stampOf(file: string): string | null {
    try {
      // Times in milliseconds with their fraction (Node derives them from the nanoseconds).
      const st = statSync(file);
      if (!st.isFile()) return null;
      const settled = Date.now() - this.#settleMs;
      if (st.ctimeMs > settled || st.mtimeMs > settled) return '';
      return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${st.dev}`;
    } catch {
      return null;
    }
  }

  /**
   * The cached result for `file` when its stat stamp equals the one recorded with its entry
   * (the file was not touched since it was hashed); undefined otherwise, and then the caller
   * reads and hashes the file and asks {@link get}. Not counted as a miss.
   */
  lookupByStamp<T>(file: string, stamp: string, accept: (value: unknown) => value is T): CacheHit<T> | undefined {
    const entry = this.#entries.get(file);
    if (entry === undefined || stamp === '' || entry.stamp !== stamp) return undefined;
    return this.lookup(file, entry.hash, accept);
  }

  /** The sha-256 of a rule file's bytes, the key of its entry along with its path. */
  static hashBytes(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('base64url');
  }

  /**
   * The cached result for `file` whose bytes hash to `hash`, deep-frozen as loading makes
   * it; undefined when there is none or it fails `accept` (a miss: the caller parses the
   * file and calls `set`).
   */
  get<T>(file: string, hash: string, accept: (value: unknown) => value is T): T | undefined {
    return this.lookup(file, hash, accept)?.value;
  }

  /** As {@link get}, with the attachments stored by {@link set}. */
  lookup<T>(file: string, hash: string, accept: (value: unknown) => value is T): CacheHit<T> | undefined {
    const entry = this.#entries.get(file);
    if (entry !== undefined && entry.hash === hash && entry.payload.length > 0) {
      try {
        const bytes = asBuffer(entry.payload);
        let end = bytes.indexOf(9);
        if (end < 0) end = bytes.length;
        const value: unknown = JSON.parse(bytes.toString('utf8', 0, end));
        if (accept(value)) {
          this.#hits++;
          const attachments: Uint8Array[] = [];
          for (let start = end + 1; start <= bytes.length; ) {
            let next = bytes.indexOf(9, start);
            if (next < 0) next = bytes.length;
            attachments.push(bytes.subarray(start, next));
            start = next + 1;
          }
          return { value: revive(value, file), attachments };
        }
      } catch {
        // Cannot happen with a file we wrote (its checksum matched); parse the rule again.
      }
    }
    this.#misses++;
    return undefined;
  }

  /** Records `stamp` as the stat stamp of the file whose entry has `hash` (after a hit by hash). */
  stamp(file: string, hash: string, stamp: string): void {
    const old = this.#entries.get(file);
    if (old === undefined || old.hash !== hash || old.stamp === stamp) return;
    this.#entries.set(file, { ...old, stamp });
    this.#dirty = true;
  }

  /**
   * Stores the result of parsing `file` (plain JSON-safe data; anything else is not cached)
   * and its attachments (texts from {@link encodeCachedJson}).
   */
  set(file: string, hash: string, value: unknown, stamp = '', attachments: readonly string[] = []): void {
    const json = encodeCachedJson(value, file);
    // Attachments are JSON text, which never holds a raw tab or newline; anything else is not cached.
    const payload = json === null || attachments.some((a) => /[\t\n]/.test(a)) ? UNCACHEABLE : attachments.reduce((text, a) => `${text}\t${a}`, json);
    const old = this.#entries.get(file);
    if (old !== undefined && old.hash === hash && old.stamp === stamp && asBuffer(old.payload).equals(asBuffer(payload))) return;
    this.#entries.set(file, { hash, stamp, payload });
    this.#dirty = true;
  }

  /**
   * Writes the cache file if an entry changed: entries of this load, and entries of other
   * loads whose rule file still exists. Never throws; failures go to `onReport`.
   */
  save(seen: ReadonlySet<string>): void {
    let written = false;
    let error: string | null = null;
    if (this.#dirty) {
      for (const file of this.#entries.keys()) if (!seen.has(file) && !existsSync(file)) this.#entries.delete(file);
      try {
        writeCacheFile(this.#dir, this.#path, this.#context, this.#entries);
        written = true;
      } catch (e) {
        error = `cannot write the rule cache ${this.#path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
      }
    }
    this.#onReport?.(Object.freeze({ file: this.#path, hits: this.#hits, misses: this.#misses, written, error }));
  }
}

/**
 * `value` as the cache stores it: JSON with `file` properties equal to `file` as `"file":0`
 * (a quarter of the bytes); null when JSON cannot carry it exactly (see the top of this
 * file). {@link decodeCachedJson} gives it back. Also for parts of a payload kept as JSON
 * text inside it, decoded only when needed (lazy-rules.ts).
 */
export function encodeCachedJson(value: unknown, file: string): string | null {
  const paths = countExactJson(value, file);
  if (paths < 0) return null;
  const short = JSON.stringify(value).replaceAll(`"file":${JSON.stringify(file)}`, '"file":0');
  // Every match must be one of the `file` properties counted (no key ends in `"file`,
  // but a wrong replacement would be silent, so make sure).
  return occurrences(short, '"file":0') === paths ? short : null;
}

/** What {@link encodeCachedJson} stored, parsed and deep-frozen as loading makes it. */
export function decodeCachedJson(text: string, file: string): unknown {
  return revive(JSON.parse(text) as unknown, file);
}

function occurrences(text: string, part: string): number {
  let n = 0;
  for (let i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length)) n++;
  return n;
}

/** The bytes of a payload as a Buffer (a view, not a copy), strings as UTF-8. */
function asBuffer(payload: string | Uint8Array): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The entries of a cache file, or null when it is missing, unreadable, corrupt or foreign. */
function readCacheFile(path: string, context: string): Map<string, Entry> | null {
  try {
    const bytes = readFileSync(path);
    const newline = bytes.indexOf(10);
    if (newline < 0) return null;
    const header = JSON.parse(bytes.toString('utf8', 0, newline)) as Record<string, unknown>;
    if (header.magic !== MAGIC || header.layout !== CACHE_LAYOUT_VERSION || header.context !== context) return null;
    const body = bytes.subarray(newline + 1);
    // CRC-32, not a cryptographic hash: it guards against a torn or damaged file (3 ms for
    // SigmaHQ's 15 MB against 31 ms for SHA-256), and the cache folder is the user's own.
    if (header.checksum !== crc32(body)) return null;
    const entries = new Map<string, Entry>();
    for (let start = 0; start < body.length; ) {
      let end = body.indexOf(10, start);
      if (end < 0) end = body.length;
      const a = body.indexOf(9, start);
      const b = a < 0 ? -1 : body.indexOf(9, a + 1);
      const c = b < 0 ? -1 : body.indexOf(9, b + 1);
      if (a < 0 || b < 0 || c < 0 || c > end) return null;
      const file: unknown = JSON.parse(body.toString('utf8', start, a));
      if (typeof file !== 'string') return null;
      entries.set(file, { hash: body.toString('latin1', a + 1, b), stamp: body.toString('latin1', b + 1, c), payload: body.subarray(c + 1, end) });
      start = end + 1;
    }
    return header.entries === entries.size ? entries : null;
  } catch {
    return null;
  }
}

function writeCacheFile(dir: string, path: string, context: string, entries: ReadonlyMap<string, Entry>): void {
  mkdirSync(dir, { recursive: true });
  const chunks: Uint8Array[] = [];
  // JSON.stringify escapes tabs and newlines inside strings, so both stay separators.
  for (const [file, e] of entries) {
    if (chunks.length > 0) chunks.push(NEWLINE);
    chunks.push(Buffer.from(`${JSON.stringify(file)}\t${e.hash}\t${e.stamp}\t`, 'utf8'));
    chunks.push(typeof e.payload === 'string' ? Buffer.from(e.payload, 'utf8') : e.payload);
  }
  const body = Buffer.concat(chunks);
  const header = JSON.stringify({
    magic: MAGIC,
    layout: CACHE_LAYOUT_VERSION,
    context,
    entries: entries.size,
    checksum: crc32(body),
  });
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([Buffer.from(`${header}\n`, 'utf8'), body]));
    renameSync(temp, path);
  } catch (e) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The error worth reporting is the first one.
    }
    throw e;
  }
}

/**
 * -1 unless JSON.parse(JSON.stringify(value)) gives back an equal value (only plain objects,
 * arrays, strings, booleans, null and finite numbers other than -0, no undefined properties)
 * and no `file` property is the number 0; else how many `file` properties equal `file`.
 */
function countExactJson(value: unknown, file: string): number {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return 0;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? 0 : -1;
    case 'object': {
      if (value === null) return 0;
      let count = 0;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const n = i in value ? countExactJson(value[i], file) : -1;
          if (n < 0) return -1;
          count += n;
        }
        return count;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return -1;
      for (const key in value) {
        const v = (value as Record<string, unknown>)[key];
        if (key === 'file' && (v === 0 || v === file)) {
          if (v === 0) return -1;
          count++;
          continue;
        }
        const n = countExactJson(v, file);
        if (n < 0) return -1;
        count += n;
      }
      return count;
    }
    default:
      return -1;
  }
}

/**
 * Freezes parsed JSON deeply, as loading freezes what it builds, putting back `file: 0` as
 * the path. Objects loading shares are shared again: the IR's singletons (`*` and `?`
 * pattern parts, null, true, false) and equal locations of the file (a leaf's origin is
 * its key's location). Nothing depends on that identity, but memory and the size of the
 * rules on the worker pool's wire stay as after a cold load.
 */
function revive<T>(value: T, file: string): T {
  return reviveIn(value, file, new Map());
}

function reviveIn<T>(value: T, file: string, locations: Map<string, object>): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null) value[i] = reviveIn(v, file, locations);
    }
    return Object.freeze(value);
  }
  const record = value as Record<string, unknown>;
  const singleton = singletonFor(record);
  if (singleton !== undefined) return singleton as T;
  for (const key in record) {
    const v = record[key];
    if (typeof v === 'object' && v !== null) record[key] = reviveIn(v, file, locations);
    else if (v === 0 && key === 'file') {
      record[key] = file;
      if (isLocation(record)) {
        const id = `${record.line}:${record.column}`;
        const known = locations.get(id);
        if (known !== undefined) return known as T;
        locations.set(id, record);
      }
    }
  }
  return Object.freeze(value);
}

/** The IR's shared object equal to `record`, if it is one. */
function singletonFor(record: Record<string, unknown>): object | undefined {
  switch (record.kind) {
    case 'AnyChars':
      return Object.keys(record).length === 1 ? PatternPart.anyChars : undefined;
    case 'OneChar':
      return Object.keys(record).length === 1 ? PatternPart.oneChar : undefined;
    case 'Null':
      return Object.keys(record).length === 1 ? NullValue.create() : undefined;
    case 'Constant':
      return Object.keys(record).length === 2 && typeof record.value === 'boolean' ? Constant.create(record.value) : undefined;
    default:
      return undefined;
  }
}

/** A `SourceLocation`: exactly file, line and column, in that order. */
function isLocation(record: Record<string, unknown>): boolean {
  const keys = Object.keys(record);
  return keys.length === 3 && keys[0] === 'file' && keys[1] === 'line' && keys[2] === 'column';
}

let fingerprint: string | undefined;

/**
 * A hash of the code that produces per-file results: this package's and @siemlite/core's
 * compiled modules (or sources, when run from them), the versions of the parsing libraries,
 * and Node's. Computed once per process (a few milliseconds).
 */
function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash('sha256');
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    hash.update(`node ${process.versions.node}\n`);
    hashModules(hash, here);
    for (const dep of ['@siemlite/core', 'yaml', 're2', 'chevrotain']) {
      const pkgDir = findPackage(here, dep);
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version?: string; main?: string };
      hash.update(`${dep} ${pkg.version}\n`);
      if (dep === '@siemlite/core') hashModules(hash, dirname(join(pkgDir, pkg.main ?? 'dist/index.js')));
    }
    fingerprint = hash.digest('hex');
  } catch {
    // Without a fingerprint no cache file can be trusted: one that never matches.
    fingerprint = `unknown-${randomBytes(16).toString('hex')}`;
  }
  return fingerprint;
}

const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts']);

/**
 * Each module file of `dir` by its path and stat stamp (size, modification and change times,
 * inode), not its bytes: a stat per file instead of reading the ~200 files of both packages
 * at every start (issue 14, start-up). Writing a file always moves its change time, which
 * no copy or archive can set back, so a rebuilt or reinstalled package never matches an old
 * fingerprint; an untouched one always does.
 */
function hashModules(hash: ReturnType<typeof createHash>, dir: string): void {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => MODULE_EXTENSIONS.has(extname(f)) && !f.endsWith('.d.ts'))
    .sort();
  for (const f of files) {
    const st = statSync(join(dir, f));
    hash.update(`${f}\0${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}\n`);
  }
}

/** The folder of an installed package, found the way Node finds it (node_modules upwards). */
function findPackage(from: string, name: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${name} not found`);
  }
}
