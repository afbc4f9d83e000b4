// `expand` (sigma-semantics.md §4.11): `%name%` placeholders replaced by the values the
// caller configured, each a Sigma string; several placeholders give a cartesian product.
import { cartesian, productSize } from './cartesian.js';
import { defineModifier, fail, typeError, type ModifierEnv, type ModifierFailure } from './modifier-def.js';
import { regexPlaceholders } from './regex-placeholders.js';
import { sigmaPartsToRegex } from './regex.js';
import { joinParts, parseSigmaParts, type SigmaPart } from './sigma-string.js';
import { MAX_ALTERNATIVES, withString, type WorkingValue } from './working-value.js';

/** Parsed values of each placeholder, or the failure naming every unknown one. */
function resolve(names: readonly string[], env: ModifierEnv): (readonly (readonly SigmaPart[])[])[] | ModifierFailure {
  const unknown = [...new Set(names.filter((n) => !env.placeholders.has(n)))];
  if (unknown.length > 0) {
    // The spec: a tool that cannot resolve a placeholder must reject the rule.
    const list = unknown.map((n) => `%${n}%`).join(', ');
    return fail('unknown-placeholder', `no values configured for placeholder ${list}`);
  }
  const lists = names.map((n) =>
    (env.placeholders.get(n) ?? []).map((v) => parseSigmaParts(v, { hasPlaceholders: false }).parts),
  );
  const count = productSize(lists);
  if (count > MAX_ALTERNATIVES) {
    return fail('unsupported', `'${env.name}' would expand this value into ${count} variants (limit ${MAX_ALTERNATIVES})`);
  }
  return lists;
}

/**
 * `expand`: an expansion (OR-ed) with every combination of placeholder values. Without a
 * placeholder the value is unchanged. In a regex, values are inserted as escaped regex text.
 */
export const EXPAND = defineModifier({
  name: 'expand',
  family: 'expand',
  mustBeFirst: false,
  apply: (value: WorkingValue, env: ModifierEnv) => {
    if (value.kind === 'string') {
      const names = value.parts.flatMap((p) => (p.kind === 'Placeholder' ? [p.name] : []));
      if (names.length === 0) return value;
      if (value.encoding === 'bytes') {
        // Placeholder values are text: they must be substituted before wide/utf16 encode it.
        return fail('modifier-order', `'${env.name}' must come before wide/utf16 encodings`);
      }
      const lists = resolve(names, env);
      if ('kind' in lists) return lists;
      return cartesian(lists).map((choice) => {
        let k = 0;
        const parts = value.parts.flatMap((p) => (p.kind === 'Placeholder' ? (choice[k++] ?? []) : [p]));
        return withString(value, { parts: joinParts(parts) });
      });
    }
    if (value.kind === 'regex') {
      const pieces = regexPlaceholders(value.source);
      const names = pieces.flatMap((p) => (typeof p === 'string' ? [] : [p.name]));
      if (names.length === 0) return value;
      const lists = resolve(names, env);
      if ('kind' in lists) return lists;
      return cartesian(lists).map((choice) => {
        let k = 0;
        const source = pieces.map((p) => (typeof p === 'string' ? p : sigmaPartsToRegex(choice[k++] ?? []))).join('');
        return Object.freeze({ ...value, source });
      });
    }
    return typeError(env, value, 'a string or a regular expression');
  },
});
