// Typed, located access to a YAML map while collecting errors: the model parsers read
// attributes through it so every complaint names the key's line and column.
import { errorRecord, type ErrorCode, type ErrorRecord, type SourceLocation } from '@siemlite/core';
import type { YamlEntry, YamlMap, YamlScalar, YamlValue } from '../yaml/load-yaml.js';

export class Diagnostics {
  readonly errors: ErrorRecord[] = [];
  readonly warnings: ErrorRecord[] = [];

  error(code: ErrorCode, message: string, location: SourceLocation | null): void {
    this.errors.push(errorRecord(code, message, location));
  }

  warn(code: ErrorCode, message: string, location: SourceLocation | null): void {
    this.warnings.push(errorRecord(code, message, location, null, 'warning'));
  }

  add(records: readonly ErrorRecord[]): void {
    for (const r of records) (r.severity === 'warning' ? this.warnings : this.errors).push(r);
  }
}

export function describeType(value: YamlValue): string {
  if (value.kind === 'map') return 'a map';
  if (value.kind === 'seq') return 'a list';
  if (value.value === null) return 'null';
  if (value.tag === 'timestamp') return 'a date';
  return `a ${typeof value.value}`;
}

/** Reads attributes of one YAML map, reporting missing and ill-typed keys. */
export class MapReader {
  readonly map: YamlMap;
  readonly #diag: Diagnostics;
  readonly #context: string;

  constructor(map: YamlMap, diag: Diagnostics, context: string) {
    this.map = map;
    this.#diag = diag;
    this.#context = context;
  }

  entry(key: string): YamlEntry | undefined {
    return this.map.entries.find((e) => e.key === key);
  }

  has(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  /** A string attribute; numbers and dates are accepted as their text (as PyYAML would not; we are lenient). */
  string(key: string, options: { required?: boolean; allowEmpty?: boolean; maxLength?: number } = {}): string | null {
    const e = this.entry(key);
    if (e === undefined) {
      if (options.required === true) this.#diag.error('schema', `${this.#context} must have '${key}'`, this.map.loc);
      return null;
    }
    const v = e.value;
    if (v.kind !== 'scalar' || v.value === null || typeof v.value === 'boolean') {
      this.#diag.error('schema', `'${key}' must be a string, not ${describeType(v)}`, valueLoc(e));
      return null;
    }
    const text = typeof v.value === 'string' ? v.value : v.text;
    if (options.allowEmpty === false && text.trim() === '') {
      this.#diag.error('schema', `'${key}' must not be empty`, valueLoc(e));
      return null;
    }
    if (options.maxLength !== undefined && text.length > options.maxLength) {
      this.#diag.error('schema', `'${key}' is longer than ${options.maxLength} characters`, valueLoc(e));
      return null;
    }
    return text;
  }

  /** A list of strings; a single string is an error (the spec says list). */
  stringList(key: string): readonly string[] {
    const e = this.entry(key);
    if (e === undefined) return [];
    const v = e.value;
    if (v.kind === 'scalar' && v.value === null) return [];
    if (v.kind !== 'seq') {
      this.#diag.error('schema', `'${key}' must be a list, not ${describeType(v)}`, valueLoc(e));
      return [];
    }
    const out: string[] = [];
    for (const item of v.items) {
      if (item.kind !== 'scalar' || item.value === null) {
        this.#diag.error('schema', `every entry of '${key}' must be a string, not ${describeType(item)}`, item.loc);
        continue;
      }
      out.push(typeof item.value === 'string' ? item.value : item.text);
    }
    return out;
  }

  map_(key: string, options: { required?: boolean } = {}): YamlMap | null {
    const e = this.entry(key);
    if (e === undefined) {
      if (options.required === true) this.#diag.error('schema', `${this.#context} must have '${key}'`, this.map.loc);
      return null;
    }
    if (e.value.kind !== 'map') {
      this.#diag.error('schema', `'${key}' must be a map, not ${describeType(e.value)}`, valueLoc(e));
      return null;
    }
    return e.value;
  }

  boolean(key: string): boolean | null {
    const e = this.entry(key);
    if (e === undefined) return null;
    if (e.value.kind !== 'scalar' || typeof e.value.value !== 'boolean') {
      this.#diag.error('schema', `'${key}' must be a boolean (true or false), not ${describeType(e.value)}`, valueLoc(e));
      return null;
    }
    return e.value.value;
  }
}

export function valueLoc(e: YamlEntry): SourceLocation {
  return e.value.kind === 'scalar' && e.value.value === null ? e.keyLoc : e.value.loc;
}

export function isScalar(v: YamlValue): v is YamlScalar {
  return v.kind === 'scalar';
}
