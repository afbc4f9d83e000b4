// The workspace packages as a user gets them: `npm pack` each package, install the tarballs
// into an empty application (and the CLI globally, into a temporary prefix), then use them
// there: an ES module that loads a rule with the shipped pipeline and detects (also as SQL
// through DuckDB), a TypeScript file type-checked against the shipped declarations (and a
// wrong one that must fail), and `siemlite hunt` from the installed command.
//
// Needs the build (`npm test` builds first; `npm pack` runs each package's prepack, which
// builds incrementally and copies the shipped data). Third-party dependencies come from the
// npm cache, or the registry when the cache lacks them (--prefer-offline), pinned to the
// versions installed in this workspace; the native `re2` module is taken from the
// workspace's own build (its install script reads it from a local "mirror" folder) instead
// of being compiled again for minutes. About 30-60 s.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detect } from '@siemlite/core';
import { loadBuiltinPipeline, loadRulesFromText } from '@siemlite/rules';
import { REPO_ROOT } from '../support/shared.js';

const PACKAGES = ['core', 'rules', 'storage', 'cli'] as const;
const APP_FILES = join(REPO_ROOT, 'test/package/app');
const RULE = join(REPO_ROOT, 'rules/windows/proc_creation_encoded_powershell.yml');
const SAMPLE = join(REPO_ROOT, 'rules/samples/windows-sample.jsonl');
const IS_WINDOWS = process.platform === 'win32';
const exec = promisify(execFile);

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; resolves with its exit code and output whatever the code. */
async function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, env, maxBuffer: 64 << 20, shell: IS_WINDOWS && file.endsWith('.cmd') });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw e;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs npm and fails with its output when it fails. */
async function npm(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(IS_WINDOWS ? 'npm.cmd' : 'npm', args, cwd, env);
  if (r.code !== 0) {
    throw new Error(
      `npm ${args.join(' ')} failed (exit ${r.code}) in ${cwd}; installing needs the registry or a warm npm cache:\n${r.stderr.slice(-4000)}`,
    );
  }
  return r.stdout;
}

/**
 * This process's environment without what `npm test` adds for its own run (npm_config_*,
 * npm_package_*, ...), so the nested npm commands see only their own arguments.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  return { ...env, ...extra };
}

/** The exact version of a package as installed for `fromPackage` in this workspace. */
function workspaceVersion(fromPackage: string, name: string): string {
  const require = createRequire(join(REPO_ROOT, 'packages', fromPackage, 'package.json'));
  let dir: string;
  try {
    dir = dirname(require.resolve(`${name}/package.json`));
  } catch {
    dir = dirname(require.resolve(name)); // package.json not in its "exports": walk up from the main module
  }
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    if (dirname(dir) === dir) throw new Error(`no package.json found for ${name}`);
    dir = dirname(dir);
  }
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Every third-party dependency of the four packages, pinned to the workspace's version. */
function pinnedThirdParty(): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const p of PACKAGES) {
    const { dependencies = {} } = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', p, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(dependencies)) if (!name.startsWith('@siemlite/')) pins[name] = workspaceVersion(p, name);
  }
  return pins;
}

/**
 * re2's install script fetches a prebuilt binary from $RE2_DOWNLOAD_MIRROR before it falls
 * back to compiling (minutes). The mirror here is a folder holding this workspace's own
 * build, under the names the script asks for.
 */
function re2MirrorEnv(dir: string): Record<string, string> {
  const require = createRequire(join(REPO_ROOT, 'packages/core/package.json'));
  const binary = join(dirname(require.resolve('re2/package.json')), 'build/Release/re2.node');
  mkdirSync(dir, { recursive: true });
  if (existsSync(binary)) {
    const platforms = process.platform === 'linux' ? ['linux', 'linux-musl'] : [process.platform];
    for (const p of platforms) copyFileSync(binary, join(dir, `${p}-${process.arch}-${process.versions.modules}`));
  }
  return { RE2_DOWNLOAD_MIRROR: dir, RE2_DOWNLOAD_SKIP_PATH: '1', RE2_DOWNLOAD_SKIP_VER: '1' };
}

interface PackedFile {
  readonly path: string;
}
interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly PackedFile[];
}

let tmp = '';
let tarballs: Record<string, Packed> = {};
let app = '';
let globalPrefix = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'siemlite-pack-'));
  const dest = join(tmp, 'tarballs');
  mkdirSync(dest);
  for (const p of PACKAGES) {
    if (!existsSync(join(REPO_ROOT, 'packages', p, 'dist/index.js'))) throw new Error(`packages/${p}/dist not found: build first (npx turbo run build)`);
  }
  // Script output is kept off stdout, which carries the JSON.
  const out = await npm(['pack', '--json', '--foreground-scripts=false', '--pack-destination', dest, ...PACKAGES.map((p) => `./packages/${p}`)], REPO_ROOT);
  const packed = JSON.parse(out.slice(out.indexOf('['))) as Packed[];
  tarballs = Object.fromEntries(packed.map((t) => [t.name.replace('@siemlite/', ''), { ...t, filename: join(dest, t.filename.replace(/^@/, '').replace('/', '-')) }]));

  const pins = pinnedThirdParty();
  const re2Env = re2MirrorEnv(join(tmp, 're2-mirror'));
  const files = PACKAGES.map((p) => (tarballs[p] as Packed).filename);
  const installFlags = ['--prefer-offline', '--no-audit', '--no-fund'];

  // An empty application; overrides hold third-party versions to the workspace's, and re2
  // may run its install script (npm 11 asks for that in allowScripts).
  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'siemlite-pack-test-app', private: true, type: 'module', overrides: pins, allowScripts: { re2: true } }, null, 2));
  const typesNode = `@types/node@${workspaceVersion('core', '@types/node')}`;
  await npm(['install', ...installFlags, ...files, typesNode], app, cleanEnv(re2Env));
  for (const f of ['detect.mjs', 'ok.ts', 'bad.ts']) copyFileSync(join(APP_FILES, f), join(app, f));

  // The command, installed globally into a prefix of its own. A global install has no
  // overrides: re2 is named at the top with the workspace's version, so the packages use it.
  globalPrefix = join(tmp, 'global');
  await npm(['install', '-g', '--prefix', globalPrefix, ...installFlags, '--allow-scripts=re2', ...files, `re2@${pins['re2']}`], tmp, cleanEnv(re2Env));
}, 900_000);

afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('packs code, declarations, license, readme and the data each package loads at run time, and nothing from src or the build cache', () => {
    const has = (p: string, path: string): boolean => (tarballs[p] as Packed).files.some((f) => f.path === path);
    for (const p of PACKAGES) {
      for (const path of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) expect(has(p, path), `${p}: ${path}`).toBe(true);
      const stray = (tarballs[p] as Packed).files.filter((f) => /^src\/|^test\/|\.map$|tsbuildinfo|^dist\/.*\.test\./.test(f.path));
      expect(stray, p).toEqual([]);
    }
    expect(has('core', 'dist/pool/worker.js')).toBe(true);
    expect(has('rules', 'dist/data/rules/pipelines/windows.yml')).toBe(true);
    expect(has('cli', 'bin/siemlite.js')).toBe(true);
    expect(has('cli', 'dist/data/rules/samples/windows-sample.jsonl')).toBe(true);
    expect(has('cli', 'dist/data/rules/windows/proc_creation_encoded_powershell.yml')).toBe(true);
    // The pipelines belong to @siemlite/rules; the CLI does not carry a second copy.
    expect((tarballs['cli'] as Packed).files.filter((f) => f.path.startsWith('dist/data/rules/pipelines'))).toEqual([]);
  });

  it('declares what a registry needs: not private, ESM exports with types, engines, license, and real versions of the sibling packages', () => {
    for (const p of PACKAGES) {
      const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@siemlite', p, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(pkg['private'], p).toBeUndefined();
      expect(pkg['type'], p).toBe('module');
      expect(pkg['license'], p).toBe('MIT');
      expect(pkg['engines'], p).toEqual({ node: '>=20.19' });
      expect(pkg['exports'], p).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
      for (const [name, range] of Object.entries((pkg['dependencies'] ?? {}) as Record<string, string>)) {
        if (name.startsWith('@siemlite/')) expect(range, `${p} -> ${name}`).toBe(pkg['version']);
      }
    }
  });
});

describe('installed into an empty application', () => {
  it('an ES module loads a shipped rule with the shipped windows pipeline, detects, and finds the same events as SQL over DuckDB', async () => {
    const r = await run(process.execPath, ['detect.mjs', RULE, SAMPLE], app);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as { pipelineErrors: string[]; ruleErrors: string[]; rules: string[]; alerts: { type: string; rule: string; record: number }[]; sqlRecords: number[] };

    // What the workspace's own code (from source) finds with the same rule and events.
    const { pipeline } = loadBuiltinPipeline('windows');
    const set = loadRulesFromText(RULE, readFileSync(RULE, 'utf8'), { pipelines: pipeline === null ? [] : [pipeline] });
    const events = readFileSync(SAMPLE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = (await detect(events, { rules: set.rules })).map((a) => ({ type: a.type, rule: a.rule.id, record: a.type === 'match' ? a.source.record : null }));

    expect(got.pipelineErrors).toEqual([]);
    expect(got.ruleErrors).toEqual([]);
    expect(got.rules).toEqual(['7f226b60-338a-4d94-b83b-bd0be24da65e']);
    expect(expected.length).toBeGreaterThan(0);
    expect(got.alerts).toEqual(expected);
    expect(got.sqlRecords).toEqual(expected.map((a) => a.record));
  });

  it('type-checks a strict TypeScript file (nodenext) against the shipped declarations, and reports each error of a wrong one', async () => {
    const tsc = createRequire(join(REPO_ROOT, 'package.json')).resolve('typescript/bin/tsc');
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023', '--types', 'node'];
    const ok = await run(process.execPath, [tsc, ...options, 'ok.ts'], app);
    expect(ok.stdout + ok.stderr).toBe('');
    expect(ok.code).toBe(0);

    const bad = await run(process.execPath, [tsc, ...options, 'ok.ts', 'bad.ts'], app);
    expect(bad.code).not.toBe(0);
    const errors = bad.stdout.split('\n').filter((l) => / error TS\d+:/.test(l));
    expect(errors.map((l) => /^(.*?)\((\d+),\d+\): error (TS\d+)/.exec(l)?.slice(1))).toEqual([
      ['bad.ts', '5', 'TS2322'],
      ['bad.ts', '6', 'TS2345'],
    ]);
  });
});

describe('installed globally (npm install -g --prefix)', () => {
  it('`siemlite hunt` prints the alerts of the shipped rules on the shipped sample, as in the workspace, with worker threads, exit 0', async () => {
    const bin = IS_WINDOWS ? join(globalPrefix, 'siemlite.cmd') : join(globalPrefix, 'bin', 'siemlite');
    const sample = IS_WINDOWS
      ? join(globalPrefix, 'node_modules/@siemlite/cli/dist/data/rules/samples/windows-sample.jsonl')
      : join(globalPrefix, 'lib/node_modules/@siemlite/cli/dist/data/rules/samples/windows-sample.jsonl');
    // Both runs name their input `windows-sample.jsonl` (relative), so alerts are comparable byte for byte.
    const args = ['hunt', '--format', 'jsonl', '--no-rule-cache', '--workers', '2', 'windows-sample.jsonl'];
    const installed = await run(bin, args, dirname(sample));
    expect(installed.stderr).toMatch(/^siemlite hunt: 6 rules, 36 events from 1 files, 0 bad records$/m);
    expect(installed.code).toBe(0);

    // The workspace's command (built, from the repository) with its default rules.
    const workspace = await run(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/siemlite.js'), ...args], dirname(SAMPLE));
    expect(workspace.code).toBe(0);
    const alerts = (out: string): unknown[] =>
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown);
    expect(alerts(installed.stdout).length).toBeGreaterThan(5);
    expect(alerts(installed.stdout)).toEqual(alerts(workspace.stdout));
  });

  it('exits 2 with the usage on a bad option', async () => {
    const bin = IS_WINDOWS ? join(globalPrefix, 'siemlite.cmd') : join(globalPrefix, 'bin', 'siemlite');
    const r = await run(bin, ['hunt', '--no-such-option', SAMPLE], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: siemlite hunt/);
  });
});
