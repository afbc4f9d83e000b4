// `siemlite hunt ... | head -1`: once the reader of stdout goes away, hunt stops quietly with
// exit status 0, like any Unix filter, instead of dying on an unhandled EPIPE error.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Many alerting events (the shipped sample repeated), so that writing outlasts the reader.
const sample = join(REPO_ROOT, 'rules/samples/windows-sample.jsonl');

describe('hunt writing into a pipe that closes', () => {
  it('ends with exit status 0 and no error once the reader has closed the pipe', async () => {
    const input = join(dir, 'many.jsonl');
    const text = readFileSync(sample, 'utf8');
    writeFileSync(input, text.repeat(2000));
    const child = spawn(process.execPath, [CLI, 'hunt', '--format', 'jsonl', '--workers', '0', input], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first alert line, then close our end of the pipe, as `head -1` does.
    await new Promise<void>((resolve) => {
      child.stdout.once('data', () => {
        child.stdout.destroy();
        resolve();
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|internal error|Unhandled/);
    expect(code).toBe(0);
  }, 60_000);
});
