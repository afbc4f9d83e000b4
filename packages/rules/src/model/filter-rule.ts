// Filter rules (Sigma meta filters, sigma-semantics.md §8): a detection that is AND-ed to
// the rules it names. The collection decides where a filter applies.
import type { Node } from '@siemlite/core';
import type { LowerItemContext } from '../modifiers/lower-item.js';
import { lowerDetection } from '../lower/lower-detection.js';
import type { Locator, YamlMap, YamlValue } from '../yaml/load-yaml.js';
import type { Diagnostics} from './map-reader.js';
import { MapReader, describeType } from './map-reader.js';
import type { RuleReference } from './correlation-rule.js';

export interface ParsedFilter {
  /** Rules the filter applies to, or 'any'. */
  readonly rules: 'any' | readonly RuleReference[];
  readonly condition: Node;
}

export function parseFilter(doc: YamlMap, ctx: LowerItemContext, locator: Locator, diag: Diagnostics): ParsedFilter | null {
  const before = diag.errors.length;
  const section = new MapReader(doc, diag, 'filter rule').map_('filter', { required: true });
  if (section === null) return null;
  const rulesEntry = section.entries.find((e) => e.key === 'rules');
  let rules: 'any' | RuleReference[] = [];
  if (rulesEntry === undefined) diag.error('schema', `filter must have 'rules' (a list of rule ids or names, or 'any')`, section.loc);
  else rules = readFilterRules(rulesEntry.value, diag);
  const condition = section.entries.find((e) => e.key === 'condition');
  if (condition !== undefined && !(condition.value.kind === 'scalar' && typeof condition.value.value === 'string')) {
    diag.error('schema', `filter 'condition' must be a single string, not ${describeType(condition.value)}`, condition.value.loc);
    return null;
  }
  const detection: YamlMap = { kind: 'map', entries: section.entries.filter((e) => e.key !== 'rules'), loc: section.loc };
  const node = lowerDetection(detection, ctx, locator, diag);
  if (node === null || diag.errors.length > before) return null;
  return { rules, condition: node };
}

function readFilterRules(v: YamlValue, diag: Diagnostics): 'any' | RuleReference[] {
  // pySigma also takes a single id/name, the word `any`, or an empty list (= any).
  if (v.kind === 'scalar' && typeof v.value === 'string') {
    return v.value.toLowerCase() === 'any' ? 'any' : [{ ref: v.value, loc: v.loc }];
  }
  if (v.kind === 'seq') {
    if (v.items.length === 0) return 'any';
    const out: RuleReference[] = [];
    for (const item of v.items) {
      if (item.kind === 'scalar' && typeof item.value === 'string') out.push({ ref: item.value, loc: item.loc });
      else diag.error('schema', `filter 'rules' entries must be rule ids or names, not ${describeType(item)}`, item.loc);
    }
    return out;
  }
  diag.error('schema', `filter 'rules' must be a list of rule ids or names, or 'any', not ${describeType(v)}`, v.loc);
  return [];
}
