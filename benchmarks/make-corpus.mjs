// Writes a benchmark corpus: N realistic Windows events as JSON Lines, built from the real
// events in ../shared (SIEMLITE_SHARED) with record ids, times, hosts, users, process ids
// and GUIDs varied, so that batches look like live logs rather than one block repeated.
//   node benchmarks/make-corpus.mjs [--events 1000000] [--mix mixed|quiet] [--seed 1]
//                                   [--out FILE] [--reuse]
// Sources (read, never copied into the repository):
//   regression  sigma/regression_data/**/*.json: evtx_dump JSON, pretty-printed, several
//               objects per file; each one fires a known SigmaHQ rule.
//   evtx        datasets/{evtx_attack_samples,evtx_to_mitre_attack,deepbluecli_evtx}:
//               evtx_dump JSON from attack recordings (Security, System, Application,
//               Sysmon, PowerShell, Defender, ...), loaded whole.
//   otrf        datasets/otrf_security_datasets_windows: flat Winlogbeat/NXLog events from
//               lab hosts, mostly background (Sysmon 10/12/7/13, PowerShell, Security);
//               a seeded reservoir sample keeps its natural Channel/EventID proportions.
//   otrf_benign the same file restricted to high-volume, mostly benign classes.
// Mixes (share of events drawn from each pool):
//   mixed  a realistic blend with enough attack activity that many events match rules.
//   quiet  what a healthy network logs: almost all benign high-volume events.
// The output is deterministic for a given --seed, --events and --mix. A sidecar
// FILE.meta.json records how it was made; --reuse skips the work when it matches.
import { createWriteStream, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { eachLine, fmtInt, printTable, shared } from './lib/common.mjs';

// Bump when the output for the same arguments changes, so --reuse regenerates.
const GENERATOR_VERSION = 1;
const MIXES = {
  mixed: { otrf: 0.62, evtx: 0.35, regression: 0.03 },
  quiet: { otrf_benign: 0.97, otrf: 0.025, evtx: 0.004, regression: 0.001 },
};
// High-volume classes that rarely fire a rule (some still do: lsass access, run keys...).
const BENIGN = new Set([
  ...[3, 5, 7, 10, 11, 12, 13].map((id) => `microsoft-windows-sysmon/operational:${id}`),
  ...[4624, 4627, 4634, 4656, 4658, 4663, 4672, 4673, 4689, 4690, 4703, 5154, 5156, 5158, 5379, 5447].map((id) => `security:${id}`),
]);
const OTRF_SAMPLE = 40_000; // templates per OTRF pool: enough variety, ~100 MB of strings each

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    mix: { type: 'string', default: 'mixed' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    reuse: { type: 'boolean', default: false },
  },
});
const total = Number(values.events);
const seed = Number(values.seed);
const weights = MIXES[values.mix];
if (!weights || !Number.isInteger(total) || total < 1) {
  console.error(`usage: make-corpus.mjs [--events N] [--mix ${Object.keys(MIXES).join('|')}] [--seed S] [--out FILE] [--reuse]`);
  process.exit(2);
}
const out = values.out ?? join(tmpdir(), `siemlite-corpus-${values.mix}-${total}-s${seed}.jsonl`);
const metaFile = `${out}.meta.json`;
const wanted = { generator: GENERATOR_VERSION, events: total, mix: values.mix, seed };

if (values.reuse && existsSync(out) && existsSync(metaFile)) {
  const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  if (Object.entries(wanted).every(([k, v]) => meta[k] === v) && statSync(out).size === meta.bytes) {
    report(meta, true);
    process.exit(0);
  }
}
if (!existsSync(join(shared, 'datasets')) || !existsSync(join(shared, 'sigma', 'regression_data'))) {
  console.error(`shared data not found under ${shared} (set SIEMLITE_SHARED)`);
  process.exit(2);
}

// Small, fast, seedable PRNG (mulberry32): Math.random cannot be seeded.
function prng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(seed);
const randInt = (n) => Math.floor(rand() * n);

// ---- sources -------------------------------------------------------------------------

/** Splits text holding JSON values one after another (pretty-printed or not). */
function splitConcatenatedJson(text) {
  const values = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 92) escaped = true; // backslash
      else if (c === 34) inString = false; // quote
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (depth++ === 0) start = i;
    } else if ((c === 125 || c === 93) && --depth === 0) {
      const v = JSON.parse(text.slice(start, i + 1));
      values.push(...(Array.isArray(v) ? v : [v]));
    }
  }
  return values;
}

function loadRegression() {
  const dir = join(shared, 'sigma', 'regression_data');
  // Sorted so the pool (and so the corpus) does not depend on directory order.
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.json')).sort();
  return files.flatMap((f) => splitConcatenatedJson(readFileSync(join(dir, f), 'utf8')).map((e) => JSON.stringify(e)));
}

function loadEvtx() {
  const names = ['evtx_attack_samples', 'evtx_to_mitre_attack', 'deepbluecli_evtx'];
  return names.flatMap((n) =>
    gunzipSync(readFileSync(join(shared, 'datasets', `${n}.jsonl.gz`)))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0),
  );
}

/** One pass over the 1.6 GB OTRF file: seeded reservoir samples, all events and benign ones. */
async function loadOtrf() {
  const natural = [];
  const benign = [];
  let seen = 0;
  let seenBenign = 0;
  const keep = (pool, line, n) => {
    const j = pool.length < OTRF_SAMPLE ? pool.length : randInt(n);
    if (j < OTRF_SAMPLE) pool[j] = line;
  };
  await eachLine(join(shared, 'datasets', 'otrf_security_datasets_windows.jsonl.gz'), (line) => {
    if (line.length === 0) return;
    keep(natural, line, ++seen);
    // Flat events: top-level keys, so a regex finds them without parsing 2 KB of JSON.
    const id = /"EventID": ?(\d+)/.exec(line)?.[1];
    const channel = /"Channel": ?"([^"]*)"/.exec(line)?.[1]?.toLowerCase();
    if (BENIGN.has(`${channel}:${id}`)) keep(benign, line, ++seenBenign);
  });
  return { otrf: natural, otrf_benign: benign };
}

// ---- variation -----------------------------------------------------------------------

const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'nina', 'oscar', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'wendy', 'yuki'];
const LAST = ['adams', 'baker', 'chen', 'diaz', 'evans', 'fischer', 'garcia', 'hughes', 'ito', 'jones', 'kim', 'lopez', 'meyer', 'nguyen', 'okafor', 'patel', 'quinn', 'rossi', 'silva', 'tanaka'];
const USERS = Array.from({ length: 1500 }, (_, i) => `${FIRST[i % 20]}.${LAST[Math.floor(i / 20) % 20]}${i >= 400 ? i : ''}`);
const HOSTS = [
  ...Array.from({ length: 220 }, (_, i) => `WKS-${String(i + 1).padStart(4, '0')}`),
  ...Array.from({ length: 24 }, (_, i) => `SRV-${['APP', 'SQL', 'FS', 'WEB'][i % 4]}${String(Math.floor(i / 4) + 1).padStart(2, '0')}`),
  'DC-01',
  'DC-02',
].map((name) => ({ name, fqdn: `${name.toLowerCase()}.corp.example.com`, record: 0 }));
for (const h of HOSTS) h.record = 1000 + randInt(5_000_000);

// Accounts that rules name on purpose (machine accounts end with '$'): never renamed.
const WELL_KNOWN_USERS = /^(|-|system|local service|network service|anonymous logon|administrator|guest|krbtgt|defaultaccount|wdagutilityaccount|(dwm|umfd)-\d+)$/i;
const USER_KEYS = ['User', 'SubjectUserName', 'TargetUserName', 'AccountName', 'UserName', 'SourceUser', 'TargetUser'];
const PID_KEYS = ['ProcessId', 'ParentProcessId', 'SourceProcessId', 'TargetProcessId', 'NewProcessId', 'SourceThreadId', 'ExecutionProcessID', 'ThreadID'];
const GUID_KEYS = ['ProcessGuid', 'ParentProcessGuid', 'SourceProcessGUID', 'TargetProcessGUID', 'SourceProcessGuid', 'TargetProcessGuid', 'LogonGuid'];
const GUID = /^(\{?)([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(\}?)$/;

const hex = (digits) => {
  let s = '';
  for (let i = 0; i < digits; i++) s += '0123456789abcdef'[randInt(16)];
  return s;
};
/** A process id of the same JSON shape as the original: number, "1234" or "0x4d2". */
function pidLike(v) {
  const pid = 4 * (1 + randInt(16_000)); // Windows process ids are multiples of 4
  if (typeof v === 'number') return pid;
  if (typeof v !== 'string') return v;
  if (/^0x[0-9a-f]+$/i.test(v)) return `0x${pid.toString(16)}`;
  if (/^\d+$/.test(v)) return String(pid);
  return v;
}
function guidLike(v) {
  const m = typeof v === 'string' ? GUID.exec(v) : null;
  if (m === null) return v;
  const g = `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  return m[1] + (m[2] === m[2].toUpperCase() ? g.toUpperCase() : g) + m[3];
}
function userLike(v, host) {
  if (typeof v !== 'string') return v;
  const slash = v.lastIndexOf('\\');
  const name = v.slice(slash + 1);
  if (WELL_KNOWN_USERS.test(name)) return v;
  const renamed = name.endsWith('$') ? `${host.name}$` : USERS[Math.floor(USERS.length * rand() ** 2)]; // a few busy users
  return v.slice(0, slash + 1) + renamed;
}

/** Varies one event's data fields in place; returns [old, new] pairs for the Message text. */
function varyFields(data, host) {
  const pairs = [];
  if (data === null || typeof data !== 'object') return pairs;
  for (const k of PID_KEYS) if (k in data) data[k] = pidLike(data[k]);
  for (const k of GUID_KEYS) {
    if (typeof data[k] === 'string') {
      const v = guidLike(data[k]);
      pairs.push([data[k], v]);
      data[k] = v;
    }
  }
  for (const k of USER_KEYS) {
    if (typeof data[k] === 'string') {
      const v = userLike(data[k], host);
      if (v !== data[k] && data[k].length >= 4) pairs.push([data[k], v]);
      data[k] = v;
    }
  }
  return pairs;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
/** 'YYYY-MM-DD HH:MM:SS.mmm', the Sysmon UtcTime form. */
const utcTime = (d) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}`;

function vary(e, now) {
  const host = HOSTS[Math.floor(HOSTS.length * rand() ** 1.5)]; // some hosts log more than others
  const date = new Date(now);
  const iso = date.toISOString();
  const sys = e.Event?.System;
  if (sys) {
    // evtx_dump JSON
    host.record++;
    sys.EventRecordID = typeof sys.EventRecordID === 'string' ? String(host.record) : host.record;
    if (sys.TimeCreated?.['#attributes']) sys.TimeCreated['#attributes'].SystemTime = `${iso.slice(0, 23)}${pad(randInt(1000), 3)}Z`;
    if (typeof sys.Computer === 'string') sys.Computer = sys.Computer.includes('.') ? host.fqdn : host.name;
    const exec = sys.Execution?.['#attributes'];
    if (exec) {
      exec.ProcessID = pidLike(exec.ProcessID);
      exec.ThreadID = pidLike(exec.ThreadID);
    }
    const data = e.Event.EventData;
    if (data && typeof data === 'object') {
      varyFields(data, host);
      if (typeof data.UtcTime === 'string') data.UtcTime = utcTime(date);
    }
    return;
  }
  // flat (Winlogbeat / NXLog)
  host.record++;
  if ('RecordNumber' in e) e.RecordNumber = host.record;
  if ('EventRecordID' in e) e.EventRecordID = host.record;
  if ('@timestamp' in e) e['@timestamp'] = iso;
  if ('EventTime' in e) e.EventTime = iso.slice(0, 19).replace('T', ' ');
  if ('EventReceivedTime' in e) e.EventReceivedTime = new Date(now + 1500).toISOString().slice(0, 19).replace('T', ' ');
  if (typeof e.TimeCreated === 'string') e.TimeCreated = iso;
  if (typeof e.Hostname === 'string') e.Hostname = host.fqdn;
  if (typeof e.Computer === 'string') e.Computer = host.fqdn;
  const pairs = varyFields(e, host);
  if (typeof e.UtcTime === 'string') {
    pairs.push([e.UtcTime, utcTime(date)]);
    e.UtcTime = utcTime(date);
  }
  // Message repeats the fields as text; keep it consistent so it is not a repeated block.
  if (typeof e.Message === 'string') for (const [a, b] of pairs) e.Message = e.Message.split(a).join(b);
}

/** "Channel EventID" of an event in either shape (EventID may carry Qualifiers). */
function classOf(e) {
  const sys = e.Event?.System;
  const channel = (sys ? sys.Channel : e.Channel) ?? '(none)';
  let id = sys ? sys.EventID : e.EventID;
  if (id !== null && typeof id === 'object') id = id['#text'];
  return `${channel}\t${id}`;
}

// ---- generate ------------------------------------------------------------------------

const t0 = Date.now();
const pools = { regression: loadRegression(), evtx: loadEvtx(), ...(await loadOtrf()) };
console.error(`sources loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${Object.entries(pools).map(([k, v]) => `${k} ${fmtInt(v.length)}`).join(', ')}`);

const picks = Object.entries(weights).map(([pool, w]) => ({ pool, w }));
const wsum = picks.reduce((s, p) => s + p.w, 0);
const stream = createWriteStream(out);
const classes = new Map();
const byPool = new Map();
const start = Date.UTC(2024, 2, 4, 8, 0, 0);
const meanGapMs = 86_400_000 / total; // the corpus spans about one day, whatever its size
let now = start;
let buffer = [];
for (let n = 1; n <= total; n++) {
  let r = rand() * wsum;
  let p = picks[0];
  for (p of picks) if ((r -= p.w) < 0) break;
  const pool = pools[p.pool];
  const e = JSON.parse(pool[randInt(pool.length)]);
  now += -Math.log(1 - rand()) * meanGapMs; // Poisson arrivals
  vary(e, Math.floor(now));
  const c = classOf(e);
  classes.set(c, (classes.get(c) ?? 0) + 1);
  byPool.set(p.pool, (byPool.get(p.pool) ?? 0) + 1);
  buffer.push(JSON.stringify(e));
  if (buffer.length === 4096 || n === total) {
    if (!stream.write(`${buffer.join('\n')}\n`)) await once(stream, 'drain');
    buffer = [];
  }
}
stream.end();
await once(stream, 'close');

const meta = {
  ...wanted,
  file: out,
  bytes: statSync(out).size,
  seconds: Math.round((Date.now() - t0) / 100) / 10,
  pools: Object.fromEntries([...byPool].sort((a, b) => b[1] - a[1])),
  classes: [...classes]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => {
      const [channel, eventId] = k.split('\t');
      return { channel, eventId, events: v };
    }),
};
writeFileSync(metaFile, `${JSON.stringify(meta)}\n`);
report(meta, false);

function report(m, reused) {
  const top = m.classes.slice(0, 20);
  const rest = m.classes.slice(20).reduce((s, c) => s + c.events, 0);
  const rows = top.map((c) => ({ ...c, share: `${((100 * c.events) / m.events).toFixed(1)} %` }));
  if (rest > 0) rows.push({ channel: `(${m.classes.length - 20} other classes)`, eventId: '', events: rest, share: `${((100 * rest) / m.events).toFixed(1)} %` });
  console.log(`make-corpus: ${m.file}${reused ? ' (reused)' : ''}`);
  console.log(`  ${fmtInt(m.events)} events, ${(m.bytes / 1e6).toFixed(1)} MB, mix ${m.mix}, seed ${m.seed}${reused ? '' : `, written in ${m.seconds} s`}`);
  console.log(`  pools: ${Object.entries(m.pools).map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ')}`);
  printTable(rows, [['Channel', 'channel'], ['EventID', 'eventId'], ['events', 'events'], ['share', 'share']]);
  console.log(JSON.stringify({ benchmark: 'make-corpus', file: m.file, events: m.events, bytes: m.bytes, mix: m.mix, seed: m.seed, reused, pools: m.pools }));
}
