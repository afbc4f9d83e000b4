// `hunt --metrics-port N`: the run's DetectionMetrics as Prometheus text on
// http://127.0.0.1:N/metrics (loopback only; N = 0 picks a free port, printed on stderr).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DetectionMetrics } from '@siemlite/core';
import { UsageError } from './usage-error.js';

export const METRICS_USAGE = `  --metrics-port N        serve Prometheus metrics on http://127.0.0.1:N/metrics during
                          the run (0: a free port, printed on stderr)`;

export function metricsPort(value: string | undefined): number | null {
  if (value === undefined) return null;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--metrics-port must be a port number 0..65535, not '${value}'`);
  return port;
}

export async function serveMetrics(port: number, metrics: DetectionMetrics): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?') === true)) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.prometheus());
    } else res.writeHead(404).end('not found: GET /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
