// The Engine's `sources` option: each non-Windows event sees only the rules whose logsource
// fits its recognized source; Windows events still see every rule; without the option the
// Engine stays logsource-blind.
import { describe, expect, it } from 'vitest';
import { detect, type DetectionRule } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';

function rule(title: string, id: string, logsource: string): DetectionRule {
  const text = `title: ${title}\nid: ${id}\nlogsource:\n${logsource}\ndetection:\n    keywords:\n        - 'evil'\n    condition: keywords\nlevel: high\n`;
  const set = loadRulesFromText(`${title}.yml`, text);
  expect(set.errors).toEqual([]);
  return set.rules[0] as DetectionRule;
}

const rules = [
  rule('aws', 'a0000000-0000-4000-8000-000000000001', '    product: aws\n    service: cloudtrail'),
  rule('zeek-rdp', 'a0000000-0000-4000-8000-000000000002', '    product: zeek\n    service: rdp'),
  rule('webserver', 'a0000000-0000-4000-8000-000000000003', '    category: webserver'),
  rule('sysmon', 'a0000000-0000-4000-8000-000000000004', '    product: windows\n    category: process_creation'),
];
const events = [
  { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', awsRegion: 'us-east-1', note: 'evil' },
  { 'c-ip': '1.2.3.4', 'cs-method': 'GET', 'cs-uri-stem': '/evil', 'sc-status': 200 },
  { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', CommandLine: 'evil.exe' },
  { something: 'evil' },
];
const fired = (alerts: Awaited<ReturnType<typeof detect>>): string[] => alerts.map((a) => `${a.source.record} ${a.rule.title}`);

describe('Engine sources option', () => {
  it('runs each rule only on events of its logsource; Windows events see every rule', async () => {
    expect(fired(await detect(events, { rules, sources: {} }))).toEqual(['1 aws', '2 webserver', '3 aws', '3 zeek-rdp', '3 webserver', '3 sysmon']);
  });

  it('gives events no recognizer knows the fallback logsource', async () => {
    expect(fired(await detect([{ something: 'evil' }], { rules, sources: { fallback: { product: 'zeek', service: 'rdp' } } }))).toEqual(['1 zeek-rdp']);
  });

  it('is logsource-blind without the option', async () => {
    expect(fired(await detect([events[0] as Record<string, unknown>], { rules }))).toEqual(['1 aws', '1 zeek-rdp', '1 webserver', '1 sysmon']);
  });
});
