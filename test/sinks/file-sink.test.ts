import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertId, createFileSink, createSinkFromSpec, type CorrelationAlert } from '@siemlite/core';
import { matchAlerts } from './helpers.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('alertId', () => {
  it('is a 16-digit hex hash of rule key, source path and record', () => {
    const [a, b] = matchAlerts(2);
    const again = matchAlerts(2)[0];
    expect(alertId(a!)).toMatch(/^[0-9a-f]{16}$/);
    expect(alertId(a!)).toBe(alertId(again!));
    expect(alertId(a!)).not.toBe(alertId(b!));
    expect(alertId(a!)).not.toBe(alertId(matchAlerts(1, 'other.jsonl')[0]!));
  });

  it('identifies correlation alerts by rule key, group (in any key order) and window', () => {
    const base = {
      type: 'correlation' as const,
      rule: { key: 'c', id: null, name: 'c', title: 'c', level: 'high', correlation_type: 'event_count' as const },
      value: 3,
      window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:01:00.000Z' },
      timestamp: '2026-01-01T00:01:00.000Z',
      matches: [],
      matches_total: 3,
    };
    const x: CorrelationAlert = { ...base, group: { User: 'a', Host: 'h' } };
    const y: CorrelationAlert = { ...base, group: { Host: 'h', User: 'a' }, value: 4 };
    const z: CorrelationAlert = { ...base, group: { Host: 'h', User: 'b' } };
    expect(alertId(x)).toBe(alertId(y));
    expect(alertId(x)).not.toBe(alertId(z));
  });
});

describe('file sink', () => {
  it('writes JSON Lines with ids and rotates by size without splitting lines', async () => {
    dir = mkdtempSync(join(tmpdir(), 'siemlite-file-sink-'));
    const path = join(dir, 'alerts.jsonl');
    const alerts = matchAlerts(50);
    const sink = createFileSink(path, { maxBytes: 2000, keep: 100 });
    for (let i = 0; i < alerts.length; i += 7) sink.write(alerts.slice(i, i + 7));
    await sink.close();
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(3);
    const lines: string[] = [];
    // Oldest first: the highest suffix holds the first alerts.
    const ordered = files.filter((f) => f !== 'alerts.jsonl').sort((a, b) => Number(b.split('.').pop()) - Number(a.split('.').pop()));
    for (const f of [...ordered, 'alerts.jsonl']) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
      expect(text.endsWith('\n')).toBe(true);
      lines.push(...text.trimEnd().split('\n'));
    }
    const records = lines.map((l) => JSON.parse(l) as { id: string; source: { record: number } });
    expect(records.map((r) => r.source.record)).toEqual(alerts.map((a) => a.source.record));
    expect(records.map((r) => r.id)).toEqual(alerts.map(alertId));
  });

  it('keeps only `keep` rotated files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'siemlite-file-sink-'));
    const sink = createSinkFromSpec(`file:${join(dir, 'a.jsonl')}`, { file: { maxBytes: 600, keep: 2 } });
    await sink.write(matchAlerts(40));
    await sink.close();
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'a.jsonl.1', 'a.jsonl.2']);
  });

  it('rejects bad specs with what is wrong', () => {
    expect(() => createSinkFromSpec('file:')).toThrow(/file needs a path/);
    expect(() => createSinkFromSpec('ftp:x')).toThrow(/unknown kind 'ftp'/);
    expect(() => createSinkFromSpec('syslog:host')).toThrow(/HOST:PORT/);
    expect(() => createSinkFromSpec('webhook:localhost')).toThrow(/http\(s\) URL/);
  });
});
