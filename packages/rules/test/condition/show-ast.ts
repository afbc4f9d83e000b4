import type { ResolvedCondition } from '../../src/condition/expand-selectors.js';
import type { ConditionAst } from '../../src/condition/to-ast.js';

/**
 * Compact text form of a condition tree, so precedence tests read as `and(not(a), b)`
 * instead of nested object literals. Selectors print as `one(sel*)` / `all(them)`.
 */
export function showAst(node: ConditionAst | ResolvedCondition | null): string {
  if (node === null) return 'null';
  switch (node.kind) {
    case 'and':
    case 'or':
      return `${node.kind}(${node.children.map(showAst).join(', ')})`;
    case 'not':
      return `not(${showAst(node.child)})`;
    case 'identifier':
    case 'ref':
      return node.name;
    case 'selector':
      return `${node.quantifier}(${node.pattern ?? 'them'})`;
    case 'const':
      return String(node.value);
  }
}
