// Memory must not grow with the number of alerts, in any mode or API (issue 9, item 0).
// Every event of the input matches the rule, so alerts = events; the same input 10x larger
// runs under a V8 heap cap that ten times the alerts would not fit in if they were kept
// (the defect this guards against: `hunt --workers 1` once queued every alert unread, 173 MB
// for 40k alerts, 871 MB for 1.6M). Peak RSS is read in the child itself at exit.
// Needs the build (`npm test` builds first): the CLI and the pool's workers run from dist.
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
const CORE = join(REPO_ROOT, 'packages/core/dist/index.js');
const run = promisify(execFile);
const SMALL = 20_000;
const LARGE = 200_000;
/** V8 old-space cap (MB): far below what 200k alerts with their events take (~150 MB). */
const HEAP_CAP_MB = 64;
const REPORT_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss-kb '+process.resourceUsage().maxRSS+'\\n'))`;

const dir = mkdtempSync(join(tmpdir(), 'siemlite-alert-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RULE = `title: Failed logon
id: 5c2b6c7e-95a9-4a41-9b8e-2f5c8f0d3a11
status: test
level: low
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
  condition: selection
`;

async function writeEvents(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = `{"EventID":4625,"Channel":"Security","Computer":"host${i % 97}","TargetUserName":"user${i % 1013}","IpAddress":"10.0.${i % 251}.${i % 241}","LogonType":3,"TimeCreated":"${new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString()}","Message":"An account failed to log on. Attempt ${i} of a long password spraying run."}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

function peakRssMb(stderr: string): number {
  const match = /maxrss-kb (\d+)/.exec(stderr);
  if (match === null) throw new Error(`no maxrss line in: ${stderr.slice(-500)}`);
  return Number(match[1]) / 1024;
}

async function hunt(workers: number, input: string): Promise<{ rssMb: number; alerts: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build first (npx turbo run build)`);
  const { stderr } = await run(
    process.execPath,
    [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', REPORT_RSS, CLI, 'hunt', '--no-rule-cache', '--pipeline', 'none', '--rules', join(dir, 'rule.yml'), '--format', 'jsonl', '--output', '/dev/null', '--workers', String(workers), input],
    { maxBuffer: 1 << 26 },
  );
  const alerts = /alerts: ([\d,]+)/.exec(stderr)?.[1] ?? '';
  return { rssMb: peakRssMb(stderr), alerts };
}

/** The embedding API in a child: alerts read through onAlert, and through alerts() while pushing. */
async function embed(mode: 'onAlert' | 'iterator' | 'evaluate', input: string): Promise<{ rssMb: number; alerts: number }> {
  const script = `
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createEngine, Match, StringPattern } from ${JSON.stringify(CORE)};
const rule = { kind: 'DetectionRule', key: 'r', id: 'r', name: null, title: 'r', description: null, status: null, level: 'low', author: null, date: null, modified: null, tags: [], references: [], falsepositives: [], fields: [], origin: { file: 'r.yml', line: 1, column: 1 }, logsource: { category: null, product: null, service: null, definition: null }, condition: Match.create('EventID', StringPattern.literal('4625')), isMapped: true, shouldAlert: true };
let alerts = 0;
const mode = ${JSON.stringify(mode)};
const engine = createEngine(mode === 'onAlert' ? { rules: [rule], onAlert: () => { alerts++; } } : { rules: [rule] });
const reading = mode === 'iterator' ? (async () => { for await (const a of engine.alerts()) alerts++; })() : null;
let batch = [];
for await (const line of createInterface({ input: createReadStream(${JSON.stringify(input)}) })) {
  const value = JSON.parse(line);
  if (mode === 'evaluate') { batch.push({ path: 'x', record: alerts, value }); if (batch.length === 1000) { alerts += engine.evaluate(batch).length; batch = []; } }
  else { engine.push([value]); if (mode === 'iterator') await new Promise((r) => setImmediate(r)); }
}
if (batch.length > 0) alerts += engine.evaluate(batch).length;
await engine.close();
await reading;
process.stdout.write(String(alerts));
`;
  const file = join(dir, `embed-${mode}.mjs`);
  writeFileSync(file, script);
  const { stdout, stderr } = await run(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', REPORT_RSS, file], { maxBuffer: 1 << 26 });
  return { rssMb: peakRssMb(stderr), alerts: Number(stdout) };
}

describe('memory does not grow with the number of alerts', () => {
  const small = join(dir, 'small.jsonl');
  const large = join(dir, 'large.jsonl');
  beforeAll(async () => {
    writeFileSync(join(dir, 'rule.yml'), RULE);
    await writeEvents(small, SMALL);
    await writeEvents(large, LARGE);
  });

  for (const workers of [1, 2]) {
    it(`hunt --workers ${workers}: ${LARGE.toLocaleString('en-US')} alerts fit in the heap cap, peak RSS near that of ${SMALL.toLocaleString('en-US')}`, async () => {
      const a = await hunt(workers, small);
      const b = await hunt(workers, large);
      expect(a.alerts).toBe(SMALL.toLocaleString('en-US'));
      expect(b.alerts).toBe(LARGE.toLocaleString('en-US'));
      console.log(`hunt --workers ${workers}: peak RSS ${a.rssMb.toFixed(0)} MB for ${SMALL} alerts, ${b.rssMb.toFixed(0)} MB for ${LARGE}`);
      expect(b.rssMb).toBeLessThan(a.rssMb * 1.5 + 40);
    });
  }

  for (const mode of ['onAlert', 'iterator', 'evaluate'] as const) {
    it(`embedding API (${mode}): ${LARGE.toLocaleString('en-US')} alerts fit in the heap cap, peak RSS near that of ${SMALL.toLocaleString('en-US')}`, async () => {
      const a = await embed(mode, small);
      const b = await embed(mode, large);
      expect(a.alerts).toBe(SMALL);
      expect(b.alerts).toBe(LARGE);
      console.log(`engine ${mode}: peak RSS ${a.rssMb.toFixed(0)} MB for ${SMALL} alerts, ${b.rssMb.toFixed(0)} MB for ${LARGE}`);
      expect(b.rssMb).toBeLessThan(a.rssMb * 1.5 + 40);
    });
  }
});
