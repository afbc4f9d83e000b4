// Alerts for the sink tests: real match alerts from a rule over events.
import type { Alert } from '@siemlite/core';

export function matchAlerts(n: number, path = 'events.jsonl'): Alert[] {
  const rule = Object.freeze({ key: 'r-1', id: '0f06a3a5-6a09-413f-8743-e6cf35561297', title: 'Whoami "run"', level: 'high', tags: ['attack.discovery'] });
  return Array.from({ length: n }, (_, i) => ({
    type: 'match' as const,
    rule,
    source: { path, record: i + 1 },
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    event: { EventID: 1, Image: 'C:\\Windows\\System32\\whoami.exe', n: i },
  }));
}
