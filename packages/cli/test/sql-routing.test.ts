// Log-source routing in SQL hunts: `hunt --engine sql` runs each by-logsource rule only on
// stored events whose recognized log source fits the rule's logsource, as the streaming hunt
// does (--pipeline auto). Real non-Windows data from SIEMLITE_SHARED/datasets (CloudTrail,
// auditd, Apache access logs as JSON and as text) with the shipped Windows sample: both
// engines report the same (rule id, file, record) set, over files and over a stored database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, SHARED_DIR } from '../../../test/support/shared.js';
import { run, useTemporaryRuleCache } from './run-cli.js';

const SHARED = hasShared('SQL log-source routing test');
const ROOT = resolve(import.meta.dirname, '../../..');
const SIGMA = join(SHARED_DIR, 'sigma', 'rules');
const DATA = join(SHARED_DIR, 'datasets');
const INPUTS = [
  join(DATA, 'otrf_aws_cloudtrail.jsonl.gz'),
  join(DATA, 'otrf_linux_auditd.jsonl.gz'),
  join(DATA, 'elastic_examples_apache_access.jsonl.gz'),
  join(DATA, 'elastic_examples_apache_access.log.gz'),
  join(ROOT, 'rules/samples/windows-sample.jsonl'),
];
const RULES = ['cloud', 'linux', 'web', 'windows/process_creation'].flatMap((d) => ['--rules', join(SIGMA, d)]);
useTemporaryRuleCache('sql-routing');
const dir = mkdtempSync(join(tmpdir(), 'siemlite-sql-routing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** (rule id, file name, record) of each alert of a JSON Lines output, sorted. */
function keys(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { rule: { id: string }; source: { path: string; record: number } })
    .map((a) => `${a.rule.id}\t${basename(a.source.path)}\t${a.source.record}`)
    .sort();
}

describe.runIf(SHARED)('hunt --engine sql routes non-Windows events by log source', () => {
  it('SQL over files and over a store report what the streaming hunt reports', async () => {
    const stream = await run('hunt', '--format', 'jsonl', '--quiet', ...RULES, ...INPUTS);
    expect(stream.code).toBe(0);
    const expected = keys(stream.out);
    const files = new Set(expected.map((k) => k.split('\t')[1]));
    // Alerts on CloudTrail, auditd and Windows events: the comparison covers several routes.
    expect([...files].sort()).toEqual(['otrf_aws_cloudtrail.jsonl.gz', 'otrf_linux_auditd.jsonl.gz', 'windows-sample.jsonl']);

    const overFiles = await run('hunt', '--engine', 'sql', '--format', 'jsonl', '--quiet', ...RULES, ...INPUTS);
    expect(overFiles.code).toBe(0);
    expect(keys(overFiles.out)).toEqual(expected);

    const db = join(dir, 'store.duckdb');
    expect((await run('ingest', '--db', db, ...INPUTS)).code).toBe(0);
    const routes = await run('query', '--db', db, '--format', 'jsonl', 'SELECT r.product, r.service, r.category, count(*) AS n FROM events e JOIN siemlite_routes r ON e.source_route = r.id GROUP BY ALL ORDER BY ALL');
    expect(routes.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      { product: 'aws', service: 'cloudtrail', category: null, n: '103' },
      { product: 'linux', service: 'auditd', category: null, n: '18' },
      { product: 'windows', service: null, category: null, n: expect.stringMatching(/^[1-9]\d*$/) as unknown },
      { product: null, service: null, category: 'webserver', n: '19999' },
    ]);
    const overStore = await run('hunt', '--engine', 'sql', '--db', db, '--format', 'jsonl', '--quiet', ...RULES);
    expect(overStore.code).toBe(0);
    expect(keys(overStore.out)).toEqual(expected);
  }, 240_000);
});
