// `siemlite rules update`: fetch a SigmaHQ release package, check it, and install it
// atomically as the user's `sigma` rules folder (README.md "SigmaHQ rules").
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { formatLocation } from '@siemlite/core';
import { loadRules } from '@siemlite/rules';
import { UsageError } from '../usage-error.js';
import { readZip, ZipError } from './zip.js';

/** Package names and their SigmaHQ release asset (`sigma_<asset>.zip`). */
export const SIGMA_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  core: 'core',
  'core+': 'core+',
  'core++': 'core++',
  all: 'all_rules',
  'emerging-threats': 'emerging_threats_addon',
});

/** Where the latest SigmaHQ release of a package is downloaded from. */
export function packageUrl(name: string): string {
  return `https://github.com/SigmaHQ/sigma/releases/latest/download/sigma_${SIGMA_PACKAGES[name] ?? name}.zip`;
}

/** An update that did not happen; the installed rules are unchanged. */
export class UpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdateError';
  }
}

/**
 * The user's data folder: `$SIEMLITE_DATA_DIR`, else `$XDG_DATA_HOME/siemlite` (when
 * absolute), else `~/.local/share/siemlite`.
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.SIEMLITE_DATA_DIR;
  if (own !== undefined && own !== '') return own;
  const xdg = env.XDG_DATA_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'siemlite');
  return join(homedir(), '.local', 'share', 'siemlite');
}

/** The installed SigmaHQ rules: `<data>/sigma`, a link to the folder of the current package. */
export function installedRulesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), 'sigma');
}

export interface UpdateOptions {
  /** URL (http, https) or local file of the package. */
  readonly from: string;
  /** Expected SHA-256 of the package (hex); checked when given. */
  readonly sha256?: string;
  readonly dataDir: string;
  /** Download timeout in ms (default 120 s). */
  readonly timeoutMs?: number;
  /** Called with the checked, unpacked folder just before it becomes current (tests simulate a crash here). */
  readonly beforeSwap?: (staged: string) => void;
}

export interface UpdateReport {
  readonly from: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly files: number;
  readonly rules: number;
  readonly folder: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly modified: readonly string[];
  readonly unchanged: number;
}

const isRuleFile = (name: string): boolean => name.endsWith('.yml') || name.endsWith('.yaml');
const hash = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Reads the package from a URL or a file. */
async function fetchPackage(from: string, timeoutMs: number): Promise<Buffer> {
  if (!/^https?:\/\//i.test(from)) {
    try {
      return readFileSync(from);
    } catch (e) {
      throw new UpdateError(`cannot read '${from}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  let response: Response;
  try {
    response = await fetch(from, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (e) {
    throw new UpdateError(`download of ${from} failed: ${causeOf(e)}`);
  }
  if (!response.ok) throw new UpdateError(`download of ${from} failed: HTTP ${response.status} ${response.statusText}`);
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (e) {
    throw new UpdateError(`download of ${from} was cut off: ${causeOf(e)}`);
  }
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message;
}

/** Relative path -> SHA-256 of every rule file under `dir`. */
function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const child = join(d, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && isRuleFile(entry.name)) out.set(relative(dir, child).split('\\').join('/'), hash(readFileSync(child)));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/**
 * Downloads, checks and installs a package. The new rules are unpacked into a staging
 * folder beside the current one, every rule must load, and only then does the `sigma`
 * link move to them in one rename; any failure before leaves the previous rules in use.
 */
export async function updateRules(options: UpdateOptions): Promise<UpdateReport> {
  const bytes = await fetchPackage(options.from, options.timeoutMs ?? 120_000);
  const sha256 = hash(bytes);
  if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
    throw new UpdateError(`the package's SHA-256 is ${sha256}, not the expected ${options.sha256.toLowerCase()}`);
  }
  let entries;
  try {
    entries = readZip(bytes, { accept: isRuleFile });
  } catch (e) {
    if (e instanceof ZipError) throw new UpdateError(`${options.from} is not a usable rule package: ${e.message}`);
    throw e;
  }
  if (entries.length === 0) throw new UpdateError(`${options.from} holds no rule files (.yml)`);

  const data = options.dataDir;
  mkdirSync(data, { recursive: true });
  // Staging folders of updates that never finished (killed, power loss) are not in use.
  for (const name of readdirSync(data)) if (name.startsWith('.sigma-staging-')) rmSync(join(data, name), { recursive: true, force: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const staged = join(data, `.sigma-staging-${process.pid}-${stamp}`);
  try {
    for (const entry of entries) {
      const file = join(staged, entry.name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, entry.data);
    }
    // As validate checks by default: a placeholder without configured values (%known_cdcs%)
    // is a warning there, not a reason to refuse SigmaHQ's own package.
    const set = loadRules([staged], { placeholderFallback: 'wildcard' });
    if (set.errors.length > 0) {
      const shown = set.errors.slice(0, 5).map((e) => `  ${e.location === null ? '' : `${relative(staged, formatLocation(e.location))}: `}${e.message}`);
      throw new UpdateError(`${set.errors.length} errors loading the package's rules; nothing installed:\n${shown.join('\n')}${set.errors.length > 5 ? '\n  ...' : ''}`);
    }
    const link = join(data, 'sigma');
    const previous = existsSync(link) ? realpathSync(link) : null;
    if (previous !== null && !lstatSync(link).isSymbolicLink()) throw new UpdateError(`${link} is a folder, not the link siemlite manages; move it away`);
    const before = previous === null ? new Map<string, string>() : hashTree(previous);
    const after = hashTree(staged);
    const added = [...after.keys()].filter((k) => !before.has(k)).sort();
    const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
    const modified = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort();
    writeFileSync(join(staged, '.siemlite-package.json'), `${JSON.stringify({ from: options.from, sha256, installed: new Date().toISOString(), files: entries.length, rules: set.rules.length + set.correlations.length }, null, 2)}\n`);
    options.beforeSwap?.(staged);

    // The swap: the staged folder gets its final name, then a new link replaces the old one by rename (atomic).
    let folder = join(data, `sigma-${stamp}`);
    for (let n = 1; existsSync(folder); n++) folder = join(data, `sigma-${stamp}-${n}`);
    renameSync(staged, folder);
    const tmpLink = join(data, `.sigma-link-${process.pid}`);
    rmSync(tmpLink, { force: true });
    symlinkSync(relative(data, folder), tmpLink, 'dir');
    renameSync(tmpLink, link);
    if (previous !== null && previous !== realpathSync(folder)) rmSync(previous, { recursive: true, force: true });
    return {
      from: options.from,
      sha256,
      bytes: bytes.length,
      files: entries.length,
      rules: set.rules.length + set.correlations.length,
      folder: link,
      added,
      removed,
      modified,
      unchanged: after.size - added.length - modified.length,
    };
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

/**
 * Rule paths as given, with `sigma` meaning the installed SigmaHQ rules when no local file
 * or folder of that name exists.
 */
export function resolveRulePaths(paths: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return paths.map((p) => {
    if (p !== 'sigma' || existsSync(p)) return p;
    const dir = installedRulesDir(env);
    if (!existsSync(dir)) throw new UsageError(`'sigma': no SigmaHQ rules installed in ${dir}; run 'siemlite rules update' first`);
    return dir;
  });
}
