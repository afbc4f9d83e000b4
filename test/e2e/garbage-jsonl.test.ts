// Issue 11's defect, end to end: a JSON Lines file with binary lines, broken JSON, deep
// nesting, NUL blocks and a 100 MB line used to be given up whole as "binary data"; every
// one of its 1,001 good records must now be hunted, with 1 and 2 workers alike.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGarbageFile } from '../support/garbage-jsonl.js';
import { REPO_ROOT } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'siemlite-garbage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RULE = `title: Bitsadmin transfer
id: 0f9f1a8e-7c36-4d0b-9c2e-3c1e2f4a5b6c
status: test
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    Image|endswith: '\\bitsadmin.exe'
    CommandLine|contains: '/transfer'
  condition: selection
level: medium
`;

async function hunt(workers: number, args: readonly string[]): Promise<{ alerts: string[]; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npx turbo run build)`);
  const { stdout, stderr } = await run(process.execPath, [CLI, 'hunt', '--format', 'jsonl', '--pipeline', 'none', '--workers', String(workers), ...args], { maxBuffer: 1 << 30 }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  return { alerts: stdout.trim().split('\n').filter((l) => l.length > 0), stderr: stderr.replace(/elapsed [^\n]*\n/, '').replace(/detection lag [^\n]*\n/, '') };
}

describe('hunt over a JSON Lines file with garbage inside', () => {
  it('hunts all 1,001 good records, reports the bad lines by line, same with 1 and 2 workers', async () => {
    const file = join(dir, 'mixed-garbage.jsonl');
    const { badLines, goodCount } = await writeGarbageFile(file);
    const rule = join(dir, 'bitsadmin.yml');
    writeFileSync(rule, RULE);
    const one = await hunt(1, ['--rules', rule, file]);
    const two = await hunt(2, ['--rules', rule, file]);
    expect(one.alerts).toHaveLength(goodCount);
    expect(one.alerts.map((a) => (JSON.parse(a) as { source: { record: number } }).source.record)).toEqual(
      [...Array.from({ length: 1000 }, (_, k) => 2 * k + 1), 2002],
    );
    expect(one.stderr).toContain(`mixed-garbage.jsonl:${badLines[0]}: `);
    expect(one.stderr).toContain(`${goodCount.toLocaleString('en-US')} events from 1 files, ${badLines.length.toLocaleString('en-US')} bad records`);
    expect(two.alerts).toEqual(one.alerts);
    expect(two.stderr).toBe(one.stderr);
  }, 120_000);
});
