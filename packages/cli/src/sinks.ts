// `hunt --sink SPEC` (repeatable): the alert sinks of a run, fed each chunk's alerts in
// detection order; a sink that returns a promise is awaited before more input is read.
import { join } from 'node:path';
import { createSinkFromSpec, type AlertSink, type EngineAlert } from '@siemlite/core';
import { ruleCacheDir } from './rule-cache.js';
import { UsageError } from './usage-error.js';

export const SINK_USAGE = `  --sink SPEC             also send alerts to SPEC, repeatable: file:PATH (JSON Lines,
                          rotated at 100 MiB, 5 kept), webhook:URL (POST of JSON arrays,
                          retried, spooled on disk while the endpoint is down),
                          syslog:HOST:PORT (RFC 5424 over UDP), syslog+tcp:HOST:PORT
  --spool-dir DIR         webhook spool folder (default: webhook-spool in the cache folder)`;

export interface SinkSet {
  /** Sends a batch to every sink; a promise when some sink wants the reader to wait. */
  write(alerts: readonly EngineAlert[]): void | Promise<void>;
  close(): Promise<void>;
}

/** The sinks the specs name; a bad spec is a usage error. */
export function openSinks(specs: readonly string[], spoolDir: string | undefined, stderr: (text: string) => void): SinkSet {
  const dir = spoolDir ?? join(ruleCacheDir() ?? '.', 'webhook-spool');
  const onError = (m: string): void => stderr(`siemlite hunt: ${m}\n`);
  const sinks: AlertSink[] = [];
  try {
    for (const spec of specs) sinks.push(createSinkFromSpec(spec, { webhook: { spoolDir: dir, onError } }));
  } catch (e) {
    void Promise.all(sinks.map((s) => s.close()));
    throw new UsageError(`--sink: ${(e as Error).message}`);
  }
  if (sinks.length === 0) return { write: () => undefined, close: () => Promise.resolve() };
  return {
    write(alerts) {
      if (alerts.length === 0) return;
      let waits: Promise<void>[] | null = null;
      for (const s of sinks) {
        const r = s.write(alerts);
        if (r !== undefined) (waits ??= []).push(r);
      }
      if (waits !== null) return Promise.all(waits).then(() => undefined);
    },
    async close() {
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}
