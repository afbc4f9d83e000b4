// Run inside an empty application where the packed tarballs were installed (see
// pack-install.test.ts): node detect.mjs RULE.yml EVENTS.jsonl
// Loads the rule with the windows pipeline shipped in @siemlite/rules, detects with
// @siemlite/core, runs the same rule as SQL with @siemlite/storage (DuckDB), and prints
// what it found as one JSON object.
import { readFileSync } from 'node:fs';
import { detect, normalizeEvent } from '@siemlite/core';
import { loadBuiltinPipeline, loadRulesFromText } from '@siemlite/rules';
import { SqlHunter } from '@siemlite/storage';

const [ruleFile, eventsFile] = process.argv.slice(2);
const { pipeline, errors: pipelineErrors } = loadBuiltinPipeline('windows');
const set = loadRulesFromText(ruleFile, readFileSync(ruleFile, 'utf8'), { pipelines: pipeline === null ? [] : [pipeline] });
const events = readFileSync(eventsFile, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

const alerts = await detect(events, { rules: set.rules });

const quote = (text) => `'${text.replaceAll("'", "''")}'`;
const rows = events.map((e, i) => `(${quote('events')}, ${i + 1}, ${quote(JSON.stringify(normalizeEvent(e)))}::JSON)`);
const source = `(SELECT * FROM (VALUES ${rows.join(', ')}) AS t(source_path, source_record, record))`;
const hunter = await SqlHunter.open();
const sql = await hunter.hunt(
  set.rules.map((r) => r.condition),
  source,
);
hunter.close();

process.stdout.write(
  `${JSON.stringify({
    pipelineErrors: pipelineErrors.map((e) => e.message),
    ruleErrors: set.errors.map((e) => e.message),
    rules: set.rules.map((r) => r.id),
    alerts: alerts.map((a) => ({ type: a.type, rule: a.rule.id, record: a.type === 'match' ? a.source.record : null })),
    sqlRecords: sql.map((m) => m.sourceRecord).sort((a, b) => a - b),
  })}\n`,
);
