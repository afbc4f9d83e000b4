import { describe, expect, it } from 'vitest';
import {
  And,
  Constant,
  Exists,
  FieldRefValue,
  Keyword,
  Match,
  Not,
  NumberValue,
  Or,
  PatternPart,
  RegexValue,
  StringPattern,
  deepFreeze,
  type Logsource,
  type Node,
  type Value,
} from '@siemlite/core';
import {
  applyPipeline,
  mapFieldName,
  matchesLogsource,
  resolvePlaceholders,
} from '../../src/pipeline/apply-pipeline.js';
import { loadBuiltinPipeline } from '../../src/pipeline/builtin.js';
import { loadPipeline, type ProcessingPipeline } from '../../src/pipeline/pipeline.js';

function pipeline(text: string, file = 'p.yml'): ProcessingPipeline {
  const { pipeline: p, errors } = loadPipeline(file, text);
  expect(errors).toEqual([]);
  if (p === null) throw new Error('pipeline did not load');
  return p;
}

function logsource(attrs: Partial<Logsource>): Logsource {
  return { category: null, product: null, service: null, definition: null, ...attrs };
}

function showValue(v: Value): string {
  switch (v.kind) {
    case 'StringPattern':
      // Raw parts, not Sigma escapes: a literal `*` and a wildcard print alike, which no test relies on.
      return `'${v.parts.map((p) => (p.kind === 'Literal' ? p.text : p.kind === 'AnyChars' ? '*' : '?')).join('')}'${v.isCased ? 'c' : ''}`;
    case 'Number':
      return v.text;
    case 'Boolean':
      return String(v.value);
    case 'Null':
      return 'null';
    case 'FieldRef':
      return `@${v.field}${v.position === 'exact' ? '' : `:${v.position}`}`;
    case 'Regex':
      return `/${v.source}/`;
    default:
      return v.kind;
  }
}

/** Compact text of a tree, so expected results read like conditions. */
function show(node: Node): string {
  switch (node.kind) {
    case 'And':
      return `(${node.children.map(show).join(' and ')})`;
    case 'Or':
      return `(${node.children.map(show).join(' or ')})`;
    case 'Not':
      return `not ${show(node.child)}`;
    case 'Match':
      return `${node.field}=${showValue(node.value)}`;
    case 'Exists':
      return `${node.field}?`;
    case 'Keyword':
      return `"${showValue(node.value)}"`;
    case 'Constant':
      return String(node.value);
  }
}

const lit = (text: string): StringPattern => StringPattern.literal(text);
const m = (field: string, value: Value | string): Match => Match.create(field, typeof value === 'string' ? lit(value) : value);

const PROC_WIN = logsource({ category: 'process_creation', product: 'windows' });

const windows = ((): ProcessingPipeline => {
  const { pipeline: p, errors } = loadBuiltinPipeline('windows');
  expect(errors).toEqual([]);
  if (p === null) throw new Error('windows pipeline did not load');
  return p;
})();

describe('applyPipeline without pipelines (none mode)', () => {
  it('returns the condition unchanged and the rule mapped', () => {
    const condition = And.create([m('Image', 'x'), m('User', 'y')]);
    const result = applyPipeline({ logsource: PROC_WIN, condition }, []);
    expect(result.condition).toBe(condition);
    expect(result.isMapped).toBe(true);
    expect(result.errors).toEqual([]);
  });
});

describe('logsource matching', () => {
  const p = pipeline(`name: m
logsources:
  - {category: process_creation, product: windows, conditions: {E: 1}}
  - {category: antivirus, conditions: {E: 2}}
  - {product: windows, exact: true, conditions: {E: 3}}
`);
  const [procEntry, avEntry, exactEntry] = p.logsources;
  if (procEntry === undefined || avEntry === undefined || exactEntry === undefined) throw new Error('entries');

  it('matches when every attribute the entry sets equals the rule’s', () => {
    expect(matchesLogsource(procEntry, PROC_WIN)).toBe(true);
    expect(matchesLogsource(procEntry, { ...PROC_WIN, service: 'sysmon', definition: 'anything' })).toBe(true);
    expect(matchesLogsource(avEntry, logsource({ category: 'antivirus' }))).toBe(true);
    expect(matchesLogsource(avEntry, logsource({ category: 'antivirus', product: 'linux' }))).toBe(true);
  });

  it('does not match when the rule lacks an attribute the entry sets', () => {
    expect(matchesLogsource(procEntry, logsource({ category: 'process_creation' }))).toBe(false);
    expect(matchesLogsource(procEntry, logsource({ product: 'windows' }))).toBe(false);
  });

  it('compares case-sensitively', () => {
    expect(matchesLogsource(procEntry, logsource({ category: 'process_creation', product: 'Windows' }))).toBe(false);
    expect(matchesLogsource(procEntry, logsource({ category: 'Process_Creation', product: 'windows' }))).toBe(false);
  });

  it('an exact entry matches only rules without the attributes it omits', () => {
    expect(matchesLogsource(exactEntry, logsource({ product: 'windows' }))).toBe(true);
    expect(matchesLogsource(exactEntry, logsource({ product: 'windows', definition: 'x' }))).toBe(true);
    expect(matchesLogsource(exactEntry, PROC_WIN)).toBe(false);
    expect(matchesLogsource(exactEntry, logsource({ product: 'windows', service: 'security' }))).toBe(false);
  });

  it('turns an unmatched rule into an unmapped one', () => {
    const condition = m('A', 'x');
    const r = applyPipeline({ logsource: logsource({ product: 'linux' }), condition }, [p]);
    expect(r.isMapped).toBe(false);
    expect(r.errors).toEqual([]);
    expect(show(r.condition)).toBe("A='x'");
  });
});

describe('the windows pipeline on process_creation', () => {
  it('ORs a Sysmon 1 branch with a Security 4688 branch that renames the images', () => {
    const condition = And.create([
      m('Image', StringPattern.create([PatternPart.anyChars, PatternPart.literal('\\cmd.exe')], false)),
      Not.create(m('ParentImage', 'C:\\Windows\\explorer.exe')),
      m('CommandLine', StringPattern.create([PatternPart.anyChars, PatternPart.literal('/c'), PatternPart.anyChars], false)),
    ]);
    const r = applyPipeline({ logsource: PROC_WIN, condition }, [windows]);
    expect(r.isMapped).toBe(true);
    expect(r.errors).toEqual([]);
    expect(show(r.condition)).toBe(
      "(((Image='*\\cmd.exe' and not ParentImage='C:\\Windows\\explorer.exe' and CommandLine='*/c*')" +
        " and Channel='Microsoft-Windows-Sysmon/Operational' and EventID=1)" +
        " or ((NewProcessName='*\\cmd.exe' and not ParentProcessName='C:\\Windows\\explorer.exe' and CommandLine='*/c*')" +
        " and Channel='Security' and EventID=4688))",
    );
  });

  it('adds conditions as typed IR leaves located in the pipeline file', () => {
    const r = applyPipeline({ logsource: PROC_WIN, condition: m('CommandLine', 'x') }, [windows]);
    const or = r.condition;
    if (!Or.is(or)) throw new Error('expected Or');
    const sysmon = or.children[0];
    if (sysmon === undefined || !And.is(sysmon)) throw new Error('expected And');
    const eventId = sysmon.children[2];
    expect(eventId).toMatchObject({ kind: 'Match', field: 'EventID', value: { kind: 'Number', value: 1 } });
    expect(eventId?.kind === 'Match' ? eventId.origin?.file : null).toMatch(/rules\/pipelines\/windows\.yml$/);
  });

  it('maps product: windows alone to every event, without extra conditions', () => {
    const condition = Keyword.create(lit('mimikatz'));
    const r = applyPipeline({ logsource: logsource({ product: 'windows' }), condition }, [windows]);
    expect(r.isMapped).toBe(true);
    expect(show(r.condition)).toBe('"\'mimikatz\'"');
  });

  it('maps services to channels, with OR for several channels', () => {
    const r = applyPipeline(
      { logsource: logsource({ product: 'windows', service: 'powershell' }), condition: m('EventID', NumberValue.create(4100)) },
      [windows],
    );
    expect(show(r.condition)).toBe(
      "(EventID=4100 and (Channel='Microsoft-Windows-PowerShell/Operational' or Channel='PowerShellCore/Operational'))",
    );
  });

  it('maps antivirus rules without a product to Defender with its renames', () => {
    const r = applyPipeline(
      { logsource: logsource({ category: 'antivirus' }), condition: Or.create([m('Signature', 'PWS*'), m('Filename', 'x')]) },
      [windows],
    );
    expect(show(r.condition)).toMatch(/^\(\(ThreatName='PWS\*' or Path='x'\) and Channel='Microsoft-Windows-Windows Defender\/Operational' and \(EventID=1006 or /);
  });

  it('leaves file_access unmapped', () => {
    const r = applyPipeline({ logsource: logsource({ category: 'file_access', product: 'windows' }), condition: m('A', 'x') }, [windows]);
    expect(r.isMapped).toBe(false);
    expect(r.errors).toEqual([]);
  });
});

describe('field mappings', () => {
  const p = pipeline(`name: f
field_mappings:
  User: [SubjectUserName, TargetUserName]
  Src: SourceIp
  A: B
  B: C
logsources:
  - category: c1
    field_mappings: {Src: BranchIp}
  - category: c1
`);
  const ls = logsource({ category: 'c1' });

  it('one-to-many becomes an OR of the item over each target', () => {
    const r = applyPipeline({ logsource: ls, condition: Not.create(m('User', 'adm*')) }, [p]);
    expect(show(r.condition)).toBe(
      "(not (SubjectUserName='adm*' or TargetUserName='adm*') or not (SubjectUserName='adm*' or TargetUserName='adm*'))",
    );
  });

  it('shares the subtrees it leaves unchanged with the rule, and rebuilds only the path to a change', () => {
    const untouched = Or.create([m('Image', '*\\x.exe'), Not.create(m('CommandLine', '*y*')), Exists.create('ParentImage')]);
    const renamed = m('User', 'adm*');
    const condition = And.create([untouched, renamed]);
    const r = applyPipeline({ logsource: logsource({ category: 'other' }), condition }, [p]);
    expect(show(r.condition)).toBe("((Image='*\\x.exe' or not CommandLine='*y*' or ParentImage?) and (SubjectUserName='adm*' or TargetUserName='adm*'))");
    const children = (r.condition as And).children;
    expect(children[0]).toBe(untouched);
    expect(r.condition).not.toBe(condition);
    // Nothing to rename: the very same tree.
    expect(applyPipeline({ logsource: logsource({ category: 'other' }), condition: untouched }, [p]).condition).toBe(untouched);
  });

  it('renames Exists fields too', () => {
    const r = applyPipeline({ logsource: ls, condition: Exists.create('User') }, [p]);
    expect(show(r.condition)).toBe('((SubjectUserName? or TargetUserName?) or (SubjectUserName? or TargetUserName?))');
  });

  it('renames fieldref targets, over every pair for one-to-many mappings', () => {
    const condition = m('User', FieldRefValue.create('User', 'contains', false));
    const r = applyPipeline({ logsource: logsource({ category: 'other' }), condition }, [p]);
    expect(show(r.condition)).toBe(
      '(SubjectUserName=@SubjectUserName:contains or SubjectUserName=@TargetUserName:contains' +
        ' or TargetUserName=@SubjectUserName:contains or TargetUserName=@TargetUserName:contains)',
    );
    const r2 = applyPipeline({ logsource: logsource({ category: 'other' }), condition: m('X', FieldRefValue.create('Src', 'exact', true)) }, [p]);
    expect(r2.condition).toEqual(Match.create('X', FieldRefValue.create('SourceIp', 'exact', true)));
  });

  it('a branch mapping wins over the global one, per branch', () => {
    const r = applyPipeline({ logsource: ls, condition: m('Src', '10.0.0.1') }, [p]);
    expect(show(r.condition)).toBe("(BranchIp='10.0.0.1' or SourceIp='10.0.0.1')");
  });

  it('mappings are not chained', () => {
    const r = applyPipeline({ logsource: logsource({ category: 'other' }), condition: And.create([m('A', 'x'), m('B', 'y')]) }, [p]);
    expect(show(r.condition)).toBe("(B='x' and C='y')");
  });

  it('never touches keywords and keeps leaf origins', () => {
    const origin = { file: 'rule.yml', line: 7, column: 9 };
    const condition = Or.create([Keyword.create(lit('User')), Match.create('Src', lit('x'), origin)]);
    const r = applyPipeline({ logsource: logsource({ category: 'other' }), condition }, [p]);
    expect(r.condition).toEqual(Or.create([Keyword.create(lit('User')), Match.create('SourceIp', lit('x'), origin)]));
  });

  it('returns a new tree and leaves input and pipeline untouched', () => {
    const condition = deepFreeze(And.create([m('User', 'a'), m('Src', 'b')]));
    const before = JSON.stringify(condition);
    const pipelineBefore = JSON.stringify(p);
    const r = applyPipeline({ logsource: ls, condition }, [p]);
    expect(r.condition).not.toBe(condition);
    expect(JSON.stringify(condition)).toBe(before);
    expect(JSON.stringify(p)).toBe(pipelineBefore);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.errors)).toBe(true);
  });
});

describe('drop_fields', () => {
  const p = pipeline(`name: d
drop_fields: [Hashes, Gone]
`);
  const ls = logsource({ category: 'x' });
  const apply = (condition: Node): string => show(applyPipeline({ logsource: ls, condition }, [p]).condition);

  it('removes the item from its AND group', () => {
    expect(apply(And.create([m('Image', 'a'), m('Hashes', 'b'), m('User', 'c')]))).toBe("(Image='a' and User='c')");
  });

  it('removes the item from its OR list', () => {
    expect(apply(Or.create([m('Image', 'a'), m('Hashes', 'b')]))).toBe("Image='a'");
  });

  it('removes a filter left empty, and its not, from the condition', () => {
    const filter = Or.create([m('Hashes', 'a'), Exists.create('Gone')]);
    expect(apply(And.create([m('Image', 'a'), Not.create(filter)]))).toBe("Image='a'");
    expect(apply(And.create([m('Image', 'a'), Not.create(And.create([m('Hashes', 'x'), m('User', 'u')]))]))).toBe(
      "(Image='a' and not User='u')",
    );
  });

  it('drops an item whose fieldref target is dropped', () => {
    expect(apply(And.create([m('Image', 'a'), m('User', FieldRefValue.create('Gone', 'exact', false))]))).toBe("Image='a'");
  });

  it('fails when nothing of the condition is left', () => {
    const origin = { file: 'rule.yml', line: 1, column: 1 };
    const r = applyPipeline({ logsource: ls, condition: And.create([m('Hashes', 'a'), m('Gone', 'b')]), origin, ruleId: 'r1' }, [p]);
    expect(r.condition).toBe(Constant.FALSE);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'pipeline', severity: 'error', location: origin, ruleId: 'r1' })]);
  });

  it('keeps constants and keywords', () => {
    expect(apply(And.create([Keyword.create(lit('k')), Constant.TRUE, m('Hashes', 'x')]))).toBe('("\'k\'" and true)');
  });

  it('dropped fields map to no name for group-by', () => {
    expect(mapFieldName('Hashes', [p], ls)).toEqual([]);
  });
});

describe('value_replacements', () => {
  const p = pipeline(String.raw`name: v
value_replacements:
  - fields: [Image, ParentImage]
    regex: '^C:\\'
    flags: i
    replacement: '%SystemDrive%*\'
  - regex: 'foo'
    replacement: 'bar'
`);
  const ls = logsource({ category: 'x' });
  const apply = (condition: Node): Node => applyPipeline({ logsource: ls, condition }, [p]).condition;

  it('replaces in literal parts of listed fields, keeps wildcards, inserts literal text', () => {
    const value = StringPattern.create([PatternPart.literal('c:\\Windows\\'), PatternPart.anyChars, PatternPart.literal('.exe')], true);
    const out = apply(Match.create('Image', value));
    expect(out).toEqual(
      Match.create(
        'Image',
        StringPattern.create([PatternPart.literal('%SystemDrive%*\\Windows\\'), PatternPart.anyChars, PatternPart.literal('.exe')], true),
      ),
    );
    expect(StringPattern.toSigma(out.kind === 'Match' && StringPattern.is(out.value) ? out.value : lit(''))).toBe(
      '%SystemDrive%\\*\\\\Windows\\\\*.exe',
    );
  });

  it('skips fields not listed, and applies field-less replacements everywhere', () => {
    expect(show(apply(m('CommandLine', 'C:\\foo')))).toBe("CommandLine='C:\\bar'");
  });

  it('leaves non-string values and keywords alone', () => {
    const condition = And.create([Match.create('Image', RegexValue.create('^C:\\\\foo', '')), Keyword.create(lit('foo'))]);
    expect(apply(condition)).toEqual(condition);
  });

  it('runs before the rename, keyed by the rule’s field name', () => {
    const q = pipeline(`name: q
field_mappings: {Image: NewProcessName}
value_replacements:
  - {fields: [Image], regex: x, replacement: y}
`);
    expect(show(applyPipeline({ logsource: ls, condition: m('Image', 'x') }, [q]).condition)).toBe("NewProcessName='y'");
  });
});

describe('placeholders', () => {
  it('merges tables in priority order, later names replacing earlier ones', () => {
    const low = pipeline(`name: low
priority: 1
placeholders:
  Admins: [adm*]
  Servers: srv1
`);
    const high = pipeline(`name: high
priority: 2
placeholders:
  Admins: [root, administrator]
`);
    const table = resolvePlaceholders([high, low]);
    expect([...table.entries()]).toEqual([
      ['Admins', ['root', 'administrator']],
      ['Servers', ['srv1']],
    ]);
    expect(resolvePlaceholders([]).size).toBe(0);
  });
});

describe('unmapped rules', () => {
  const strict = pipeline(`name: strict
unmapped: error
field_mappings: {A: B}
logsources:
  - {product: windows, service: security, conditions: {Channel: Security}}
`);
  const origin = { file: 'rule.yml', line: 1, column: 1 };

  it("'error' rejects a rule that matches no entry, located at the rule", () => {
    const r = applyPipeline({ logsource: logsource({ product: 'linux', service: 'auth' }), condition: m('A', 'x'), origin, ruleId: 'id-1' }, [strict]);
    expect(r.isMapped).toBe(false);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'pipeline', location: origin, ruleId: 'id-1' })]);
    expect(r.errors[0]?.message).toContain('{product: linux, service: auth}');
  });

  it("'keep' loads it unmapped, with the pipeline-wide mappings applied", () => {
    const keep = { ...strict, unmapped: 'keep' as const };
    const r = applyPipeline({ logsource: logsource({ product: 'linux' }), condition: m('A', 'x') }, [keep]);
    expect(r).toMatchObject({ isMapped: false, errors: [] });
    expect(show(r.condition)).toBe("B='x'");
  });

  it('a rule mapped by another pipeline is mapped', () => {
    const other = pipeline('name: other\nlogsources:\n  - {product: linux}\n');
    const r = applyPipeline({ logsource: logsource({ product: 'linux' }), condition: m('A', 'x') }, [strict, other]);
    expect(r).toMatchObject({ isMapped: true, errors: [] });
  });

  it('a pipeline without logsources never makes a rule unmapped', () => {
    const renames = pipeline('name: r\nfield_mappings: {A: B}\n');
    expect(applyPipeline({ logsource: logsource({}), condition: m('A', 'x') }, [renames]).isMapped).toBe(true);
  });
});

describe('several pipelines', () => {
  const base = pipeline(`name: base
priority: 10
logsources:
  - {category: c, conditions: {Channel: Sysmon, EventID: 1}}
`);
  const ecs = pipeline(`name: ecs
priority: 20
field_mappings:
  Channel: winlog.channel
  Image: process.executable
logsources:
  - {category: c, conditions: {event.module: sysmon}}
`);

  it('run by ascending priority, later mappings rename earlier conditions, conditions AND-ed', () => {
    const r = applyPipeline({ logsource: logsource({ category: 'c' }), condition: m('Image', 'x') }, [ecs, base]);
    expect(show(r.condition)).toBe("((process.executable='x' and winlog.channel='Sysmon' and EventID=1) and event.module='sysmon')");
  });

  it('mapFieldName follows every pipeline and every branch', () => {
    expect(mapFieldName('Image', [ecs, base], logsource({ category: 'c' }))).toEqual(['process.executable']);
    expect(mapFieldName('Image', [windows], PROC_WIN)).toEqual(['Image', 'NewProcessName']);
    expect(mapFieldName('CommandLine', [windows], PROC_WIN)).toEqual(['CommandLine']);
    expect(mapFieldName('Image', [], PROC_WIN)).toEqual(['Image']);
  });
});
