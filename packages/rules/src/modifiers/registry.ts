// The one table that maps modifier names to implementations (STYLE.md §1.1 item 2), plus
// the rules about which orders and combinations are allowed (sigma-semantics.md §4.1, §4.12).
import { errorRecord, type ErrorRecord, type SourceLocation } from '@siemlite/core';
import { CASED } from './cased.js';
import { CIDR } from './cidr.js';
import { GT, GTE, LT, LTE } from './compare.js';
import { BASE64, BASE64OFFSET, UTF16, UTF16BE, WIDE } from './encoding.js';
import { EXISTS } from './exists.js';
import { EXPAND } from './expand.js';
import { FIELDREF } from './fieldref.js';
import { ALL, NEQ } from './item-scope.js';
import type { ModifierDef } from './modifier-def.js';
import { CONTAINS, ENDSWITH, STARTSWITH } from './position.js';
import { RE, REGEX_DOTALL, REGEX_IGNORECASE, REGEX_MULTILINE } from './regex.js';
import { DAY, HOUR, MINUTE, MONTH, WEEK, YEAR } from './time-part.js';
import { WINDASH } from './windash.js';

/**
 * Every modifier name Sigma rules may use, aliases included: the spec's names, pySigma's
 * `ignorecase`/`multiline`/`dotall`, and `utf16le`, which the spec lists but pySigma 1.5
 * does not know (§4.2, §11 #2: we accept it as `wide`).
 */
export const MODIFIER_REGISTRY: ReadonlyMap<string, ModifierDef> = new Map<string, ModifierDef>([
  ['contains', CONTAINS],
  ['startswith', STARTSWITH],
  ['endswith', ENDSWITH],
  ['all', ALL],
  ['neq', NEQ],
  ['cased', CASED],
  ['re', RE],
  ['i', REGEX_IGNORECASE],
  ['ignorecase', REGEX_IGNORECASE],
  ['m', REGEX_MULTILINE],
  ['multiline', REGEX_MULTILINE],
  ['s', REGEX_DOTALL],
  ['dotall', REGEX_DOTALL],
  ['base64', BASE64],
  ['base64offset', BASE64OFFSET],
  ['wide', WIDE],
  ['utf16le', WIDE],
  ['utf16be', UTF16BE],
  ['utf16', UTF16],
  ['windash', WINDASH],
  ['cidr', CIDR],
  ['exists', EXISTS],
  ['fieldref', FIELDREF],
  ['gt', GT],
  ['gte', GTE],
  ['lt', LT],
  ['lte', LTE],
  ['minute', MINUTE],
  ['hour', HOUR],
  ['day', DAY],
  ['week', WEEK],
  ['month', MONTH],
  ['year', YEAR],
  ['expand', EXPAND],
]);

/** A modifier of the chain, as written and as resolved. */
export interface ChainLink {
  readonly name: string;
  readonly def: ModifierDef;
}

/** The resolved chain, or null with the errors that make the item unusable. */
export interface ModifierChainCheck {
  /** Null when the chain has errors: its values are then not looked at. */
  readonly chain: readonly ChainLink[] | null;
  readonly errors: readonly ErrorRecord[];
  readonly warnings: readonly ErrorRecord[];
}

/** What the chain check needs to know about the item. */
export interface ChainSubject {
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly keyLoc: SourceLocation;
  readonly valueCount: number;
}

// Keyword searches test strings and regexes only (§5): these need a field.
const FIELD_ONLY_FAMILIES = new Set(['cidr', 'exists', 'fieldref', 'compare', 'time-part']);

/**
 * Resolves the modifier names of an item and checks their order and combination, before
 * any value is looked at. Errors and warnings point at the item's key.
 *
 * @example checkModifierChain({ field: 'x', modifiers: ['contains', 're'], keyLoc, valueCount: 1 }) // 'modifier-order'
 */
export function checkModifierChain(subject: ChainSubject): ModifierChainCheck {
  const errors: ErrorRecord[] = [];
  const warnings: ErrorRecord[] = [];
  const at = subject.keyLoc;
  const error = (code: 'unknown-modifier' | 'modifier-order' | 'modifier-type', message: string): void => {
    errors.push(errorRecord(code, message, at));
  };
  const warn = (code: 'modifier-order' | 'modifier-type', message: string): void => {
    warnings.push(errorRecord(code, message, at, null, 'warning'));
  };

  const chain: ChainLink[] = [];
  for (const name of subject.modifiers) {
    const def = MODIFIER_REGISTRY.get(name);
    if (def === undefined) error('unknown-modifier', `unknown modifier '${name}'`);
    else chain.push({ name, def });
  }
  if (errors.length > 0) return { chain: null, errors, warnings };

  const has = (family: string): boolean => chain.some((l) => l.def.family === family);
  const hasDef = (def: ModifierDef): boolean => chain.some((l) => l.def === def);
  chain.forEach((link, index) => {
    const before = chain.slice(0, index);
    // §4.1: re, cidr and exists read the value as written, so they come first; even
    // `all` and `neq` count as earlier modifiers (pySigma: `F|all|re` is an error).
    if (link.def.mustBeFirst && index > 0) {
      error('modifier-order', `'${link.name}' must be the first modifier (it follows '${before.map((l) => l.name).join('|')}')`);
    }
    if (link.def.family === 'regex-flag' && !before.some((l) => l.def === RE)) {
      error('modifier-order', `'${link.name}' is a regex flag: it must follow 're' (write 'F|re|${link.name}')`);
    }
    // §4.10: the comparison comes last, `F|hour|gt`; `F|gt|hour` is an error.
    if (link.def.family === 'time-part') {
      const compare = before.find((l) => l.def.family === 'compare');
      if (compare !== undefined) {
        error('modifier-order', `'${link.name}' must come before '${compare.name}' (write 'F|${link.name}|${compare.name}')`);
      }
    }
    // §4.4: a wildcard cannot be encoded, so position modifiers go after base64offset.
    if (link.def.family === 'base64') {
      const position = before.find((l) => l.def.family === 'position');
      if (position !== undefined) {
        error(
          'modifier-order',
          `'${position.name}' adds wildcards, which '${link.name}' cannot encode: write '${link.name}|${position.name}'`,
        );
      }
    }
  });
  if (subject.field === null) {
    for (const link of chain) {
      if (FIELD_ONLY_FAMILIES.has(link.def.family)) {
        error('modifier-type', `'${link.name}' needs a field: a keyword search matches strings and regexes only`);
      }
    }
  }
  if (errors.length > 0) return { chain: null, errors, warnings };

  // Warnings, after pySigma's validators (§1.4).
  const seen = new Set<ModifierDef>();
  for (const link of chain) {
    // base64|base64 is a deliberate double encoding (§4.12).
    if (seen.has(link.def) && link.def !== BASE64) warn('modifier-order', `modifier '${link.name}' is applied more than once`);
    seen.add(link.def);
  }
  if (hasDef(ALL)) {
    if (subject.valueCount === 1) {
      // §4.7 and §11 #13: the spec forbids it, pySigma accepts it.
      warn('modifier-type', `'all' with a single value changes nothing`);
    }
    if (subject.field !== null && !has('position') && !hasDef(RE)) {
      warn('modifier-type', `'all' without 'contains': one field value can only equal several values if they are equal`);
    }
    if (hasDef(WINDASH)) {
      warn('modifier-order', `'windash' with 'all': each value's dash variants stay one OR group inside the AND`);
    }
  }
  if (subject.field !== null && hasDef(BASE64OFFSET) && !hasDef(CONTAINS)) {
    warn('modifier-order', `'base64offset' without 'contains': its variants are fragments that only match inside a value`);
  }
  return { chain, errors, warnings };
}
