// The webhook sink against a local HTTP server that refuses, times out, then recovers.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertId, createWebhookSink } from '@siemlite/core';
import { matchAlerts } from './helpers.js';

type Mode = 'hang' | 'fail' | 'ok';

interface Receiver {
  server: Server;
  mode: Mode;
  received: { id: string; source: { path: string; record: number } }[];
  requests: Record<Mode, number>;
}

const servers: Server[] = [];
let dir = '';
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function listen(port = 0): Promise<Receiver> {
  const rx: Receiver = { server: createServer(), mode: 'ok', received: [], requests: { hang: 0, fail: 0, ok: 0 } };
  rx.server.on('request', (req, res) => {
    const mode = rx.mode;
    rx.requests[mode]++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (mode === 'hang') return; // never answers: the sink's timeout fires
      if (mode === 'fail') return void res.writeHead(503).end();
      rx.received.push(...(JSON.parse(body) as Receiver['received']));
      res.writeHead(200).end();
    });
  });
  servers.push(rx.server);
  await new Promise<void>((r) => rx.server.listen(port, '127.0.0.1', r));
  return rx;
}

/** A port nothing listens on (connections are refused). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const fast = { retries: 2, backoffMs: 20, maxBackoffMs: 100, timeoutMs: 300 };

describe('webhook sink', () => {
  it('loses nothing while the endpoint refuses, times out, answers 503, then recovers', async () => {
    dir = mkdtempSync(join(tmpdir(), 'siemlite-webhook-'));
    const port = await freePort();
    const errors: string[] = [];
    const sink = createWebhookSink(`http://127.0.0.1:${port}/alerts`, { spoolDir: dir, ...fast, onError: (m) => errors.push(m) });
    const alerts = matchAlerts(400);

    await sink.write(alerts.slice(0, 100)); // refused
    expect(sink.stats.spooled).toBe(100);
    expect(existsSync(sink.spoolPath)).toBe(true);

    const rx = await listen(port);
    rx.mode = 'hang';
    await new Promise((r) => setTimeout(r, 150)); // past the spool's backoff: the next write tries
    await sink.write(alerts.slice(100, 200));
    expect(rx.requests.hang).toBeGreaterThan(0);
    rx.mode = 'fail';
    await new Promise((r) => setTimeout(r, 150));
    await sink.write(alerts.slice(200, 300));
    expect(rx.requests.fail).toBeGreaterThan(0);
    expect(rx.received).toEqual([]);

    rx.mode = 'ok';
    await new Promise((r) => setTimeout(r, 150));
    await sink.write(alerts.slice(300));
    await sink.close();

    // At least once: every id arrives (a POST that timed out on a loaded machine after the
    // server took it comes again: de-duplicated on id, as a receiver would); the spool went
    // first, so the first arrivals are in input order.
    const seen = new Set<string>();
    const firsts = rx.received.filter((r) => !seen.has(r.id) && seen.add(r.id));
    expect(seen).toEqual(new Set(alerts.map(alertId)));
    expect(firsts.map((r) => r.source.record)).toEqual(alerts.map((a) => a.source.record));
    expect(sink.stats.dropped).toBe(0);
    expect(sink.stats.failedPosts).toBeGreaterThan(3);
    expect(existsSync(sink.spoolPath)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('a restart over a non-empty spool delivers the spool before new alerts', async () => {
    dir = mkdtempSync(join(tmpdir(), 'siemlite-webhook-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const errors: string[] = [];
    const first = createWebhookSink(url, { spoolDir: dir, ...fast, onError: (m) => errors.push(m) });
    const old = matchAlerts(30, 'old.jsonl');
    await first.write(old);
    await first.close();
    expect(errors.join('\n')).toMatch(/undelivered alerts stay in .*next run with this sink delivers them first/);
    expect(existsSync(first.spoolPath)).toBe(true);

    const rx = await listen(port);
    const second = createWebhookSink(url, { spoolDir: dir, ...fast });
    const fresh = matchAlerts(5, 'new.jsonl');
    await second.write(fresh);
    await second.close();
    expect(rx.received.map((r) => r.source.path)).toEqual([...old.map(() => 'old.jsonl'), ...fresh.map(() => 'new.jsonl')]);
    expect(rx.received.map((r) => r.id)).toEqual([...old, ...fresh].map(alertId));
    expect(existsSync(second.spoolPath)).toBe(false);
  });

  it('reports a full spool loudly and counts what it dropped', async () => {
    dir = mkdtempSync(join(tmpdir(), 'siemlite-webhook-'));
    const errors: string[] = [];
    const sink = createWebhookSink(`http://127.0.0.1:${await freePort()}/`, { spoolDir: dir, ...fast, spoolMaxBytes: 4096, onError: (m) => errors.push(m) });
    await sink.write(matchAlerts(100));
    await sink.close();
    expect(sink.stats.dropped).toBeGreaterThan(0);
    expect(sink.stats.spooled + sink.stats.dropped).toBe(100);
    expect(errors[0]).toMatch(/spool .* is full \(4096 bytes\): alerts are being DROPPED/);
  });
});
