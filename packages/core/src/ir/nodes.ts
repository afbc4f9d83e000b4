// Condition nodes of the detection IR: frozen plain objects with a `kind`, one factory
// each (Kysely's operation-node habit). Leaves carry the rule-file location they came from.
import type { SourceLocation } from '../errors.js';
import type { RegexValue, StringPattern, Value } from './values.js';

/** Every condition in the IR: a boolean expression over one event. */
export type Node = And | Or | Not | Match | Keyword | Exists | Constant;
/** The `kind` tag of a condition node. */
export type NodeKind = Node['kind'];

/** True when every child is. Build with `And.create`, test with `And.is`. */
export interface And {
  readonly kind: 'And';
  readonly children: readonly Node[];
}

/** True when any child is. Build with `Or.create`, test with `Or.is`. */
export interface Or {
  readonly kind: 'Or';
  readonly children: readonly Node[];
}

/** Negation of its child. Build with `Not.create`, test with `Not.is`. */
export interface Not {
  readonly kind: 'Not';
  readonly child: Node;
}

/**
 * A field test: true when the event's `field` satisfies `value` (any element, for a list).
 * A missing field fails every value except {@link NullValue}.
 */
export interface Match {
  readonly kind: 'Match';
  readonly field: string;
  readonly value: Value;
  readonly origin: SourceLocation | null;
}

/** A field-less (keyword) search: true when any scalar value in the event matches. */
export interface Keyword {
  readonly kind: 'Keyword';
  readonly value: StringPattern | RegexValue;
  readonly origin: SourceLocation | null;
}

/** True when the key `field` is present, whatever its value (`F|exists: true`). */
export interface Exists {
  readonly kind: 'Exists';
  readonly field: string;
  readonly origin: SourceLocation | null;
}

/** A constant truth value, e.g. a condition whose selectors matched no identifier. */
export interface Constant {
  readonly kind: 'Constant';
  readonly value: boolean;
}

function freezeList(nodes: readonly Node[]): readonly Node[] {
  return Object.freeze(nodes.slice());
}

export const And = Object.freeze({
  /** AND of `children`; one child is returned as is, none is `true`. */
  create(children: readonly Node[]): Node {
    if (children.length === 1) return children[0] as Node;
    if (children.length === 0) return Constant.TRUE;
    return Object.freeze({ kind: 'And', children: freezeList(children) });
  },
  is: (n: Node): n is And => n.kind === 'And',
});

export const Or = Object.freeze({
  /** OR of `children`; one child is returned as is, none is `false`. */
  create(children: readonly Node[]): Node {
    if (children.length === 1) return children[0] as Node;
    if (children.length === 0) return Constant.FALSE;
    return Object.freeze({ kind: 'Or', children: freezeList(children) });
  },
  is: (n: Node): n is Or => n.kind === 'Or',
});

export const Not = Object.freeze({
  create(child: Node): Not {
    return Object.freeze({ kind: 'Not', child });
  },
  is: (n: Node): n is Not => n.kind === 'Not',
});

export const Match = Object.freeze({
  create(field: string, value: Value, origin: SourceLocation | null = null): Match {
    return Object.freeze({ kind: 'Match', field, value, origin });
  },
  is: (n: Node): n is Match => n.kind === 'Match',
});

export const Keyword = Object.freeze({
  create(value: StringPattern | RegexValue, origin: SourceLocation | null = null): Keyword {
    return Object.freeze({ kind: 'Keyword', value, origin });
  },
  is: (n: Node): n is Keyword => n.kind === 'Keyword',
});

export const Exists = Object.freeze({
  create(field: string, origin: SourceLocation | null = null): Exists {
    return Object.freeze({ kind: 'Exists', field, origin });
  },
  is: (n: Node): n is Exists => n.kind === 'Exists',
});

const TRUE: Constant = Object.freeze({ kind: 'Constant', value: true });
const FALSE: Constant = Object.freeze({ kind: 'Constant', value: false });
export const Constant = Object.freeze({
  TRUE,
  FALSE,
  create: (value: boolean): Constant => (value ? TRUE : FALSE),
  is: (n: Node): n is Constant => n.kind === 'Constant',
});
