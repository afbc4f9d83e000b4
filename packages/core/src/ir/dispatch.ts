// Visitors that must handle every node kind: a new kind without a handler does not compile.
import { And, Not, Or, type Exists, type Keyword, type Match, type Node, type NodeKind } from './nodes.js';

/** One handler per node kind. */
export type NodeVisitor<R> = { readonly [K in NodeKind]: (node: Extract<Node, { kind: K }>) => R };

/** Calls the handler for `node.kind`. */
export function visitNode<R>(node: Node, visitor: NodeVisitor<R>): R {
  const handler = visitor[node.kind] as (n: Node) => R;
  return handler(node);
}

/**
 * Rebuilds a tree bottom-up, letting `leaf` replace Match, Keyword and Exists nodes.
 * Used by processing pipelines (field renames) and filters; returns a new tree.
 */
export function mapLeaves(node: Node, leaf: (n: Match | Keyword | Exists) => Node): Node {
  return visitNode<Node>(node, {
    And: (n) => And.create(n.children.map((c) => mapLeaves(c, leaf))),
    Or: (n) => Or.create(n.children.map((c) => mapLeaves(c, leaf))),
    Not: (n) => Not.create(mapLeaves(n.child, leaf)),
    Match: (n) => leaf(n),
    Keyword: (n) => leaf(n),
    Exists: (n) => leaf(n),
    Constant: (n) => n,
  });
}

/** Calls `fn` on every node, parents before children. */
export function walkNodes(node: Node, fn: (n: Node) => void): void {
  fn(node);
  if (node.kind === 'And' || node.kind === 'Or') for (const c of node.children) walkNodes(c, fn);
  else if (node.kind === 'Not') walkNodes(node.child, fn);
}

