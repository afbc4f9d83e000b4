// Correlation end to end through the built CLI, with the shipped rules (password spray and
// brute force correlations over Security 4625/4624): 1 and 2 workers give the same alerts,
// a stream cut in two and hunted with --state gives the alerts of one run at every cut,
// and events without a usable time are reported, not silently dropped.
// Needs the build (`npm test` builds first): the CLI and the pool's workers run from dist.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../support/random.js';
import { REPO_ROOT } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'siemlite-correlation-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hunt(args: readonly string[]): Promise<{ out: string; err: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npx turbo run build)`);
  const { stdout, stderr } = await run(process.execPath, [CLI, 'hunt', '--no-rule-cache', '--format', 'jsonl', ...args], { maxBuffer: 1 << 28 });
  return { out: stdout, err: stderr };
}

/** Flat Security logon events (as a log shipper writes them): failures from a few addresses, some successes, times jittered. */
function logonEvents(count: number, seed: number, jitterSeconds: number, addresses = 12): string[] {
  const random = mulberry32(seed);
  const lines: string[] = [];
  const start = Date.UTC(2026, 10, 21, 8, 0, 0);
  for (let i = 0; i < count; i++) {
    const ip = `198.51.100.${Math.floor(random() * addresses)}`;
    const t = new Date(start + i * 2000 + Math.floor((random() * 2 - 1) * jitterSeconds * 1000)).toISOString();
    const isSuccess = random() < 0.1;
    lines.push(
      JSON.stringify({
        '@timestamp': t,
        Channel: 'Security',
        EventID: isSuccess ? 4624 : 4625,
        Computer: 'SRV-APP-02.corp.example',
        TargetUserName: `user${Math.floor(random() * 8)}`,
        TargetDomainName: 'CORP',
        LogonType: 3,
        IpAddress: ip,
        IpPort: String(40000 + i),
      }),
    );
  }
  return lines;
}

function correlationAlerts(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{"type":"correlation"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('correlation through siemlite hunt', () => {
  it('gives identical output, correlation alerts included, with 1 and 2 workers', async () => {
    const file = join(dir, 'logons.jsonl');
    writeFileSync(file, `${logonEvents(9000, 7, 20).join('\n')}\n`);
    const one = await hunt(['--workers', '1', file]);
    const two = await hunt(['--workers', '2', file]);
    const alerts = correlationAlerts(one.out);
    expect(alerts.length).toBeGreaterThan(20);
    expect(new Set(alerts.map((a) => (a.rule as { title: string }).title))).toEqual(
      new Set(['Password Spraying From One Address', 'Brute Force Followed by a Successful Logon']),
    );
    expect(two.out).toBe(one.out);
    // The elapsed time and the timing line (detection lag, peak queue depth) may differ.
    const withoutTime = (err: string): string => err.replace(/elapsed .*\n/, '').replace(/detection lag .*\n/, '');
    expect(withoutTime(two.err)).toBe(withoutTime(one.err));
  });

  it('two runs with --state give the alerts of one run, cut at every point of an out-of-order stream', async () => {
    const lines = logonEvents(24, 11, 5, 2);
    const whole = join(dir, 'whole.jsonl');
    writeFileSync(whole, `${lines.join('\n')}\n`);
    const args = ['--max-lateness', '10s', '--workers', '1'];
    const oneState = join(dir, 'one.state');
    const expected = correlationAlerts((await hunt([...args, '--state', oneState, whole])).out);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    // The matches' sources name the part and its record: put them back as lines of the whole.
    const asWhole = (alerts: Record<string, unknown>[], path: string, offset: number): unknown[] =>
      alerts.map((a) => ({
        ...a,
        matches: (a.matches as { rule_id: string; source: { path: string; record: number } }[]).map((m) => ({
          rule_id: m.rule_id,
          record: m.source.path === path ? m.source.record + offset : m.source.record,
        })),
      }));
    const expectedAsWhole = asWhole(expected, '', 0);
    for (let at = 0; at <= lines.length; at++) {
      const state = join(dir, `cut-${at}.state`);
      const first = join(dir, `first-${at}.jsonl`);
      const second = join(dir, `second-${at}.jsonl`);
      writeFileSync(first, lines.slice(0, at).map((l) => `${l}\n`).join(''));
      writeFileSync(second, lines.slice(at).map((l) => `${l}\n`).join(''));
      const a = correlationAlerts((await hunt([...args, '--state', state, first])).out);
      const b = correlationAlerts((await hunt([...args, '--state', state, second])).out);
      const got = [...asWhole(a, first, 0), ...asWhole(b, second, at)].map((x) => JSON.stringify(x).replaceAll(first, whole).replaceAll(second, whole));
      expect(got, `cut at ${at}`).toEqual(expectedAsWhole.map((x) => JSON.stringify(x)));
    }
  }, 300_000);

  it('refuses a state file written for other rules, and a file that is not a state', async () => {
    const file = join(dir, 'few.jsonl');
    writeFileSync(file, `${logonEvents(5, 3, 0).join('\n')}\n`);
    const state = join(dir, 'other.state');
    await hunt(['--state', state, file]);
    const rulesDir = join(dir, 'other-rules');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(rulesDir);
    for (const f of ['windows/security_logon_failed.yml', 'correlations/password_spray.yml']) copyFileSync(join(REPO_ROOT, 'rules', f), join(rulesDir, f.split('/')[1] as string));
    await expect(hunt(['--rules', rulesDir, '--state', state, file])).rejects.toMatchObject({ stderr: expect.stringMatching(/--state: .* cannot be used: the state was saved with other correlation rules/) });
    const garbage = join(dir, 'garbage.state');
    writeFileSync(garbage, 'not json at all');
    await expect(hunt(['--state', garbage, file])).rejects.toMatchObject({ stderr: expect.stringMatching(/--state: .* is not a siemlite state file/) });
  });

  it('reports matches whose time is missing or unparseable, and late ones, in the summary', async () => {
    const lines = logonEvents(30, 5, 0).map((l, i) => {
      const e = JSON.parse(l) as Record<string, unknown>;
      if (i % 10 === 4) delete e['@timestamp'];
      if (i % 10 === 7) e['@timestamp'] = 'yesterday-ish';
      if (i === 25) e['@timestamp'] = '2020-01-01T00:00:00Z'; // far behind the others: late
      return JSON.stringify(e);
    });
    const file = join(dir, 'bad-times.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { err } = await hunt([file]);
    expect(err).toMatch(/correlations: 3 ran, \d+ alerts; 1 matches later than --max-lateness not correlated; 6 matches without a usable event time not correlated/);
    // --time-field reads only the field named: here none has it.
    const named = await hunt(['--time-field', 'EventTime', file]);
    expect(named.err).toMatch(/30 matches without a usable event time/);
  });
});
