// The shape every modifier implementation shares (STYLE.md §1.1 item 2): one typed apply
// per modifier; the registry table and lower-item do type fan-out and expansion once.
import type { ErrorCode } from '@siemlite/core';
import { describeWorking, type WorkingValue } from './working-value.js';

/** Why a modifier refused a value; lower-item locates it at the value. */
export interface ModifierFailure {
  readonly kind: 'failure';
  readonly code: ErrorCode;
  readonly message: string;
}

/** One value, an expansion (alternatives that are always OR-ed, §4.1), or a failure. */
export type ModifierResult = WorkingValue | readonly WorkingValue[] | ModifierFailure;

/** What a modifier may know about the item it is applied in. */
export interface ModifierEnv {
  /** The modifier's name as written (an alias such as `ignorecase` stays as is). */
  readonly name: string;
  readonly field: string | null;
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
}

/** Groups of modifiers that the order rules of registry.ts talk about. */
export type ModifierFamily =
  | 'item'
  | 'position'
  | 'case'
  | 'regex'
  | 'regex-flag'
  | 'encoding'
  | 'base64'
  | 'windash'
  | 'cidr'
  | 'exists'
  | 'fieldref'
  | 'compare'
  | 'time-part'
  | 'expand';

/**
 * A modifier: its canonical name, the family the order rules talk about, and its apply.
 * `item` modifiers (`all`, `neq`) change how values are combined, not the values.
 */
export interface ModifierDef {
  readonly name: string;
  readonly family: ModifierFamily;
  /** `re`, `cidr` and `exists` take the value as written, so nothing may run before them. */
  readonly mustBeFirst: boolean;
  readonly apply: (value: WorkingValue, env: ModifierEnv) => ModifierResult;
}

/** A frozen failure; the caller adds the location. */
export function fail(code: ErrorCode, message: string): ModifierFailure {
  return Object.freeze({ kind: 'failure', code, message });
}

/** Tells a failure from a value, an expansion or a node. */
export function isFailure<T>(result: T | ModifierFailure): result is ModifierFailure {
  return typeof result === 'object' && result !== null && !Array.isArray(result) && (result as { kind?: unknown }).kind === 'failure';
}

/** Freezes a modifier definition; the parameter gives its `apply` the contextual types. */
export function defineModifier(def: ModifierDef): ModifierDef {
  return Object.freeze(def);
}

/** The 'modifier-type' failure, with a hint where authors often trip (§4.9, edge case 32). */
export function typeError(env: ModifierEnv, value: WorkingValue, expected: string): ModifierFailure {
  let hint = '';
  if (value.kind === 'number' && expected.includes('string')) hint = ` (quote it to match it as text: '${value.text}')`;
  return fail('modifier-type', `'${env.name}' needs ${expected}, not ${describeWorking(value)}${hint}`);
}
