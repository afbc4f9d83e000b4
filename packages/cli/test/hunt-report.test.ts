import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, useTemporaryRuleCache } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE = join(ROOT, 'rules/samples/windows-sample.jsonl');
useTemporaryRuleCache('hunt-report');
const TMP = mkdtempSync(join(tmpdir(), 'siemlite-hunt-report-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

interface JsonAlert {
  type: 'match' | 'correlation';
  timestamp: string | null;
  rule: { id: string; title: string; level: string; tags?: string[] };
  event?: { Event?: { System?: { Computer?: string } }; Computer?: string };
}

const count = <T,>(items: readonly T[], key: (t: T) => string | null): Map<string, number> => {
  const m = new Map<string, number>();
  for (const i of items) {
    const k = key(i);
    if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
};

/** One hunt over the sample writing JSONL, an HTML report and a CSV timeline; one more for .md and .jsonl. */
async function hunt(): Promise<{ alerts: JsonAlert[]; html: string; md: string; csv: string[]; timeline: Record<string, string | null>[] }> {
  const out = join(TMP, 'alerts.jsonl');
  const first = await run('hunt', '--quiet', '--output', out, '--report', join(TMP, 'r.html'), '--timeline', join(TMP, 't.csv'), SAMPLE);
  expect(first.code).toBe(0);
  const second = await run('hunt', '--quiet', '--output', join(TMP, 'again.jsonl'), '--report', join(TMP, 'r.md'), '--timeline', join(TMP, 't.jsonl'), SAMPLE);
  expect(second.code).toBe(0);
  const alerts = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JsonAlert);
  return {
    alerts,
    html: readFileSync(join(TMP, 'r.html'), 'utf8'),
    md: readFileSync(join(TMP, 'r.md'), 'utf8'),
    csv: readFileSync(join(TMP, 't.csv'), 'utf8').trimEnd().split('\n'),
    timeline: readFileSync(join(TMP, 't.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string | null>),
  };
}

const result = hunt();

describe('hunt --report and --timeline', () => {
  it('the HTML report is self-contained and its numbers are those of the JSONL alerts', async () => {
    const { alerts, html } = await result;
    expect(alerts.length).toBe(9);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toContain(`<div class="card" data-summary="alerts"><b>${alerts.length}</b>alerts</div>`);
    expect(html).toContain('<div class="card" data-summary="events"><b>36</b>events</div>');
    expect(html).toContain('<div class="card" data-summary="rules"><b>6</b>rules</div>');
    expect(html).toMatch(/data-summary="rate"><b>[\d,]+<\/b>events\/s/);
    const times = alerts.map((a) => a.timestamp as string).sort();
    expect(html).toContain(`Event time of the alerts: <b>${times[0]}</b> to <b>${times[times.length - 1]}</b>`);
    // By level
    const levels = count(alerts, (a) => a.rule.level);
    for (const level of ['critical', 'high', 'medium', 'low', 'informational']) {
      expect(html).toMatch(new RegExp(`<tr data-level="${level}"><td>.*?</td><td class="n">${levels.get(level) ?? 0}</td></tr>`));
    }
    // By rule: every rule with its count
    const rules = count(alerts, (a) => a.rule.id);
    const shown = [...html.matchAll(/<tr data-rule-id="([^"]*)" data-count="(\d+)">/g)].map((m) => [m[1], Number(m[2])]);
    expect(new Map(shown as [string, number][])).toEqual(rules);
    // The alert list: one row per alert
    expect(html.match(/<tr class="alert">/g)?.length).toBe(alerts.length);
    // The chart: one bar segment per level present in a time bin, every alert counted
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    const bars = [...svg.matchAll(/<title>[^<]*: (\d+) (\w+)<\/title>/g)];
    expect(bars.reduce((n, m) => n + Number(m[1]), 0)).toBe(alerts.length);
    // ATT&CK: tactic rows count the match alerts whose rule has the tactic tag
    const matches = alerts.filter((a) => a.type === 'match');
    const tactic = (t: string): number => matches.filter((a) => a.rule.tags?.includes(`attack.${t}`)).length;
    for (const t of ['execution', 'credential-access', 'defense-evasion']) {
      expect(html).toMatch(new RegExp(`<tr data-tactic="${t}"><td>${t}</td><td class="n">${tactic(t)}</td>`));
    }
    expect(html).toMatch(/T1204\.002 \(3\)/);
    // Top hosts: the Computer of the matched events
    const hosts = [...count(matches, (a) => a.event?.Event?.System?.Computer ?? a.event?.Computer ?? null)].sort((a, b) => b[1] - a[1]);
    const top = hosts[0] as [string, number];
    expect(html).toMatch(new RegExp(`<table id="top-hosts">.*?<tr><td>${top[0].replace(/\./g, '\\.')}</td><td class="n">${top[1]}</td></tr>`, 's'));
    expect(html).toContain('<table id="top-users">');
  });

  it('the Markdown report has the same sections and numbers', async () => {
    const { alerts, md } = await result;
    for (const h of ['# siemlite findings', '## Alerts by level', '## Alerts over event time', '## Alerts by rule', '## MITRE ATT&CK', '## Top hosts', '## Top users', '## Alerts']) {
      expect(md).toContain(`${h}\n`);
    }
    const levels = count(alerts, (a) => a.rule.level);
    expect(md).toContain(`| high | ${levels.get('high')} |`);
    expect(md).toContain(`| Office Application Starts a Command Shell | high | 3 |`);
    expect(md.match(/^### /gm)?.length).toBe(alerts.length);
  });

  it('the timeline has one row per alert, sorted by event time, as CSV and JSON Lines', async () => {
    const { alerts, csv, timeline } = await result;
    expect(csv[0]).toBe('time,host,user,level,rule,rule_id,type,tactics,techniques,key_fields,source');
    expect(csv.length - 1).toBe(alerts.length);
    expect(timeline.length).toBe(alerts.length);
    const times = timeline.map((r) => r.time as string);
    expect(times).toEqual([...times].sort());
    expect(timeline.map((r) => r.rule).sort()).toEqual(alerts.map((a) => a.rule.title).sort());
    const office = timeline.find((r) => r.rule === 'Office Application Starts a Command Shell');
    expect(office).toMatchObject({ host: 'WKS-017.corp.example', level: 'high', type: 'match', tactics: 'execution', techniques: 'T1204.002' });
    expect(office?.key_fields).toMatch(/^EventID=1; Image=.*cmd\.exe; CommandLine=.*; ParentImage=.*WINWORD\.EXE/);
    const spray = timeline.find((r) => r.type === 'correlation' && r.rule === 'Password Spraying From One Address');
    expect(spray?.key_fields).toBe('IpAddress=203.0.113.77; value_count=5');
    // CSV rows hold the same values
    expect(csv.slice(1).map((l) => l.slice(0, 24))).toEqual(times);
  });

  it('refuses report and timeline files of other kinds', async () => {
    expect((await run('hunt', '--report', join(TMP, 'x.pdf'), SAMPLE)).err).toContain("--report must name a .html or .md file, not '");
    expect((await run('hunt', '--timeline', join(TMP, 'x.txt'), SAMPLE)).code).toBe(2);
  });
});
