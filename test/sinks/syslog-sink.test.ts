// The syslog sink against local UDP and TCP receivers: well-formed RFC 5424 messages.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { alertId, createSinkFromSpec } from '@siemlite/core';
import { matchAlerts } from './helpers.js';

// RFC 5424 §6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z) ([\x21-\x7e]{1,255}) siemlite (\d+) (match|correlation) \[siemlite@32473 id="([0-9a-f]{16})" rule="((?:[^"\\\]]|\\["\\\]])*)" level="(\w+)"\] \uFEFF(.*)$/s;

function check(msg: string, expected: ReturnType<typeof matchAlerts>[number]): void {
  const m = RFC5424.exec(msg);
  expect(m, msg).not.toBeNull();
  expect(Number(m![1])).toBe(4 * 8 + 3); // facility 4 (auth), severity 3 (error) for a high rule
  expect(m![6]).toBe(alertId(expected));
  const json = JSON.parse(m![9]!) as { id: string; source: { record: number }; rule: { title: string } };
  expect(json.id).toBe(alertId(expected));
  expect(json.source.record).toBe(expected.source.record);
  expect(json.rule.title).toBe('Whoami "run"');
}

describe('syslog sink', () => {
  it('sends one RFC 5424 datagram per alert over UDP', async () => {
    const rx = createSocket('udp4');
    const got: string[] = [];
    rx.on('message', (m) => got.push(m.toString('utf8')));
    rx.bind(0, '127.0.0.1');
    await once(rx, 'listening');
    const sink = createSinkFromSpec(`syslog:127.0.0.1:${(rx.address() as AddressInfo).port}`);
    const alerts = matchAlerts(20);
    await sink.write(alerts);
    await sink.close();
    for (let i = 0; i < 100 && got.length < alerts.length; i++) await new Promise((r) => setTimeout(r, 10));
    rx.close();
    expect(got).toHaveLength(alerts.length);
    got.forEach((m, i) => check(m, alerts[i]!));
  });

  it('frames messages by octet counting over TCP', async () => {
    let data = Buffer.alloc(0);
    const server = createServer((s) => s.on('data', (c: Buffer) => (data = Buffer.concat([data, c]))));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const sink = createSinkFromSpec(`syslog+tcp:127.0.0.1:${(server.address() as AddressInfo).port}`);
    const alerts = matchAlerts(50);
    await sink.write(alerts.slice(0, 25));
    await sink.write(alerts.slice(25));
    await sink.close();
    for (let i = 0; i < 100 && !data.toString().includes(`"record":50`); i++) await new Promise((r) => setTimeout(r, 10));
    server.close();
    // Parse the frames: LENGTH SP MESSAGE, LENGTH in bytes.
    const msgs: string[] = [];
    let at = 0;
    while (at < data.length) {
      const sp = data.indexOf(0x20, at);
      const len = Number(data.subarray(at, sp).toString());
      msgs.push(data.subarray(sp + 1, sp + 1 + len).toString('utf8'));
      at = sp + 1 + len;
    }
    expect(msgs).toHaveLength(alerts.length);
    msgs.forEach((m, i) => check(m, alerts[i]!));
  });

  it('rejects a write when the TCP receiver is not there', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    server.close();
    const sink = createSinkFromSpec(`syslog+tcp:127.0.0.1:${port}`);
    await expect(sink.write(matchAlerts(1))).rejects.toThrow(/ECONNREFUSED/);
    await sink.close();
  });
});
