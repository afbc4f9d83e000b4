// The examples of the Sigma correlation specification (sigma-correlation-rules-specification.md,
// "Correlation Types", "Field Name Aliases" and "Example"), loaded as YAML through
// @siemlite/rules and run through the embedding API (createEngine with correlations), on
// events made for each, with hand-computed expectations. Thresholds are as in the
// specification; base detection rules, which the specification leaves out, are written here.
import { describe, expect, it } from 'vitest';
import { createEngine, type CorrelationAlert, type EngineAlert } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

async function correlate(yaml: string, events: readonly Record<string, unknown>[]): Promise<CorrelationAlert[]> {
  const set = loadRulesFromText('spec.yml', yaml);
  expect(set.errors).toEqual([]);
  const alerts: EngineAlert[] = [];
  const engine = createEngine({ rules: set.rules, correlations: set.correlations, onAlert: (a) => alerts.push(a) });
  engine.push(events);
  await engine.close();
  return alerts.filter((a): a is CorrelationAlert => a.type === 'correlation');
}

const FAILED_LOGIN = `title: Failed login
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_login
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4625}
  condition: selection
`;

describe('the specification examples', () => {
  it('event_count: 100 or more failed logins to one host in an hour', async () => {
    const yaml = `${FAILED_LOGIN}---
title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
  type: event_count
  rules: [5638f7c0-ac70-491d-8465-2a65075e0d86]
  group-by: [ComputerName]
  timespan: 1h
  condition: {gte: 100}
`;
    // 99 on DC1 within the hour, then the 100th; 150 on DC2 spread over 3 hours (50 an hour).
    const events = [
      ...Array.from({ length: 100 }, (_, i) => ({ EventID: 4625, ComputerName: 'DC1', '@timestamp': at(i * 30) })),
      ...Array.from({ length: 150 }, (_, i) => ({ EventID: 4625, ComputerName: 'DC2', '@timestamp': at(i * 72) })),
    ];
    const alerts = await correlate(yaml, events);
    expect(alerts.map((a) => [a.group, a.value, a.window])).toEqual([[{ ComputerName: 'DC1' }, 100, { start: at(0), end: at(99 * 30) }]]);
  });

  it('value_count: 100 different accounts per source and destination in a day', async () => {
    const yaml = `${FAILED_LOGIN}---
title: Failed login
id: 0e95725d-7320-415d-80f7-004da920fc12
correlation:
  type: value_count
  rules: [5638f7c0-ac70-491d-8465-2a65075e0d86]
  group-by: [ComputerName, WorkstationName]
  timespan: 1d
  condition: {field: User, gte: 100}
`;
    const events = [
      // 100 distinct users from WKS1 to DC1, each tried twice: fires at the 100th distinct, and
      // again at the 200th try (the group reset after the first alert; all 100 came again).
      ...Array.from({ length: 200 }, (_, i) => ({ EventID: 4625, ComputerName: 'DC1', WorkstationName: 'WKS1', User: `u${i % 100}`, '@timestamp': at(i * 60) })),
      // 99 distinct from WKS2.
      ...Array.from({ length: 99 }, (_, i) => ({ EventID: 4625, ComputerName: 'DC1', WorkstationName: 'WKS2', User: `u${i}`, '@timestamp': at(i * 60) })),
    ];
    const alerts = await correlate(yaml, events);
    expect(alerts.map((a) => [a.group, a.value, a.matches_total, a.window.end])).toEqual([
      [{ ComputerName: 'DC1', WorkstationName: 'WKS1' }, 100, 100, at(99 * 60)],
      [{ ComputerName: 'DC1', WorkstationName: 'WKS1' }, 100, 100, at(199 * 60)],
    ]);
  });

  it('temporal: three recon commands in any order within 5 minutes by one user on one system', async () => {
    const recon = ['whoami', 'net', 'ipconfig']
      .map(
        (tool, i) => `title: Recon ${tool}
name: recon_cmd_${'abc'[i]}
logsource: {category: process_creation, product: windows}
detection:
  selection: {Image|endswith: '\\\\${tool}.exe'}
  condition: selection
`,
      )
      .join('---\n');
    const yaml = `${recon}---
title: Recon commands
correlation:
  type: temporal
  rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]
  group-by: [ComputerName, User]
  timespan: 5m
`;
    const run = (user: string, tool: string, s: number): Record<string, unknown> => ({ Image: `C:\\Windows\\System32\\${tool}.exe`, ComputerName: 'WKS1', User: user, '@timestamp': at(s) });
    const alerts = await correlate(yaml, [
      run('alice', 'ipconfig', 0),
      run('alice', 'whoami', 100),
      run('bob', 'net', 110), // another user: not alice's group
      run('alice', 'net', 300), // 300 s after the first: on the window's edge, inside
      run('carol', 'whoami', 0),
      run('carol', 'net', 10),
      run('carol', 'ipconfig', 311), // 311 s after the first: outside
    ]);
    expect(alerts.map((a) => [a.group, a.value, a.window])).toEqual([[{ ComputerName: 'WKS1', User: 'alice' }, 3, { start: at(0), end: at(300) }]]);
  });

  it('value_sum, value_avg, value_percentile with their examples thresholds', async () => {
    const yaml = `title: Website access
name: website_access
logsource: {category: proxy}
detection:
  selection: {cs-method: POST}
  condition: selection
---
title: Possible Exfiltration to Website
correlation:
  type: value_sum
  rules: [website_access]
  group-by: [SourceIP, User]
  timespan: 1h
  condition: {field: bytes_sent, gt: 1000000}
---
title: Suspicious average network traffic
correlation:
  type: value_avg
  rules: [website_access]
  group-by: [SourceIP, User]
  timespan: 24h
  condition: {field: BytesOut, gt: 500}
---
title: Rare request size
correlation:
  type: value_percentile
  rules: [website_access]
  group-by: [SourceIP]
  timespan: 24h
  condition: {field: bytes_sent, percentile: 50, lte: 1}
`;
    const post = (ip: string, s: number, sent: number | string, out: number): Record<string, unknown> => ({ 'cs-method': 'POST', SourceIP: ip, User: 'u', bytes_sent: sent, BytesOut: out, '@timestamp': at(s) });
    const alerts = await correlate(yaml, [
      post('10.0.0.1', 0, 600_000, 100),
      post('10.0.0.1', 60, '500000', 2000), // numeric string counts: sum 1,100,000 > 1,000,000; avg (100 + 2000) / 2 = 1050
      post('10.0.0.2', 0, 1, 10),
    ]);
    expect(alerts.map((a) => [a.rule.title, a.group, a.value])).toEqual([
      ['Possible Exfiltration to Website', { SourceIP: '10.0.0.1', User: 'u' }, 1_100_000],
      ['Suspicious average network traffic', { SourceIP: '10.0.0.1', User: 'u' }, 1050],
      // lte is an upper bound: decided when the window ends (here, at the end of input): median of [1] is 1.
      ['Rare request size', { SourceIP: '10.0.0.2' }, 1],
    ]);
  });

  it('aliases: the same address as destination in one rule and as source in the other, within 10 s', async () => {
    const yaml = `title: Internal error
name: internal_error
logsource: {category: webserver}
detection:
  selection: {http.response.status_code: 500}
  condition: selection
---
title: New network connection
name: new_network_connection
logsource: {category: network_connection}
detection:
  selection: {event.category: network, event.type: connection, event.outcome: success}
  condition: selection
---
title: Error then connection back
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip, remote_ip]
  timespan: 10s
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
    remote_ip:
      internal_error: source.ip
      new_network_connection: destination.ip
`;
    const error = (src: string, dst: string, s: number): Record<string, unknown> => ({ http: { response: { status_code: 500 } }, source: { ip: src }, destination: { ip: dst }, '@timestamp': at(s) });
    const connection = (src: string, dst: string, s: number): Record<string, unknown> => ({ event: { category: 'network', type: 'connection', outcome: 'success' }, source: { ip: src }, destination: { ip: dst }, '@timestamp': at(s) });
    const alerts = await correlate(yaml, [
      error('203.0.113.9', '10.0.0.5', 0),
      connection('10.0.0.5', '203.0.113.9', 4), // reversed addresses: the alias pairs them
      error('203.0.113.9', '10.0.0.6', 20),
      connection('203.0.113.9', '10.0.0.6', 22), // same direction: not the same group
    ]);
    expect(alerts.map((a) => [a.group, a.value])).toEqual([[{ internal_ip: '10.0.0.5', remote_ip: '203.0.113.9' }, 2]]);
  });

  it('the complete example: multiple failed logins followed by a successful login (a chain, referenced by name)', async () => {
    const yaml = `title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
  type: temporal_ordered
  rules: [multiple_failed_login, successful_login]
  group-by: [User]
  timespan: 10m
level: high
---
title: Multiple failed logons for a single user (possible brute force attack)
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 10m
  condition: {gte: 10}
---
title: Alert On Failed Logins
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 529}
  condition: selection
---
title: Successful Login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 528}
  condition: selection
`;
    const events = [
      { EventID: 528, User: 'mallory', '@timestamp': at(0) }, // a success before the failures: wrong order
      ...Array.from({ length: 10 }, (_, i) => ({ EventID: 529, User: 'mallory', '@timestamp': at(10 + i * 5) })),
      ...Array.from({ length: 9 }, (_, i) => ({ EventID: 529, User: 'bob', '@timestamp': at(10 + i * 5) })),
      { EventID: 528, User: 'bob', '@timestamp': at(100) }, // only 9 failures
      { EventID: 528, User: 'mallory', '@timestamp': at(200) },
    ];
    const alerts = await correlate(yaml, events);
    // The inner event_count has no generate: it does not alert itself, only feeds the chain.
    expect(alerts.map((a) => [a.rule.title, a.group, a.window])).toEqual([
      // The window holds every match of the group in the last 10 minutes, the early success too.
      ['Correlation - Multiple Failed Logins Followed by Successful Login', { User: 'mallory' }, { start: at(0), end: at(200) }],
    ]);
    expect(alerts[0]?.matches.map((m) => m.rule_id)).toEqual(['4d0a2c83-c62c-4ed4-b475-c7e23a9269b8', 'a8418a5a-5fc4-46b5-b23b-6c73beb19d41', '4d0a2c83-c62c-4ed4-b475-c7e23a9269b8']);
    // The base rules do not alert on their own either (no generate on the correlations).
  });
});
