import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hasShared, SHARED_DIR } from '../../../test/support/shared.js';
import { updateRules } from '../src/rules-update/update.js';
import { readZip, ZipError } from '../src/rules-update/zip.js';
import { run, useTemporaryRuleCache } from './run-cli.js';
import { writeZip } from './zip-writer.js';

useTemporaryRuleCache('rules-update');
const SHARED = hasShared('rules update tests');
const TMP = mkdtempSync(join(tmpdir(), 'siemlite-rules-update-'));
const DATA = join(TMP, 'data');

/** SigmaHQ's linux rules as a release package lays them out: rules/linux/... */
function sigmaFiles(): Map<string, string> {
  const root = join(SHARED_DIR, 'sigma');
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yml')) out.set(relative(root, p), readFileSync(p, 'utf8'));
    }
  };
  walk(join(root, 'rules/linux'));
  return out;
}

let server: Server;
let base = '';
const packages = new Map<string, Buffer>();
let v1: Map<string, string>;
let changed: { added: string; removed: string; modified: string };

beforeAll(async () => {
  if (!SHARED) return;
  v1 = sigmaFiles();
  const names = [...v1.keys()];
  const v2 = new Map(v1);
  changed = { removed: names[0] as string, modified: names[1] as string, added: 'rules/linux/added_by_test.yml' };
  v2.delete(changed.removed);
  v2.set(changed.modified, `${v1.get(changed.modified)}\n# modified\n`);
  v2.set(changed.added, (v1.get(names[2] as string) as string).replace(/^id: .*$/m, 'id: 6f4b2c1a-9d3e-4f5a-8b7c-0d1e2f3a4b5c'));
  packages.set('/v1.zip', writeZip(v1));
  packages.set('/v2.zip', writeZip(v2));
  packages.set('/garbage.zip', Buffer.from('<html>not found, but served as 200</html>'.repeat(20)));
  packages.set('/bad-rule.zip', writeZip(new Map([...v1, ['rules/linux/broken.yml', 'title: Broken\nlogsource: {product: linux}\ndetection:\n  sel: {a: 1}\n  condition: sel and nope\n']])));
  server = createServer((req, res) => {
    const body = packages.get(req.url ?? '');
    if (req.url === '/truncated.zip') {
      // Announces the whole package, sends a third of it, then drops the connection.
      const full = packages.get('/v2.zip') as Buffer;
      res.writeHead(200, { 'content-length': full.length, 'content-type': 'application/zip' });
      res.write(full.subarray(0, Math.floor(full.length / 3)), () => res.destroy());
      return;
    }
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/zip' }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  if (server !== undefined) await new Promise((ok) => server.close(ok));
  rmSync(TMP, { recursive: true, force: true });
});
beforeEach(() => void vi.stubEnv('SIEMLITE_DATA_DIR', DATA));

async function installed(): Promise<{ rules: number; target: string }> {
  const { code, out } = await run('rules', 'sigma', '--format', 'json');
  expect(code).toBe(0);
  return { rules: (JSON.parse(out) as { loaded: { rules: number } }).loaded.rules, target: readlinkSync(join(DATA, 'sigma')) };
}

describe.runIf(SHARED)('siemlite rules update', () => {
  it('before any update, --rules sigma says how to get the rules', async () => {
    const { code, err } = await run('rules', 'sigma');
    expect(code).toBe(2);
    expect(err).toContain("no SigmaHQ rules installed in");
    expect(err).toContain("run 'siemlite rules update' first");
  });

  it('installs a package served over HTTP; --rules sigma then means it', async () => {
    const { code, out } = await run('rules', 'update', '--from', `${base}/v1.zip`, '--format', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { files: number; rules: number; added: string[]; removed: string[]; modified: string[]; sha256: string };
    expect(report.files).toBe(v1.size);
    expect(report.added).toHaveLength(v1.size);
    expect(report).toMatchObject({ removed: [], modified: [] });
    expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
    const now = await installed();
    expect(now.rules).toBe(report.rules);
    expect(readFileSync(join(DATA, 'sigma', [...v1.keys()][5] as string), 'utf8')).toBe([...v1.values()][5]);
    // hunt and validate read it too
    const events = join(TMP, 'linux.jsonl');
    writeFileSync(events, '{"Image": "/usr/bin/whoami", "CommandLine": "whoami"}\n');
    expect((await run('hunt', '--rules', 'sigma', '--pipeline', 'none', '--quiet', events)).code).toBe(0);
    expect((await run('validate', 'sigma')).code).toBe(0);
  });

  it('reports what an update added, removed and modified', async () => {
    const { code, out } = await run('rules', 'update', '--from', `${base}/v2.zip`);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`added 1, removed 1, modified 1, unchanged ${v1.size - 2}\\n`));
    expect(out).toContain(`added (1):\n  ${changed.added}\n`);
    expect(out).toContain(`removed (1):\n  ${changed.removed}\n`);
    expect(out).toContain(`modified (1):\n  ${changed.modified}\n`);
    expect(existsSync(join(DATA, 'sigma', changed.removed))).toBe(false);
    // Only the current package is kept.
    expect(readdirSync(DATA).filter((n) => n.startsWith('sigma-'))).toHaveLength(1);
  });

  describe('failures leave the installed rules in use', () => {
    let before: { rules: number; target: string };
    beforeAll(async () => {
      if (SHARED) before = await installed();
    });
    const unchanged = async (): Promise<void> => expect(await installed()).toEqual(before);

    it('a broken download (HTTP 404)', async () => {
      const { code, err } = await run('rules', 'update', '--from', `${base}/missing.zip`);
      expect(code).toBe(1);
      expect(err).toContain('HTTP 404');
      expect(err).toContain('the previously installed rules (if any) are unchanged');
      await unchanged();
    });

    it('a download cut off halfway', async () => {
      const { code, err } = await run('rules', 'update', '--from', `${base}/truncated.zip`);
      expect(code).toBe(1);
      expect(err).toMatch(/was cut off|failed/);
      await unchanged();
    });

    it('a bad archive, and a package with a rule that does not load', async () => {
      const garbage = await run('rules', 'update', '--from', `${base}/garbage.zip`);
      expect(garbage.code).toBe(1);
      expect(garbage.err).toContain('is not a usable rule package: not a ZIP archive');
      const bad = await run('rules', 'update', '--from', `${base}/bad-rule.zip`);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/1 errors loading the package's rules; nothing installed:\n {2}rules\/linux\/broken\.yml:5:\d+: .*nope/);
      await unchanged();
    });

    it('a package with another SHA-256 than expected', async () => {
      const { code, err } = await run('rules', 'update', '--from', `${base}/v1.zip`, '--sha256', '0'.repeat(64));
      expect(code).toBe(1);
      expect(err).toContain(`not the expected ${'0'.repeat(64)}`);
      await unchanged();
    });

    it('an update interrupted before the switch (killed): the next update cleans up', async () => {
      // What a kill leaves behind: a staging folder (simulated by one from an earlier crash, and a crash at the switch).
      mkdirSync(join(DATA, '.sigma-staging-999-crashed/rules'), { recursive: true });
      await expect(
        updateRules({
          from: `${base}/v1.zip`,
          dataDir: DATA,
          beforeSwap: () => {
            throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      await unchanged();
      const { code } = await run('rules', 'update', '--from', `${base}/v1.zip`);
      expect(code).toBe(0);
      expect(readdirSync(DATA).filter((n) => n.startsWith('.sigma-staging-'))).toEqual([]);
      expect((await installed()).target).not.toBe(before.target);
    });
  });

  it('installs from a local file (an offline copy)', async () => {
    const file = join(TMP, 'offline.zip');
    writeFileSync(file, packages.get('/v2.zip') as Buffer);
    const { code, out } = await run('rules', 'update', '--from', file);
    expect(code).toBe(0);
    expect(out).toMatch(/added 1, removed 1, modified 1/);
  });
});

describe('readZip', () => {
  const zip = writeZip(new Map([['rules/a.yml', 'title: a\n'], ['rules/b.yml', 'title: b\n']]));

  it('reads what it is given', () => {
    expect(readZip(zip).map((e) => [e.name, e.data.toString()])).toEqual([
      ['rules/a.yml', 'title: a\n'],
      ['rules/b.yml', 'title: b\n'],
    ]);
  });

  it('refuses damaged data, unsafe names and oversized entries', () => {
    const damaged = Buffer.from(zip);
    damaged[42] = (damaged[42] as number) ^ 0xff; // inside the first entry's data (30-byte header, 11-byte name)
    expect(() => readZip(damaged)).toThrow(ZipError);
    expect(() => readZip(zip.subarray(0, zip.length - 10))).toThrow(/no end of central directory/);
    expect(() => readZip(writeZip(new Map([['../evil.yml', 'x']])))).toThrow(/unsafe entry name '..\/evil.yml'/);
    expect(() => readZip(writeZip(new Map([['/etc/evil.yml', 'x']])))).toThrow(/unsafe entry name/);
    expect(() => readZip(zip, { maxEntryBytes: 4 })).toThrow(/over the 4-byte limit/);
  });
});
