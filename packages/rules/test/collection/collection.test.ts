import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorRecord, Node } from '@siemlite/core';
import { loadRules, loadRulesFromText } from '../../src/collection.js';

const RULE = (id: string, extra = ''): string => `title: Rule ${id}
id: ${id}
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\cmd.exe'
  condition: selection
level: high
${extra}`;

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';
const ID3 = '33333333-3333-4333-8333-333333333333';

function codes(errors: readonly ErrorRecord[]): string[] {
  return errors.map((e) => e.code);
}

function show(node: Node): string {
  switch (node.kind) {
    case 'And':
      return `and(${node.children.map(show).join(', ')})`;
    case 'Or':
      return `or(${node.children.map(show).join(', ')})`;
    case 'Not':
      return `not(${show(node.child)})`;
    case 'Match':
      return `${node.field}`;
    case 'Keyword':
      return 'keyword';
    case 'Exists':
      return `exists(${node.field})`;
    case 'Constant':
      return String(node.value);
  }
}

describe('detection rules', () => {
  it('loads a rule to frozen IR with metadata and its key', () => {
    const set = loadRulesFromText('r.yml', RULE(ID1, 'tags:\n  - attack.execution\n'));
    expect(set.errors).toEqual([]);
    const rule = set.rules[0];
    expect(rule).toMatchObject({ kind: 'DetectionRule', key: ID1, id: ID1, level: 'high', tags: ['attack.execution'] });
    expect(Object.isFrozen(rule)).toBe(true);
    expect(Object.isFrozen(rule?.condition)).toBe(true);
    expect(JSON.parse(JSON.stringify(rule))).toEqual(rule);
  });

  it('reports a missing title and detection with the document location', () => {
    const set = loadRulesFromText('r.yml', 'logsource:\n  product: windows\n');
    expect(codes(set.errors)).toEqual(['schema', 'schema']);
    expect(set.errors[0]?.location).toEqual({ file: 'r.yml', line: 1, column: 1 });
  });

  it.each([
    ['id: not-a-uuid', 'id'],
    ['status: wonderful', 'status'],
    ['level: severe', 'level'],
    ['date: 12.03.2024', 'date'],
    ['tags: attack.t1059', 'tags'],
    ['tags:\n  - nodot', 'tag'],
    ['title: [a, b]', 'title'],
    ['references: http://x', 'references'],
  ])('rejects a wrong attribute type or value: %s', (line, key) => {
    const base = RULE(ID1).replace(/^title: .*\n/, '').replace(/^id: .*\n/, '').replace('level: high\n', '');
    const text = `${line.startsWith('title') ? '' : 'title: t\n'}${base}${line}\n`;
    const set = loadRulesFromText('r.yml', text);
    expect(set.rules).toHaveLength(0);
    expect(set.errors[0]?.code).toBe('schema');
    expect(set.errors[0]?.message).toContain(key);
    expect(set.errors[0]?.location?.line).toBeGreaterThan(0);
  });

  it('rejects a logsource without category, product or service', () => {
    const set = loadRulesFromText('r.yml', RULE(ID1).replace('  product: windows\n  category: process_creation\n', '  definition: x\n'));
    expect(codes(set.errors)).toEqual(['schema']);
  });

  it('keeps unknown top-level keys as custom attributes', () => {
    const set = loadRulesFromText('r.yml', RULE(ID1, 'custom_thing: 42\n'));
    expect(set.errors).toEqual([]);
  });

  it('locates condition syntax errors inside quoted and block scalars', () => {
    const base = RULE(ID1).replace('  condition: selection\n', '');
    const plain = loadRulesFromText('r.yml', base.replace('detection:\n', 'detection:\n  condition: selection and\n'));
    expect(plain.errors[0]).toMatchObject({ code: 'condition-syntax', location: { line: 7, column: 24 } });
    const quoted = loadRulesFromText('r.yml', base.replace('detection:\n', "detection:\n  condition: 'selection and'\n"));
    expect(quoted.errors[0]).toMatchObject({ code: 'condition-syntax', location: { line: 7, column: 25 } });
    const block = loadRulesFromText('r.yml', base.replace('detection:\n', 'detection:\n  condition: >\n    selection\n    and nope\n'));
    expect(block.errors[0]).toMatchObject({ code: 'condition-unknown-identifier', location: { line: 9, column: 9 } });
  });

  it('reports an unknown identifier in the condition at its column', () => {
    const set = loadRulesFromText('r.yml', RULE(ID1).replace('condition: selection', 'condition: selection and not filter'));
    expect(set.errors).toEqual([
      expect.objectContaining({ code: 'condition-unknown-identifier', location: { file: 'r.yml', line: 9, column: 32 }, ruleId: ID1 }),
    ]);
  });

  it('ORs a list of conditions', () => {
    const text = RULE(ID1).replace('  condition: selection\n', "  other:\n    User: x\n  condition:\n    - selection\n    - other\n");
    const set = loadRulesFromText('r.yml', text);
    expect(set.errors).toEqual([]);
    expect(show(set.rules[0]!.condition)).toBe('or(Image, User)');
  });

  it('rejects empty and null search identifiers', () => {
    for (const def of ['{}', '[]', 'null', '']) {
      const set = loadRulesFromText('r.yml', RULE(ID1).replace("    Image|endswith: '\\cmd.exe'\n", '').replace('  selection:\n', `  selection: ${def}\n`));
      expect(set.rules, def).toHaveLength(0);
      expect(set.errors[0]?.code, def).toBe('schema');
    }
  });

  it('warns about Sigma 1 timeframe and still loads', () => {
    const set = loadRulesFromText('r.yml', RULE(ID1).replace('  condition: selection', '  timeframe: 5m\n  condition: selection'));
    expect(set.errors).toEqual([]);
    expect(codes(set.warnings)).toContain('unsupported');
  });

  it('handles 10,000 nested parentheses in a rule file with a clear error', () => {
    const deep = `${'('.repeat(10_000)}selection${')'.repeat(10_000)}`;
    const set = loadRulesFromText('r.yml', RULE(ID1).replace('condition: selection', `condition: ${deep}`));
    expect(set.errors[0]?.code).toBe('condition-syntax');
    expect(set.errors[0]?.message).toMatch(/nested/);
  });
});

describe('collections (action: global/reset/repeat)', () => {
  it('merges the global template into each document; the template wins on conflicts', () => {
    const text = `action: global
title: Global
id: ${ID1}
level: high
logsource:
  product: windows
detection:
  selection:
    EventID: 1
  condition: selection
---
level: low
logsource:
  service: sysmon
detection:
  selection:
    Image: x
---
logsource:
  service: security
`;
    const set = loadRulesFromText('c.yml', text);
    expect(set.errors).toEqual([]);
    expect(set.rules).toHaveLength(2);
    expect(set.rules[0]).toMatchObject({ level: 'high', logsource: { product: 'windows', service: 'sysmon' } });
    expect(show(set.rules[0]!.condition)).toBe('and(EventID, Image)');
    // The first document keeps the template's id as its key, so references by id reach it.
    expect(set.rules.map((r) => r.key)).toEqual([ID1, `${ID1}#3`]);
  });

  it('repeat re-uses the previous rule with this document winning; reset clears the template', () => {
    const text = `title: First
id: ${ID1}
logsource:
  product: windows
detection:
  selection:
    Image: a
  condition: selection
---
action: repeat
id: ${ID2}
title: Second
detection:
  selection:
    Image: b
---
action: global
level: critical
---
action: reset
---
${RULE(ID3)}`;
    const set = loadRulesFromText('c.yml', text);
    expect(set.errors).toEqual([]);
    expect(set.rules.map((r) => [r.id, r.title, r.level])).toEqual([
      [ID1, 'First', null],
      [ID2, 'Second', null],
      [ID3, 'Rule ' + ID3, 'high'],
    ]);
  });

  it('rejects an unknown action', () => {
    const set = loadRulesFromText('c.yml', `action: merge\n---\n${RULE(ID1)}`);
    expect(codes(set.errors)).toEqual(['collection-action']);
    expect(set.rules).toHaveLength(1);
  });
});

describe('duplicates', () => {
  it('rejects duplicate ids across files, keeping the first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    writeFileSync(join(dir, 'a.yml'), RULE(ID1));
    writeFileSync(join(dir, 'b.yml'), RULE(ID1));
    const set = loadRules([dir]);
    expect(set.rules).toHaveLength(1);
    expect(set.errors).toEqual([expect.objectContaining({ code: 'duplicate-id', location: expect.objectContaining({ file: join(dir, 'b.yml') }) })]);
    expect(set.filesWithErrors).toBe(1);
  });

  it('rejects duplicate keys in a map, even when one is quoted', () => {
    const set = loadRulesFromText('r.yml', RULE(ID1).replace("    Image|endswith: '\\cmd.exe'\n", "    'Image|endswith': a\n    Image|endswith: b\n"));
    expect(codes(set.errors)).toEqual(['yaml-duplicate-key']);
  });
});

describe('files and folders', () => {
  it('walks folders recursively, reads .yml and .yaml only, and reports unreadable paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(dir, 'a.yml'), RULE(ID1));
    writeFileSync(join(dir, 'sub', 'deeper', 'b.yaml'), RULE(ID2));
    writeFileSync(join(dir, 'notes.txt'), 'not a rule');
    const set = loadRules([dir, join(dir, 'missing.yml')]);
    expect(set.rules.map((r) => r.id)).toEqual([ID1, ID2]);
    expect(set.errors).toEqual([expect.objectContaining({ code: 'io' })]);
  });

  it('rejects a 50 MB rule file without reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    const big = join(dir, 'big.yml');
    writeFileSync(big, `title: big\ndescription: ${'x'.repeat(50 * 1024 * 1024)}\n`);
    const set = loadRules([big]);
    expect(set.errors).toEqual([expect.objectContaining({ code: 'yaml-too-large', location: { file: big, line: 1, column: 1 } })]);
  });

  it('rejects a file that is not UTF-8', () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-'));
    writeFileSync(join(dir, 'bin.yml'), Buffer.from([0x74, 0x69, 0xff, 0xfe, 0x00, 0x80]));
    expect(codes(loadRules([dir]).errors)).toEqual(['io']);
  });

  it('reports an empty rule file', () => {
    expect(codes(loadRulesFromText('e.yml', '').errors)).toEqual(['empty-document']);
    expect(codes(loadRulesFromText('e.yml', '# only a comment\n').errors)).toEqual(['empty-document']);
  });

  it('keeps loading the other documents after a malformed one', () => {
    const set = loadRulesFromText('m.yml', `${RULE(ID1)}---\ntitle: [unclosed\n---\n${RULE(ID2)}`);
    expect(set.rules.map((r) => r.id)).toEqual([ID1, ID2]);
    expect(codes(set.errors)).toEqual(['yaml-syntax']);
  });
});
