// Rules replayed from the rule cache decode their condition on first read (start-up, issue
// 14): they must be the rules an eager load gives, processed the same, with the keys the
// evaluator routes on equal to those of their conditions; pipelines that could fail or move
// keys process them eagerly.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keysOfRule, ruleKeysOf, type DetectionRule } from '@siemlite/core';
import { loadRules, processRules } from '../../src/collection.js';
import { isKeyNeutral } from '../../src/lazy-rules.js';
import { loadPipeline, type ProcessingPipeline } from '../../src/pipeline/pipeline.js';
import { tempDirs, windows } from './temp-rules.js';
import { hasShared, SHARED_DIR } from '../../../../test/support/shared.js';

const tempDir = tempDirs('siemlite-lazy-');

function pipelineOf(text: string): ProcessingPipeline {
  const { pipeline, errors } = loadPipeline('test.yml', text);
  expect(errors).toEqual([]);
  if (pipeline === null) throw new Error('pipeline did not load');
  return pipeline;
}

/** Whether the rule's condition is still a getter (not decoded into a value property). */
const isLazy = (rule: DetectionRule): boolean => Object.getOwnPropertyDescriptor(rule, 'condition')?.get !== undefined;

const rule = (n: number, body: string, logsource = '  product: windows\n  category: process_creation'): string => `title: Rule ${n}
id: ${String(n).padStart(8, '0')}-2222-4222-8222-222222222222
logsource:
${logsource}
detection:
${body}
level: high
`;

/** Rules with keys of their own (EventID, Channel) and without. */
function writeRules(dir: string): void {
  writeFileSync(join(dir, 'a.yml'), rule(1, '  sel:\n    Image|endswith: \\cmd.exe\n    CommandLine|contains: whoami\n  condition: sel'));
  writeFileSync(join(dir, 'b.yml'), rule(2, '  sel:\n    EventID: [4624, 4625]\n    LogonType: 3\n  condition: sel', '  product: windows\n  service: security'));
  writeFileSync(join(dir, 'c.yml'), rule(3, '  sel:\n    Channel: System\n  filter:\n    Provider_Name: x\n  condition: sel and not filter', '  product: windows\n  service: system'));
  writeFileSync(join(dir, 'd.yml'), rule(4, '  keywords:\n    - mimikatz\n  condition: keywords', '  product: windows\n  service: application'));
  writeFileSync(join(dir, 'e.yml'), rule(5, '  sel:\n    TargetObject|contains: Run\n  condition: sel', '  product: windows\n  category: registry_set'));
  writeFileSync(join(dir, 'f.yml'), rule(6, '  sel:\n    Image: x.exe\n  condition: sel', '  product: linux\n  category: process_creation'));
}

/** Cold, then warm (lazy) through the cache, each processed by `pipelines`. */
function coldAndWarm(paths: readonly string[], pipelines: readonly ProcessingPipeline[]) {
  const cache = { dir: tempDir() };
  const cold = loadRules(paths, { cache });
  const warm = loadRules(paths, { cache });
  return { cold, warm, coldProcessed: processRules(cold.rules, pipelines), warmProcessed: processRules(warm.rules, pipelines) };
}

describe('lazily decoded rules', () => {
  it('are the rules an eager load gives, stay lazy through the windows pipeline, and carry the keys of their conditions', () => {
    const dir = tempDir();
    writeRules(dir);
    const { cold, warm, coldProcessed, warmProcessed } = coldAndWarm([dir], [windows()]);
    expect(warm.rules.length).toBe(6);
    expect(warm.rules.every(isLazy)).toBe(true);
    expect(cold.rules.some(isLazy)).toBe(false);
    expect(warmProcessed.rules.every(isLazy)).toBe(true);
    // The keys recorded for routing are read before any condition: check them first.
    const warmKeys = warmProcessed.rules.map(keysOfRule);
    const baseKeys = warm.rules.map(keysOfRule);
    expect(warmKeys).toStrictEqual(coldProcessed.rules.map((r) => ruleKeysOf(r.condition)));
    expect(baseKeys).toStrictEqual(cold.rules.map((r) => ruleKeysOf(r.condition)));
    expect(warmKeys.some((k) => k !== null && k.length > 1)).toBe(true);
    // Then everything, conditions included, as JSON (same property order) and as values.
    expect(JSON.stringify(warmProcessed)).toBe(JSON.stringify(coldProcessed));
    expect(JSON.stringify(warm.rules)).toBe(JSON.stringify(cold.rules));
    expect(warmProcessed.rules.map((r) => r.isMapped)).toEqual([true, true, true, true, true, false]);
    // Once read, a condition is the same frozen tree every time.
    const first = warmProcessed.rules[0] as DetectionRule;
    expect(first.condition).toBe(first.condition);
    expect(Object.isFrozen(first.condition)).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('are processed eagerly, with the same result, by pipelines that could fail or move keys', () => {
    const dir = tempDir();
    writeRules(dir);
    const pipelines = {
      drop: 'name: drop\ndrop_fields: [LogonType]\n',
      renamesToEventId: 'name: id\nfield_mappings:\n  EventCode: EventID\n',
      renamesChannel: 'name: ch\nfield_mappings:\n  Channel: channel\n',
      replaces: "name: rep\nvalue_replacements:\n  - regex: '^S'\n    replacement: 's'\n",
    };
    expect(isKeyNeutral([windows()])).toBe(true);
    for (const [name, text] of Object.entries(pipelines)) {
      const pipeline = pipelineOf(text);
      expect(isKeyNeutral([windows(), pipeline]), name).toBe(false);
      const { coldProcessed, warmProcessed } = coldAndWarm([dir], [pipeline]);
      expect(warmProcessed.rules.some(isLazy), name).toBe(false);
      expect(JSON.stringify(warmProcessed), name).toBe(JSON.stringify(coldProcessed));
    }
  });

  it('report a strict pipeline\'s unmapped error as an eager load does', () => {
    const dir = tempDir();
    writeRules(dir);
    const strict = pipelineOf('name: strict\nunmapped: error\nlogsources:\n  - product: windows\n    conditions:\n      Channel: Security\n');
    const { coldProcessed, warmProcessed } = coldAndWarm([dir], [strict]);
    expect(coldProcessed.errors.length).toBe(1);
    expect(warmProcessed.errors).toStrictEqual(coldProcessed.errors);
    expect(JSON.stringify(warmProcessed.rules)).toBe(JSON.stringify(coldProcessed.rules));
  });
});

describe.runIf(hasShared('lazy rules over SigmaHQ rules'))('lazily decoded SigmaHQ rules', () => {
  it('route and process as eagerly loaded ones: same keys, same processed conditions, same errors', () => {
    const paths = [resolve(SHARED_DIR, 'sigma', 'rules', 'windows'), resolve(SHARED_DIR, 'sigma', 'rules-threat-hunting')];
    const { cold, warm, coldProcessed, warmProcessed } = coldAndWarm(paths, [windows()]);
    expect(warm.rules.length).toBeGreaterThan(2000);
    expect(warm.rules.every(isLazy)).toBe(true);
    expect(warmProcessed.rules.every(isLazy)).toBe(true);
    expect(warmProcessed.rules.map(keysOfRule)).toStrictEqual(coldProcessed.rules.map((r) => ruleKeysOf(r.condition)));
    expect(warm.rules.map(keysOfRule)).toStrictEqual(cold.rules.map((r) => ruleKeysOf(r.condition)));
    expect(warmProcessed.errors).toStrictEqual(coldProcessed.errors);
    expect(JSON.stringify(warmProcessed.rules)).toBe(JSON.stringify(coldProcessed.rules));
  });
});
