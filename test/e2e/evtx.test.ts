// `siemlite hunt` over .evtx files gives exactly the alerts of their evtx_dump .json twins
// (SigmaHQ regression_data, full SigmaHQ rule set, windows pipeline), with 1 and 2 workers,
// and .evtx mixed with JSON inputs in one run. Needs the build (the CLI runs from dist).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, SHARED_DIR } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
const run = promisify(execFile);
/** Its .json twin was not made from this .evtx (see README "EVTX input"): left out of the comparison. */
const TWIN_NOT_FROM_ITS_EVTX = 'ad691d92-15f2-4181-9aa4-723c74f9ddc3';

async function hunt(workers: number, args: readonly string[]): Promise<{ alerts: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npx turbo run build)`);
  const { stdout, stderr } = await run(process.execPath, [CLI, 'hunt', '--format', 'jsonl', '--workers', String(workers), ...args], { maxBuffer: 1 << 30 });
  return { alerts: stdout, stderr: stderr.replace(/elapsed [^\n]*\n/, '').replace(/detection lag [^\n]*\n/, '') };
}

function regressionFiles(ext: string): string[] {
  const root = join(SHARED_DIR, 'sigma/regression_data');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext) && !f.includes(TWIN_NOT_FROM_ITS_EVTX))
    .sort()
    .map((f) => join(root, f));
}

describe('hunt over .evtx', () => {
  it.runIf(hasShared('hunt over regression .evtx vs .json twins'))(
    'gives exactly the alerts of the .json twins, with 1 and 2 workers',
    async () => {
      const rules = ['--rules', join(SHARED_DIR, 'sigma/rules'), '--pipeline', 'auto'];
      const evtx = regressionFiles('.evtx');
      const json = regressionFiles('.json');
      expect(evtx).toHaveLength(201);
      const fromJson = await hunt(1, [...rules, ...json]);
      const fromEvtx = await hunt(1, [...rules, ...evtx]);
      const fromEvtx2 = await hunt(2, [...rules, ...evtx]);
      const alerts = fromJson.alerts.trim().split('\n');
      expect(alerts.length).toBeGreaterThan(200);
      expect(fromEvtx.alerts.replaceAll('.evtx","record"', '.json","record"')).toBe(fromJson.alerts);
      expect(fromEvtx.stderr.replaceAll('.evtx', '.json')).toBe(fromJson.stderr);
      expect(fromEvtx2.alerts).toBe(fromEvtx.alerts);
      expect(fromEvtx2.stderr).toBe(fromEvtx.stderr);
    },
    300_000,
  );

  it.runIf(hasShared('hunt over .evtx mixed with JSON, detected by magic bytes'))(
    '.evtx under any name mixed with JSON Lines, 1 and 2 workers: same alerts; damage reported by file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'siemlite-evtx-'));
      const [first] = regressionFiles('.evtx').filter((f) => f.includes('proc_creation_win_bitsadmin_download'));
      const renamed = join(dir, 'exported-log.bin');
      copyFileSync(first as string, renamed); // no .evtx extension: told by its magic
      const truncated = join(dir, 'cut.evtx');
      writeFileSync(truncated, Buffer.alloc(4096 + 600, 0).fill(Buffer.from('ElfFile\0'), 0, 8));
      const lines = join(dir, 'events.jsonl');
      writeFileSync(lines, '{"EventID":1,"Image":"C:\\\\Windows\\\\System32\\\\bitsadmin.exe","CommandLine":"bitsadmin /transfer x http://a/b c"}\n');
      const args = ['--rules', join(SHARED_DIR, 'sigma/rules/windows/process_creation'), renamed, lines, truncated];
      const one = await hunt(1, args);
      const two = await hunt(2, args);
      expect(one.alerts).toContain('exported-log.bin","record":1');
      expect(one.stderr).toMatch(/cut\.evtx:0: bad-evtx: file header: file header checksum mismatch/);
      expect(two.alerts).toBe(one.alerts);
      expect(two.stderr).toBe(one.stderr);
    },
    120_000,
  );
});
