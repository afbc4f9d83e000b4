// Differential test, streaming engine vs SQL engine: every active SigmaHQ rule (windows
// pipeline) over the SigmaHQ regression events and a real dataset (the first DATASET_EVENTS
// events of evtx_attack_samples.jsonl.gz); both must report the same (rule id, source path,
// record) set. The events go through the event store (typed columns, in memory) as `siemlite ingest`
// stores them, and the rules run as `siemlite hunt --engine sql` runs them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detect, readRecords, type DetectionRule } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';
import { EventStore, huntStore } from '@siemlite/storage';
import { hasShared, SHARED_DIR } from '../support/shared.js';
import { parseConcatenatedJson } from '../support/concatenated-json.js';

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'rules-dfir'];
/** Events of the dataset compared: about 15 s of SQL hunting on the loaded 2-core VM (README). */
const DATASET_EVENTS = 2000;
const run = hasShared('streaming vs SQL differential test');
const SIGMA = resolve(SHARED_DIR, 'sigma');
type Json = Record<string, unknown>;

function findJson(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findJson(path, out);
    else if (entry.endsWith('.json')) out.push(path);
  }
  return out;
}

describe.runIf(run)('streaming engine vs SQL engine on SigmaHQ rules', () => {
  let rules: DetectionRule[];

  beforeAll(() => {
    const { pipeline } = loadBuiltinPipeline('windows');
    const set = loadRules(
      ACTIVE.map((d) => join(SIGMA, d)),
      { pipelines: pipeline === null ? [] : [pipeline], placeholderFallback: 'wildcard' },
    );
    rules = set.rules.filter((r) => r.shouldAlert);
  });

  async function compare(name: string, events: Json[]): Promise<void> {
    const store = await EventStore.open(':memory:');
    try {
      await store.add(events.map((value, i) => ({ path: name, record: i + 1, value })));
      await store.flush();
      const alerts = await detect(events, { rules });
      const stream = new Set(alerts.map((a) => `${a.rule.id ?? a.rule.title}\t${name}\t${a.type === 'match' ? a.source.record : 0}`));
      const matches = await huntStore(store, [{ conditions: rules.map((r) => r.condition), events: 'all' }]);
      const sql = new Set(matches.map((m) => `${rules[m.rule]?.id ?? rules[m.rule]?.title}\t${m.sourcePath}\t${m.sourceRecord}`));
      const onlyStream = [...stream].filter((k) => !sql.has(k));
      const onlySql = [...sql].filter((k) => !stream.has(k));
      console.info(`${name}: ${events.length} events, ${rules.length} rules, stream ${stream.size} matches, sql ${sql.size}`);
      expect({ onlyStream: onlyStream.slice(0, 50), onlySql: onlySql.slice(0, 50) }).toEqual({ onlyStream: [], onlySql: [] });
      expect(stream.size).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }

  it('regression_data events', async () => {
    const events = findJson(join(SIGMA, 'regression_data')).flatMap((f) => parseConcatenatedJson(readFileSync(f, 'utf8')));
    await compare('regression', events);
  }, 300_000);

  it(`evtx_attack_samples.jsonl.gz (first ${DATASET_EVENTS} events)`, async () => {
    const events: Json[] = [];
    for await (const chunk of readRecords([resolve(SHARED_DIR, 'datasets', 'evtx_attack_samples.jsonl.gz')])) {
      for (const r of chunk) events.push(r.value);
      if (events.length >= DATASET_EVENTS) break;
    }
    events.length = Math.min(events.length, DATASET_EVENTS);
    expect(events.length).toBe(DATASET_EVENTS);
    await compare('evtx_attack_samples', events);
  }, 300_000);
});
