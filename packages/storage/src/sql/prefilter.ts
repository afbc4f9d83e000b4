// Necessary prefilters: which rows a rule can possibly match, read from its compiled
// condition. Every rule under the windows pipeline carries the pipeline's logsource
// conditions (`Channel` equals ..., `EventID` equals ...); a query over the store runs each
// rule only on the rows those conditions allow, and rules with the same prefilter share
// queries (store-hunt.ts). The prefilter is made of the rule's own leaves, compiled by the
// same SQL compiler, so it has exactly the leaf's semantics (case-insensitive string
// equality, EventID compared as the engine compares numbers).
import { And, Or, type Match, type Node } from '@siemlite/core';

/** Fields a prefilter is taken from: the windows pipeline's logsource conditions. */
export const PREFILTER_FIELDS: readonly string[] = Object.freeze(['Channel', 'EventID']);

/**
 * A necessary condition of a rule: for each field, one of the leaves must hold (every
 * field's list, AND-ed). Empty when nothing is known (the rule may match any row).
 */
export interface Prefilter {
  /** Field -> leaves (Match nodes on that field), sorted by {@link leafKey}. */
  readonly fields: ReadonlyMap<string, readonly Match[]>;
  /** Canonical text of the prefilter: equal keys, equal prefilters ('' when empty). */
  readonly key: string;
}

const NONE: Prefilter = Object.freeze({ fields: new Map<string, readonly Match[]>(), key: '' });

/** A leaf usable in a prefilter: a plain string (no wildcard) or a number on a prefilter field. */
function isPrefilterLeaf(node: Match, fields: ReadonlySet<string>): boolean {
  if (!fields.has(node.field)) return false;
  const v = node.value;
  if (v.kind === 'Number') return true;
  return v.kind === 'StringPattern' && v.parts.every((p) => p.kind === 'Literal');
}

/** Canonical text of a prefilter leaf (its value's kind, case rule and text). */
export function leafKey(node: Match): string {
  const v = node.value;
  if (v.kind === 'Number') return `n:${v.value}`;
  if (v.kind === 'StringPattern') return `${v.isCased ? 'c' : 's'}:${v.parts.map((p) => (p.kind === 'Literal' ? p.text : '')).join('')}`;
  return `?:${v.kind}`;
}

type Constraint = Map<string, Map<string, Match>>;

/**
 * What `node` implies about the prefilter fields: field -> leaves one of which holds
 * whenever `node` holds; an empty map when nothing is implied.
 */
function implied(node: Node, fields: ReadonlySet<string>): Constraint {
  switch (node.kind) {
    case 'Match':
      return isPrefilterLeaf(node, fields) ? new Map([[node.field, new Map([[leafKey(node), node]])]]) : new Map();
    case 'And': {
      // Every child holds: each child's constraint holds; of two on one field, keep the smaller.
      const out: Constraint = new Map();
      for (const child of node.children) {
        for (const [field, leaves] of implied(child, fields)) {
          const known = out.get(field);
          if (known === undefined || leaves.size < known.size) out.set(field, leaves);
        }
      }
      return out;
    }
    case 'Or': {
      // Some child holds: only fields every child constrains, with the union of their leaves.
      // A child that is the constant false never holds and constrains nothing.
      const branches = node.children.filter((c) => !(c.kind === 'Constant' && !c.value)).map((c) => implied(c, fields));
      if (branches.length === 0) return new Map();
      const out: Constraint = new Map();
      for (const field of (branches[0] as Constraint).keys()) {
        if (!branches.every((b) => b.has(field))) continue;
        const union = new Map<string, Match>();
        for (const b of branches) for (const [k, leaf] of b.get(field) as Map<string, Match>) union.set(k, leaf);
        out.set(field, union);
      }
      return out;
    }
    default:
      // Not, Keyword, Exists, Constant: nothing about the fields is implied.
      return new Map();
  }
}

/**
 * The necessary prefilter of a condition: an AND with a leaf on a prefilter field implies
 * it; an OR only when every branch implies a leaf on the same field; anything else
 * implies nothing (an empty prefilter, the rule runs on every row).
 */
export function extractPrefilter(condition: Node, fields: readonly string[] = PREFILTER_FIELDS): Prefilter {
  const constraint = implied(condition, new Set(fields));
  if (constraint.size === 0) return NONE;
  const out = new Map<string, readonly Match[]>();
  const keyParts: string[] = [];
  for (const field of [...constraint.keys()].sort()) {
    const leaves = [...(constraint.get(field) as Map<string, Match>)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out.set(field, Object.freeze(leaves.map(([, leaf]) => leaf)));
    keyParts.push(`${JSON.stringify(field)}=${JSON.stringify(leaves.map(([k]) => k))}`);
  }
  return Object.freeze({ fields: out, key: keyParts.join('&') });
}

/** The prefilter as a condition node (AND over fields of an OR of the leaves); null when empty. */
export function prefilterNode(prefilter: Prefilter): Node | null {
  if (prefilter.fields.size === 0) return null;
  return And.create([...prefilter.fields.values()].map((leaves) => Or.create(leaves)));
}

/** Conditions grouped by prefilter: each group's indexes into the input, in input order. */
export interface PrefilterGroup {
  readonly prefilter: Prefilter;
  readonly indexes: readonly number[];
}

/** Groups conditions with the same prefilter, groups in order of first appearance. */
export function groupByPrefilter(conditions: readonly Node[], fields: readonly string[] = PREFILTER_FIELDS): PrefilterGroup[] {
  const groups = new Map<string, { prefilter: Prefilter; indexes: number[] }>();
  for (let i = 0; i < conditions.length; i++) {
    const prefilter = extractPrefilter(conditions[i] as Node, fields);
    let group = groups.get(prefilter.key);
    if (group === undefined) groups.set(prefilter.key, (group = { prefilter, indexes: [] }));
    group.indexes.push(i);
  }
  return [...groups.values()];
}
