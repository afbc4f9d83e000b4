// `exists` (sigma-semantics.md §2.3, spec): a presence test on the field's key.
import { defineModifier, fail } from './modifier-def.js';
import { describeWorking } from './working-value.js';

/**
 * `exists`: `true` tests that the key is present (even with null or ''), `false` that it
 * is absent. The value must be a real YAML boolean: unquoted `yes` is true, quoted 'yes' a
 * string and an error (edge case 30). Must be first and bound to a field.
 */
export const EXISTS = defineModifier({
  name: 'exists',
  family: 'exists',
  mustBeFirst: true,
  apply: (value, env) => {
    if (value.kind === 'boolean') return Object.freeze({ kind: 'exists', value: value.value });
    const hint = value.kind === 'string' ? ' (remove the quotes)' : '';
    return fail('modifier-type', `'${env.name}' needs the boolean true or false, not ${describeWorking(value)}${hint}`);
  },
});
