// minute / hour / day / week / month / year (sigma-semantics.md §4.10, spec 2.1): compare a
// calendar part of the field's timestamp, as written, with a whole number.
import type { TimePart } from '@siemlite/core';
import { defineModifier, fail, typeError, type ModifierDef } from './modifier-def.js';

function timePartModifier(part: TimePart): ModifierDef {
  return defineModifier({
    name: part,
    family: 'time-part',
    mustBeFirst: false,
    apply: (value, env) => {
      if (value.kind !== 'number') return typeError(env, value, 'a whole number');
      if (!Number.isInteger(value.value)) {
        return fail('modifier-type', `'${env.name}' needs a whole number, not ${value.text}`);
      }
      // Equality until a following gt/gte/lt/lte sets the operator (`F|hour|gte: 22`).
      return Object.freeze({ kind: 'time-part', part, op: 'eq', value: value.value });
    },
  });
}

/** `minute` (0-59). */
export const MINUTE = timePartModifier('minute');
/** `hour` (0-23). */
export const HOUR = timePartModifier('hour');
/** `day` of the month (1-31). */
export const DAY = timePartModifier('day');
/** `week` of the year (the engine uses ISO weeks, §4.10). */
export const WEEK = timePartModifier('week');
/** `month` (1-12). */
export const MONTH = timePartModifier('month');
/** `year`. */
export const YEAR = timePartModifier('year');
