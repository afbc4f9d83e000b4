// Bad input end to end: broken, binary, empty, oversized and deeply nested records are
// reported per record with file and line, and the good records still produce alerts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, readRecords, type Alert, type BadRecord } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';
import { REPO_ROOT } from '../support/shared.js';

const SAMPLE = join(REPO_ROOT, 'rules/samples/windows-sample.jsonl');

async function hunt(inputs: string[]): Promise<{ alerts: Alert[]; bad: BadRecord[] }> {
  const { pipeline } = loadBuiltinPipeline('windows');
  const set = loadRules([join(REPO_ROOT, 'rules')], { pipelines: pipeline ? [pipeline] : [] });
  const engine = createEngine({ rules: set.rules.filter((r) => r.isMapped) });
  const bad: BadRecord[] = [];
  const alerts: Alert[] = [];
  for await (const chunk of readRecords(inputs, { onBadRecord: (b) => bad.push(b) })) alerts.push(...engine.evaluate(chunk));
  return { alerts, bad };
}

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siemlite-bad-'));
  const good = readFileSync(SAMPLE, 'utf8').trim().split('\n');

  it('a file with 10% broken lines: each broken line reported with its line, every good record alerts', async () => {
    const lines: string[] = [];
    const brokenLines: number[] = [];
    good.forEach((l, i) => {
      lines.push(l);
      if (i % 9 === 0) {
        lines.push(l.slice(0, Math.floor(l.length / 2)));
        brokenLines.push(lines.length);
      }
    });
    const file = join(dir, 'broken.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const clean = await hunt([SAMPLE]);
    const { alerts, bad } = await hunt([file]);
    expect(bad.map((b) => [b.code, b.line])).toEqual(brokenLines.map((line) => ['bad-json', line]));
    expect(alerts.map((a) => a.rule.id)).toEqual(clean.alerts.map((a) => a.rule.id));
  });

  it('binary garbage and an empty file beside good input: clear errors, no hang, good alerts kept', async () => {
    const garbage = join(dir, 'garbage.json');
    const bytes = Buffer.alloc(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(garbage, bytes);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const { alerts, bad } = await hunt([garbage, empty, SAMPLE]);
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.length).toBeLessThan(1001);
    for (const b of bad) expect(b.path).toBe(garbage);
    expect(alerts.length).toBe((await hunt([SAMPLE])).alerts.length);
  });

  it('a 100 MB single line is reported as too large and the records after it still alert', async () => {
    const file = join(dir, 'huge.jsonl');
    const huge = `{"pad":"${'x'.repeat(100 * 1024 * 1024)}"}`;
    writeFileSync(file, `${good.slice(0, 8).join('\n')}\n${huge}\n${good.slice(8).join('\n')}\n`);
    const { alerts, bad } = await hunt([file]);
    expect(bad).toEqual([expect.objectContaining({ code: 'too-large', line: 9, record: 9 })]);
    expect(alerts.length).toBe((await hunt([SAMPLE])).alerts.length);
  });

  it('a deeply nested object is rejected as one bad record', async () => {
    const file = join(dir, 'deep.jsonl');
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    writeFileSync(file, `${deep}\n${good.join('\n')}\n`);
    const { alerts, bad } = await hunt([file]);
    expect(bad).toEqual([expect.objectContaining({ code: 'bad-json', line: 1 })]);
    expect(bad[0]?.message).toMatch(/nest/);
    expect(alerts.length).toBe((await hunt([SAMPLE])).alerts.length);
  });

  it('invalid UTF-8 in one record is reported and skipped', async () => {
    const file = join(dir, 'utf8.jsonl');
    const bad = Buffer.concat([Buffer.from('{"Image":"C:\\\\bad'), Buffer.from([0xc3, 0x28]), Buffer.from('.exe"}\n')]);
    writeFileSync(file, Buffer.concat([bad, Buffer.from(`${good.join('\n')}\n`)]));
    const result = await hunt([file]);
    expect(result.bad).toEqual([expect.objectContaining({ code: 'bad-utf8', line: 1 })]);
    expect(result.alerts.length).toBe((await hunt([SAMPLE])).alerts.length);
  });
});
