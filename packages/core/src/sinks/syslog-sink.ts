// syslog:HOST:PORT (UDP) and syslog+tcp:HOST:PORT: one RFC 5424 message per alert.
//   <PRI>1 TIMESTAMP HOSTNAME siemlite PROCID MSGID [siemlite@32473 id=".." rule=".." level=".."] BOM JSON
// PRI is facility (default 4, security/authorization) * 8 + a severity from the rule level
// (critical 2, high 3, medium 4, low 5, informational or none 6); MSGID is the alert type;
// the message is the sink record (the JSON line, with its id). TCP uses octet-counting
// framing (RFC 6587 §3.4.1: "LENGTH SP MESSAGE") and waits for the socket to drain.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { EngineAlert } from '../alert/alert.js';
import { alertId } from './alert-id.js';
import { createSinkSerializer, type AlertSink } from './alert-sink.js';

/** Where and how a syslog sink sends ({@link createSyslogSink}). */
export interface SyslogSinkOptions {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'udp' | 'tcp';
  /** Syslog facility 0..23 (default 4: security/authorization messages). */
  readonly facility?: number;
  /** HOSTNAME field (default: this machine's host name). */
  readonly hostname?: string;
}

const SEVERITY: Readonly<Record<string, number>> = { critical: 2, high: 3, medium: 4, low: 5, informational: 6 };
/** Structured-data id: name@private-enterprise-number (32473 is the example PEN of RFC 5612). */
const SD_ID = 'siemlite@32473';
/** The largest UDP payload; longer messages are cut (RFC 5424 §6.1 allows truncation). */
const MAX_UDP = 65_507;

/** RFC 5424 PARAM-VALUE escaping: '"', '\' and ']' get a backslash. */
function sdValue(s: string): string {
  return s.replace(/["\\\]]/g, '\\$&');
}

/** An RFC 5424 header field: printable US-ASCII without spaces, at most `max` characters, '-' when empty. */
function headerField(s: string, max: number): string {
  const clean = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** Formats one alert as an RFC 5424 message (no framing). */
export function formatSyslog(alert: EngineAlert, json: string, o: { facility: number; hostname: string; now: Date }): string {
  const pri = o.facility * 8 + (SEVERITY[alert.rule.level ?? ''] ?? 6);
  const sd = `[${SD_ID} id="${alertId(alert)}" rule="${sdValue(alert.rule.id ?? alert.rule.title)}" level="${sdValue(alert.rule.level ?? 'none')}"]`;
  return `<${pri}>1 ${o.now.toISOString()} ${headerField(o.hostname, 255)} siemlite ${process.pid} ${alert.type} ${sd} \uFEFF${json}`;
}

/**
 * A sink that sends each alert as one RFC 5424 message over UDP or TCP (octet-counting
 * framing), its severity from the rule level.
 *
 * @example
 * const sink = createSyslogSink({ host: '127.0.0.1', port: 514, protocol: 'udp' });
 */
export function createSyslogSink(options: SyslogSinkOptions): AlertSink {
  const facility = options.facility ?? 4;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) throw new Error(`syslog sink: facility must be 0..23, not ${facility}`);
  const host = options.hostname ?? hostname();
  const serialize = createSinkSerializer();
  const format = (a: EngineAlert): string => formatSyslog(a, serialize(a), { facility, hostname: host, now: new Date() });

  if (options.protocol === 'udp') {
    let socket: UdpSocket | null = null;
    return {
      async write(alerts) {
        socket ??= createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
        for (const a of alerts) {
          let msg = Buffer.from(format(a));
          if (msg.length > MAX_UDP) msg = msg.subarray(0, MAX_UDP);
          const s = socket;
          await new Promise<void>((resolve, reject) => s.send(msg, options.port, options.host, (err) => (err ? reject(err) : resolve())));
        }
      },
      async close() {
        if (socket !== null) await new Promise<void>((r) => socket?.close(() => r()));
      },
    };
  }

  let socket: Socket | null = null;
  const open = async (): Promise<Socket> => {
    if (socket !== null && !socket.destroyed) return socket;
    const s = connect({ host: options.host, port: options.port });
    await once(s, 'connect');
    s.on('error', () => undefined); // reported by the next write
    socket = s;
    return s;
  };
  return {
    async write(alerts) {
      if (alerts.length === 0) return;
      const s = await open();
      let text = '';
      for (const a of alerts) {
        const msg = format(a);
        text += `${Buffer.byteLength(msg)} ${msg}`;
      }
      if (!s.write(text)) await once(s, 'drain');
    },
    async close() {
      if (socket === null) return;
      const s = socket;
      socket = null;
      s.end();
      if (!s.destroyed) await once(s, 'close');
    },
  };
}
