// Differential test, streaming engine vs SQL engine: every active SigmaHQ rule (windows
// pipeline) over the SigmaHQ regression events and a real dataset; both must report the same
// (rule id, source record) set. One in-memory DuckDB, 100 rules per query.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detect, normalizeEvent, type DetectionRule } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';
import { SqlHunter } from '@siemlite/storage';
import { hasShared, SHARED_DIR } from '../support/shared.js';
import { parseConcatenatedJson } from '../support/concatenated-json.js';

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'rules-dfir'];
// Opt-in until it has been seen green within CI's time budget (README, "Storage and SQL
// hunting"): SIEMLITE_SQL_DIFF=1 runs it.
const optIn = process.env.SIEMLITE_SQL_DIFF === '1';
if (!optIn) console.warn('\n*** SKIPPED: streaming vs SQL differential test (set SIEMLITE_SQL_DIFF=1) ***\n');
const run = optIn && hasShared('streaming vs SQL differential test');
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
  let hunter: SqlHunter;

  beforeAll(async () => {
    const { pipeline } = loadBuiltinPipeline('windows');
    const set = loadRules(
      ACTIVE.map((d) => join(SIGMA, d)),
      { pipelines: pipeline === null ? [] : [pipeline], placeholderFallback: 'wildcard' },
    );
    rules = set.rules.filter((r) => r.shouldAlert);
    hunter = await SqlHunter.open();
  });
  afterAll(() => hunter?.close());

  async function compare(name: string, events: Json[]): Promise<void> {
    const table = `ev_${name}`;
    await hunter.connection.run(`CREATE TABLE ${table} (source_path VARCHAR, source_record BIGINT, record JSON)`);
    const appender = await hunter.connection.createAppender(table);
    events.forEach((event, i) => {
      appender.appendVarchar(name);
      appender.appendBigInt(BigInt(i + 1));
      appender.appendVarchar(JSON.stringify(normalizeEvent(event)));
      appender.endRow();
    });
    appender.closeSync();

    const alerts = await detect(events, { rules });
    const stream = new Set(alerts.map((a) => `${a.rule.id ?? a.rule.title}\t${a.source.record}`));
    const matches = await hunter.hunt(
      rules.map((r) => r.condition),
      table,
    );
    const sql = new Set(matches.map((m) => `${rules[m.rule]?.id ?? rules[m.rule]?.title}\t${m.sourceRecord}`));
    const onlyStream = [...stream].filter((k) => !sql.has(k));
    const onlySql = [...sql].filter((k) => !stream.has(k));
    console.info(`${name}: ${events.length} events, ${rules.length} rules, stream ${stream.size} matches, sql ${sql.size}`);
    expect({ onlyStream: onlyStream.slice(0, 50), onlySql: onlySql.slice(0, 50) }).toEqual({ onlyStream: [], onlySql: [] });
    expect(stream.size).toBeGreaterThan(0);
  }

  it('regression_data events', async () => {
    const events = findJson(join(SIGMA, 'regression_data')).flatMap((f) => parseConcatenatedJson(readFileSync(f, 'utf8')));
    await compare('regression', events);
  }, 600_000);
});
