// `all` and `neq` act on the whole item, not on values (sigma-semantics.md §4.1): lower-item
// reads them from the chain; as value modifiers they change nothing.
import { defineModifier } from './modifier-def.js';

/** `all`: values are AND-ed instead of OR-ed (§4.7); expansions stay OR groups. */
export const ALL = defineModifier({
  name: 'all',
  family: 'item',
  mustBeFirst: false,
  apply: (value) => value,
});

/** `neq`: NOT of the whole item, so a missing field satisfies it (§4.9). */
export const NEQ = defineModifier({
  name: 'neq',
  family: 'item',
  mustBeFirst: false,
  apply: (value) => value,
});
