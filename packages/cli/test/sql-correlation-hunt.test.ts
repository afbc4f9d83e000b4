// `hunt --engine sql` vs `hunt --engine stream` with correlation rules on real data: SigmaHQ
// base rules (from SIEMLITE_SHARED/sigma) and correlation rules written here over them (every
// compiled type, lower and upper bounds, aliases, generate true and false, a chain that runs in
// the streaming correlator), over SIEMLITE_SHARED/datasets/evtx_attack_samples.jsonl.gz. Both
// engines must print the same alerts in the same order: correlation alerts whole, match alerts
// by rule and record (the SQL engine prints the stored, normalized event).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, SHARED_DIR } from '../../../test/support/shared.js';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ok = hasShared('hunt --engine sql vs stream with correlations on evtx_attack_samples');
const SIGMA = resolve(SHARED_DIR, 'sigma/rules/windows');
const DATASET = resolve(SHARED_DIR, 'datasets/evtx_attack_samples.jsonl.gz');
const BASE = [
  'process_creation/proc_creation_win_reg_query_registry.yml', // 970007b7 reg recon
  'process_creation/proc_creation_win_reg_dumping_sensitive_hives.yml', // fd877b94
  'process_creation/proc_creation_win_powershell_non_interactive_execution.yml', // f4bbd493
  'registry/registry_set/registry_set_asep_reg_keys_modification_currentversion_nt.yml', // cbf93e5d
  'builtin/windefend/win_defender_threat.yml', // 57b649ef
  'builtin/security/win_security_audit_log_cleared.yml', // d99b79d2
  'builtin/security/win_security_default_domain_gpo_modification.yml', // e5ac86dd
  'process_creation/proc_creation_win_iis_appcmd_service_account_password_dumped.yml', // 2d3cdeec
  'process_creation/proc_creation_win_regsvr32_susp_parent.yml', // ab37a6ec
  'process_creation/proc_creation_win_schtasks_creation.yml', // 92626ddd
  'registry/registry_event/registry_event_stickykey_like_backdoor.yml', // baca5663: read by a correlation with generate: true
  'wmi_event/sysmon_wmi_event_subscription.yml', // 0f06a3a5: read by no correlation, alerts on its own
];
const ALL = `[970007b7-ce32-49d0-a4a4-fbef016950bd, fd877b94-9bb5-4191-bb25-d79cbd93c167, f4bbd493-b796-416e-bbf2-121235348529,
    cbf93e5d-ca6c-4722-8bea-e9119007c248, 57b649ef-ff42-4fb0-8bf6-62da243a1708, d99b79d2-0a6f-4f46-ad8b-260b6e17f982,
    e5ac86dd-2da1-454b-be74-05d26c769d7d, 2d3cdeec-c0db-45b4-aa86-082f7eb75701, ab37a6ec-6068-432b-a64e-2c7bf95b1d22,
    92626ddd-662c-49e3-ac59-f6535f12d189]`;
const PROCESS = `[970007b7-ce32-49d0-a4a4-fbef016950bd, fd877b94-9bb5-4191-bb25-d79cbd93c167, f4bbd493-b796-416e-bbf2-121235348529,
    2d3cdeec-c0db-45b4-aa86-082f7eb75701, ab37a6ec-6068-432b-a64e-2c7bf95b1d22, 92626ddd-662c-49e3-ac59-f6535f12d189]`;

const correlation = (id: string, title: string, body: string): string =>
  `title: ${title}\nid: ${id}\nstatus: test\nlevel: high\ncorrelation:\n${body
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
const CORRELATIONS = [
  correlation('c0000001-0000-4000-8000-000000000001', 'Three detections on one computer within an hour', `type: event_count\nrules: ${ALL}\ngroup-by: [Computer]\ntimespan: 1h\ncondition: { gte: 3 }`),
  correlation('c0000001-0000-4000-8000-000000000002', 'Few detections on one computer in ten minutes', `type: event_count\nrules: ${ALL}\ngroup-by: [Computer]\ntimespan: 10m\ncondition: { lt: 4 }`),
  correlation(
    'c0000001-0000-4000-8000-000000000003',
    'Two suspicious programs on one computer within a day',
    `type: value_count\nrules: ${PROCESS}\ngroup-by: [Computer]\ntimespan: 1d\ncondition: { field: Image, gte: 2 }`,
  ),
  correlation(
    'c0000001-0000-4000-8000-000000000004',
    'At most two event kinds per computer and hour',
    `type: value_count\nrules: ${ALL}\ngroup-by: [Computer]\ntimespan: 1h\ncondition: { field: EventID, lte: 2 }`,
  ),
  correlation(
    'c0000001-0000-4000-8000-000000000005',
    'Registry reconnaissance and hive dumping on one computer',
    `type: temporal\nrules: [970007b7-ce32-49d0-a4a4-fbef016950bd, fd877b94-9bb5-4191-bb25-d79cbd93c167]\ngroup-by: [Computer]\ntimespan: 1d\ngenerate: true`,
  ),
  correlation(
    'c0000001-0000-4000-8000-000000000006',
    'Registry reconnaissance, then hive dumping, by user',
    `type: temporal_ordered\nrules: [970007b7-ce32-49d0-a4a4-fbef016950bd, fd877b94-9bb5-4191-bb25-d79cbd93c167]\ngroup-by: [User]\ntimespan: 1d`,
  ),
  correlation(
    'c0000001-0000-4000-8000-000000000007',
    'Two detections by host (an alias of Computer)',
    `type: event_count\nrules: [57b649ef-ff42-4fb0-8bf6-62da243a1708, baca5663-583c-45f9-b5dc-ea96a22ce542]\ngroup-by: [host]\ntimespan: 30m\ngenerate: true\n` +
      `aliases:\n  host:\n    57b649ef-ff42-4fb0-8bf6-62da243a1708: Computer\n    baca5663-583c-45f9-b5dc-ea96a22ce542: Computer\ncondition: { gte: 2 }`,
  ),
  correlation('c0000001-0000-4000-8000-000000000008', 'A burst (inner, not alerting)', `type: event_count\nrules: [970007b7-ce32-49d0-a4a4-fbef016950bd]\ngroup-by: [Computer]\ntimespan: 10m\ncondition: { gte: 3 }`),
  correlation(
    'c0000001-0000-4000-8000-000000000009',
    'A burst then hive dumping (a chain)',
    `type: temporal_ordered\nrules: [c0000001-0000-4000-8000-000000000008, fd877b94-9bb5-4191-bb25-d79cbd93c167]\ngroup-by: [Computer]\ntimespan: 1d`,
  ),
].join('---\n');

const dir = mkdtempSync(join(tmpdir(), 'siemlite-sql-correlation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

useTemporaryRuleCache('sql-correlation-hunt');

async function hunt(...argv: string[]): Promise<{ code: number; alerts: Record<string, unknown>[]; err: string }> {
  const { code, out, err } = await run('hunt', '--format', 'jsonl', ...argv);
  const alerts = out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, alerts, err };
}

const same = (a: Record<string, unknown>): string =>
  a['type'] === 'correlation' ? JSON.stringify(a) : `${(a['rule'] as { id: string }).id} ${JSON.stringify(a['source'])}`;

describe.runIf(ok)('hunt --engine sql vs --engine stream, correlation rules over SigmaHQ rules on evtx_attack_samples', () => {
  // The archive concatenates samples recorded years apart: with the default --max-lateness (5m)
  // many matches are late; with 1000d fewer, and many alerts come out between match alerts; with 10000d none is.
  for (const lateness of ['5m', '1000d', '10000d']) {
    it(`the same alerts, correlation alerts included, in the same order; the summary counts them (--max-lateness ${lateness})`, async () => {
      const file = join(dir, 'correlations.yml');
      writeFileSync(file, CORRELATIONS);
      const args = [...BASE.flatMap((b) => ['--rules', join(SIGMA, b)]), '--rules', file, '--max-lateness', lateness];
      const stream = await hunt(...args, DATASET);
      const sql = await hunt(...args, '--engine', 'sql', DATASET);
      expect(stream.code).toBe(0);
      expect(sql.code).toBe(0);
      const correlationAlerts = stream.alerts.filter((a) => a['type'] === 'correlation');
      const byRule = new Map<string, number>();
      for (const a of correlationAlerts) {
        const title = (a['rule'] as { title: string }).title;
        byRule.set(title, (byRule.get(title) ?? 0) + 1);
      }
      console.info(`--max-lateness ${lateness}: stream ${stream.alerts.length} alerts, ${correlationAlerts.length} correlation alerts`, Object.fromEntries(byRule));
      const late = /(\d[\d,]*) matches later than --max-lateness not correlated/.exec(stream.err)?.[1];
      if (lateness !== '10000d') {
        expect(Number(late?.replace(/,/g, ''))).toBeGreaterThan(0);
        expect(sql.err).toContain(`${late} matches later than --max-lateness not correlated`);
      } else {
        expect(late).toBeUndefined();
        // Every correlation written here fires on this data, except the inner one that does not alert.
        expect(byRule.size).toBe(8);
      }
      // Match alerts of the rules that alert (read by no correlation, or by one with generate: true) among them.
      const matched = new Set(stream.alerts.filter((a) => a['type'] === 'match').map((a) => (a['rule'] as { id: string }).id));
      expect([...matched].sort()).toEqual(['0f06a3a5-6a09-413f-8743-e6cf35561297', 'baca5663-583c-45f9-b5dc-ea96a22ce542']);
      expect(sql.alerts.map(same)).toEqual(stream.alerts.map(same));
      expect(sql.err).toMatch(new RegExp(`${stream.alerts.length.toLocaleString('en-US')} alerts;`));
      expect(sql.err).toContain(`correlations: 9 ran (7 as SQL, 2 in the streaming correlator over the SQL matches), ${correlationAlerts.length.toLocaleString('en-US')} alerts`);
    }, 300_000);
  }
});
