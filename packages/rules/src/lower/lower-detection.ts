// Lowers a rule's `detection` section to one IR condition: each search identifier becomes
// a node, the condition string is parsed once with the Chevrotain grammar, selectors are
// expanded, and identifiers are replaced by their nodes.
import { And, Constant, Not, Or, type Node, type SourceLocation } from '@siemlite/core';
import { parseCondition } from '../condition/parse-condition.js';
import { resolveCondition, type ResolvedCondition } from '../condition/expand-selectors.js';
import { lowerDetectionItem, type LowerItemContext } from '../modifiers/lower-item.js';
import type { Locator, YamlMap, YamlScalar, YamlSeq, YamlValue } from '../yaml/load-yaml.js';
import type { Diagnostics} from '../model/map-reader.js';
import { describeType } from '../model/map-reader.js';

/**
 * Lowers `detection` (a located YAML map) to an IR node, or null when it has errors.
 * Errors and warnings go to `diag`, each with the file position.
 */
export function lowerDetection(
  detection: YamlMap,
  ctx: LowerItemContext,
  locator: Locator,
  diag: Diagnostics,
): Node | null {
  const errorsBefore = diag.errors.length;
  const conditionEntry = detection.entries.find((e) => e.key === 'condition');
  const identifiers = new Map<string, Node | null>();
  for (const entry of detection.entries) {
    if (entry.key === 'condition') continue;
    if (entry.key === 'timeframe') {
      diag.warn(
        'unsupported',
        `'timeframe' in detection is Sigma 1 aggregation syntax and is ignored; use a correlation rule`,
        entry.keyLoc,
      );
      continue;
    }
    identifiers.set(entry.key, lowerDefinition(entry.value, entry.keyLoc, ctx, diag, true));
  }
  if (identifiers.size === 0) diag.error('schema', `detection must define at least one search identifier`, detection.loc);
  if (conditionEntry === undefined) {
    diag.error('schema', `detection must have a 'condition'`, detection.loc);
    return null;
  }
  const conditions: YamlScalar[] = [];
  const cv = conditionEntry.value;
  if (cv.kind === 'scalar' && typeof cv.value === 'string') conditions.push(cv);
  else if (cv.kind === 'seq' && cv.items.length > 0) {
    for (const item of cv.items) {
      if (item.kind === 'scalar' && typeof item.value === 'string') conditions.push(item);
      else diag.error('schema', `each condition must be a string, not ${describeType(item)}`, item.loc);
    }
  } else {
    diag.error('schema', `'condition' must be a string or a list of strings, not ${describeType(cv)}`, cv.loc);
  }

  const names = [...identifiers.keys()];
  const lowered: Node[] = [];
  for (const scalar of conditions) {
    const text = scalar.value as string;
    const parsed = parseCondition(text);
    for (const issue of parsed.errors) diag.error('condition-syntax', issue.message, conditionLocation(scalar, issue.offset, locator));
    if (parsed.ast === null) continue;
    const resolved = resolveCondition(parsed.ast, names);
    for (const issue of resolved.errors) {
      diag.error('condition-unknown-identifier', issue.message, conditionLocation(scalar, issue.offset, locator));
    }
    for (const issue of resolved.warnings) diag.warn('schema', issue.message, conditionLocation(scalar, issue.offset, locator));
    // An identifier that failed to lower has its own error; there is no node to place.
    if (resolved.errors.length > 0 || diag.errors.length > errorsBefore) continue;
    lowered.push(toNode(resolved.ast, identifiers));
  }
  if (diag.errors.length > errorsBefore) return null;
  // A list of conditions matches when any of them does (sigma-semantics.md §6.1).
  return Or.create(lowered);
}

function toNode(c: ResolvedCondition, identifiers: ReadonlyMap<string, Node | null>): Node {
  switch (c.kind) {
    case 'and':
      return And.create(c.children.map((x) => toNode(x, identifiers)));
    case 'or':
      return Or.create(c.children.map((x) => toNode(x, identifiers)));
    case 'not':
      return Not.create(toNode(c.child, identifiers));
    case 'const':
      return Constant.create(c.value);
    case 'ref': {
      const node = identifiers.get(c.name);
      if (node === undefined || node === null) throw new Error(`internal: identifier ${c.name} not lowered`);
      return node;
    }
  }
}

/** Lowers one search identifier's definition (§2.1 shapes). */
function lowerDefinition(
  value: YamlValue,
  at: SourceLocation,
  ctx: LowerItemContext,
  diag: Diagnostics,
  isTop: boolean,
): Node | null {
  if (value.kind === 'map') return lowerMap(value, ctx, diag);
  if (value.kind === 'seq') return lowerSeq(value, ctx, diag);
  if (value.value === null) {
    diag.error('schema', isTop ? `search identifier is empty` : `null value must be bound to a field`, at);
    return null;
  }
  return lowerKeywords([value], value.loc, false, ctx, diag);
}

function lowerMap(map: YamlMap, ctx: LowerItemContext, diag: Diagnostics): Node | null {
  if (map.entries.length === 0) {
    diag.error('schema', `search identifier is an empty map`, map.loc);
    return null;
  }
  const nodes: Node[] = [];
  let ok = true;
  for (const entry of map.entries) {
    const [fieldPart, ...modifiers] = entry.key.split('|');
    const field = fieldPart === undefined || fieldPart === '' ? null : fieldPart;
    let values: readonly YamlValue[];
    let isList = false;
    if (entry.value.kind === 'seq') {
      values = entry.value.items;
      isList = true;
    } else if (entry.value.kind === 'map') {
      diag.error('modifier-type', `the value of '${entry.key}' is a map; values must be scalars or lists`, entry.value.loc);
      ok = false;
      continue;
    } else {
      values = [entry.value];
    }
    const result = lowerDetectionItem({ field, modifiers, keyLoc: entry.keyLoc, values, isList }, ctx);
    diag.add(result.errors);
    diag.add(result.warnings);
    if (result.node === null || result.errors.length > 0) ok = false;
    else nodes.push(result.node);
  }
  return ok ? And.create(nodes) : null;
}

function lowerSeq(seq: YamlSeq, ctx: LowerItemContext, diag: Diagnostics): Node | null {
  if (seq.items.length === 0) {
    diag.error('schema', `search identifier is an empty list`, seq.loc);
    return null;
  }
  if (seq.items.every((i) => i.kind === 'scalar')) return lowerKeywords(seq.items, seq.loc, true, ctx, diag);
  // A list with maps: OR of its elements; each map is an AND group (§2.1).
  const nodes: Node[] = [];
  let ok = true;
  for (const item of seq.items) {
    const node = lowerDefinition(item, item.loc, ctx, diag, false);
    if (node === null) ok = false;
    else nodes.push(node);
  }
  return ok ? Or.create(nodes) : null;
}

function lowerKeywords(
  values: readonly YamlValue[],
  at: SourceLocation,
  isList: boolean,
  ctx: LowerItemContext,
  diag: Diagnostics,
): Node | null {
  const result = lowerDetectionItem({ field: null, modifiers: [], keyLoc: at, values, isList }, ctx);
  diag.add(result.errors);
  diag.add(result.warnings);
  return result.errors.length > 0 ? null : result.node;
}

/**
 * Maps an offset inside a condition string to its place in the file. Quoted, folded and
 * block scalars shift the text against the source (STYLE.md §3), so we walk the decoded
 * text and the source side by side, skipping whitespace in both: conditions contain no
 * escapes in practice, and whitespace is all that YAML folding changes.
 */
export function conditionLocation(scalar: YamlScalar, offset: number, locator: Locator): SourceLocation {
  const text = scalar.text;
  const src = locator.source;
  let si = scalar.start;
  if (scalar.style === 'single' || scalar.style === 'double') si += 1;
  else if (scalar.style === 'literal' || scalar.style === 'folded') {
    const nl = src.indexOf('\n', si);
    si = nl < 0 ? si : nl + 1;
  }
  const end = Math.max(scalar.end, si);
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  for (let ti = 0; ti < offset && ti < text.length; ti++) {
    if (isSpace(text[ti])) continue;
    while (si < end && isSpace(src[si])) si++;
    si += scalar.style === 'single' && src[si] === "'" && src[si + 1] === "'" ? 2 : 1;
  }
  if (offset < text.length) while (si < end && isSpace(src[si])) si++;
  return locator.at(si);
}
