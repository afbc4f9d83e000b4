import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE = join(ROOT, 'rules/samples/windows-sample.jsonl');

const CACHE_DIR = useTemporaryRuleCache('hunt');

function jsonl(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('siemlite hunt', () => {
  it('finds the attacks in the shipped sample with the shipped rules, as JSON Lines with the documented keys', async () => {
    const { code, out, err } = await run('hunt', SAMPLE);
    expect(code).toBe(0);
    const all = jsonl(out);
    const alerts = all.filter((a) => a.type === 'match');
    const titles = alerts.map((a) => (a.rule as { title: string }).title);
    expect(titles).toContain('Office Application Starts a Command Shell');
    expect(titles).toContain('PowerShell Started With an Encoded Command');
    expect(titles).toContain('Process Opens LSASS With Memory Read Access');
    expect(titles).toContain('Security Audit Log Cleared');
    for (const a of alerts) {
      expect(Object.keys(a).sort()).toEqual(['event', 'rule', 'source', 'timestamp', 'type']);
      expect(a.type).toBe('match');
      expect(Object.keys(a.rule as object).sort()).toEqual(['id', 'level', 'tags', 'title']);
      expect(a.source).toMatchObject({ path: SAMPLE });
      expect(typeof a.timestamp).toBe('string');
    }
    // Record numbers are 1-based lines of the file, and alerts come in input order.
    const records = alerts.map((a) => (a.source as { record: number }).record);
    expect(records).toEqual([...records].sort((x, y) => x - y));
    const lines = readFileSync(SAMPLE, 'utf8').split('\n');
    for (const a of alerts) expect(JSON.parse(lines[(a.source as { record: number }).record - 1] as string)).toEqual(a.event);
    // The flat Security 4688 event is found through the windows pipeline's field mapping.
    expect(alerts.some((a) => (a.event as { EventID?: number }).EventID === 4688)).toBe(true);
    expect(err).toMatch(/alerts: \d+ \(critical \d+, high \d+, medium \d+/);
    expect(err).toMatch(/events\/s/);
    // The shipped correlations: a password spray, then a brute force that worked (a chain
    // whose inner correlation, "many failed logons", does not alert by itself).
    const correlations = all.filter((a) => a.type === 'correlation');
    expect(correlations.map((a) => [(a.rule as { title: string }).title, a.group, a.value, a.window])).toEqual([
      ['Password Spraying From One Address', { IpAddress: '203.0.113.77' }, 5, { start: '2026-11-20T09:03:21.417Z', end: '2026-11-20T09:03:31.423Z' }],
      ['Brute Force Followed by a Successful Logon', { IpAddress: '203.0.113.77' }, 2, { start: '2026-11-20T09:03:31.423Z', end: '2026-11-20T09:03:49.902Z' }],
    ]);
    for (const a of correlations) {
      expect(Object.keys(a).sort()).toEqual(['group', 'matches', 'matches_total', 'rule', 'timestamp', 'type', 'value', 'window']);
      expect(Object.keys(a.rule as object).sort()).toEqual(['correlation_type', 'id', 'level', 'name', 'title']);
    }
    expect(err).toMatch(/correlations: 3 ran, 2 alerts/);
  });

  it('honours --min-level and writes --output FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    const file = join(dir, 'alerts.jsonl');
    const { code, out } = await run('hunt', '--min-level', 'high', '--output', file, '--quiet', SAMPLE);
    expect(code).toBe(0);
    expect(out).toBe('');
    const alerts = jsonl(readFileSync(file, 'utf8'));
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(['high', 'critical']).toContain((a.rule as { level: string }).level);
  });

  it('prints CSV with a header', async () => {
    const { out } = await run('hunt', '--format', 'csv', '--quiet', SAMPLE);
    const [header, first] = out.split('\n');
    expect(header).toBe('timestamp,level,rule_id,rule_title,path,record,event');
    expect(first).toMatch(/^2026-11-20T09:/);
  });

  it('reports bad records with file and line and still alerts on the good ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n');
    const broken = lines.flatMap((l, i) => (i % 10 === 3 ? ['{"broken": ', l] : [l]));
    const file = join(dir, 'mixed.jsonl.gz');
    writeFileSync(file, gzipSync(`${broken.join('\n')}\n`));
    const clean = await run('hunt', '--quiet', SAMPLE);
    const { code, out, err } = await run('hunt', file);
    expect(code).toBe(0);
    expect(jsonl(out).length).toBe(jsonl(clean.out).length);
    expect(err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: bad-json: `));
    expect(err).toMatch(new RegExp(`, ${lines.filter((_, i) => i % 10 === 3).length} bad records`));
  });

  it('uses no pipeline with --pipeline none: logsource does not restrict rules', async () => {
    const event = { Image: 'C:\\Windows\\System32\\cmd.exe', ParentImage: 'C:\\x\\WINWORD.EXE' };
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    const file = join(dir, 'flat.json');
    writeFileSync(file, JSON.stringify([event]));
    const none = await run('hunt', '--pipeline', 'none', '--quiet', file);
    expect(jsonl(none.out).map((a) => (a.rule as { title: string }).title)).toEqual(['Office Application Starts a Command Shell']);
    const windows = await run('hunt', '--pipeline', 'windows', '--quiet', file);
    expect(windows.out).toBe('');
  });

  it('gives the same alerts, bad-record reports and summary with --workers 0, 1 and 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n');
    // A broken line after each event: 20 are shown, the summary counts them all.
    const broken = lines.flatMap((l, i) => [l, `{"broken ${i}": `]);
    const file = join(dir, 'broken.jsonl.gz');
    writeFileSync(file, gzipSync(`${broken.join('\n')}\n${lines.join('\n')}\n`));
    const withoutTime = (err: string): string => err.replace(/elapsed .*\n/, '').replace(/detection lag .*\n/, '');
    const runs = [];
    for (const workers of ['0', '1', '3']) runs.push(await run('hunt', '--workers', workers, file, SAMPLE));
    const [zero, one, three] = runs;
    expect(one?.out.length).toBeGreaterThan(0);
    expect(zero?.out).toBe(one?.out);
    expect(three?.out).toBe(one?.out);
    expect(withoutTime(three?.err ?? '')).toBe(withoutTime(one?.err ?? ''));
    expect(one?.err).toMatch(/broken\.jsonl\.gz:2: bad-json: /);
    expect(one?.err).toMatch(/more bad records are counted in the summary/);
    expect(one?.err).toMatch(new RegExp(`, ${lines.length} bad records`));
  });

  it('lists --workers in its help and rejects a --workers that is not a whole number', async () => {
    expect((await run('hunt', '--help')).out).toMatch(/--workers N/);
    for (const bad of ['x', '1.5', '-1', '']) expect((await run('hunt', `--workers=${bad}`, SAMPLE)).code).toBe(2);
  });

  it('gives the same alerts and summary with a cold, a warm, no or an unwritable rule cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-hunt-cache-'));
    const withoutTime = (r: { code: number; out: string; err: string }): unknown => ({ ...r, err: r.err.replace(/elapsed .*\n/, '').replace(/detection lag .*\n/, '') });
    try {
      vi.stubEnv('SIEMLITE_CACHE_DIR', dir);
      const cold = await run('hunt', SAMPLE);
      // One cache file for the rules, one for the windows pipeline.
      expect(readdirSync(dir).filter((f) => f.endsWith('.cache'))).toHaveLength(2);
      const warm = await run('hunt', SAMPLE);
      const none = await run('hunt', '--no-rule-cache', SAMPLE);
      expect(jsonl(cold.out).length).toBeGreaterThan(0);
      expect(withoutTime(warm)).toEqual(withoutTime(cold));
      expect(withoutTime(none)).toEqual(withoutTime(cold));

      const blocker = join(dir, 'a-file');
      writeFileSync(blocker, '');
      vi.stubEnv('SIEMLITE_CACHE_DIR', join(blocker, 'cache'));
      const blocked = await run('hunt', SAMPLE);
      expect(blocked.code).toBe(0);
      expect(blocked.out).toBe(cold.out);
      expect(blocked.err).toMatch(/^siemlite: warning: cannot write the rule cache .*ENOTDIR/);
      // --quiet keeps stderr for rule and record problems only.
      expect((await run('hunt', '--quiet', SAMPLE)).err).toBe('');
      expect((await run('hunt', '--help')).out).toMatch(/--no-rule-cache/);
    } finally {
      vi.stubEnv('SIEMLITE_CACHE_DIR', CACHE_DIR);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on bad usage', async () => {
    expect((await run('hunt')).code).toBe(2);
    expect((await run('hunt', '--format', 'xml', SAMPLE)).code).toBe(2);
    expect((await run('hunt', '--min-level', 'severe', SAMPLE)).code).toBe(2);
    expect((await run('hunt', '--rules', '/no/such/dir', SAMPLE)).code).toBe(2);
  });
});
