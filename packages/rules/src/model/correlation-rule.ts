// Correlation rules (Sigma 2.1 correlation specification, sigma-semantics.md §7): parsed
// and checked here; references to other rules are resolved by the collection.
import { CORRELATION_TYPES, type CorrelationBound, type CorrelationOp, type CorrelationType } from '@siemlite/core';
import type { YamlMap, YamlValue } from '../yaml/load-yaml.js';
import type { Diagnostics} from './map-reader.js';
import { MapReader, describeType, valueLoc } from './map-reader.js';
import type { SourceLocation } from '@siemlite/core';

const CORRELATION_KEYS = new Set(['type', 'rules', 'aliases', 'group-by', 'timespan', 'condition', 'generate']);
const CONDITION_OPS = new Set<CorrelationOp>(['gt', 'gte', 'lt', 'lte', 'eq', 'neq']);
const TIMESPAN_RE = /^(\d+)([smhdwMy])$/;
// Units as pySigma reads them; `M` and `y` are averages (30.44 and 365.24 days).
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  M: 30.44 * 86_400_000,
  y: 365.24 * 86_400_000,
};

export interface RuleReference {
  readonly ref: string;
  readonly loc: SourceLocation;
}

/** A correlation as written, before its references are resolved. */
export interface ParsedCorrelation {
  readonly type: CorrelationType;
  readonly rules: readonly RuleReference[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  readonly condition: readonly CorrelationBound[];
  readonly field: readonly string[];
  readonly percentile: number | null;
  readonly aliases: readonly { alias: string; fields: ReadonlyMap<string, { field: string; loc: SourceLocation }> }[];
  readonly generate: boolean;
}

export function parseCorrelation(doc: YamlMap, diag: Diagnostics): ParsedCorrelation | null {
  const before = diag.errors.length;
  const top = new MapReader(doc, diag, 'correlation rule');
  const section = top.map_('correlation', { required: true });
  if (section === null) return null;
  for (const e of section.entries) {
    if (!CORRELATION_KEYS.has(e.key)) diag.error('unknown-key', `unknown key '${e.key}' in correlation`, e.keyLoc);
  }
  const r = new MapReader(section, diag, 'correlation');
  const typeText = r.string('type', { required: true });
  let type: CorrelationType | null = null;
  if (typeText !== null) {
    if ((CORRELATION_TYPES as readonly string[]).includes(typeText)) type = typeText as CorrelationType;
    else {
      diag.error(
        'schema',
        `unknown correlation type '${typeText}' (expected one of ${CORRELATION_TYPES.join(', ')})`,
        valueLoc(r.entry('type')!),
      );
    }
  }
  const rules = readReferences(r, diag);
  const groupBy = readStringOrList(r, diag, 'group-by');
  const timespanMs = readTimespan(r, diag);
  const isTemporal = type === 'temporal' || type === 'temporal_ordered';
  const { bounds, field, percentile } = readCondition(r, diag, type, rules.length);
  if (!isTemporal && type !== null && bounds.length === 0 && r.entry('condition') === undefined) {
    diag.error('schema', `correlation type '${type}' needs a 'condition'`, section.loc);
  }
  const needsField = type === 'value_count' || type === 'value_sum' || type === 'value_avg' || type === 'value_percentile';
  if (needsField && field.length === 0 && r.entry('condition') !== undefined) {
    diag.error('schema', `correlation type '${type}' needs 'field' in its condition`, valueLoc(r.entry('condition')!));
  }
  if (type === 'value_percentile' && percentile === null && r.entry('condition') !== undefined) {
    diag.error('schema', `value_percentile needs 'percentile' (0-100) in its condition`, valueLoc(r.entry('condition')!));
  }
  const aliases = readAliases(r, diag);
  // `generate` is a correlation attribute in spec 2.1; some authors put it at the top level.
  const generate = r.boolean('generate') ?? top.boolean('generate') ?? false;
  if (diag.errors.length > before || type === null || timespanMs === null) return null;
  return { type, rules, groupBy, timespanMs, condition: bounds, field, percentile, aliases, generate };
}

function readReferences(r: MapReader, diag: Diagnostics): RuleReference[] {
  const e = r.entry('rules');
  if (e === undefined) {
    diag.error('schema', `correlation must have 'rules'`, r.map.loc);
    return [];
  }
  const v = e.value;
  const items: YamlValue[] = v.kind === 'seq' ? [...v.items] : [v];
  const out: RuleReference[] = [];
  for (const item of items) {
    if (item.kind !== 'scalar' || typeof item.value !== 'string' || item.value === '') {
      diag.error('schema', `correlation 'rules' must list rule names or ids, not ${describeType(item)}`, item.loc);
      continue;
    }
    out.push({ ref: item.value, loc: item.loc });
  }
  if (out.length === 0 && items.length === 0) diag.error('schema', `correlation 'rules' is empty`, e.keyLoc);
  return out;
}

function readStringOrList(r: MapReader, diag: Diagnostics, key: string): string[] {
  const e = r.entry(key);
  if (e === undefined) return [];
  if (e.value.kind === 'scalar' && typeof e.value.value === 'string') return [e.value.value];
  if (e.value.kind === 'seq') {
    const out: string[] = [];
    for (const item of e.value.items) {
      if (item.kind === 'scalar' && typeof item.value === 'string') out.push(item.value);
      else diag.error('schema', `'${key}' entries must be field names, not ${describeType(item)}`, item.loc);
    }
    return out;
  }
  diag.error('schema', `'${key}' must be a field name or a list of them, not ${describeType(e.value)}`, valueLoc(e));
  return [];
}

function readTimespan(r: MapReader, diag: Diagnostics): number | null {
  const e = r.entry('timespan');
  if (e === undefined) {
    diag.error('schema', `correlation must have 'timespan'`, r.map.loc);
    return null;
  }
  const text = e.value.kind === 'scalar' ? e.value.text : '';
  const m = TIMESPAN_RE.exec(text);
  if (e.value.kind !== 'scalar' || m === null) {
    diag.error(
      'schema',
      `timespan '${text}' is not <number><unit> with unit s, m, h, d, w, M or y (write 90m, not 1h30m)`,
      valueLoc(e),
    );
    return null;
  }
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  if (!Number.isSafeInteger(ms)) {
    // A window no clock reaches (9999…s overflows to Infinity): a typo, never a rule.
    diag.error('schema', `timespan '${text}' is too long: at most ${Number.MAX_SAFE_INTEGER} ms (about 285,000 years)`, valueLoc(e));
    return null;
  }
  return ms;
}

function readCondition(
  r: MapReader,
  diag: Diagnostics,
  type: CorrelationType | null,
  ruleCount: number,
): { bounds: CorrelationBound[]; field: string[]; percentile: number | null } {
  const e = r.entry('condition');
  const isTemporal = type === 'temporal' || type === 'temporal_ordered';
  if (e === undefined) {
    // Temporal types default to "all referenced rules seen" (§7.2).
    return { bounds: isTemporal ? [{ op: 'gte', value: ruleCount }] : [], field: [], percentile: null };
  }
  if (e.value.kind !== 'map') {
    const hint = isTemporal ? ' (boolean string conditions are a pySigma extension siemlite does not support)' : '';
    diag.error('schema', `correlation 'condition' must be a map like {gte: 10}${hint}`, valueLoc(e));
    return { bounds: [], field: [], percentile: null };
  }
  const bounds: CorrelationBound[] = [];
  let field: string[] = [];
  let percentile: number | null = null;
  for (const c of e.value.entries) {
    if (CONDITION_OPS.has(c.key as CorrelationOp)) {
      if (c.value.kind !== 'scalar' || typeof c.value.value !== 'number' || !Number.isFinite(c.value.value)) {
        diag.error('schema', `correlation condition '${c.key}' needs a number, not ${describeType(c.value)}`, valueLoc(c));
        continue;
      }
      bounds.push(Object.freeze({ op: c.key as CorrelationOp, value: c.value.value }));
    } else if (c.key === 'field') {
      if (c.value.kind === 'scalar' && typeof c.value.value === 'string') field = [c.value.value];
      else if (c.value.kind === 'seq' && c.value.items.every((i) => i.kind === 'scalar' && typeof i.value === 'string')) {
        field = c.value.items.map((i) => (i.kind === 'scalar' ? String(i.value) : ''));
      } else diag.error('schema', `correlation condition 'field' must be a field name`, valueLoc(c));
    } else if (c.key === 'percentile') {
      const v = c.value;
      if (v.kind !== 'scalar' || typeof v.value !== 'number' || v.value < 0 || v.value > 100) {
        diag.error('schema', `'percentile' must be a number from 0 to 100`, valueLoc(c));
      } else percentile = v.value;
    } else {
      diag.error('unknown-key', `unknown key '${c.key}' in correlation condition (use gt, gte, lt, lte, eq, neq, field)`, c.keyLoc);
    }
  }
  if (bounds.length === 0 && diag.errors.length === 0) {
    diag.error('schema', `correlation condition needs one of gt, gte, lt, lte, eq, neq`, e.value.loc);
  }
  if (bounds.length > 1) {
    diag.warn('schema', `correlation condition with ${bounds.length} operators is a range; pySigma accepts only one`, e.value.loc);
  }
  return { bounds, field, percentile };
}

function readAliases(
  r: MapReader,
  diag: Diagnostics,
): { alias: string; fields: ReadonlyMap<string, { field: string; loc: SourceLocation }> }[] {
  const e = r.entry('aliases');
  if (e === undefined) return [];
  if (e.value.kind !== 'map') {
    diag.error('schema', `'aliases' must be a map of alias -> {rule: field}`, valueLoc(e));
    return [];
  }
  const out: { alias: string; fields: ReadonlyMap<string, { field: string; loc: SourceLocation }> }[] = [];
  for (const a of e.value.entries) {
    if (a.value.kind !== 'map') {
      diag.error('schema', `alias '${a.key}' must map rule names to field names`, valueLoc(a));
      continue;
    }
    const fields = new Map<string, { field: string; loc: SourceLocation }>();
    for (const f of a.value.entries) {
      if (f.value.kind !== 'scalar' || typeof f.value.value !== 'string') {
        diag.error('schema', `alias '${a.key}': the field for rule '${f.key}' must be a field name`, valueLoc(f));
        continue;
      }
      fields.set(f.key, { field: f.value.value, loc: f.keyLoc });
    }
    out.push({ alias: a.key, fields });
  }
  return out;
}
