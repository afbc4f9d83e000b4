// Lowers one Sigma detection item, `field|mod1|mod2: value(s)`, to core IR
// (sigma-semantics.md §2-§5): every check happens here, at load time, so the evaluator
// never meets a value it cannot handle.
import {
  And,
  BooleanValue,
  CompareValue,
  Exists,
  FieldRefValue,
  Keyword,
  Match,
  Not,
  NullValue,
  NumberValue,
  Or,
  PatternPart,
  RegexValue,
  StringPattern,
  TimePartValue,
  errorRecord,
  type ErrorRecord,
  type Node,
  type SourceLocation,
} from '@siemlite/core';
import type { YamlValue } from '../yaml/load-yaml.js';
import { EXPAND } from './expand.js';
import { ALL, NEQ } from './item-scope.js';
import { fail, isFailure, type ModifierEnv, type ModifierFailure } from './modifier-def.js';
import { validateRegex } from './regex.js';
import { MODIFIER_REGISTRY, checkModifierChain, type ChainLink } from './registry.js';
import { toPatternParts } from './sigma-string.js';
import { typeValue } from './type-value.js';
import { MAX_ALTERNATIVES, materialize, type WorkingNumber, type WorkingValue } from './working-value.js';

export { parseSigmaString } from './sigma-string.js';

/** One `field|mods: value(s)` entry of a search identifier, as the detection parser read it. */
export interface DetectionItem {
  /** Null for a keyword (field-less) item (§5). */
  readonly field: string | null;
  /** Modifier names after the field, in order, as written (e.g. ['contains', 'all']). */
  readonly modifiers: readonly string[];
  /** Location of the `field|mods` key (for bare keyword lists: of the list). */
  readonly keyLoc: SourceLocation;
  /** One entry for a scalar value, N for a YAML list. */
  readonly values: readonly YamlValue[];
  /** The value was written as a YAML list (an empty list means `F: null`, with a warning). */
  readonly isList: boolean;
}

/** What lowering needs from the rule set's configuration (not from the rule itself). */
export interface LowerItemContext {
  /** Placeholder values for `expand` (name without % -> values, each a Sigma string with wildcards). */
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  /**
   * What an `expand` placeholder without configured values does: `error` rejects the rule
   * (the spec's rule for tools that run rules; the default), `wildcard` matches it as `*`
   * with a warning (pySigma's wildcard placeholder transformation; used by `validate`,
   * where placeholder values are deployment configuration, not a defect of the rule).
   */
  readonly placeholderFallback?: 'error' | 'wildcard';
}

/** What lowering an item gives: a node unless there were errors, and every diagnostic. */
export interface LoweredItem {
  readonly node: Node | null;
  readonly errors: readonly ErrorRecord[];
  readonly warnings: readonly ErrorRecord[];
}

/**
 * Every accepted modifier name, aliases included (`ignorecase`, `utf16le`...), so other
 * layers (e.g. a linter or the CLI's `explain`) can list them without a second table.
 */
export const MODIFIER_NAMES: readonly string[] = Object.freeze([...MODIFIER_REGISTRY.keys()]);

/**
 * Lowers one detection item to an IR node: values OR-ed (AND-ed with `all`), expansions
 * (windash, base64offset, expand) as OR groups, `neq` as NOT of the whole item. Errors and
 * warnings carry the file position of the key or of the offending value; with any error
 * the node is null.
 *
 * @example
 * lowerDetectionItem({ field: 'Image', modifiers: ['endswith'], keyLoc, values: [scalar], isList: false }, ctx)
 * // node: Match('Image', StringPattern([*, '\\cmd.exe']))
 */
export function lowerDetectionItem(item: DetectionItem, ctx: LowerItemContext): LoweredItem {
  const checked = checkModifierChain({
    field: item.field,
    modifiers: item.modifiers,
    keyLoc: item.keyLoc,
    valueCount: item.values.length,
  });
  const errors = [...checked.errors];
  const warnings = [...checked.warnings];
  const result = (node: Node | null): LoweredItem =>
    Object.freeze({ node: errors.length > 0 ? null : node, errors: Object.freeze(errors), warnings: Object.freeze(warnings) });
  const chain = checked.chain;
  if (chain === null) return result(null);

  const isNegated = chain.some((l) => l.def === NEQ);
  const negate = (node: Node): Node => (isNegated ? Not.create(node) : node);

  if (item.values.length === 0) {
    if (item.field === null) {
      errors.push(errorRecord('schema', 'an empty list cannot be a keyword search: null must be bound to a field', item.keyLoc));
      return result(null);
    }
    // §2.3: pySigma turns `F: []` into `F: null`; the author probably meant something else.
    warnings.push(errorRecord('schema', `empty list: treated as '${item.field}: null'`, item.keyLoc, null, 'warning'));
    return result(negate(Match.create(item.field, NullValue.create(), item.keyLoc)));
  }

  const valueChain = chain.filter((l) => l.def.family !== 'item');
  const first = chain[0]?.def;
  const typeOptions = {
    hasPlaceholders: chain.some((l) => l.def === EXPAND),
    isVerbatim: first !== undefined && first.mustBeFirst,
  };
  const groups: Node[] = [];
  for (const value of item.values) {
    const loc = value.loc;
    const report = (failure: ModifierFailure): void => {
      errors.push(errorRecord(failure.code, failure.message, loc));
    };
    if (item.isList && item.values.length > 1 && value.kind === 'scalar' && value.tag === 'null' && item.field !== null) {
      // §2.3 and §11 #14: the spec forbids null in a list; pySigma ORs it.
      warnings.push(errorRecord('schema', 'null mixed with other values in a list', loc, null, 'warning'));
    }
    const typed = typeValue(value, typeOptions, warnings);
    if (isFailure(typed)) {
      report(typed);
      continue;
    }
    const alternatives = applyChain(typed, valueChain, item.field, withFallbackPlaceholders(value, ctx, warnings));
    if (isFailure(alternatives)) {
      report(alternatives);
      continue;
    }
    const leaves: Node[] = [];
    for (const alternative of alternatives) {
      const leaf = toLeaf(alternative, item.field, loc);
      if (isFailure(leaf)) {
        report(leaf);
        break;
      }
      leaves.push(leaf);
    }
    groups.push(Or.create(leaves));
  }
  if (errors.length > 0) return result(null);

  const isAll = chain.some((l) => l.def === ALL);
  // §4.1: an expansion is one OR group, even inside `all` (edge case 46).
  const node = isAll ? And.create(groups) : Or.create(groups.flatMap((g) => (Or.is(g) ? g.children : [g])));
  return result(negate(node));
}

/** Runs the value modifiers left to right over every alternative (§4.1). */
function applyChain(
  initial: WorkingValue,
  chain: readonly ChainLink[],
  field: string | null,
  ctx: LowerItemContext,
): readonly WorkingValue[] | ModifierFailure {
  let alternatives: readonly WorkingValue[] = [initial];
  for (const link of chain) {
    const env: ModifierEnv = { name: link.name, field, placeholders: ctx.placeholders };
    const next: WorkingValue[] = [];
    for (const alternative of alternatives) {
      const applied = link.def.apply(alternative, env);
      if (isFailure(applied)) return applied;
      if (Array.isArray(applied)) next.push(...(applied as readonly WorkingValue[]));
      else next.push(applied as WorkingValue);
    }
    if (next.length > MAX_ALTERNATIVES) {
      return fail('unsupported', `the modifiers expand this value into ${next.length} variants (limit ${MAX_ALTERNATIVES})`);
    }
    alternatives = next;
  }
  return alternatives;
}

/** Canonical decimal text of a rule number, as keywords search it (§5). */
function numberText(value: WorkingNumber): string {
  if (!Number.isSafeInteger(value.value) && /^-?[1-9][0-9]*$/.test(value.text)) return value.text;
  return String(value.value);
}

function regexValue(source: string, flags: string): RegexValue | ModifierFailure {
  const invalid = validateRegex(source, flags);
  return invalid ?? RegexValue.create(source, flags);
}

/** One alternative as an IR leaf: a field test, an exists test, or a keyword search. */
function toLeaf(value: WorkingValue, field: string | null, origin: SourceLocation): Node | ModifierFailure {
  if (field === null) return toKeyword(value, origin);
  switch (value.kind) {
    case 'string':
      return Match.create(field, StringPattern.create(toPatternParts(materialize(value)), value.isCased), origin);
    case 'number':
      return Match.create(field, NumberValue.create(value.value, value.text), origin);
    case 'boolean':
      return Match.create(field, BooleanValue.create(value.value), origin);
    case 'null':
      return Match.create(field, NullValue.create(), origin);
    case 'regex': {
      const regex = regexValue(value.source, value.flags);
      return isFailure(regex) ? regex : Match.create(field, regex, origin);
    }
    case 'cidr':
      return Match.create(field, value.value, origin);
    case 'compare':
      return Match.create(field, CompareValue.create(value.op, value.value), origin);
    case 'fieldref':
      return Match.create(field, FieldRefValue.create(value.field, value.position, value.isCased), origin);
    case 'time-part':
      return Match.create(field, TimePartValue.create(value.part, value.op, value.value), origin);
    case 'exists': {
      const exists = Exists.create(field, origin);
      return value.value ? exists : Not.create(exists);
    }
  }
}

/**
 * §5: a keyword is a substring search over every value of the event, so the pattern gets
 * `*` at each end that lacks one; numbers are searched as their text.
 */
function toKeyword(value: WorkingValue, origin: SourceLocation): Node | ModifierFailure {
  switch (value.kind) {
    case 'string': {
      const parts = toPatternParts(materialize(value));
      const wrapped = [
        ...(parts[0]?.kind === 'AnyChars' ? [] : [PatternPart.anyChars]),
        ...parts,
        ...(parts[parts.length - 1]?.kind === 'AnyChars' ? [] : [PatternPart.anyChars]),
      ];
      return Keyword.create(StringPattern.create(wrapped, value.isCased), origin);
    }
    case 'number':
      return Keyword.create(
        StringPattern.create([PatternPart.anyChars, PatternPart.literal(numberText(value)), PatternPart.anyChars], false),
        origin,
      );
    case 'regex': {
      const regex = regexValue(value.source, value.flags);
      return isFailure(regex) ? regex : Keyword.create(regex, origin);
    }
    case 'boolean':
    case 'null':
      // Edge case 34: pySigma cannot search a boolean or null without a field.
      return fail('modifier-type', `${value.kind === 'null' ? 'null' : 'a boolean'} cannot be a keyword: bind it to a field`);
    default:
      return fail('modifier-type', `a keyword search needs a string or a regex, not ${value.kind}`);
  }
}

const PLACEHOLDER_RE = /(?<!\\)%([^%]+)%/g;

/**
 * With `placeholderFallback: 'wildcard'`, adds `*` as the value of every placeholder in
 * this value that has none configured, and warns once per placeholder.
 */
function withFallbackPlaceholders(value: YamlValue, ctx: LowerItemContext, warnings: ErrorRecord[]): LowerItemContext {
  if (ctx.placeholderFallback !== 'wildcard' || value.kind !== 'scalar' || typeof value.value !== 'string') return ctx;
  const extended = new Map(ctx.placeholders);
  for (const m of value.value.matchAll(PLACEHOLDER_RE)) {
    const name = m[1] as string;
    if (extended.has(name)) continue;
    extended.set(name, ['*']);
    warnings.push(
      errorRecord('unknown-placeholder', `no values configured for placeholder %${name}%: matched as '*'`, value.loc, null, 'warning'),
    );
  }
  return extended.size === ctx.placeholders.size ? ctx : { ...ctx, placeholders: extended };
}
