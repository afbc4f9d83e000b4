// Known traps in real Windows data (datasets/README.md): EventID as a number, a string or
// an object with #text; Channel in another case; trailing spaces. The shipped rule
// "Security Audit Log Cleared" (EventID 1102 on the Security channel) must fire on each.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detect } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';
import { REPO_ROOT } from '../support/shared.js';

const CLEARED = '3e9dffcd-df1b-4a75-87a4-573cbab2a292';

function evtx(eventId: unknown, channel: unknown): Record<string, unknown> {
  return {
    Event: {
      System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Eventlog' } }, EventID: eventId, Channel: channel, Computer: 'DC-01' },
      UserData: { LogFileCleared: { SubjectUserName: 'mallory  ' } },
    },
  };
}

describe('Windows data traps', () => {
  const { pipeline } = loadBuiltinPipeline('windows');
  const set = loadRules([join(REPO_ROOT, 'rules')], { pipelines: pipeline ? [pipeline] : [] });
  const rules = set.rules.filter((r) => r.isMapped);

  it.each([
    ['EventID as a number', evtx(1102, 'Security')],
    ['EventID as a string (rendered records)', evtx('1102', 'Security')],
    ['EventID as an object with #text and Qualifiers', evtx({ '#attributes': { Qualifiers: 0 }, '#text': 1102 }, 'Security')],
    ['Channel in lower case (flat shipper events)', { Channel: 'security', EventID: 1102, Hostname: 'DC-01' }],
    ['Channel in upper case', { Channel: 'SECURITY', EventID: '1102' }],
  ])('%s', async (_name, event) => {
    const alerts = await detect([event], { rules });
    expect(alerts.map((a) => a.rule.id)).toContain(CLEARED);
  });

  it('does not fire for another channel or event id', async () => {
    const alerts = await detect([evtx(1102, 'System'), evtx(1100, 'Security'), evtx(1102, null)], { rules });
    expect(alerts.map((a) => a.rule.id)).not.toContain(CLEARED);
  });
});
