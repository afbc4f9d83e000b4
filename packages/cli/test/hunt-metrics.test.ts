// hunt --metrics-port: the Prometheus endpoint, scraped during a run (while a webhook sink
// holds the run by not answering yet), counts what the sink has received so far.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DetectionMetrics } from '@siemlite/core';
import { runCli } from '../src/cli.js';
import { useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE = join(ROOT, 'rules/samples/windows-sample.jsonl');
useTemporaryRuleCache('hunt-metrics');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-hunt-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sent {
  type: 'match' | 'correlation';
  rule: { id: string | null; title: string; level: string | null };
}

/** Parses `name{labels} value` lines into [labels, value] per metric name. */
function parse(text: string): Map<string, { labels: Record<string, string>; value: number }[]> {
  const out = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), { labels, value: Number(m[3]) }]);
  }
  return out;
}

describe('siemlite hunt --metrics-port', () => {
  it.each(['0', '2'])('serves counts that match the alerts sent so far (--workers %s)', async (workers) => {
    let err = '';
    const scrapes: { text: string; sentSoFar: Sent[] }[] = [];
    const sent: Sent[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        sent.push(...(JSON.parse(body) as Sent[]));
        const url = /metrics on (\S+)/.exec(err)?.[1];
        if (url === undefined) return void res.writeHead(500).end();
        void fetch(url)
          .then((r) => r.text())
          .then((text) => {
            scrapes.push({ text, sentSoFar: [...sent] });
            res.end();
          });
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
    const code = await runCli(
      ['hunt', '--workers', workers, '--metrics-port', '0', '--sink', `webhook:${hookUrl}`, '--spool-dir', join(dir, 'spool'), SAMPLE],
      { stdout: () => undefined, stderr: (t) => void (err += t), isTty: false },
    );
    await new Promise((r) => hook.close(r));
    expect(code).toBe(0);
    expect(scrapes.length).toBeGreaterThan(0);
    for (const { text, sentSoFar } of scrapes) {
      const m = parse(text);
      const byRule = new Map<string, number>();
      for (const a of sentSoFar) byRule.set(`${a.rule.id}|${a.rule.level}`, (byRule.get(`${a.rule.id}|${a.rule.level}`) ?? 0) + 1);
      const served = new Map((m.get('siemlite_alerts_total') ?? []).map((s) => [`${s.labels.rule_id}|${s.labels.level}`, s.value]));
      expect(served).toEqual(byRule);
      expect(m.get('siemlite_events_total')?.[0]?.value).toBeGreaterThan(0);
      expect(m.get('siemlite_bad_records_total')?.[0]?.value).toBe(0);
      expect(m.get('siemlite_detection_lag_seconds_count')?.[0]?.value).toBe(sentSoFar.length);
      const q = m.get('siemlite_detection_lag_seconds') ?? [];
      expect(q.map((s) => s.labels.quantile)).toEqual(['0.5', '0.95', '0.99']);
      expect(q.every((s) => s.value > 0)).toBe(true);
      // Every match alert's event was read in this run: one read-to-alert lag each, under a minute.
      // Read-to-alert lag is measured for match alerts (a correlation alert has no one record read).
      expect(m.get('siemlite_read_to_alert_seconds_count')?.[0]?.value).toBe(sentSoFar.filter((a) => a.type === 'match').length);
      const r = m.get('siemlite_read_to_alert_seconds') ?? [];
      expect(r.every((s) => s.value > 0 && s.value < 60)).toBe(true);
      expect(m.get('siemlite_queue_in_flight_peak')?.[0]?.value).toBeGreaterThan(0);
    }
    expect(err).toMatch(/detection lag \(alert time - event time, \d+ alerts\): p50 \S+ \S+, p95 .*; read to alert: p50 .*; peak queue depth \d+ chunks/);
  });

  it('reports lag quantiles within the histogram resolution', () => {
    const metrics = new DetectionMetrics();
    for (let i = 1; i <= 1000; i++) metrics.lag.add(i);
    const [p50, p99] = [metrics.lag.quantile(0.5)!, metrics.lag.quantile(0.99)!];
    expect(p50 / 500).toBeGreaterThanOrEqual(1);
    expect(p50 / 500).toBeLessThan(1.1);
    expect(p99 / 990).toBeGreaterThanOrEqual(1);
    expect(p99 / 990).toBeLessThan(1.1);
  });
});
