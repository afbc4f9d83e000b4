// One run of the built CLI under /usr/bin/time and `timeout`, and the lines of its output
// file: shared by the storage and sql-files benchmarks.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cli, eachLine } from './common.mjs';

/** `siemlite ARGS...` cut off after `maxSeconds`: wall seconds, peak RSS (MB), whether it timed out or failed, stderr lines. */
export function timedCli(args, maxSeconds) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M %e', 'timeout', String(maxSeconds), process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const lines = r.stderr.trim().split('\n');
  const [kb, seconds] = (lines.at(-1) ?? '').split(' ').map(Number);
  const stderr = lines.slice(0, -1).filter((l) => !l.startsWith('Command exited'));
  const timedOut = r.status === 124;
  if (r.status !== 0 && !timedOut) console.error(`siemlite ${args[0]} failed (exit ${r.status}):\n${stderr.slice(-20).join('\n')}`);
  return { seconds, peakRssMb: Math.round(kb / 1024), timedOut, failed: r.status !== 0 && !timedOut, stderr };
}

/** Non-empty lines of `path` (0 when it does not exist). */
export async function countLines(path) {
  let n = 0;
  if (existsSync(path)) await eachLine(path, (line) => void (line.length > 0 && n++));
  return n;
}
