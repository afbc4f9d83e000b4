// webhook:URL: alerts POSTed as JSON arrays (batches of sink records, each with its id).
// A failed POST (refused, timed out, non-2xx) is retried with exponential backoff; when the
// retries run out the batch goes to an on-disk spool, and later batches go there too until
// the spool is delivered (oldest first), so an endpoint that is down loses nothing and
// the reader is slowed only by the retries, not by the outage. The spool is bounded: an
// alert that does not fit is dropped and reported (onError). A sink started over a
// non-empty spool (a restart) delivers the spool before any new alert.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { EngineAlert } from '../alert/alert.js';
import { createSinkSerializer, type AlertSink } from './alert-sink.js';

/** The spool, batching, retries and timeouts of a webhook sink ({@link createWebhookSink}). */
export interface WebhookSinkOptions {
  /** Folder of the spool (created when missing). Each URL has its own spool file there. */
  readonly spoolDir: string;
  /** Spool limit in bytes (default 64 MiB). */
  readonly spoolMaxBytes?: number;
  /** Most alerts per POST (default 500); each write is sent when it is made. */
  readonly batchSize?: number;
  /** Retries of one POST before it is spooled (default 4). */
  readonly retries?: number;
  /** First retry delay in ms, doubled per retry up to maxBackoffMs (default 250). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A POST with no answer after this many ms has failed (default 5000). */
  readonly timeoutMs?: number;
  /** Extra HTTP headers (e.g. an Authorization header). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Where failures are reported (a full spool, alerts left spooled at close). Default: stderr. */
  readonly onError?: (message: string) => void;
}

/** A webhook sink's settings when {@link WebhookSinkOptions} leave them unset. */
export const WEBHOOK_SINK_DEFAULTS = {
  spoolMaxBytes: 64 * 1024 * 1024,
  batchSize: 500,
  retries: 4,
  backoffMs: 250,
  maxBackoffMs: 5000,
  timeoutMs: 5000,
} as const;

/** Counters of one webhook sink (for tests and metrics). */
export interface WebhookSinkStats {
  delivered: number;
  spooled: number;
  dropped: number;
  failedPosts: number;
}

/** A webhook sink with its delivery counters and the path of its spool file. */
export interface WebhookSink extends AlertSink {
  readonly stats: Readonly<WebhookSinkStats>;
  /** The spool file of this URL. */
  readonly spoolPath: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A sink that POSTs alerts as JSON arrays to `url`. A failed POST is retried with backoff,
 * then spooled on disk and delivered (oldest first) once the endpoint answers again; a sink
 * started over a non-empty spool delivers it before new alerts.
 *
 * @example
 * const sink = createWebhookSink('https://siem.example/alerts', { spoolDir: '/var/spool/siemlite' });
 */
export function createWebhookSink(url: string, options: WebhookSinkOptions): WebhookSink {
  const o = { ...WEBHOOK_SINK_DEFAULTS, ...options };
  const report = options.onError ?? ((m: string) => void process.stderr.write(`siemlite: ${m}\n`));
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`webhook sink: '${url}' is not an http(s) URL`);
  mkdirSync(o.spoolDir, { recursive: true });
  const spoolPath = join(o.spoolDir, `webhook-${createHash('sha256').update(url).digest('hex').slice(0, 12)}.jsonl`);
  const serialize = createSinkSerializer();
  const stats: WebhookSinkStats = { delivered: 0, spooled: 0, dropped: 0, failedPosts: 0 };
  let pending: string[] = [];
  /** While the spool holds alerts, new ones queue behind them; no POST before this time. */
  let nextSpoolAttempt = 0;
  let spoolFailures = 0;
  let fullReported = false;

  const spoolBytes = (): number => (existsSync(spoolPath) ? statSync(spoolPath).size : 0);

  async function post(lines: readonly string[]): Promise<boolean> {
    const body = `[${lines.join(',')}]`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...o.headers },
        body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // Refused, reset or timed out: retried below, then spooled.
    }
    stats.failedPosts++;
    return false;
  }

  async function postWithRetries(lines: readonly string[]): Promise<boolean> {
    let delay = o.backoffMs;
    for (let attempt = 0; ; attempt++) {
      if (await post(lines)) return true;
      if (attempt >= o.retries) return false;
      await sleep(delay);
      delay = Math.min(delay * 2, o.maxBackoffMs);
    }
  }

  function spool(lines: readonly string[]): void {
    let room = o.spoolMaxBytes - spoolBytes();
    let text = '';
    let kept = 0;
    for (const l of lines) {
      const bytes = Buffer.byteLength(l) + 1;
      if (bytes > room) break;
      room -= bytes;
      text += `${l}\n`;
      kept++;
    }
    if (text !== '') appendFileSync(spoolPath, text);
    stats.spooled += kept;
    const dropped = lines.length - kept;
    if (dropped > 0) {
      stats.dropped += dropped;
      if (!fullReported) report(`webhook sink ${url}: spool ${spoolPath} is full (${o.spoolMaxBytes} bytes): alerts are being DROPPED`);
      fullReported = true;
    }
  }

  /** Delivers the spool oldest first; true when it is empty afterwards. */
  async function drainSpool(retries: boolean): Promise<boolean> {
    if (!existsSync(spoolPath)) return true;
    const lines = readFileSync(spoolPath, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i += o.batchSize) {
      const batch = lines.slice(i, i + o.batchSize);
      if (!(await (retries ? postWithRetries(batch) : post(batch)))) {
        const tmp = `${spoolPath}.tmp`;
        writeFileSync(tmp, lines.slice(i).map((l) => `${l}\n`).join(''));
        renameSync(tmp, spoolPath);
        return false;
      }
      stats.delivered += batch.length;
    }
    rmSync(spoolPath, { force: true });
    fullReported = false;
    return true;
  }

  /** Sends what is pending: behind the spool when there is one, else with retries. */
  async function flush(final: boolean): Promise<void> {
    const lines = pending;
    pending = [];
    if (existsSync(spoolPath)) {
      if (!final && Date.now() < nextSpoolAttempt) {
        spool(lines);
        return;
      }
      if (!(await drainSpool(final))) {
        spoolFailures++;
        nextSpoolAttempt = Date.now() + Math.min(o.backoffMs * 2 ** spoolFailures, o.maxBackoffMs);
        spool(lines);
        return;
      }
      spoolFailures = 0;
    }
    for (let i = 0; i < lines.length; i += o.batchSize) {
      const batch = lines.slice(i, i + o.batchSize);
      if (await postWithRetries(batch)) stats.delivered += batch.length;
      else {
        spool(lines.slice(i));
        nextSpoolAttempt = Date.now() + o.backoffMs;
        return;
      }
    }
  }

  return {
    stats,
    spoolPath,
    async write(alerts: readonly EngineAlert[]): Promise<void> {
      for (const a of alerts) pending.push(serialize(a));
      // Each write is sent at once (live input: an alert leaves with its chunk).
      if (pending.length > 0) await flush(false);
    },
    async close(): Promise<void> {
      await flush(true);
      const left = spoolBytes();
      if (left > 0) report(`webhook sink ${url}: undelivered alerts stay in ${spoolPath} (${left} bytes); the next run with this sink delivers them first`);
    },
  };
}
