// Sigma strings: the escape algorithm of sigma-semantics.md §3.2, run once at load time so
// nothing downstream scans text for wildcards again (STYLE.md §1.1 item 3).
import { PatternPart, StringPattern } from '@siemlite/core';

/** A `%name%` placeholder, only recognised in values that carry the `expand` modifier (§4.11). */
export interface PlaceholderPart {
  readonly kind: 'Placeholder';
  readonly name: string;
}

/** A piece of a Sigma string while modifiers still work on it. */
export type SigmaPart = PatternPart | PlaceholderPart;

/** The result of escape processing, with what the validators need to know about it. */
export interface ParsedSigmaString {
  readonly parts: readonly SigmaPart[];
  /** An escape produced a literal `*` or `?` (§3.2 last row: usually an author's mistake). */
  readonly hasEscapedWildcard: boolean;
}

/**
 * Runs the §3.2 escape algorithm over an already YAML-decoded string. With
 * `hasPlaceholders` (the item uses `expand`), `%name%` becomes a placeholder and `\%` a
 * literal percent sign; otherwise `%` is an ordinary character.
 *
 * @example parseSigmaParts('C:\\Users\\*', { hasPlaceholders: false }).parts
 */
export function parseSigmaParts(text: string, options: { readonly hasPlaceholders: boolean }): ParsedSigmaString {
  const parts: SigmaPart[] = [];
  let literal = '';
  let hasEscapedWildcard = false;
  const flush = (): void => {
    if (literal !== '') parts.push(PatternPart.literal(literal));
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) {
        // §3.2 rule 3: a trailing backslash is a literal backslash.
        literal += '\\';
      } else if (next === '*' || next === '?' || next === '\\') {
        // §3.2 rule 1: `\*`, `\?`, `\\` give the next character, literally.
        literal += next;
        if (next !== '\\') hasEscapedWildcard = true;
        i++;
      } else if (next === '%' && options.hasPlaceholders) {
        // §4.11: under `expand`, `\%` is a literal percent and never starts a placeholder.
        literal += '%';
        i++;
      } else {
        // §3.2 rule 2: `\W`, `\c`... are not escapes: backslash and character stay.
        literal += '\\' + next;
        i++;
      }
    } else if (c === '*') {
      flush();
      parts.push(PatternPart.anyChars);
    } else if (c === '?') {
      flush();
      parts.push(PatternPart.oneChar);
    } else if (c === '%' && options.hasPlaceholders) {
      const close = text.indexOf('%', i + 1);
      if (close > i + 1) {
        flush();
        parts.push(Object.freeze({ kind: 'Placeholder', name: text.slice(i + 1, close) }));
        i = close;
      } else {
        literal += c;
      }
    } else {
      literal += c;
    }
  }
  flush();
  return { parts: joinParts(parts), hasEscapedWildcard };
}

/**
 * Parses a Sigma string value (§3.2 escape algorithm) into a core pattern. `%` is plain
 * text here: placeholders exist only under `expand`.
 *
 * @example parseSigmaString('ab\\*', false) // literal 'ab*', case-insensitive
 */
export function parseSigmaString(text: string, isCased: boolean): StringPattern {
  return StringPattern.create(toPatternParts(parseSigmaParts(text, { hasPlaceholders: false }).parts), isCased);
}

/** Joins adjacent literals and collapses `**`, as core's StringPattern does. */
export function joinParts(parts: readonly SigmaPart[]): readonly SigmaPart[] {
  const out: SigmaPart[] = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (part.kind === 'Literal') {
      if (part.text === '') continue;
      if (last !== undefined && last.kind === 'Literal') {
        out[out.length - 1] = PatternPart.literal(last.text + part.text);
        continue;
      }
    } else if (part.kind === 'AnyChars' && last !== undefined && last.kind === 'AnyChars') {
      continue;
    }
    out.push(part);
  }
  return Object.freeze(out);
}

/** Placeholders left over (none after `expand`) are kept as their literal `%name%` text. */
export function toPatternParts(parts: readonly SigmaPart[]): readonly PatternPart[] {
  return parts.map((p) => (p.kind === 'Placeholder' ? PatternPart.literal(`%${p.name}%`) : p));
}

/** True when a `*` or `?` wildcard remains (encodings and field references refuse them). */
export function hasWildcard(parts: readonly SigmaPart[]): boolean {
  return parts.some((p) => p.kind === 'AnyChars' || p.kind === 'OneChar');
}

/** True when a `%name%` is still waiting for `expand`. */
export function hasPlaceholder(parts: readonly SigmaPart[]): boolean {
  return parts.some((p) => p.kind === 'Placeholder');
}

/** The text of a pattern made only of literals. */
export function literalText(parts: readonly SigmaPart[]): string {
  let out = '';
  for (const p of parts) if (p.kind === 'Literal') out += p.text;
  return out;
}
