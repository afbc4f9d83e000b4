// Values as they flow through a modifier chain (sigma-semantics.md §4.1): typed, one kind
// per Sigma value type, frozen. Only lower-item turns them into core IR values.
import { PatternPart, type CidrValue, type CompareOp, type FieldRefPosition, type TimePart } from '@siemlite/core';
import type { SigmaPart } from './sigma-string.js';

/**
 * A Sigma string. Wildcards added by `contains`/`startswith`/`endswith` are kept apart from
 * the value's own parts, so `contains|fieldref` and `contains|base64` can tell them apart.
 */
export interface WorkingString {
  readonly kind: 'string';
  readonly parts: readonly SigmaPart[];
  readonly isCased: boolean;
  /** 'bytes' after wide/utf16*: each literal character is one byte (code 0-255). */
  readonly encoding: 'text' | 'bytes';
  readonly hasLeadingAny: boolean;
  readonly hasTrailingAny: boolean;
  /** The YAML text before escape processing; only set before any modifier ran (re, cidr). */
  readonly raw: string | null;
}

/** A YAML number; `text` is what the author wrote (`0x1F`, `1.0`), kept for display. */
export interface WorkingNumber {
  readonly kind: 'number';
  readonly value: number;
  readonly text: string;
}

/** A YAML boolean (`true`, unquoted `yes`...). */
export interface WorkingBoolean {
  readonly kind: 'boolean';
  readonly value: boolean;
}

/** YAML null: the field is absent or null (§2.3). */
export interface WorkingNull {
  readonly kind: 'null';
}

/** A regex after `re`; flags are a sorted subset of `ims`. */
export interface WorkingRegex {
  readonly kind: 'regex';
  readonly source: string;
  readonly flags: string;
}

/** A network after `cidr`, already in core's canonical form. */
export interface WorkingCidr {
  readonly kind: 'cidr';
  readonly value: CidrValue;
}

/** A numeric comparison after gt/gte/lt/lte. */
export interface WorkingCompare {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly value: number;
}

/** A reference to another field after `fieldref`. */
export interface WorkingFieldRef {
  readonly kind: 'fieldref';
  readonly field: string;
  readonly position: FieldRefPosition;
  readonly isCased: boolean;
}

/** A presence test after `exists`. */
export interface WorkingExists {
  readonly kind: 'exists';
  readonly value: boolean;
}

/** A calendar-part test after minute/hour/...; `op` is `eq` until a comparison follows. */
export interface WorkingTimePart {
  readonly kind: 'time-part';
  readonly part: TimePart;
  readonly op: CompareOp | 'eq';
  readonly value: number;
}

/** Every kind of value a modifier can receive or produce. */
export type WorkingValue =
  | WorkingString
  | WorkingNumber
  | WorkingBoolean
  | WorkingNull
  | WorkingRegex
  | WorkingCidr
  | WorkingCompare
  | WorkingFieldRef
  | WorkingExists
  | WorkingTimePart;

/**
 * Upper bound on the alternatives one value may expand into (windash is 5^n, expand a
 * cartesian product); beyond it the rule is rejected instead of eating memory.
 */
export const MAX_ALTERNATIVES = 4096;

/** A fresh string value; unspecified options are the defaults of a plain YAML string. */
export function workingString(
  parts: readonly SigmaPart[],
  options: Partial<Omit<WorkingString, 'kind' | 'parts'>> = {},
): WorkingString {
  return Object.freeze({
    kind: 'string',
    parts,
    isCased: options.isCased ?? false,
    encoding: options.encoding ?? 'text',
    hasLeadingAny: options.hasLeadingAny ?? false,
    hasTrailingAny: options.hasTrailingAny ?? false,
    raw: options.raw ?? null,
  });
}

/** The same string with some fields changed; the raw text is gone once a modifier ran. */
export function withString(value: WorkingString, changes: Partial<Omit<WorkingString, 'kind'>>): WorkingString {
  return Object.freeze({ ...value, raw: null, ...changes });
}

/** The string's parts with the wildcards its position modifiers added. */
export function materialize(value: WorkingString): readonly SigmaPart[] {
  const out: SigmaPart[] = [];
  const first = value.parts[0];
  const last = value.parts[value.parts.length - 1];
  if (value.hasLeadingAny && first?.kind !== 'AnyChars') out.push(PatternPart.anyChars);
  out.push(...value.parts);
  if (value.hasTrailingAny && last?.kind !== 'AnyChars') out.push(PatternPart.anyChars);
  return out;
}

/** Words for messages: "'contains' does not apply to a number". */
export function describeWorking(value: WorkingValue): string {
  switch (value.kind) {
    case 'string':
      return value.encoding === 'bytes' ? 'an encoded (UTF-16) string' : 'a string';
    case 'number':
      return `the number ${value.text}`;
    case 'boolean':
      return `the boolean ${String(value.value)}`;
    case 'null':
      return 'null';
    case 'regex':
      return 'a regular expression';
    case 'cidr':
      return 'a CIDR network';
    case 'compare':
      return `a '${value.op}' comparison`;
    case 'fieldref':
      return 'a field reference';
    case 'exists':
      return 'an exists test';
    case 'time-part':
      return `a '${value.part}' time part`;
  }
}
