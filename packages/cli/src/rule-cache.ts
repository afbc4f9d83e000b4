// The rule cache of `hunt` and `validate`: where it lives and what they print about it.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { RuleCacheOptions } from '@siemlite/rules';

/** The `--no-rule-cache` lines of a command's help, descriptions starting at `column`. */
export function noRuleCacheUsage(column: number): string {
  const indent = ' '.repeat(column);
  return [
    `${'  --no-rule-cache'.padEnd(column)}parse every rule file: do not reuse what earlier runs parsed`,
    `${indent}from unchanged files (kept in $SIEMLITE_CACHE_DIR, else in`,
    `${indent}$XDG_CACHE_HOME/siemlite, else in ~/.cache/siemlite)`,
  ].join('\n');
}

/**
 * The rule cache folder: `$SIEMLITE_CACHE_DIR`, else `$XDG_CACHE_HOME/siemlite` (when
 * absolute, as the XDG spec asks), else `~/.cache/siemlite`; null without a home folder.
 */
export function ruleCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const own = env.SIEMLITE_CACHE_DIR;
  if (own !== undefined && own !== '') return own;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'siemlite');
  let home: string;
  try {
    home = homedir();
  } catch {
    return null;
  }
  return home === '' ? null : join(home, '.cache', 'siemlite');
}

/**
 * The `cache` option for `loadRules`, or undefined with `--no-rule-cache`. A cache that
 * cannot be written costs the speed-up, never the run: one line on stderr says so.
 */
export function ruleCacheOption(disabled: boolean, warn: ((text: string) => void) | null): RuleCacheOptions | undefined {
  const dir = disabled ? null : ruleCacheDir();
  if (dir === null) return undefined;
  // Rules and pipelines each report; an unwritable folder is said once.
  let warned = false;
  return {
    dir,
    onReport: (report) => {
      if (report.error === null || warned) return;
      warned = true;
      warn?.(`siemlite: warning: ${report.error} (rules still load, uncached; --no-rule-cache skips the cache)\n`);
    },
  };
}
