// Wrong uses of the shipped API: the type check must report each one (pack-install.test.ts).
import { detect } from '@siemlite/core';
import { loadRulesFromText } from '@siemlite/rules';

const count: number = loadRulesFromText('rule.yml', 'title: t').rules; // expected TS2322
const alerts = await detect('not a list of events', { rules: [] }); // expected TS2345
console.log(count, alerts.length);
