// Typed values of the detection IR. Every value is plain, frozen, JSON-safe data: no
// classes, no RegExp objects (regexes travel as source plus flags), so a rule set can go
// through `workerData`, into caches and into the SQL compiler unchanged.

/** One piece of a Sigma string after escape processing: literal text or a wildcard. */
export type PatternPart =
  | { readonly kind: 'Literal'; readonly text: string }
  | { readonly kind: 'AnyChars' } // `*`: any run of characters, including none and newlines
  | { readonly kind: 'OneChar' }; // `?`: exactly one character (one code point)

/**
 * A Sigma string with wildcards resolved once at load time. Matching is against the
 * whole value; case-insensitive unless `isCased`.
 *
 * @example StringPattern.create([PatternPart.literal('cmd.exe')], false)
 */
export interface StringPattern {
  readonly kind: 'StringPattern';
  readonly parts: readonly PatternPart[];
  readonly isCased: boolean;
}

/** A number from the rule; `text` keeps what the author wrote for display. */
export interface NumberValue {
  readonly kind: 'Number';
  readonly value: number;
  readonly text: string;
}

/** `F: true`: a YAML boolean from the rule. */
export interface BooleanValue {
  readonly kind: 'Boolean';
  readonly value: boolean;
}

/** `F: null`: the field is absent or JSON null. */
export interface NullValue {
  readonly kind: 'Null';
}

/** A regular expression, searched (not anchored) in the value. Flags are a subset of `ims`. */
export interface RegexValue {
  readonly kind: 'Regex';
  readonly source: string;
  readonly flags: string;
}

/** An IPv4 or IPv6 network; `network` is the canonical address text with host bits clear. */
export interface CidrValue {
  readonly kind: 'Cidr';
  readonly version: 4 | 6;
  readonly network: string;
  readonly prefixLength: number;
}

/** The comparison of a `|gt`, `|gte`, `|lt` or `|lte` modifier. */
export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';

/** Numeric comparison with a number from the rule (`F|gte: 5`). */
export interface CompareValue {
  readonly kind: 'Compare';
  readonly op: CompareOp;
  readonly value: number;
}

/** Where the referenced field's value must occur: `|fieldref` alone is `exact`. */
export type FieldRefPosition = 'exact' | 'contains' | 'startswith' | 'endswith';

/** `F|fieldref: G`: compare with the value of field G in the same event. */
export interface FieldRefValue {
  readonly kind: 'FieldRef';
  readonly field: string;
  readonly position: FieldRefPosition;
  readonly isCased: boolean;
}

/** The calendar part of a time modifier (`|minute`, `|hour`, ...). */
export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** `F|hour|gte: 22`: a calendar part taken from a timestamp string as written. */
export interface TimePartValue {
  readonly kind: 'TimePart';
  readonly part: TimePart;
  readonly op: CompareOp | 'eq';
  readonly value: number;
}

/** Every typed value a `Match` node can test a field against. */
export type Value =
  | StringPattern
  | NumberValue
  | BooleanValue
  | NullValue
  | RegexValue
  | CidrValue
  | CompareValue
  | FieldRefValue
  | TimePartValue;

/** The `kind` tag of a value. */
export type ValueKind = Value['kind'];

export const PatternPart = Object.freeze({
  literal(text: string): PatternPart {
    return Object.freeze({ kind: 'Literal', text });
  },
  anyChars: Object.freeze({ kind: 'AnyChars' }) as PatternPart,
  oneChar: Object.freeze({ kind: 'OneChar' }) as PatternPart,
});

/** Joins adjacent literals and collapses runs of `*`, so equal patterns have equal parts. */
function normalizeParts(parts: readonly PatternPart[]): readonly PatternPart[] {
  const out: PatternPart[] = [];
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

export const StringPattern = Object.freeze({
  create(parts: readonly PatternPart[], isCased: boolean): StringPattern {
    return Object.freeze({ kind: 'StringPattern', parts: normalizeParts(parts), isCased });
  },
  /** A pattern that matches exactly `text` (no wildcards). */
  literal(text: string, isCased = false): StringPattern {
    return StringPattern.create([PatternPart.literal(text)], isCased);
  },
  is(value: { readonly kind: string }): value is StringPattern {
    return value.kind === 'StringPattern';
  },
  /** True when the pattern has no wildcard: a plain equality test. */
  isPlain(pattern: StringPattern): boolean {
    return pattern.parts.every((p) => p.kind === 'Literal');
  },
  /** Sigma text of the pattern, with `*`, `?` and `\` escaped where literal. */
  toSigma(pattern: StringPattern): string {
    let out = '';
    for (const part of pattern.parts) {
      if (part.kind === 'AnyChars') out += '*';
      else if (part.kind === 'OneChar') out += '?';
      else out += part.text.replace(/[\\*?]/g, (c) => `\\${c}`);
    }
    return out;
  },
});

export const NumberValue = Object.freeze({
  create(value: number, text: string = String(value)): NumberValue {
    return Object.freeze({ kind: 'Number', value, text });
  },
  is: (v: { readonly kind: string }): v is NumberValue => v.kind === 'Number',
});

export const BooleanValue = Object.freeze({
  create(value: boolean): BooleanValue {
    return Object.freeze({ kind: 'Boolean', value });
  },
  is: (v: { readonly kind: string }): v is BooleanValue => v.kind === 'Boolean',
});

const NULL_VALUE: NullValue = Object.freeze({ kind: 'Null' });
export const NullValue = Object.freeze({
  create(): NullValue {
    return NULL_VALUE;
  },
  is: (v: { readonly kind: string }): v is NullValue => v.kind === 'Null',
});

export const RegexValue = Object.freeze({
  create(source: string, flags: string): RegexValue {
    const sorted = [...new Set(flags)].sort().join('');
    return Object.freeze({ kind: 'Regex', source, flags: sorted });
  },
  is: (v: { readonly kind: string }): v is RegexValue => v.kind === 'Regex',
});

export const CidrValue = Object.freeze({
  create(version: 4 | 6, network: string, prefixLength: number): CidrValue {
    return Object.freeze({ kind: 'Cidr', version, network, prefixLength });
  },
  is: (v: { readonly kind: string }): v is CidrValue => v.kind === 'Cidr',
});

export const CompareValue = Object.freeze({
  create(op: CompareOp, value: number): CompareValue {
    return Object.freeze({ kind: 'Compare', op, value });
  },
  is: (v: { readonly kind: string }): v is CompareValue => v.kind === 'Compare',
});

export const FieldRefValue = Object.freeze({
  create(field: string, position: FieldRefPosition, isCased: boolean): FieldRefValue {
    return Object.freeze({ kind: 'FieldRef', field, position, isCased });
  },
  is: (v: { readonly kind: string }): v is FieldRefValue => v.kind === 'FieldRef',
});

export const TimePartValue = Object.freeze({
  create(part: TimePart, op: CompareOp | 'eq', value: number): TimePartValue {
    return Object.freeze({ kind: 'TimePart', part, op, value });
  },
  is: (v: { readonly kind: string }): v is TimePartValue => v.kind === 'TimePart',
});
