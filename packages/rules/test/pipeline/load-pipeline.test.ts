import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/pipeline/pipeline.js';

/** Errors as `[code, line, column]`, the part tests may rely on. */
function errorsOf(text: string): Array<[string, number | undefined, number | undefined]> {
  const { pipeline, errors } = loadPipeline('p.yml', text);
  if (errors.length > 0) expect(pipeline).toBeNull();
  for (const e of errors) expect(e.location?.file).toBe('p.yml');
  return errors.map((e) => [e.code, e.location?.line, e.location?.column]);
}

const FULL = `name: test
description: a test pipeline
priority: 5
unmapped: error
field_mappings:
  Image: NewProcessName
  User: [SubjectUserName, TargetUserName]
drop_fields: [Hashes]
value_replacements:
  - fields: Image
    regex: '^C:'
    flags: ii
    replacement: 'D:'
placeholders:
  Admins: ['adm*', root]
  Port: 445
logsources:
  - name: sysmon
    category: process_creation
    product: windows
    conditions:
      Channel: Microsoft-Windows-Sysmon/Operational
      EventID: 1
  - product: windows
    exact: true
    conditions:
      Quoted: '4688'
      Flag: true
      Gone: null
      Star: 'a*b'
      Several: [1, two]
    field_mappings:
      Image: ProcessName
    drop_fields: ParentImage
`;

describe('loadPipeline: valid files', () => {
  it('reads every key into the frozen model', () => {
    const { pipeline, errors } = loadPipeline('p.yml', FULL);
    expect(errors).toEqual([]);
    expect(pipeline).toMatchObject({
      name: 'test',
      description: 'a test pipeline',
      priority: 5,
      unmapped: 'error',
      fieldMappings: [
        { field: 'Image', targets: ['NewProcessName'], origin: { file: 'p.yml', line: 6, column: 3 } },
        { field: 'User', targets: ['SubjectUserName', 'TargetUserName'] },
      ],
      dropFields: ['Hashes'],
      valueReplacements: [{ fields: ['Image'], regex: '^C:', flags: 'i', replacement: 'D:' }],
      placeholders: [
        { name: 'Admins', values: ['adm*', 'root'] },
        { name: 'Port', values: ['445'] },
      ],
      origin: { file: 'p.yml', line: 1, column: 1 },
    });
    expect(pipeline?.logsources).toHaveLength(2);
    expect(pipeline?.logsources[0]).toMatchObject({
      name: 'sysmon',
      category: 'process_creation',
      product: 'windows',
      service: null,
      isExact: false,
      conditions: [
        { field: 'Channel', values: [{ kind: 'StringPattern', isCased: false }] },
        { field: 'EventID', values: [{ kind: 'Number', value: 1, text: '1' }], origin: { line: 23, column: 7 } },
      ],
      fieldMappings: [],
      dropFields: [],
      valueReplacements: [],
    });
    expect(Object.isFrozen(pipeline)).toBe(true);
    expect(Object.isFrozen(pipeline?.logsources[0]?.conditions[0]?.values)).toBe(true);
  });

  it('types condition values like Sigma values, strings without wildcards', () => {
    const { pipeline } = loadPipeline('p.yml', FULL);
    const conditions = pipeline?.logsources[1]?.conditions ?? [];
    const byField = Object.fromEntries(conditions.map((c) => [c.field, c.values]));
    expect(byField['Quoted']).toEqual([{ kind: 'StringPattern', parts: [{ kind: 'Literal', text: '4688' }], isCased: false }]);
    expect(byField['Flag']).toEqual([{ kind: 'Boolean', value: true }]);
    expect(byField['Gone']).toEqual([{ kind: 'Null' }]);
    expect(byField['Star']).toEqual([{ kind: 'StringPattern', parts: [{ kind: 'Literal', text: 'a*b' }], isCased: false }]);
    expect(byField['Several']?.map((v) => v.kind)).toEqual(['Number', 'StringPattern']);
    expect(pipeline?.logsources[1]).toMatchObject({ isExact: true, product: 'windows', category: null, dropFields: ['ParentImage'] });
  });

  it('defaults priority to 0 and unmapped to keep', () => {
    const { pipeline, errors } = loadPipeline('p.yml', 'name: minimal\n');
    expect(errors).toEqual([]);
    expect(pipeline).toMatchObject({ priority: 0, unmapped: 'keep', logsources: [], placeholders: [], description: null });
  });

  it('accepts numbers as names as written', () => {
    const { pipeline, errors } = loadPipeline('p.yml', 'name: 365\nlogsources:\n  - product: 0365\n');
    expect(errors).toEqual([]);
    expect(pipeline?.name).toBe('365');
    expect(pipeline?.logsources[0]?.product).toBe('0365');
  });
});

describe('loadPipeline: every error is located', () => {
  it.each<[string, string, Array<[string, number, number]>]>([
    ['empty file', '', [['empty-document', 1, 1]]],
    ['a document of only comments', '# nothing\n', [['empty-document', 1, 1]]],
    ['null document', '---\n~\n', [['empty-document', 1, 1]]],
    ['YAML syntax error', 'name: [a\n', [['yaml-syntax', 2, 1]]],
    ['duplicate key', 'name: a\nname: b\n', [['yaml-duplicate-key', 2, 1]]],
    ['two documents', 'name: a\n---\nname: b\n', [['pipeline', 2, 1]]],
    ['root is a list', '- a\n', [['schema', 1, 1]]],
    ['missing name', 'priority: 1\n', [['schema', 1, 1]]],
    ['empty name', "name: ''\n", [['schema', 1, 7]]],
    ['name is a map', 'name: {a: 1}\n', [['schema', 1, 7]]],
    ['name without value', 'name:\n', [['schema', 1, 1]]],
    ['float priority', 'name: a\npriority: 1.5\n', [['schema', 2, 11]]],
    ['string priority', "name: a\npriority: '1'\n", [['schema', 2, 11]]],
    ['bad unmapped policy', 'name: a\nunmapped: drop\n', [['schema', 2, 11]]],
    ['unknown top-level key with a hint', 'name: a\nfieldmappings: {}\n', [['unknown-key', 2, 1]]],
    ['field_mappings is a list', 'name: a\nfield_mappings: [a]\n', [['schema', 2, 17]]],
    ['mapping target is a map', 'name: a\nfield_mappings:\n  A: {b: c}\n', [['schema', 3, 6]]],
    ['mapping target is an empty list', 'name: a\nfield_mappings:\n  A: []\n', [['schema', 3, 6]]],
    ['mapping target list holds null', 'name: a\nfield_mappings:\n  A: [B, ~]\n', [['schema', 3, 10]]],
    ['mapping without target', 'name: a\nfield_mappings:\n  A:\n', [['schema', 3, 3]]],
    ['mapping from an empty field name', "name: a\nfield_mappings:\n  '': B\n", [['schema', 3, 3]]],
    ['drop_fields is a map', 'name: a\ndrop_fields: {a: 1}\n', [['schema', 2, 14]]],
    ['field both mapped and dropped', 'name: a\nfield_mappings: {A: B}\ndrop_fields: [A]\n', [['pipeline', 2, 18]]],
    ['value_replacements is a map', 'name: a\nvalue_replacements: {a: 1}\n', [['schema', 2, 21]]],
    ['value replacement is a string', 'name: a\nvalue_replacements: [x]\n', [['schema', 2, 22]]],
    ['value replacement without regex', 'name: a\nvalue_replacements:\n  - replacement: x\n', [['schema', 3, 5]]],
    ['value replacement without replacement', "name: a\nvalue_replacements:\n  - regex: x\n", [['schema', 3, 5]]],
    ['invalid regex', "name: a\nvalue_replacements:\n  - regex: '(a'\n    replacement: x\n", [['invalid-regex', 3, 12]]],
    ['bad regex flags', "name: a\nvalue_replacements:\n  - {regex: a, replacement: b, flags: g}\n", [['schema', 3, 39]]],
    ['unknown key in a value replacement', "name: a\nvalue_replacements:\n  - {regex: a, replacement: b, field: X}\n", [['unknown-key', 3, 32]]],
    ['placeholders is a list', 'name: a\nplaceholders: [a]\n', [['schema', 2, 15]]],
    ['placeholder name with %', "name: a\nplaceholders:\n  '%x%': [a]\n", [['schema', 3, 3]]],
    ['placeholder value is a map', 'name: a\nplaceholders:\n  x: {a: b}\n', [['schema', 3, 6]]],
    ['placeholder value is a boolean', 'name: a\nplaceholders:\n  x: [true]\n', [['schema', 3, 7]]],
    ['logsources is a map', 'name: a\nlogsources: {product: windows}\n', [['schema', 2, 13]]],
    ['logsources entry is a string', 'name: a\nlogsources: [windows]\n', [['schema', 2, 14]]],
    ['entry with no attribute', 'name: a\nlogsources:\n  - conditions: {EventID: 1}\n', [['pipeline', 3, 5]]],
    ['entry attribute is a list', 'name: a\nlogsources:\n  - product: [windows]\n', [['schema', 3, 14]]],
    ['exact is not a boolean', "name: a\nlogsources:\n  - {product: windows, exact: 'yes'}\n", [['schema', 3, 31]]],
    ['unknown key in an entry with a hint', 'name: a\nlogsources:\n  - product: windows\n    fieldmappings: {}\n', [['unknown-key', 4, 5]]],
    ['conditions is a list', 'name: a\nlogsources:\n  - product: windows\n    conditions: [a]\n', [['schema', 4, 17]]],
    ['condition value is a map', 'name: a\nlogsources:\n  - product: windows\n    conditions:\n      EventID: {a: 1}\n', [['schema', 5, 16]]],
    ['condition list holds a list', 'name: a\nlogsources:\n  - product: windows\n    conditions:\n      EventID: [1, [2]]\n', [['schema', 5, 20]]],
    ['condition is an empty list', 'name: a\nlogsources:\n  - product: windows\n    conditions:\n      EventID: []\n', [['schema', 5, 16]]],
    ['condition is not a finite number', 'name: a\nlogsources:\n  - product: windows\n    conditions:\n      EventID: .inf\n', [['schema', 5, 16]]],
    ['branch field mapped and dropped', 'name: a\nlogsources:\n  - product: windows\n    field_mappings: {A: B}\n    drop_fields: A\n', [['pipeline', 4, 22]]],
  ])('%s', (_name, text, expected) => {
    expect(errorsOf(text)).toEqual(expected);
  });

  it('hints at the right key name for thor.yml spellings', () => {
    const { errors } = loadPipeline('p.yml', 'name: a\nfieldmappings: {}\n');
    expect(errors[0]?.message).toContain("'field_mappings'");
  });

  it('reports every error of a file, not only the first', () => {
    const text = 'priority: x\nunmapped: 1\nlogsources:\n  - {}\n  - product: windows\n    bogus: 1\n';
    expect(errorsOf(text).sort(byLocation)).toEqual([
      ['schema', 1, 1], // no name
      ['schema', 1, 11], // priority
      ['schema', 2, 11], // unmapped
      ['pipeline', 4, 5], // entry without attributes
      ['unknown-key', 6, 5],
    ]);
  });
});

function byLocation(a: readonly unknown[], b: readonly unknown[]): number {
  return Number(a[1]) - Number(b[1]) || Number(a[2]) - Number(b[2]);
}
