// String tests compiled once per distinct pattern. Sigma compares case-insensitively by
// default (§3.1): both sides are case-folded (fold-case.ts; the pattern at compile time, the
// event value once per dictionary entry per batch), and the kernel picks the cheapest
// test that has the same meaning: equality, prefix, suffix, substring, or an anchored regex.
import type { StringPattern } from '../ir/values.js';
import { foldCase } from './fold-case.js';

/** A test over one value: `raw` as in the event, `lower` its case-folded form. */
export type StringTest = (raw: string, lower: string) => boolean;

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/** Compiles a Sigma string pattern to a test; the result is shared by every leaf with this pattern. */
export function compileStringPattern(pattern: StringPattern): StringTest {
  const cased = pattern.isCased;
  const parts = pattern.parts;
  const fold = (t: string): string => (cased ? t : foldCase(t));
  const only = parts.length === 1 ? parts[0] : undefined;
  if (parts.length === 0) return (raw) => raw === '';
  if (only !== undefined && only.kind === 'AnyChars') return () => true;
  if (only !== undefined && only.kind === 'Literal') {
    const lit = fold(only.text);
    return cased ? (raw) => raw === lit : (_raw, lower) => lower === lit;
  }
  const [a, b, c] = parts;
  if (parts.length === 2 && a?.kind === 'AnyChars' && b?.kind === 'Literal') {
    const lit = fold(b.text);
    return cased ? (raw) => raw.endsWith(lit) : (_raw, lower) => lower.endsWith(lit);
  }
  if (parts.length === 2 && a?.kind === 'Literal' && b?.kind === 'AnyChars') {
    const lit = fold(a.text);
    return cased ? (raw) => raw.startsWith(lit) : (_raw, lower) => lower.startsWith(lit);
  }
  if (parts.length === 3 && a?.kind === 'AnyChars' && b?.kind === 'Literal' && c?.kind === 'AnyChars') {
    const lit = fold(b.text);
    return cased ? (raw) => raw.includes(lit) : (_raw, lower) => lower.includes(lit);
  }
  // General shape: anchored regex with dot-all; `?` is one code point, hence `u` (§3.1).
  let source = '^';
  for (const p of parts) {
    if (p.kind === 'AnyChars') source += '[^]*';
    else if (p.kind === 'OneChar') source += '.';
    else source += fold(p.text).replace(REGEX_SPECIAL, (ch) => `\\${ch}`);
  }
  source += '$';
  const re = new RegExp(source, 'su');
  return cased ? (raw) => re.test(raw) : (_raw, lower) => re.test(lower);
}
