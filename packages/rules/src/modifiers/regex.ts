// `re` and its flags (sigma-semantics.md §4.3). Regexes run on RE2, a linear-time engine, so
// a rule can never hang the evaluator with catastrophic backtracking (DESIGN.md); we compile
// each one here, at load time, and reject what RE2 cannot run.
import RE2 from 're2';
import { defineModifier, fail, typeError, type ModifierDef, type ModifierFailure } from './modifier-def.js';
import type { SigmaPart } from './sigma-string.js';

const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/;

/**
 * Splits leading inline flag groups (`(?i)`, `(?is)`, `(?i)(?s)`) off a regex: SigmaHQ
 * writes them, JavaScript has no inline flags, so they become flags (§4.3).
 *
 * @example stripLeadingFlags('(?i)abc') // { source: 'abc', flags: 'i' }
 */
export function stripLeadingFlags(text: string): { readonly source: string; readonly flags: string } | ModifierFailure {
  let source = text;
  let flags = '';
  for (let m = LEADING_FLAGS.exec(source); m !== null; m = LEADING_FLAGS.exec(source)) {
    const letters = m[1] as string;
    if (!/^[ims]+$/.test(letters)) {
      return fail('unsupported', `inline regex flags (?${letters}) are not supported: only i, m and s exist here`);
    }
    flags += letters;
    source = source.slice(m[0].length);
  }
  return { source, flags: [...new Set(flags)].sort().join('') };
}

/**
 * `re`: the value, verbatim (no Sigma escapes, no wildcards, §3.3), is a regular expression
 * searched anywhere in the field. Must be first, since it needs the text as written.
 */
export const RE = defineModifier({
  name: 're',
  family: 'regex',
  mustBeFirst: true,
  apply: (value, env) => {
    let text: string;
    if (value.kind === 'string' && value.raw !== null) text = value.raw;
    // An unquoted `re: 123` is a YAML number; its text is still a valid pattern.
    else if (value.kind === 'number') text = value.text;
    else return typeError(env, value, 'a string');
    const split = stripLeadingFlags(text);
    if ('kind' in split) return split;
    return Object.freeze({ kind: 'regex', source: split.source, flags: split.flags });
  },
});

function flagModifier(name: string, flag: 'i' | 'm' | 's'): ModifierDef {
  return defineModifier({
    name,
    family: 'regex-flag',
    mustBeFirst: false,
    apply: (value, env) => {
      if (value.kind !== 'regex') return typeError(env, value, 'a regular expression (write re first)');
      const flags = [...new Set(value.flags + flag)].sort().join('');
      return Object.freeze({ ...value, flags });
    },
  });
}

/** `i` / `ignorecase`: case-insensitive regex. */
export const REGEX_IGNORECASE = flagModifier('i', 'i');
/** `m` / `multiline`: `^` and `$` match at line breaks. */
export const REGEX_MULTILINE = flagModifier('m', 'm');
/** `s` / `dotall`: `.` also matches a newline. */
export const REGEX_DOTALL = flagModifier('s', 's');

interface RegexFeatures {
  readonly hasLookaround: boolean;
  readonly hasBackreference: boolean;
  readonly hasInlineFlags: boolean;
}

/** Finds the constructs RE2 or our JS-compatible flag handling cannot take. */
function scanRegex(source: string): RegexFeatures {
  let hasLookaround = false;
  let hasBackreference = false;
  let hasInlineFlags = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<'))) hasBackreference = true;
      i++;
    } else if (inClass) {
      if (c === '[' && source[i + 1] === ':') {
        const end = source.indexOf(':]', i + 2);
        if (end > 0) i = end + 1;
      } else if (c === ']') {
        inClass = false;
      }
    } else if (c === '[') {
      inClass = true;
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
    } else if (c === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2);
      if (/^(?:=|!|<=|<!)/.test(rest)) hasLookaround = true;
      else if (rest.startsWith('P=')) hasBackreference = true;
      else if (/^[a-zA-Z-]+[:)]/.test(rest) && !rest.startsWith('P<')) hasInlineFlags = true;
    }
  }
  return { hasLookaround, hasBackreference, hasInlineFlags };
}

/**
 * Compiles a regex with RE2 and explains a refusal: lookaround and backreferences are
 * 'unsupported' (RE2 runs in linear time because it has neither), repetition beyond RE2's
 * limits is 'unsafe-regex', anything else 'invalid-regex' (edge case 48). Inline flags
 * after the start are 'unsupported': only a leading `(?i)` maps to JavaScript flags.
 *
 * @example validateRegex('(a+)+$', '') // null: RE2 matches it in linear time
 */
export function validateRegex(source: string, flags: string): ModifierFailure | null {
  const compileError = re2CompileError(source, flags);
  const features = scanRegex(source);
  if (compileError !== null) {
    if (features.hasLookaround) {
      return fail('unsupported', `regex uses lookaround ((?=, (?!, (?<=, (?<!), which RE2 does not support: ${compileError}`);
    }
    if (features.hasBackreference) {
      return fail('unsupported', `regex uses a backreference, which RE2 does not support: ${compileError}`);
    }
    const size = /invalid repetition size: \{(\d+)(?:,(\d*))?\}/.exec(compileError);
    const isTooLarge =
      /pattern too large/.test(compileError) ||
      (size !== null && (size[2] === undefined || size[2] === '' || Number(size[2]) >= Number(size[1])));
    if (isTooLarge) {
      return fail('unsafe-regex', `regex repetition is too large for RE2 (at most 1000 in total): ${compileError}`);
    }
    return fail('invalid-regex', `invalid regular expression: ${compileError}`);
  }
  if (features.hasInlineFlags) {
    return fail('unsupported', `inline regex flags are only supported as a leading group such as (?i); use the i, m, s modifiers`);
  }
  return null;
}

function re2CompileError(source: string, flags: string): string | null {
  try {
    new RE2(source, flags);
    return null;
  } catch (error) {
    // RE2 reports bad patterns as SyntaxError; anything else is a bug, not a rule problem.
    if (error instanceof SyntaxError) return error.message;
    throw error;
  }
}

/**
 * A Sigma string (from a placeholder value, §4.11) as regex source: literals escaped,
 * `*` as `[\s\S]*` (wildcards match newlines, §3.1), `?` as `[\s\S]`.
 */
export function sigmaPartsToRegex(parts: readonly SigmaPart[]): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'AnyChars') out += '[\\s\\S]*';
    else if (part.kind === 'OneChar') out += '[\\s\\S]';
    else if (part.kind === 'Literal') out += part.text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
    else out += `%${part.name}%`;
  }
  return out;
}
