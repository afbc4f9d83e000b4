// `fieldref` (sigma-semantics.md §4.8): compare with another field of the same event.
import { defineModifier, fail, typeError } from './modifier-def.js';
import { hasPlaceholder, hasWildcard, literalText } from './sigma-string.js';

/**
 * `fieldref`: the value names another field. contains/startswith/endswith before or after
 * it give the position (§4.12: both orders work), `cased` a case-sensitive comparison.
 */
export const FIELDREF = defineModifier({
  name: 'fieldref',
  family: 'fieldref',
  mustBeFirst: false,
  apply: (value, env) => {
    if (value.kind !== 'string' || value.encoding !== 'text') return typeError(env, value, 'a field name');
    if (hasWildcard(value.parts) || hasPlaceholder(value.parts)) {
      return fail('modifier-type', `'${env.name}' needs a plain field name without wildcards`);
    }
    const field = literalText(value.parts);
    if (field === '') return fail('modifier-type', `'${env.name}' needs a field name, not an empty string`);
    const position =
      value.hasLeadingAny && value.hasTrailingAny
        ? 'contains'
        : value.hasLeadingAny
          ? 'endswith'
          : value.hasTrailingAny
            ? 'startswith'
            : 'exact';
    return Object.freeze({ kind: 'fieldref', field, position, isCased: value.isCased });
  },
});
