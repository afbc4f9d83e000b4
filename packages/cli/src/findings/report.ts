// `hunt --report FILE.html|FILE.md`: a self-contained findings report (no scripts, fonts or
// images from the network): run summary, alerts by level and rule, a timeline chart of
// alerts over event time (inline SVG), ATT&CK tactics and techniques, top hosts and users,
// and the alert list with each event.
import { ATTACK_TACTICS } from '@siemlite/rules';
import { LEVELS } from '@siemlite/core';
import { countBy, MAX_DETAILED_ALERTS, type FindingRow } from './findings.js';

export interface RunSummary {
  readonly inputs: readonly string[];
  readonly files: number;
  readonly events: number;
  readonly badRecords: number;
  readonly rules: number;
  readonly correlations: number;
  readonly seconds: number;
}

const LEVEL_ORDER: readonly string[] = [...LEVELS].reverse();
const LEVEL_COLOR: Readonly<Record<string, string>> = { critical: '#8e0e2b', high: '#d9480f', medium: '#e8a33d', low: '#4c8bbf', informational: '#9aa5b1' };
const BINS = 48;
const TOP = 10;

interface RuleCount {
  readonly title: string;
  readonly id: string | null;
  readonly level: string;
  readonly type: string;
  readonly count: number;
  readonly first: string | null;
  readonly last: string | null;
}

/** What both renderings show, computed once. */
interface Model {
  readonly summary: RunSummary;
  readonly alerts: number;
  readonly first: string | null;
  readonly last: string | null;
  readonly byLevel: readonly [string, number][];
  readonly byRule: readonly RuleCount[];
  readonly bins: readonly { readonly start: number; readonly counts: Readonly<Record<string, number>> }[];
  readonly binMs: number;
  readonly tactics: readonly { readonly tactic: string; readonly alerts: number; readonly techniques: readonly [string, number][] }[];
  readonly hosts: readonly [string, number][];
  readonly users: readonly [string, number][];
  readonly listed: readonly FindingRow[];
}

function buildModel(sorted: readonly FindingRow[], summary: RunSummary): Model {
  const timed = sorted.filter((r) => r.time !== null);
  const first = timed[0]?.time ?? null;
  const last = timed[timed.length - 1]?.time ?? null;
  const byLevel: [string, number][] = LEVEL_ORDER.map((l) => [l, sorted.filter((r) => r.level === l).length]);
  const rules = new Map<string, { title: string; id: string | null; level: string; type: string; count: number; first: string | null; last: string | null }>();
  for (const r of sorted) {
    const key = `${r.type}\u0000${r.ruleId ?? r.ruleTitle}`;
    const e = rules.get(key) ?? { title: r.ruleTitle, id: r.ruleId, level: r.level, type: r.type, count: 0, first: null, last: null };
    e.count++;
    if (r.time !== null) {
      e.first ??= r.time;
      e.last = r.time;
    }
    rules.set(key, e);
  }
  const byRule = [...rules.values()].sort((a, b) => b.count - a.count || LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level) || (a.title < b.title ? -1 : 1));
  // Histogram of alerts over event time, stacked by level.
  const t0 = first === null ? 0 : Date.parse(first);
  const t1 = last === null ? 0 : Date.parse(last);
  const binMs = Math.max(1, Math.ceil((t1 - t0 + 1) / BINS));
  const bins = first === null ? [] : Array.from({ length: BINS }, (_, i) => ({ start: t0 + i * binMs, counts: {} as Record<string, number> }));
  for (const r of timed) {
    const bin = bins[Math.min(BINS - 1, Math.floor((Date.parse(r.time as string) - t0) / binMs))];
    if (bin !== undefined) bin.counts[r.level] = (bin.counts[r.level] ?? 0) + 1;
  }
  const tactics = ATTACK_TACTICS.map((tactic) => {
    const rows = sorted.filter((r) => r.tactics.includes(tactic));
    // Each technique of the rule counts the alert once (a rule may name several).
    const techniques = new Map<string, number>();
    for (const r of rows) for (const t of r.techniques) techniques.set(t, (techniques.get(t) ?? 0) + 1);
    return { tactic, alerts: rows.length, techniques: [...techniques].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)) };
  }).filter((t) => t.alerts > 0);
  return {
    summary,
    alerts: sorted.length,
    first,
    last,
    byLevel,
    byRule,
    bins,
    binMs,
    tactics,
    hosts: countBy(sorted, (r) => r.host).slice(0, TOP),
    users: countBy(sorted, (r) => r.user).slice(0, TOP),
    listed: sorted.filter((r) => r.detail !== null),
  };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (n: number): string => n.toLocaleString('en-US');
const rate = (s: RunSummary): string => (s.seconds > 0 ? num(Math.round(s.events / s.seconds)) : '-');
const duration = (ms: number): string =>
  ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} d` : ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;

function chartSvg(m: Model): string {
  if (m.bins.length === 0) return '<p class="muted">No alert carries an event time.</p>';
  const W = 960;
  const H = 240;
  const left = 48;
  const bottom = 36;
  const top = 12;
  const max = Math.max(1, ...m.bins.map((b) => Object.values(b.counts).reduce((x, y) => x + y, 0)));
  const bw = (W - left - 8) / m.bins.length;
  const y = (v: number): number => top + (H - top - bottom) * (1 - v / max);
  const parts: string[] = [];
  parts.push(`<line x1="${left}" y1="${y(0)}" x2="${W - 8}" y2="${y(0)}" class="axis"/>`);
  for (const v of [max, Math.round(max / 2)]) {
    parts.push(`<line x1="${left}" y1="${y(v)}" x2="${W - 8}" y2="${y(v)}" class="grid"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${num(v)}</text>`);
  }
  m.bins.forEach((b, i) => {
    let acc = 0;
    for (const level of [...LEVELS]) {
      const n = b.counts[level] ?? 0;
      if (n === 0) continue;
      const x = left + i * bw + 1;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(acc + n).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${(y(acc) - y(acc + n)).toFixed(1)}" fill="${LEVEL_COLOR[level]}">` +
          `<title>${esc(new Date(b.start).toISOString())}: ${n} ${level}</title></rect>`,
      );
      acc += n;
    }
  });
  const label = (i: number, anchor: string): string =>
    `<text x="${(left + i * bw).toFixed(1)}" y="${H - bottom + 16}" text-anchor="${anchor}">${esc(new Date(m.bins[Math.min(i, m.bins.length - 1)]?.start ?? 0).toISOString().replace('T', ' ').slice(0, 19))}</text>`;
  parts.push(label(0, 'start'), label(m.bins.length / 2, 'middle'), `<text x="${W - 8}" y="${H - bottom + 16}" text-anchor="end">${esc((m.last ?? '').replace('T', ' ').slice(0, 19))}</text>`);
  parts.push(`<text x="${left}" y="${H - 4}" class="muted">event time (UTC), ${m.bins.length} bins of ${duration(m.binMs)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="alerts over event time">${parts.join('')}</svg>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d9e2ec;padding-bottom:4px}
.muted{color:#7b8794;font-size:12px}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d9e2ec}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef2f6;vertical-align:top}
th{background:#f0f4f8;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}.lvl{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:16px}svg{background:#fff;border:1px solid #d9e2ec;width:100%;height:auto}svg text{font-size:11px;fill:#52606d}
svg .axis{stroke:#9aa5b1}svg .grid{stroke:#eef2f6}details pre{white-space:pre-wrap;word-break:break-all;background:#f0f4f8;padding:8px;margin:4px 0;max-height:320px;overflow:auto;font-size:12px}
.t{white-space:nowrap;font-variant-numeric:tabular-nums}.legend{font-size:12px;margin:4px 0}.legend span{margin-right:12px}#alerts td:nth-child(3){min-width:200px}#alerts td:nth-child(4),#alerts td:nth-child(5){min-width:110px}.kf{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}`;

const badge = (level: string): string => `<span class="lvl" style="background:${LEVEL_COLOR[level] ?? '#52606d'}">${esc(level)}</span>`;

/** The report as one self-contained HTML page. */
export function renderHtml(sorted: readonly FindingRow[], summary: RunSummary): string {
  const m = buildModel(sorted, summary);
  const s = m.summary;
  const card = (label: string, value: string, key: string): string => `<div class="card" data-summary="${key}"><b>${esc(value)}</b>${esc(label)}</div>`;
  const table = (head: readonly string[], rows: readonly string[], id: string): string =>
    `<table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const pairs = (list: readonly [string, number][], id: string, what: string): string =>
    list.length === 0 ? `<p class="muted">No ${what} found in the alerted events.</p>` : table([what, 'alerts'], list.map(([k, n]) => `<tr><td>${esc(k)}</td><td class="n">${num(n)}</td></tr>`), id);
  const html = [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>siemlite findings: ${num(m.alerts)} alerts</title><style>${CSS}</style></head><body><main>`,
    `<h1>siemlite findings</h1><div class="muted">${esc(s.inputs.join(', '))} · generated ${esc(new Date().toISOString())}</div>`,
    `<div class="cards">`,
    card('alerts', num(m.alerts), 'alerts'),
    card('events', num(s.events), 'events'),
    card('files', num(s.files), 'files'),
    card('rules', num(s.rules), 'rules'),
    card('correlations', num(s.correlations), 'correlations'),
    card('bad records', num(s.badRecords), 'bad'),
    card('events/s', rate(s), 'rate'),
    `</div>`,
    `<p data-summary="time-range">Event time of the alerts: <b>${esc(m.first ?? '-')}</b> to <b>${esc(m.last ?? '-')}</b>; run took ${s.seconds.toFixed(1)} s.</p>`,
    `<h2>Alerts over event time</h2><div class="legend">${LEVEL_ORDER.map((l) => `<span>${badge(l)}</span>`).join('')}</div>${chartSvg(m)}`,
    `<div class="two"><div><h2>Alerts by level</h2>`,
    table(['level', 'alerts'], m.byLevel.map(([l, n]) => `<tr data-level="${l}"><td>${badge(l)}</td><td class="n">${num(n)}</td></tr>`), 'by-level'),
    `</div><div><h2>Top hosts</h2>${pairs(m.hosts, 'top-hosts', 'host')}<h2>Top users</h2>${pairs(m.users, 'top-users', 'user')}</div></div>`,
    `<h2>Alerts by rule</h2>`,
    table(
      ['rule', 'level', 'alerts', 'first', 'last'],
      m.byRule.map(
        (r) =>
          `<tr data-rule-id="${esc(r.id ?? '')}" data-count="${r.count}"><td>${esc(r.title)}${r.type === 'correlation' ? ' <span class="muted">(correlation)</span>' : ''}</td><td>${badge(r.level)}</td><td class="n">${num(r.count)}</td><td class="t">${esc(r.first ?? '-')}</td><td class="t">${esc(r.last ?? '-')}</td></tr>`,
      ),
      'by-rule',
    ),
    `<h2>MITRE ATT&amp;CK</h2>`,
    m.tactics.length === 0
      ? '<p class="muted">No alerting rule carries ATT&amp;CK tags.</p>'
      : table(
          ['tactic', 'alerts', 'techniques (alerts)'],
          m.tactics.map((t) => `<tr data-tactic="${t.tactic}"><td>${esc(t.tactic)}</td><td class="n">${num(t.alerts)}</td><td>${t.techniques.map(([k, n]) => `${esc(k)} (${num(n)})`).join(', ') || '-'}</td></tr>`),
          'attack',
        ),
    `<h2>Alerts</h2>`,
    m.listed.length < m.alerts ? `<p class="muted">The first ${num(MAX_DETAILED_ALERTS)} alerts (in input order) are listed with their events; the counts and the chart above cover all ${num(m.alerts)}. The timeline (--timeline) lists every alert.</p>` : '',
    table(
      ['time', 'level', 'rule', 'host', 'user', 'key fields'],
      m.listed.map(
        (r) =>
          `<tr class="alert"><td class="t">${esc(r.time ?? '-')}</td><td>${badge(r.level)}</td><td>${esc(r.ruleTitle)}</td><td>${esc(r.host ?? '-')}</td><td>${esc(r.user ?? '-')}</td>` +
          `<td><div class="kf">${esc(r.keyFields)}</div><details><summary>${esc(r.source)}</summary><pre>${esc(r.detail ?? '')}</pre></details></td></tr>`,
      ),
      'alerts',
    ),
    `</main></body></html>\n`,
  ];
  return html.join('\n');
}

/** The report as Markdown (the chart as a table of alerts per time bin). */
export function renderMarkdown(sorted: readonly FindingRow[], summary: RunSummary): string {
  const m = buildModel(sorted, summary);
  const s = m.summary;
  const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
    [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
  const out = [
    '# siemlite findings',
    '',
    `Inputs: ${s.inputs.join(', ')}`,
    '',
    table(
      ['alerts', 'events', 'files', 'rules', 'correlations', 'bad records', 'events/s', 'first alert (event time)', 'last alert (event time)'],
      [[num(m.alerts), num(s.events), num(s.files), num(s.rules), num(s.correlations), num(s.badRecords), rate(s), m.first ?? '-', m.last ?? '-']],
    ),
    '',
    '## Alerts by level',
    '',
    table(['level', 'alerts'], m.byLevel.map(([l, n]) => [l, num(n)])),
    '',
    '## Alerts over event time',
    '',
    m.bins.length === 0 ? 'No alert carries an event time.' : table(['from (UTC)', ...LEVEL_ORDER], m.bins.filter((b) => Object.keys(b.counts).length > 0).map((b) => [new Date(b.start).toISOString(), ...LEVEL_ORDER.map((l) => String(b.counts[l] ?? 0))])),
    '',
    '## Alerts by rule',
    '',
    table(['rule', 'level', 'alerts', 'first', 'last'], m.byRule.map((r) => [`${r.title}${r.type === 'correlation' ? ' (correlation)' : ''}`, r.level, num(r.count), r.first ?? '-', r.last ?? '-'])),
    '',
    '## MITRE ATT&CK',
    '',
    m.tactics.length === 0 ? 'No alerting rule carries ATT&CK tags.' : table(['tactic', 'alerts', 'techniques (alerts)'], m.tactics.map((t) => [t.tactic, num(t.alerts), t.techniques.map(([k, n]) => `${k} (${n})`).join(', ') || '-'])),
    '',
    '## Top hosts',
    '',
    table(['host', 'alerts'], m.hosts.map(([k, n]) => [k, num(n)])),
    '',
    '## Top users',
    '',
    table(['user', 'alerts'], m.users.map(([k, n]) => [k, num(n)])),
    '',
    '## Alerts',
    '',
    m.listed.length < m.alerts ? `The first ${MAX_DETAILED_ALERTS} alerts (in input order) are listed with their events; the counts above cover all ${m.alerts}.\n` : '',
    ...m.listed.map((r) => `### ${r.time ?? '-'} · ${r.level} · ${r.ruleTitle}\n\nhost ${r.host ?? '-'}, user ${r.user ?? '-'}, ${r.source}\n\n${r.keyFields === '' ? '' : `${r.keyFields}\n\n`}\`\`\`json\n${r.detail ?? ''}\n\`\`\`\n`),
  ];
  return `${out.join('\n')}\n`;
}
