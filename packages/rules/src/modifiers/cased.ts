// `cased` (sigma-semantics.md §3.1, §4.2): turns off Sigma's default case-insensitivity.
import { defineModifier, typeError } from './modifier-def.js';
import { withString } from './working-value.js';

/**
 * `cased`: the string (or field reference, §4.8) compares case-sensitively. Composes with
 * the position modifiers in either order (§4.12).
 */
export const CASED = defineModifier({
  name: 'cased',
  family: 'case',
  mustBeFirst: false,
  apply: (value, env) => {
    if (value.kind === 'string') return withString(value, { isCased: true });
    if (value.kind === 'fieldref') return Object.freeze({ ...value, isCased: true });
    return typeError(env, value, 'a string or a field reference');
  },
});
