import type { CstNode, IToken } from 'chevrotain';
import type {
  AndExprCstChildren,
  ConditionCstChildren,
  ICstNodeVisitor,
  NotExprCstChildren,
  OrExprCstChildren,
  PrimaryCstChildren,
  SelectorCstChildren,
} from './cst.js';
import type { ConditionParser } from './parser.js';

/**
 * A parsed Sigma condition, before identifiers are checked or selectors expanded: that
 * needs the rule's detections and happens in `resolveCondition`. Offsets are 0-based into
 * the condition text so the caller can map them to a YAML line and column.
 *
 * @example
 * // `sel and not 1 of filter_*`
 * { kind: 'and', children: [
 *   { kind: 'identifier', name: 'sel', offset: 0, length: 3 },
 *   { kind: 'not', child: { kind: 'selector', quantifier: 'one', pattern: 'filter_*', offset: 12, length: 13 } } ] }
 */
export type ConditionAst =
  | { readonly kind: 'and'; readonly children: readonly ConditionAst[] }
  | { readonly kind: 'or'; readonly children: readonly ConditionAst[] }
  | { readonly kind: 'not'; readonly child: ConditionAst }
  | { readonly kind: 'identifier'; readonly name: string; readonly offset: number; readonly length: number }
  | {
      readonly kind: 'selector';
      /** `any of` is pySigma's synonym of `1 of`, so both are 'one'. */
      readonly quantifier: 'one' | 'all';
      /** `null` stands for `them`. */
      readonly pattern: string | null;
      readonly offset: number;
      readonly length: number;
    };

function only<T>(items: readonly T[] | undefined, what: string): T {
  const item = items?.[0];
  if (item === undefined) throw new Error(`condition CST: missing ${what}`); // parser invariant
  return item;
}

/**
 * Gives a condition CST its meaning: the function takes the CST of the `condition` rule as
 * produced by `parser`; only call it on a CST parsed without errors.
 */
export function createToAst(parser: ConditionParser): (cst: CstNode) => ConditionAst {
  const BaseVisitor = parser.getBaseCstVisitorConstructor<undefined, ConditionAst>();

  class ToAstVisitor extends BaseVisitor implements ICstNodeVisitor<undefined, ConditionAst> {
    constructor() {
      super();
      this.validateVisitor();
    }

    condition(ctx: ConditionCstChildren): ConditionAst {
      return this.visit(only(ctx.orExpr, 'orExpr'));
    }

    orExpr(ctx: OrExprCstChildren): ConditionAst {
      return this.chain('or', ctx.andExpr);
    }

    andExpr(ctx: AndExprCstChildren): ConditionAst {
      return this.chain('and', ctx.notExpr);
    }

    notExpr(ctx: NotExprCstChildren): ConditionAst {
      if (ctx.notExpr !== undefined) {
        return Object.freeze({ kind: 'not', child: this.visit(only(ctx.notExpr, 'notExpr')) });
      }
      return this.visit(only(ctx.primary, 'primary'));
    }

    primary(ctx: PrimaryCstChildren): ConditionAst {
      if (ctx.orExpr !== undefined) return this.visit(only(ctx.orExpr, 'orExpr'));
      if (ctx.selector !== undefined) return this.visit(only(ctx.selector, 'selector'));
      const token = only(ctx.Identifier, 'Identifier');
      const { image, startOffset } = token;
      return Object.freeze({ kind: 'identifier', name: image, offset: startOffset, length: image.length });
    }

    selector(ctx: SelectorCstChildren): ConditionAst {
      const quantifier: IToken = only(ctx.One ?? ctx.Any ?? ctx.All, 'quantifier');
      const target: IToken = only(ctx.Them ?? ctx.Pattern ?? ctx.Name, 'selector target');
      return Object.freeze({
        kind: 'selector',
        quantifier: ctx.All === undefined ? 'one' : 'all',
        pattern: ctx.Them === undefined ? target.image : null,
        offset: quantifier.startOffset,
        length: target.startOffset + target.image.length - quantifier.startOffset,
      });
    }

    // `a and b and c` is one node with three children; parentheses still nest, so the AST
    // keeps the grouping the author wrote.
    private chain(kind: 'and' | 'or', operands: readonly CstNode[]): ConditionAst {
      if (operands.length === 1) return this.visit(only(operands, kind));
      const children = operands.map((operand) => this.visit(operand));
      return Object.freeze({ kind, children: Object.freeze(children) });
    }
  }

  const toAstVisitor = new ToAstVisitor();
  return (cst) => toAstVisitor.visit(cst);
}
