// base64, base64offset, wide/utf16le, utf16be, utf16 (sigma-semantics.md §4.4). Encodings
// work on bytes: a text string is UTF-8, a string after wide/utf16* already holds bytes.
import { PatternPart } from '@siemlite/core';
import {
  defineModifier,
  fail,
  typeError,
  type ModifierDef,
  type ModifierEnv,
  type ModifierFailure,
  type ModifierResult,
} from './modifier-def.js';
import { hasPlaceholder, hasWildcard, joinParts, literalText } from './sigma-string.js';
import { withString, workingString, type WorkingString, type WorkingValue } from './working-value.js';

/** The bytes a string stands for: UTF-8 of text, or the bytes a wide/utf16* modifier made. */
function bytesOf(value: WorkingString): Buffer {
  const text = literalText(value.parts);
  return value.encoding === 'bytes' ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

/** Base64 needs a plain value: a wildcard has no encoding (§4.4, edge case 21). */
function encodableBytes(value: WorkingValue, env: ModifierEnv): Buffer | ModifierFailure {
  if (value.kind !== 'string') return typeError(env, value, 'a string');
  if (hasPlaceholder(value.parts)) {
    return fail('modifier-order', `'${env.name}' cannot encode a %placeholder%: put 'expand' before '${env.name}'`);
  }
  if (value.hasLeadingAny || value.hasTrailingAny) {
    // Normally caught by the chain check; kept for chains built elsewhere.
    return fail('modifier-order', `'${env.name}' cannot encode wildcards added by contains/startswith/endswith`);
  }
  if (hasWildcard(value.parts)) {
    return fail('modifier-type', `'${env.name}' cannot encode a value with wildcards (* or ?); escape them as \\* or \\?`);
  }
  return bytesOf(value);
}

function encodedString(text: string): WorkingString {
  // §4.4: the output is a normal Sigma string: case-insensitive, no wildcards.
  return workingString([PatternPart.literal(text)]);
}

/**
 * The three base64offset variants of `bytes` (§4.4): `i` spaces before the value, then a
 * prefix of [0, 2, 3][i] characters and a suffix picked by (n + i) mod 3 cut off, so only
 * the characters that do not depend on neighbouring bytes remain.
 *
 * @example base64OffsetVariants(Buffer.from('ping')) // ['cGluZ', 'Bpbm', 'waW5n']
 */
export function base64OffsetVariants(bytes: Uint8Array): readonly string[] {
  const startCut = [0, 2, 3] as const;
  const endCut = [0, 3, 2] as const;
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const shifted = Buffer.concat([Buffer.alloc(i, 0x20), bytes]);
    const encoded = shifted.toString('base64');
    const cut = endCut[(bytes.length + i) % 3] as number;
    out.push(encoded.slice(startCut[i] as number, encoded.length - cut));
  }
  return out;
}

/** `base64`: standard base64 with `=` padding of the value's bytes. */
export const BASE64 = defineModifier({
  name: 'base64',
  family: 'base64',
  mustBeFirst: false,
  apply: (value, env) => {
    const bytes = encodableBytes(value, env);
    if (!Buffer.isBuffer(bytes)) return bytes;
    return encodedString(bytes.toString('base64'));
  },
});

/** `base64offset`: an expansion of three strings that find the value at any byte offset. */
export const BASE64OFFSET = defineModifier({
  name: 'base64offset',
  family: 'base64',
  mustBeFirst: false,
  apply: (value, env) => {
    const bytes = encodableBytes(value, env);
    if (!Buffer.isBuffer(bytes)) return bytes;
    return base64OffsetVariants(bytes).map(encodedString);
  },
});

function utf16Modifier(name: string, encode: (text: string) => Buffer): ModifierDef {
  return defineModifier({
    name,
    family: 'encoding',
    mustBeFirst: false,
    apply: (value: WorkingValue, env: ModifierEnv): ModifierResult => {
      if (value.kind !== 'string') return typeError(env, value, 'a string');
      if (value.encoding === 'bytes') {
        return fail('modifier-type', `'${env.name}' needs text, but the value is already UTF-16 encoded`);
      }
      // Wildcards and placeholders pass through; each literal run is encoded on its own.
      const parts = value.parts.map((p) =>
        p.kind === 'Literal' ? PatternPart.literal(encode(p.text).toString('latin1')) : p,
      );
      return withString(value, { parts, encoding: 'bytes' });
    },
  });
}

function utf16le(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}

/** `wide`: UTF-16LE bytes. */
export const WIDE = utf16Modifier('wide', utf16le);

/** `utf16be`: UTF-16BE bytes. */
export const UTF16BE = utf16Modifier('utf16be', (text) => utf16le(text).swap16());

/**
 * `utf16`: byte order mark FF FE, then UTF-16LE, as the spec says (§4.4, §11 #3; pySigma
 * encodes the mark as UTF-8 EF BB BF instead, which we do not copy).
 */
export const UTF16 = defineModifier({
  name: 'utf16',
  family: 'encoding',
  mustBeFirst: false,
  apply: (value, env) => {
    const encoded = WIDE.apply(value, env);
    if (Array.isArray(encoded) || (encoded as { kind: string }).kind !== 'string') return encoded;
    const wide = encoded as WorkingString;
    const bom = PatternPart.literal('\u00ff\u00fe');
    return withString(wide, { parts: joinParts([bom, ...wide.parts]) });
  },
});
