// Processing pipelines: the frozen model and the loader for pipeline YAML files.
//
// A processing pipeline tells the engine how Sigma logsources and field names map onto
// the events it actually receives (sigma-semantics.md §9.2). It is applied to the lowered
// IR condition of a rule by `applyPipeline` (apply-pipeline.ts), never to the YAML.
//
// File format (one YAML document per file; unknown keys are errors):
//
//   name: windows                  # required, non-empty string
//   description: ...               # optional free text
//   priority: 10                   # optional int, default 0; several pipelines run in
//                                  # ascending priority, ties in the order given
//   unmapped: keep                 # optional, keep | error (default keep): what happens
//                                  # to a rule whose logsource matches no `logsources`
//                                  # entry (see below)
//   field_mappings:                # optional, applies to every rule
//     SigmaField: EventField       # one-to-one rename
//     Other: [FieldA, FieldB]      # one-to-many: OR of the item over each target
//   drop_fields: [Field]           # optional: items on these fields are removed
//   value_replacements:            # optional: regex replacement in string values
//     - fields: [Image]            #   optional; omitted = items on every field
//       regex: '^C:\\'             #   required, JavaScript syntax, checked at load
//       flags: i                   #   optional, subset of "imsu" ("g" is implied)
//       replacement: '%SystemDrive%\' # required; `$1`, `$<name>` refer to groups
//   placeholders:                  # optional, for the `expand` modifier (§4.11)
//     Administrators: ['Admin*', 'root']   # name -> string or list of strings
//   logsources:                    # optional list of entries
//     - name: process_creation_sysmon      # optional label for messages
//       category: process_creation         # category/product/service: at least one
//       product: windows
//       exact: false               # optional, default false (see matching below)
//       conditions:                # optional; AND across fields, OR within a list
//         Channel: Microsoft-Windows-Sysmon/Operational
//         EventID: 1
//       field_mappings: {...}      # optional, this branch only (wins over global)
//       drop_fields: [...]         # optional, this branch only (added to global)
//       value_replacements: [...]  # optional, this branch only (after global)
//
// Semantics:
// - Logsource matching: an entry matches a rule when every one of category, product and
//   service that the entry sets equals the rule's (case-sensitive; attributes the entry
//   omits are wildcards; the rule's `definition` is ignored). With `exact: true` the
//   attributes the entry omits must also be absent from the rule: `{product: windows,
//   exact: true}` catches rules that say only `product: windows` (any Windows event)
//   without becoming an always-true branch for every `process_creation` rule.
// - Several matching entries are OR-ed branches: per branch the rule condition gets the
//   branch's renames, drops and replacements, then is AND-ed with the branch conditions.
//   With no matching entry, only the pipeline-wide transforms apply and the rule is
//   unmapped (unless another pipeline maps it): `keep` leaves it to the engine to report
//   (it evaluates such rules only on sources declared as that logsource, §9.2); `error`
//   rejects the rule with a 'pipeline' error. A pipeline without `logsources` never
//   makes a rule unmapped.
// - Condition values are typed like Sigma values: YAML numbers are numbers (they match
//   event numbers and numeric text), booleans are booleans, `null` means "field absent",
//   everything else is a plain string compared for case-insensitive equality, with no
//   wildcards (`*` and `?` are literal).
// - Field mappings are looked up once per field, not chained (A->B, B->C maps A to B).
//   They rename Match and Exists fields and the target field of `fieldref` values;
//   keywords (field-less items) are never changed. The lookup key is always the field
//   name as the rule (or an earlier pipeline) wrote it.
// - drop_fields follows pySigma's drop_detection_item: the item is removed from its AND
//   group (as if replaced by `true` there) or from its OR list (as if `false`); a group
//   left empty is removed from its own parent, and `not` of a removed item is removed
//   too, so `selection and not filter` with a fully dropped filter becomes `selection`.
//   An item whose `fieldref` target is dropped is dropped as well. If nothing of the
//   condition is left, applying the pipeline fails with a 'pipeline' error.
// - value_replacements apply to the literal parts of string patterns only (wildcards are
//   kept, the replacement text is literal: a `*` in it is not a wildcard); numbers,
//   regexes and other value kinds are untouched. Order per item: drop, replace, rename.
// - Several pipelines run one after another in priority order, each on the output of the
//   previous one: conditions added by an earlier pipeline are renamed by a later one,
//   and conditions of different pipelines are AND-ed. Placeholders of a later pipeline
//   replace same-named ones of an earlier pipeline.
import {
  BooleanValue,
  NullValue,
  NumberValue,
  StringPattern,
  deepFreeze,
  errorRecord,
  type ErrorCode,
  type ErrorRecord,
  type SourceLocation,
} from '@siemlite/core';
import { loadYaml, type YamlEntry, type YamlMap, type YamlScalar, type YamlValue } from '../yaml/load-yaml.js';
import { Buffer } from 'node:buffer';
import { RuleCache, type RuleCacheOptions } from '../rule-cache.js';

/** What to do with a rule whose logsource matches no entry of any pipeline. */
export type UnmappedPolicy = 'keep' | 'error';

/** One field mapping: `field` becomes each of `targets` (OR-ed when more than one). */
export interface PipelineFieldMapping {
  readonly field: string;
  readonly targets: readonly string[];
  readonly origin: SourceLocation;
}

/** A regex replacement in the literal parts of string values of some fields. */
export interface PipelineValueReplacement {
  /** Sigma field names the replacement applies to; null for every field. */
  readonly fields: readonly string[] | null;
  /** JavaScript regex source, validated at load time. */
  readonly regex: string;
  /** Regex flags, a subset of `imsu`; `g` is always added. */
  readonly flags: string;
  readonly replacement: string;
  readonly origin: SourceLocation;
}

/** The rewrites a pipeline (globally) or one logsource entry (per branch) applies to items. */
export interface PipelineTransforms {
  readonly fieldMappings: readonly PipelineFieldMapping[];
  readonly dropFields: readonly string[];
  readonly valueReplacements: readonly PipelineValueReplacement[];
}

/** A value of a logsource condition: typed like a Sigma value, strings without wildcards. */
export type PipelineConditionValue = StringPattern | NumberValue | BooleanValue | NullValue;

/** `field: value` or `field: [v1, v2]` under `conditions`: the field equals one of the values. */
export interface PipelineCondition {
  readonly field: string;
  readonly values: readonly PipelineConditionValue[];
  /** Location of the field key in the pipeline file; becomes the origin of the IR leaves. */
  readonly origin: SourceLocation;
}

/** One `logsources` entry: when it matches a rule, one OR-ed branch with its own renames. */
export interface LogsourceEntry extends PipelineTransforms {
  readonly name: string | null;
  readonly category: string | null;
  readonly product: string | null;
  readonly service: string | null;
  /** When true, attributes left out of the entry must be absent from the rule too. */
  readonly isExact: boolean;
  readonly conditions: readonly PipelineCondition[];
  readonly origin: SourceLocation;
}

/** A placeholder table entry for the `expand` modifier: `%name%` → each value. */
export interface PipelinePlaceholder {
  readonly name: string;
  readonly values: readonly string[];
}

/**
 * A loaded processing pipeline: frozen, JSON-safe data (no RegExp, no Map), so it can be
 * cached and sent to workers. Regexes are compiled by `applyPipeline` when it runs.
 */
export interface ProcessingPipeline extends PipelineTransforms {
  readonly name: string;
  readonly description: string | null;
  readonly priority: number;
  readonly unmapped: UnmappedPolicy;
  readonly placeholders: readonly PipelinePlaceholder[];
  readonly logsources: readonly LogsourceEntry[];
  readonly origin: SourceLocation;
}

const TOP_KEYS = [
  'name',
  'description',
  'priority',
  'unmapped',
  'field_mappings',
  'drop_fields',
  'value_replacements',
  'placeholders',
  'logsources',
] as const;
const ENTRY_KEYS = [
  'name',
  'description',
  'category',
  'product',
  'service',
  'exact',
  'conditions',
  'field_mappings',
  'drop_fields',
  'value_replacements',
] as const;
const REPLACEMENT_KEYS = ['fields', 'regex', 'flags', 'replacement'] as const;

// Keys of other pipeline formats people will paste in; a hint beats a bare "unknown key".
const KEY_HINTS: Readonly<Record<string, string>> = Object.freeze({
  fieldmappings: 'field_mappings',
  fieldmapping: 'field_mappings',
  field_mapping: 'field_mappings',
  order: 'priority',
  condition: 'conditions',
  drop_field: 'drop_fields',
  placeholder: 'placeholders',
  logsource: 'logsources',
});

/**
 * Parses a pipeline YAML file (format in this file's header and rules/pipelines/README.md).
 * Returns `pipeline: null` when there is any error; every error carries file, line and
 * column, so the CLI can point at the offending key. With `options.cache` the result is
 * kept in the rule cache folder (keyed by path and text, like rule files) and reused.
 *
 * @example
 * const { pipeline, errors } = loadPipeline('rules/pipelines/windows.yml', text);
 */
export function loadPipeline(
  file: string,
  text: string,
  options: { readonly cache?: RuleCacheOptions } = {},
): { readonly pipeline: ProcessingPipeline | null; readonly errors: readonly ErrorRecord[] } {
  if (options.cache === undefined) return parsePipeline(file, text);
  // The rule cache keeps parsed pipelines too (a cache file of their own), so that a start
  // with everything cached parses no YAML (issue 14, start-up).
  const cache = RuleCache.open(options.cache, { kind: 'pipeline' });
  const hash = RuleCache.hashBytes(Buffer.from(text, 'utf8'));
  const cached = cache.get(file, hash, isPipelineResult);
  if (cached !== undefined) {
    cache.save(new Set([file]));
    return cached;
  }
  const result = parsePipeline(file, text);
  cache.set(file, hash, result);
  cache.save(new Set([file]));
  return result;
}

/** What the cache may hand back as a pipeline result: the shape `parsePipeline` returns. */
function isPipelineResult(value: unknown): value is ReturnType<typeof parsePipeline> {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.errors) && (v.pipeline === null || (typeof v.pipeline === 'object' && typeof (v.pipeline as Record<string, unknown>).name === 'string'));
}

function parsePipeline(file: string, text: string): { readonly pipeline: ProcessingPipeline | null; readonly errors: readonly ErrorRecord[] } {
  const { documents } = loadYaml(file, text);
  const errors: ErrorRecord[] = [];
  const first = documents[0];
  if (first === undefined) {
    errors.push(errorRecord('empty-document', 'pipeline file has no YAML document', { file, line: 1, column: 1 }));
    return done(null, errors);
  }
  for (const doc of documents) errors.push(...doc.errors);
  const second = documents[1];
  if (second !== undefined) {
    errors.push(errorRecord('pipeline', 'a pipeline file holds exactly one YAML document', second.loc));
  }
  if (errors.length > 0) return done(null, errors);
  if (first.value === null || (first.value.kind === 'scalar' && first.value.value === null)) {
    errors.push(errorRecord('empty-document', 'pipeline document is empty', first.loc));
    return done(null, errors);
  }
  const parser = new PipelineParser(errors);
  const pipeline = parser.pipeline(first.value);
  return done(errors.length === 0 ? pipeline : null, errors);
}

function done(
  pipeline: ProcessingPipeline | null,
  errors: readonly ErrorRecord[],
): { readonly pipeline: ProcessingPipeline | null; readonly errors: readonly ErrorRecord[] } {
  return Object.freeze({ pipeline: pipeline === null ? null : deepFreeze(pipeline), errors: Object.freeze(errors.slice()) });
}

function describeType(value: YamlValue): string {
  if (value.kind === 'map') return 'a map';
  if (value.kind === 'seq') return 'a list';
  if (value.value === null) return 'null';
  return `a ${typeof value.value}`;
}

/** Where to point for a value: the value itself, or the key when the value is empty. */
function valueLoc(e: YamlEntry): SourceLocation {
  return e.value.kind === 'scalar' && e.value.value === null ? e.keyLoc : e.value.loc;
}

/** Single-use parser state: collects errors into the array it is given. */
class PipelineParser {
  readonly #errors: ErrorRecord[];

  constructor(errors: ErrorRecord[]) {
    this.#errors = errors;
  }

  #fail(code: ErrorCode, message: string, location: SourceLocation): void {
    this.#errors.push(errorRecord(code, message, location));
  }

  pipeline(root: YamlValue): ProcessingPipeline | null {
    if (root.kind !== 'map') {
      this.#fail('schema', `a pipeline must be a map, not ${describeType(root)}`, root.loc);
      return null;
    }
    this.#checkKeys(root, TOP_KEYS, 'pipeline');
    const get = (key: string): YamlEntry | undefined => root.entries.find((e) => e.key === key);

    const nameEntry = get('name');
    let name: string | null = null;
    if (nameEntry === undefined) this.#fail('schema', "a pipeline must have a 'name'", root.loc);
    else name = this.#string(nameEntry);

    const descriptionEntry = get('description');
    const description = descriptionEntry === undefined ? null : this.#string(descriptionEntry, true);

    let priority = 0;
    const priorityEntry = get('priority');
    if (priorityEntry !== undefined) {
      const v = priorityEntry.value;
      if (v.kind === 'scalar' && v.tag === 'int' && typeof v.value === 'number' && Number.isSafeInteger(v.value)) {
        priority = v.value;
      } else {
        this.#fail('schema', `'priority' must be an integer, not ${describeType(v)}`, valueLoc(priorityEntry));
      }
    }

    let unmapped: UnmappedPolicy = 'keep';
    const unmappedEntry = get('unmapped');
    if (unmappedEntry !== undefined) {
      const v = unmappedEntry.value;
      if (v.kind === 'scalar' && (v.value === 'keep' || v.value === 'error')) unmapped = v.value;
      else this.#fail('schema', "'unmapped' must be 'keep' or 'error'", valueLoc(unmappedEntry));
    }

    const transforms = this.#transforms(root);
    const placeholdersEntry = get('placeholders');
    const placeholders = placeholdersEntry === undefined ? [] : this.#placeholders(placeholdersEntry);
    const logsourcesEntry = get('logsources');
    const logsources = logsourcesEntry === undefined ? [] : this.#logsources(logsourcesEntry);

    if (name === null) return null;
    return {
      name,
      description,
      priority,
      unmapped,
      ...transforms,
      placeholders,
      logsources,
      origin: root.loc,
    };
  }

  #checkKeys(map: YamlMap, allowed: readonly string[], where: string): void {
    for (const e of map.entries) {
      if (allowed.includes(e.key)) continue;
      const hint = KEY_HINTS[e.key];
      const suffix = hint !== undefined && Object.hasOwn(KEY_HINTS, e.key) ? ` (did you mean '${hint}'?)` : '';
      this.#fail('unknown-key', `unknown key '${e.key}' in ${where}${suffix}`, e.keyLoc);
    }
  }

  /** A non-empty string; numbers and dates are taken as written (`product: 365` is fine). */
  #string(e: YamlEntry, allowEmpty = false): string | null {
    return this.#stringScalar(e.value, `'${e.key}'`, valueLoc(e), allowEmpty);
  }

  #stringScalar(v: YamlValue, what: string, loc: SourceLocation, allowEmpty = false): string | null {
    if (v.kind !== 'scalar' || v.value === null || typeof v.value === 'boolean') {
      this.#fail('schema', `${what} must be a string, not ${describeType(v)}`, loc);
      return null;
    }
    const text = typeof v.value === 'string' ? v.value : v.text;
    if (!allowEmpty && text.trim() === '') {
      this.#fail('schema', `${what} must not be empty`, loc);
      return null;
    }
    return text;
  }

  /** A string or a list of strings (a lone string is a one-item list). */
  #stringOrList(e: YamlEntry, what: string): string[] | null {
    const v = e.value;
    if (v.kind === 'seq') {
      if (v.items.length === 0) {
        this.#fail('schema', `${what} must not be an empty list`, v.loc);
        return null;
      }
      const out: string[] = [];
      for (const item of v.items) {
        const s = this.#stringScalar(item, `every item of ${what}`, item.loc);
        if (s !== null && !out.includes(s)) out.push(s);
      }
      return out;
    }
    const s = this.#stringScalar(v, what, valueLoc(e));
    return s === null ? null : [s];
  }

  #map(e: YamlEntry): YamlMap | null {
    if (e.value.kind !== 'map') {
      this.#fail('schema', `'${e.key}' must be a map, not ${describeType(e.value)}`, valueLoc(e));
      return null;
    }
    return e.value;
  }

  #transforms(map: YamlMap): PipelineTransforms {
    const get = (key: string): YamlEntry | undefined => map.entries.find((e) => e.key === key);
    const mappingsEntry = get('field_mappings');
    const dropEntry = get('drop_fields');
    const replacementsEntry = get('value_replacements');
    const fieldMappings = mappingsEntry === undefined ? [] : this.#fieldMappings(mappingsEntry);
    const dropFields = dropEntry === undefined ? [] : (this.#stringOrList(dropEntry, "'drop_fields'") ?? []);
    const valueReplacements = replacementsEntry === undefined ? [] : this.#valueReplacements(replacementsEntry);
    if (dropEntry !== undefined) {
      // A field both renamed and dropped at one level is a contradiction, not a preference.
      for (const m of fieldMappings) {
        if (dropFields.includes(m.field)) {
          this.#fail('pipeline', `field '${m.field}' is both mapped and dropped`, m.origin);
        }
      }
    }
    return { fieldMappings, dropFields, valueReplacements };
  }

  #fieldMappings(e: YamlEntry): PipelineFieldMapping[] {
    const map = this.#map(e);
    if (map === null) return [];
    const out: PipelineFieldMapping[] = [];
    for (const m of map.entries) {
      if (m.key.trim() === '') {
        this.#fail('schema', 'a field mapping needs a field name', m.keyLoc);
        continue;
      }
      const targets = this.#stringOrList(m, `the mapping of '${m.key}'`);
      if (targets !== null) out.push({ field: m.key, targets, origin: m.keyLoc });
    }
    return out;
  }

  #valueReplacements(e: YamlEntry): PipelineValueReplacement[] {
    if (e.value.kind !== 'seq') {
      this.#fail('schema', `'value_replacements' must be a list, not ${describeType(e.value)}`, valueLoc(e));
      return [];
    }
    const out: PipelineValueReplacement[] = [];
    for (const item of e.value.items) {
      if (item.kind !== 'map') {
        this.#fail('schema', `every value replacement must be a map, not ${describeType(item)}`, item.loc);
        continue;
      }
      this.#checkKeys(item, REPLACEMENT_KEYS, 'value replacement');
      const get = (key: string): YamlEntry | undefined => item.entries.find((x) => x.key === key);
      const fieldsEntry = get('fields');
      const fields = fieldsEntry === undefined ? null : this.#stringOrList(fieldsEntry, "'fields'");
      const regexEntry = get('regex');
      const replacementEntry = get('replacement');
      const flagsEntry = get('flags');
      if (regexEntry === undefined) this.#fail('schema', "a value replacement must have 'regex'", item.loc);
      if (replacementEntry === undefined) this.#fail('schema', "a value replacement must have 'replacement'", item.loc);
      const regex = regexEntry === undefined ? null : this.#string(regexEntry);
      const replacement = replacementEntry === undefined ? null : this.#string(replacementEntry, true);
      let flags = '';
      if (flagsEntry !== undefined) {
        const f = this.#string(flagsEntry, true);
        if (f !== null && !/^[imsu]*$/.test(f)) {
          this.#fail('schema', "'flags' may only contain i, m, s and u", valueLoc(flagsEntry));
        } else if (f !== null) {
          flags = [...new Set(f)].sort().join('');
        }
      }
      if (regex !== null && regexEntry !== undefined) {
        try {
          new RegExp(regex, `g${flags}`);
        } catch (cause) {
          const why = cause instanceof Error ? cause.message : String(cause);
          this.#fail('invalid-regex', `invalid regex: ${why}`, valueLoc(regexEntry));
          continue;
        }
      }
      if (regex === null || replacement === null || (fieldsEntry !== undefined && fields === null)) continue;
      out.push({ fields, regex, flags, replacement, origin: item.loc });
    }
    return out;
  }

  #placeholders(e: YamlEntry): PipelinePlaceholder[] {
    const map = this.#map(e);
    if (map === null) return [];
    const out: PipelinePlaceholder[] = [];
    for (const p of map.entries) {
      // `%` ends a placeholder name in rule values (§4.11), so it can never be part of one.
      if (p.key === '' || p.key.includes('%')) {
        this.#fail('schema', `placeholder name '${p.key}' must be non-empty and contain no '%'`, p.keyLoc);
        continue;
      }
      const values = this.#stringOrList(p, `placeholder '${p.key}'`);
      if (values !== null) out.push({ name: p.key, values });
    }
    return out;
  }

  #logsources(e: YamlEntry): LogsourceEntry[] {
    if (e.value.kind !== 'seq') {
      this.#fail('schema', `'logsources' must be a list, not ${describeType(e.value)}`, valueLoc(e));
      return [];
    }
    const out: LogsourceEntry[] = [];
    for (const item of e.value.items) {
      const entry = this.#logsourceEntry(item);
      if (entry !== null) out.push(entry);
    }
    return out;
  }

  #logsourceEntry(item: YamlValue): LogsourceEntry | null {
    if (item.kind !== 'map') {
      this.#fail('schema', `every logsources entry must be a map, not ${describeType(item)}`, item.loc);
      return null;
    }
    this.#checkKeys(item, ENTRY_KEYS, 'logsources entry');
    const get = (key: string): YamlEntry | undefined => item.entries.find((x) => x.key === key);
    const attr = (key: string): string | null => {
      const x = get(key);
      return x === undefined ? null : this.#string(x);
    };
    const name = attr('name');
    const descriptionEntry = get('description');
    if (descriptionEntry !== undefined) this.#string(descriptionEntry, true);
    const category = attr('category');
    const product = attr('product');
    const service = attr('service');
    if (get('category') === undefined && get('product') === undefined && get('service') === undefined) {
      // An entry without attributes would match every rule and add an always-true branch.
      this.#fail('pipeline', 'a logsources entry must set at least one of category, product, service', item.loc);
    }
    let isExact = false;
    const exactEntry = get('exact');
    if (exactEntry !== undefined) {
      if (exactEntry.value.kind === 'scalar' && typeof exactEntry.value.value === 'boolean') isExact = exactEntry.value.value;
      else this.#fail('schema', `'exact' must be true or false, not ${describeType(exactEntry.value)}`, valueLoc(exactEntry));
    }
    const conditionsEntry = get('conditions');
    const conditions = conditionsEntry === undefined ? [] : this.#conditions(conditionsEntry);
    const transforms = this.#transforms(item);
    return { name, category, product, service, isExact, conditions, ...transforms, origin: item.loc };
  }

  #conditions(e: YamlEntry): PipelineCondition[] {
    const map = this.#map(e);
    if (map === null) return [];
    const out: PipelineCondition[] = [];
    for (const c of map.entries) {
      if (c.key.trim() === '') {
        this.#fail('schema', 'a condition needs a field name', c.keyLoc);
        continue;
      }
      const raw = c.value.kind === 'seq' ? c.value.items : [c.value];
      if (raw.length === 0) {
        this.#fail('schema', `condition '${c.key}' must not be an empty list`, c.value.loc);
        continue;
      }
      const values: PipelineConditionValue[] = [];
      for (const v of raw) {
        const value = this.#conditionValue(v, c.key, v === c.value ? valueLoc(c) : v.loc);
        if (value !== null) values.push(value);
      }
      if (values.length === raw.length) out.push({ field: c.key, values, origin: c.keyLoc });
    }
    return out;
  }

  #conditionValue(v: YamlValue, field: string, loc: SourceLocation): PipelineConditionValue | null {
    if (v.kind !== 'scalar') {
      this.#fail('schema', `condition '${field}' takes scalars, not ${describeType(v)}`, loc);
      return null;
    }
    return conditionValue(v, (message) => this.#fail('schema', `condition '${field}': ${message}`, loc));
  }
}

function conditionValue(v: YamlScalar, fail: (message: string) => void): PipelineConditionValue | null {
  if (v.value === null) return NullValue.create();
  if (typeof v.value === 'boolean') return BooleanValue.create(v.value);
  if (typeof v.value === 'number') {
    if (!Number.isFinite(v.value)) {
      fail(`${v.text} is not a finite number`);
      return null;
    }
    return NumberValue.create(v.value, v.text);
  }
  // Plain equality: no Sigma escapes or wildcards in pipeline conditions.
  return StringPattern.literal(v.value);
}
