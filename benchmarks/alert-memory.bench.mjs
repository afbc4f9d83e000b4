// Benchmark: peak RSS against the number of alerts. Every event of the input matches the
// rule, so alerts = events; runs `siemlite hunt --workers 1`, `--workers 2` and the embedding
// API (Engine with onAlert) on 40k and on 1.6M alerts and prints peak RSS for each.
//   npm run build && node benchmarks/alert-memory.bench.mjs [--counts 40000,1600000]
// Peak RSS is read in the measured process itself at exit (process.resourceUsage().maxRSS).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { counts: { type: 'string', default: '40000,1600000' } } });
const root = resolve(fileURLToPath(import.meta.url), '../..');
const cli = join(root, 'packages/cli/dist/main.js');
const core = join(root, 'packages/core/dist/index.js');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-alert-memory-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const reportRss = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss-kb '+process.resourceUsage().maxRSS+'\\n'))`;

writeFileSync(
  join(dir, 'rule.yml'),
  'title: Failed logon\nid: 5c2b6c7e-95a9-4a41-9b8e-2f5c8f0d3a11\nlevel: low\nlogsource:\n  product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 4625\n  condition: selection\n',
);
writeFileSync(
  join(dir, 'embed.mjs'),
  `import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createEngine, Match, StringPattern } from ${JSON.stringify(core)};
const rule = { kind: 'DetectionRule', key: 'r', id: 'r', name: null, title: 'r', description: null, status: null, level: 'low', author: null, date: null, modified: null, tags: [], references: [], falsepositives: [], fields: [], origin: { file: 'r.yml', line: 1, column: 1 }, logsource: { category: null, product: null, service: null, definition: null }, condition: Match.create('EventID', StringPattern.literal('4625')), isMapped: true, shouldAlert: true };
let alerts = 0;
const engine = createEngine({ rules: [rule], onAlert: () => { alerts++; } });
for await (const line of createInterface({ input: createReadStream(process.argv[2]) })) engine.push([JSON.parse(line)]);
await engine.close();
process.stdout.write(String(alerts));
`,
);

async function writeEvents(file, count) {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = `{"EventID":4625,"Channel":"Security","Computer":"host${i % 97}","TargetUserName":"user${i % 1013}","IpAddress":"10.0.${i % 251}.${i % 241}","LogonType":3,"TimeCreated":"${new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString()}","Message":"An account failed to log on. Attempt ${i} of a long password spraying run."}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

/** Runs node on args; returns seconds and the peak RSS the process reported at exit. */
function run(name, args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', reportRss, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const match = /maxrss-kb (\d+)/.exec(r.stderr);
  if (r.status !== 0 || match === null) throw new Error(`${name} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds: Number(seconds.toFixed(2)), peak_rss_mb: Math.round(Number(match[1]) / 1024) };
}

const rules = join(dir, 'rule.yml');
const hunt = (workers, input) => [cli, 'hunt', '--no-rule-cache', '--quiet', '--pipeline', 'none', '--rules', rules, '--format', 'jsonl', '--output', '/dev/null', '--workers', String(workers), input];
const rows = [];
for (const count of values.counts.split(',').map(Number)) {
  const input = join(dir, `events-${count}.jsonl`);
  await writeEvents(input, count);
  for (const [name, args] of [
    ['hunt --workers 1', hunt(1, input)],
    ['hunt --workers 2', hunt(2, input)],
    ['Engine (onAlert)', [join(dir, 'embed.mjs'), input]],
  ]) {
    rows.push({ run: name, alerts: count, ...run(name, args) });
  }
  rmSync(input);
}
console.log('alert-memory: peak RSS against the number of alerts (every event alerts)');
console.table(rows);
console.log(JSON.stringify({ benchmark: 'alert-memory', rows, node: process.version }));
