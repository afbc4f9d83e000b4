// The sink specs of `hunt --sink`: file:PATH, webhook:URL, syslog:HOST:PORT (UDP) and
// syslog+tcp:HOST:PORT (HOST may be [IPv6]).
import type { AlertSink } from './alert-sink.js';
import { createFileSink, type FileSinkOptions } from './file-sink.js';
import { createSyslogSink } from './syslog-sink.js';
import { createWebhookSink, type WebhookSinkOptions } from './webhook-sink.js';

/** Options that {@link createSinkFromSpec} passes to the sinks it creates, by kind. */
export interface SinkSpecOptions {
  /** Options of file sinks. */
  readonly file?: FileSinkOptions;
  /** Options of webhook sinks (spoolDir is required for them). */
  readonly webhook?: WebhookSinkOptions;
}

/** Creates the sink a spec names; throws an Error saying what is wrong with a bad spec. */
export function createSinkFromSpec(spec: string, options: SinkSpecOptions = {}): AlertSink {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  switch (kind) {
    case 'file':
      if (rest === '') throw new Error(`sink '${spec}': file needs a path (file:PATH)`);
      return createFileSink(rest, options.file);
    case 'webhook':
      if (!/^https?:\/\//.test(rest)) throw new Error(`sink '${spec}': webhook needs an http(s) URL (webhook:http://host/path)`);
      if (options.webhook === undefined) throw new Error(`sink '${spec}': webhook sinks need a spool folder`);
      return createWebhookSink(rest, options.webhook);
    case 'syslog':
    case 'syslog+udp':
    case 'syslog+tcp': {
      const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(rest);
      const port = m === null ? Number.NaN : Number(m[2]);
      if (m === null || port < 1 || port > 65535) throw new Error(`sink '${spec}': ${kind} needs HOST:PORT (port 1..65535)`);
      const host = (m[1] as string).replace(/^\[|\]$/g, '');
      return createSyslogSink({ host, port, protocol: kind === 'syslog+tcp' ? 'tcp' : 'udp' });
    }
    default:
      throw new Error(`sink '${spec}': unknown kind '${kind}' (file:PATH, webhook:URL, syslog:HOST:PORT, syslog+tcp:HOST:PORT)`);
  }
}
