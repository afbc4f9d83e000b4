// Embedding siemlite in a Node.js application: load rules once, push events, read alerts.
// Run from the repository root after `npm run build`:
//   node examples/embed.mjs
import { createEngine } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';

// 1. Load and lower the rules (here: the shipped ones) with the windows pipeline.
const { pipeline } = loadBuiltinPipeline('windows');
const ruleSet = loadRules(['rules/'], { pipelines: pipeline ? [pipeline] : [] });
for (const e of ruleSet.errors) console.error(`${e.location?.file}:${e.location?.line}: ${e.code}: ${e.message}`);

// 2. One engine per rule set: rules are compiled once.
const engine = createEngine({ rules: ruleSet.rules });

// 3. Push events as they arrive (flat Sigma field names, or evtx_dump JSON).
engine.push([
  {
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    EventID: 1,
    Image: 'C:\\Windows\\System32\\cmd.exe',
    ParentImage: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
    CommandLine: 'cmd.exe /c whoami',
    UtcTime: '2026-11-20 09:00:00.000',
  },
  { Channel: 'Security', EventID: 4624, TargetUserName: 'alice' },
]);
await engine.close();

// 4. Alerts, in input order.
for await (const alert of engine.alerts()) {
  console.log(`${alert.rule.level}: ${alert.rule.title} (event ${alert.source.record})`);
}
