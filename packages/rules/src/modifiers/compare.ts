// gt / gte / lt / lte (sigma-semantics.md §4.9): numeric comparison with a number from the
// rule; after a time-part modifier, the comparison applies to that part (§4.10).
import type { CompareOp } from '@siemlite/core';
import { defineModifier, fail, typeError, type ModifierDef } from './modifier-def.js';

function compareModifier(op: CompareOp): ModifierDef {
  return defineModifier({
    name: op,
    family: 'compare',
    mustBeFirst: false,
    apply: (value, env) => {
      if (value.kind === 'number') return Object.freeze({ kind: 'compare', op, value: value.value });
      if (value.kind === 'time-part') {
        if (value.op !== 'eq') return fail('modifier-type', `'${env.name}' cannot follow another comparison ('${value.op}')`);
        return Object.freeze({ ...value, op });
      }
      if (value.kind === 'string') {
        // Edge case 26: `F|gt: '5'` is an error, not a string comparison.
        return fail('modifier-type', `'${env.name}' needs a number, not a string (write the number without quotes)`);
      }
      return typeError(env, value, 'a number');
    },
  });
}

/** `gt`: field value > rule number. */
export const GT = compareModifier('gt');
/** `gte`: field value >= rule number. */
export const GTE = compareModifier('gte');
/** `lt`: field value < rule number. */
export const LT = compareModifier('lt');
/** `lte`: field value <= rule number. */
export const LTE = compareModifier('lte');
