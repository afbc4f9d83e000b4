// hunt --sink: every sink gets exactly the alerts hunt prints, each with its stable id.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE = join(ROOT, 'rules/samples/windows-sample.jsonl');
useTemporaryRuleCache('hunt-sinks');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-hunt-sinks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('siemlite hunt --sink', () => {
  it.each(['0', '2'])('sends the printed alerts, with ids, to a file and a webhook (--workers %s)', async (workers) => {
    const received: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(...(JSON.parse(body) as Record<string, unknown>[]));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const file = join(dir, `alerts-${workers}.jsonl`);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const { code, out } = await run('hunt', '--quiet', '--workers', workers, '--sink', `file:${file}`, '--sink', `webhook:${url}`, '--spool-dir', join(dir, 'spool'), SAMPLE);
    await new Promise((r) => server.close(r));
    expect(code).toBe(0);
    const printed = lines(out);
    expect(printed.length).toBeGreaterThan(5);
    const filed = lines(readFileSync(file, 'utf8'));
    for (const sent of [filed, received]) {
      expect(sent.map(({ id: _id, ...rest }) => rest)).toEqual(printed);
      for (const a of sent) expect(a.id).toMatch(/^[0-9a-f]{16}$/);
      expect(new Set(sent.map((a) => a.id)).size).toBe(sent.length);
    }
    expect(received.map((a) => a.id)).toEqual(filed.map((a) => a.id));
  });

  it('rejects a bad sink spec as a usage error', async () => {
    const { code, err } = await run('hunt', '--sink', 'smtp:x', SAMPLE);
    expect(code).toBe(2);
    expect(err).toMatch(/--sink: sink 'smtp:x': unknown kind 'smtp'/);
  });
});
