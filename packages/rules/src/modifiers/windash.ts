// `windash` (sigma-semantics.md §4.5): Windows accepts `-x`, `/x` and typographic dashes
// for command-line flags, so each flag dash expands into every variant.
import { PatternPart } from '@siemlite/core';
import { cartesian } from './cartesian.js';
import { defineModifier, fail, typeError } from './modifier-def.js';
import { joinParts, type SigmaPart } from './sigma-string.js';
import { MAX_ALTERNATIVES, withString, type WorkingString } from './working-value.js';

/** `-`, `/`, en dash, em dash, horizontal bar, in pySigma's order. */
export const WINDASH_CHARACTERS: readonly string[] = ['-', '/', '\u2013', '\u2014', '\u2015'];

// pySigma's `\B[-/]\b` on Python str: word characters are Unicode letters, digits and `_`.
const WORD = /^[\p{L}\p{N}_]$/u;

function isWord(c: string | undefined): boolean {
  return c !== undefined && WORD.test(c);
}

/**
 * Indexes (in code points) of the flag dashes of one literal run. A `-` or `/` is a flag
 * dash when the character before it is not a word character (or it starts the run:
 * wildcards split runs, §4.5) and a word character follows; `multi-part` stays as is
 * (edge case 23).
 */
function flagDashes(chars: readonly string[]): readonly number[] {
  const out: number[] = [];
  chars.forEach((c, i) => {
    if ((c === '-' || c === '/') && !isWord(chars[i - 1]) && isWord(chars[i + 1])) out.push(i);
  });
  return out;
}

function segmentVariants(chars: readonly string[], dashes: readonly number[]): readonly string[] {
  return cartesian(dashes.map(() => WINDASH_CHARACTERS)).map((combo) => {
    const copy = chars.slice();
    dashes.forEach((at, k) => (copy[at] = combo[k] as string));
    return copy.join('');
  });
}

/**
 * `windash`: an expansion (always OR-ed, §4.1) of all 5^n dash combinations of the value.
 *
 * @example ' -f ' expands to ' -f ', ' /f ', ' –f ', ' —f ', ' ―f '
 */
export const WINDASH = defineModifier({
  name: 'windash',
  family: 'windash',
  mustBeFirst: false,
  apply: (value, env) => {
    if (value.kind !== 'string') return typeError(env, value, 'a string');
    if (value.encoding === 'bytes') {
      return fail('modifier-order', `'${env.name}' must come before wide/utf16 encodings`);
    }
    const segments = value.parts.map((p) => {
      const chars = p.kind === 'Literal' ? Array.from(p.text) : [];
      return { part: p, chars, dashes: flagDashes(chars) };
    });
    const dashCount = segments.reduce((n, s) => n + s.dashes.length, 0);
    const count = WINDASH_CHARACTERS.length ** dashCount;
    if (count > MAX_ALTERNATIVES) {
      return fail('unsupported', `'${env.name}' would expand this value into ${count} variants (limit ${MAX_ALTERNATIVES})`);
    }
    const perPart = segments.map(({ part, chars, dashes }): readonly SigmaPart[] =>
      dashes.length === 0 ? [part] : segmentVariants(chars, dashes).map((t) => PatternPart.literal(t)),
    );
    if (count === 1) return value;
    return cartesian(perPart).map((parts): WorkingString => withString(value, { parts: joinParts(parts) }));
  },
});
