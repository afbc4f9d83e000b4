// contains / startswith / endswith (sigma-semantics.md §4.2): wildcards at the ends of a
// string, a position for a field reference, nothing for a regex.
import type { FieldRefPosition } from '@siemlite/core';
import { defineModifier, typeError, type ModifierDef, type ModifierEnv, type ModifierResult } from './modifier-def.js';
import { withString, type WorkingValue } from './working-value.js';

type Position = 'contains' | 'startswith' | 'endswith';

function combine(current: FieldRefPosition, added: Position): FieldRefPosition {
  if (current === 'exact' || current === added) return added;
  // startswith + endswith on one reference: it must occur at both ends, i.e. anywhere.
  return 'contains';
}

function applyPosition(position: Position, value: WorkingValue, env: ModifierEnv): ModifierResult {
  switch (value.kind) {
    case 'string':
      // The `*` is recorded, not inserted, so an existing `*` is never doubled and later
      // modifiers (fieldref, base64) can tell it from the value's own wildcards.
      return withString(value, {
        hasLeadingAny: value.hasLeadingAny || position !== 'startswith',
        hasTrailingAny: value.hasTrailingAny || position !== 'endswith',
      });
    case 'regex':
      // §4.3: regexes are searched, not anchored, so `.*` at either end changes nothing.
      return value;
    case 'fieldref':
      return Object.freeze({ ...value, position: combine(value.position, position) });
    default:
      return typeError(env, value, 'a string, a regular expression or a field reference');
  }
}

function positionModifier(name: Position): ModifierDef {
  return defineModifier({
    name,
    family: 'position',
    mustBeFirst: false,
    apply: (value: WorkingValue, env: ModifierEnv) => applyPosition(name, value, env),
  });
}

/** `contains`: `*` at both ends (a substring test); a field reference must occur inside. */
export const CONTAINS = positionModifier('contains');
/** `startswith`: trailing `*` (a prefix test). */
export const STARTSWITH = positionModifier('startswith');
/** `endswith`: leading `*` (a suffix test). */
export const ENDSWITH = positionModifier('endswith');
