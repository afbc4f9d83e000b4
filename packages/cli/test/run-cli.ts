// Shared by the command tests: running the CLI in-process, and a rule cache of their own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { runCli } from '../src/cli.js';

/** Runs `siemlite ARGV...` in-process and collects what it printed. */
export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTty: false });
  return { code, out, err };
}

/**
 * The commands keep a rule cache: for the tests of this file it lives in a fresh temporary
 * folder (removed afterwards), never in the user's ~/.cache. Returns the folder.
 */
export function useTemporaryRuleCache(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `siemlite-${name}-cache-`));
  beforeAll(() => void vi.stubEnv('SIEMLITE_CACHE_DIR', dir));
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
