// Live input end to end (issue 13, "Latency tests"): the built CLI runs `hunt -` with its
// stdin kept open, or `hunt --follow`, and each event written must give its alert on stdout
// within 1 s: with --workers 0, 1 and 2, with the shipped correlations loaded, after a
// rotation by rename, a truncation and a new file in a followed folder. SIGINT and SIGTERM
// end the run with exit code 0, the summary, and --state saved. Needs the build (`npm test`
// builds first): the CLI runs from dist, and so do the pool's workers.
//
// Each run first waits (generously) for the alert of a warm-up event, so rule loading and
// worker start-up are not counted; the latency asserted is write -> alert line read.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
/** Shipped sample: record 9 matches "Office Application Starts a Command Shell"; 22..31 make the shipped password-spray correlation fire. */
const SAMPLE = readFileSync(join(REPO_ROOT, 'rules/samples/windows-sample.jsonl'), 'utf8').trim().split('\n');
const OFFICE_SHELL = SAMPLE[8] as string;
/** Record 19: "Security Audit Log Cleared", a line of another length. */
const LOG_CLEARED = SAMPLE[18] as string;
/** Matches no shipped rule. */
const QUIET = SAMPLE[0] as string;
const LIMIT_MS = 1000;
const WARM_UP_MS = 60_000;

interface Hunt {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the time the next alert line is read (performance.now()), or null after `ms`. */
  nextAlert(ms: number): Promise<{ at: number; line: string } | null>;
  /** Alert lines read so far. */
  readonly lines: string[];
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (or 'hang' after 20 s: then it is killed). */
  stop(signal: NodeJS.Signals): Promise<number | null | 'hang'>;
}

const running: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'siemlite-live-'));
  dirs.push(dir);
  return dir;
}

function startHunt(args: readonly string[]): Hunt {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npx turbo run build)`);
  const child = spawn(process.execPath, [CLI, 'hunt', '--format', 'jsonl', ...args], { stdio: 'pipe' });
  running.push(child);
  const lines: string[] = [];
  const queued: { at: number; line: string }[] = [];
  const waiting: ((a: { at: number; line: string }) => void)[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    const at = performance.now();
    const parts = (partial + text).split('\n');
    partial = parts.pop() as string;
    for (const line of parts) {
      lines.push(line);
      const alert = { at, line };
      const next = waiting.shift();
      if (next === undefined) queued.push(alert);
      else next(alert);
    }
  });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (err += text));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => err,
    nextAlert(ms) {
      const ready = queued.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => {
        const take = (a: { at: number; line: string }): void => {
          clearTimeout(timer);
          resolve(a);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(take), 1);
          resolve(null);
        }, ms);
        waiting.push(take);
      });
    },
    async stop(signal) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), 20_000)));
      const code = await Promise.race([exited, hang]);
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs `write` and returns the milliseconds until the next alert line (Infinity if none came within 5 s). */
async function lagOf(hunt: Hunt, write: () => void): Promise<number> {
  const before = performance.now();
  write();
  const alert = await hunt.nextAlert(5000);
  return alert === null ? Number.POSITIVE_INFINITY : alert.at - before;
}

async function warmUp(hunt: Hunt, write: () => void): Promise<void> {
  write();
  const alert = await hunt.nextAlert(WARM_UP_MS);
  expect(alert, `no alert for the warm-up event; stderr:\n${hunt.stderr()}`).not.toBeNull();
}

/**
 * A followed file's lines count from when following began (tail -F -n 0), and the test
 * cannot tell when that is: the warm-up event is appended again every 2 s until one alerts
 * (those appended before are never read). Returns the alert lines read before the test's own.
 */
async function warmUpFollow(hunt: Hunt, file: string): Promise<number> {
  const until = performance.now() + WARM_UP_MS;
  while (performance.now() < until) {
    appendFileSync(file, `${OFFICE_SHELL}\n`);
    if ((await hunt.nextAlert(2000)) !== null) return hunt.lines.length;
  }
  throw new Error(`no alert for the warm-up events; stderr:\n${hunt.stderr()}`);
}

describe('hunt - (stdin kept open)', () => {
  for (const workers of [0, 1, 2]) {
    it(`alerts within 1 s of each event written, --workers ${workers}; SIGINT ends it with the summary and exit 0`, async () => {
      const hunt = startHunt(['--workers', String(workers), '-']);
      await warmUp(hunt, () => hunt.child.stdin.write(`${OFFICE_SHELL}\n`));
      const lags: number[] = [];
      for (let i = 0; i < 3; i++) {
        hunt.child.stdin.write(`${QUIET}\n`); // a quiet event first: the alert must not wait for more input
        await new Promise((resolve) => setTimeout(resolve, 300));
        lags.push(await lagOf(hunt, () => hunt.child.stdin.write(`${OFFICE_SHELL}\n`)));
      }
      for (const lag of lags) expect(lag, `lags ${lags.map((l) => l.toFixed(0)).join(', ')} ms`).toBeLessThan(LIMIT_MS);
      expect(await hunt.stop('SIGINT')).toBe(0);
      expect(hunt.lines.length).toBe(4);
      expect(hunt.stderr()).toMatch(/7 events from 1 files, 0 bad records/);
      expect(hunt.stderr()).toMatch(/alerts: 4 \(critical 0, high 4,/);
    }, 120_000);
  }

  it('with the shipped correlations and --max-lateness 0: the correlation alert leaves within 1 s of the event that completes it; SIGTERM saves --state', async () => {
    const state = join(scratch(), 'state.json');
    const hunt = startHunt(['--workers', '2', '--max-lateness', '0', '--state', state, '-']);
    // Records 1..30: 7 match alerts, the password spray one failed logon short.
    hunt.child.stdin.write(`${SAMPLE.slice(0, 30).join('\n')}\n`);
    for (let i = 0; i < 7; i++) expect(await hunt.nextAlert(WARM_UP_MS)).not.toBeNull();
    expect(await hunt.nextAlert(1500)).toBeNull();
    const lag = await lagOf(hunt, () => hunt.child.stdin.write(`${SAMPLE[30]}\n`));
    expect(lag).toBeLessThan(LIMIT_MS);
    expect(hunt.lines.at(-1)).toMatch(/"type":"correlation".*"title":"Password Spraying From One Address"/);
    expect(await hunt.stop('SIGTERM')).toBe(0);
    expect(hunt.stderr()).toMatch(/31 events from 1 files/);
    expect(hunt.stderr()).toMatch(/correlations: 3 ran, 1 alerts; state saved to /);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toBeTypeOf('object');
  }, 120_000);

  it('with the default --max-lateness (5m): a held correlation alert is released when SIGINT ends the input (no --state)', async () => {
    const hunt = startHunt(['--workers', '0', '-']);
    hunt.child.stdin.write(`${SAMPLE.slice(0, 31).join('\n')}\n`);
    for (let i = 0; i < 7; i++) expect(await hunt.nextAlert(WARM_UP_MS)).not.toBeNull();
    expect(await hunt.nextAlert(1500)).toBeNull(); // event time has not moved 5 minutes past the spray
    expect(await hunt.stop('SIGINT')).toBe(0);
    expect(hunt.lines.at(-1)).toMatch(/"type":"correlation".*"title":"Password Spraying From One Address"/);
  }, 120_000);
});

describe('hunt --follow', () => {
  for (const workers of [0, 2]) {
    it(`alerts within 1 s of a line appended, after a rotation by rename and after a truncation, --workers ${workers}; SIGTERM: exit 0`, async () => {
      const dir = scratch();
      const file = join(dir, 'app.jsonl');
      writeFileSync(file, `${OFFICE_SHELL}\n`); // there before following starts: not read (tail -F -n 0)
      const hunt = startHunt(['--workers', String(workers), '--follow', file]);
      const base = await warmUpFollow(hunt, file);
      const lags = {
        append: await lagOf(hunt, () => appendFileSync(file, `${QUIET}\n${OFFICE_SHELL}\n`)),
        rotate: await lagOf(hunt, () => {
          renameSync(file, `${file}.1`);
          writeFileSync(file, '');
          appendFileSync(file, `${OFFICE_SHELL}\n`);
        }),
        // Truncated and written again to the very same size: only the mtime tells.
        truncate: await lagOf(hunt, () => {
          truncateSync(file, 0);
          appendFileSync(file, `${OFFICE_SHELL}\n`);
        }),
        truncateShorter: await lagOf(hunt, () => {
          truncateSync(file, 0);
          appendFileSync(file, `${LOG_CLEARED}\n`);
        }),
      };
      for (const [what, lag] of Object.entries(lags)) expect(lag, `${what}: ${JSON.stringify(lags)}`).toBeLessThan(LIMIT_MS);
      expect(await hunt.nextAlert(1500)).toBeNull(); // nothing read twice
      expect(await hunt.stop('SIGTERM')).toBe(0);
      expect(hunt.lines.length - base).toBe(4);
      expect(hunt.stderr()).toMatch(/6 events from \d+ files, 0 bad records/);
    }, 120_000);
  }

  it('picks up a new file in a followed folder and a file renamed within it is not read twice; SIGINT: exit 0', async () => {
    const dir = scratch();
    const app = join(dir, 'app.jsonl');
    writeFileSync(app, '');
    const hunt = startHunt(['--workers', '1', '--follow', dir]);
    const base = await warmUpFollow(hunt, app);
    const created = await lagOf(hunt, () => writeFileSync(join(dir, 'new.jsonl'), `${QUIET}\n${OFFICE_SHELL}\n`));
    expect(created).toBeLessThan(LIMIT_MS);
    const rotated = await lagOf(hunt, () => {
      renameSync(app, `${app}.1`); // stays in the followed folder
      writeFileSync(app, `${OFFICE_SHELL}\n`);
    });
    expect(rotated).toBeLessThan(LIMIT_MS);
    expect(await hunt.nextAlert(1500)).toBeNull();
    expect(await hunt.stop('SIGINT')).toBe(0);
    expect(hunt.lines.length - base).toBe(2);
    expect(hunt.stderr()).toMatch(/4 events from \d+ files, 0 bad records/);
  }, 120_000);

  it('--from-start reads what the file holds, and a line without its newline is read at SIGINT', async () => {
    const file = join(scratch(), 'app.jsonl');
    writeFileSync(file, `${OFFICE_SHELL}\n`);
    const hunt = startHunt(['--workers', '0', '--follow', '--from-start', file]);
    expect(await hunt.nextAlert(WARM_UP_MS)).not.toBeNull();
    appendFileSync(file, OFFICE_SHELL); // no newline: the line may not be complete yet
    expect(await hunt.nextAlert(1500)).toBeNull();
    expect(await hunt.stop('SIGINT')).toBe(0);
    expect(hunt.lines.length).toBe(2);
  }, 120_000);
});
