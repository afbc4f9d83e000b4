// Correlation in your own application: detection rules and correlation rules go to one
// engine; correlation alerts arrive on the same onAlert / alerts() as match alerts.
// Run from the repository root after `npm run build`:
//   node examples/correlate.mjs
import { createEngine } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';

const { pipeline } = loadBuiltinPipeline('windows');
const ruleSet = loadRules(['rules/'], { pipelines: pipeline ? [pipeline] : [] });
for (const e of ruleSet.errors) console.error(`${e.location?.file}:${e.location?.line}: ${e.code}: ${e.message}`);

const onAlert = (alert) => {
  if (alert.type === 'correlation') {
    console.log(`${alert.rule.level}: ${alert.rule.title} ${JSON.stringify(alert.group)} ${alert.rule.correlation_type}=${alert.value} (${alert.window.start} .. ${alert.window.end})`);
  } else {
    console.log(`${alert.rule.level}: ${alert.rule.title} (event ${alert.source.record})`);
  }
};
const correlation = { maxLatenessMs: 60_000 }; // matches may arrive up to a minute out of order
const engine = createEngine({ rules: ruleSet.rules, correlations: ruleSet.correlations, correlation, onAlert });

// A password spray from one address: five accounts in ten seconds (shipped rules:
// rules/correlations/password_spray.yml over rules/windows/security_logon_failed.yml).
const at = (s) => new Date(Date.UTC(2026, 10, 20, 9, 3, s)).toISOString();
const users = ['administrator', 'backup', 'carol', 'dave', 'erin'];
engine.push(users.map((user, i) => ({ Channel: 'Security', EventID: 4625, TargetUserName: user, IpAddress: '203.0.113.77', '@timestamp': at(20 + 2 * i) })));

// A long-running service would save the state instead of closing, and give it back to the
// next engine as `correlation: { state }`; the stream then goes on as if never stopped.
engine.flush();
const state = JSON.stringify(engine.correlationState());
console.log(`correlation state: ${state.length} bytes`);
const next = createEngine({ rules: ruleSet.rules, correlations: ruleSet.correlations, correlation: { ...correlation, state: JSON.parse(state) }, onAlert });
await next.close(); // end of input: what the lateness held back is decided now
