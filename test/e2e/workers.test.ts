// `siemlite hunt --workers 2` against `--workers 1` (the in-thread path), end to end through
// the built CLI: the alerts (every byte, so every alert and their order), the bad-record
// reports and the summary must be identical. Needs the build (`npm test` builds first): the
// CLI runs from dist, and so do the pool's workers.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, SHARED_DIR } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
const SAMPLE = join(REPO_ROOT, 'rules/samples/windows-sample.jsonl');
const run = promisify(execFile);

interface HuntRun {
  readonly alerts: string;
  readonly stderr: string;
}

async function hunt(workers: number, args: readonly string[]): Promise<HuntRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npx turbo run build)`);
  const { stdout, stderr } = await run(process.execPath, [CLI, 'hunt', '--format', 'jsonl', '--workers', String(workers), ...args], {
    maxBuffer: 1 << 30,
  });
  // The elapsed time and the timing line (detection lag, peak queue depth) may differ.
  return { alerts: stdout, stderr: stderr.replace(/elapsed [^\n]*\n/, '').replace(/detection lag [^\n]*\n/, '') };
}

function expectSameRuns(one: HuntRun, two: HuntRun): void {
  const a = one.alerts.split('\n');
  const b = two.alerts.split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  // The first differing alert, if any, rather than a diff of megabytes.
  expect(b[i], `first difference at alert ${i + 1}`).toBe(a[i]);
  expect(b.length).toBe(a.length);
  expect(two.stderr).toBe(one.stderr);
}

describe('hunt with 1 and 2 workers', () => {
  it('gives identical alerts, in the same order, on the shipped sample with the shipped rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-workers-'));
    // The sample twice (as a second file), plus broken lines, so order across files and bad records count too.
    const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n');
    const mixed = join(dir, 'mixed.jsonl');
    writeFileSync(mixed, `${lines.flatMap((l, i) => (i % 5 === 2 ? [l, '{"broken": '] : [l])).join('\n')}\n`);
    const one = await hunt(1, [SAMPLE, mixed]);
    const two = await hunt(2, [SAMPLE, mixed]);
    expect(one.alerts.trim().split('\n').length).toBeGreaterThan(10);
    expect(one.stderr).toMatch(/mixed\.jsonl:4: bad-json: /);
    expectSameRuns(one, two);
  });

  it.runIf(hasShared('hunt --workers 2 on shared/datasets with SigmaHQ'))(
    'gives identical alerts, in the same order, on real datasets with the full SigmaHQ rule set and the windows pipeline',
    async () => {
      const rules = join(SHARED_DIR, 'sigma/rules');
      // Windows events (evtx_dump JSON, windows pipeline) and CloudTrail (no pipeline), one run.
      const inputs = [join(SHARED_DIR, 'datasets/evtx_attack_samples.jsonl.gz'), join(SHARED_DIR, 'datasets/otrf_aws_cloudtrail.jsonl.gz')];
      const args = ['--rules', rules, '--pipeline', 'auto', ...inputs];
      const one = await hunt(1, args);
      const two = await hunt(2, args);
      expect(one.alerts.trim().split('\n').length).toBeGreaterThan(1000);
      expect(one.stderr).toMatch(/, 0 bad records/);
      expectSameRuns(one, two);
    },
    600_000,
  );
});
