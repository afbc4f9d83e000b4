// Type-checked against the shipped declarations of the installed tarballs (pack-install.test.ts).
import { createEngine, detect, type DetectionRule, type EngineAlert, type SourceLocation } from '@siemlite/core';
import { loadRulesFromText, type RuleSet } from '@siemlite/rules';
import { compileCondition, SqlHunter, type SqlMatch } from '@siemlite/storage';

const set: RuleSet = loadRulesFromText('rule.yml', 'title: t\nlogsource: {product: windows}\ndetection: {sel: {Image|endswith: x}, condition: sel}\n');
const rules: readonly DetectionRule[] = set.rules;
const where: SourceLocation | null | undefined = set.errors[0]?.location;

const alerts: EngineAlert[] = await detect([{ Image: 'C:\\x' }], { rules });
for (const a of alerts) {
  const title: string = a.rule.title;
  const record: number | null = a.type === 'match' ? a.source.record : null;
  console.log(title, record, where?.line);
}

const engine = createEngine({ rules, onAlert: (a: EngineAlert) => console.log(a.rule.title) });
engine.push([{ Image: 'C:\\x' }]);
await engine.close();

const first = rules[0];
if (first !== undefined) {
  const sql: string = compileCondition(first.condition).sql;
  const hunter = await SqlHunter.open();
  const matches: SqlMatch[] = await hunter.hunt([first.condition], '(SELECT NULL AS source_path, 0 AS source_record, NULL::JSON AS record)');
  hunter.close();
  console.log(sql.length, matches.length);
}
