import type { CstNode, CstParser as CstParserType, TokenType } from 'chevrotain';
import type { ChevrotainApi } from './chevrotain.js';
import type { ConditionTokens } from './tokens.js';

/** The condition parser: Chevrotain's CST parser with the grammar's one entry rule. */
export type ConditionParser = Pick<CstParserType, 'input' | 'errors' | 'getGAstProductions' | 'getBaseCstVisitorConstructor'> & {
  /** Parses `input` as a whole condition. */
  condition(): CstNode;
};

/**
 * The one parser of the process: construction runs the grammar self-analysis, so build it
 * once (grammar.ts) and reset it per condition with `parser.input = tokens`.
 */
export function createConditionParser({ CstParser }: ChevrotainApi, tokens: ConditionTokens): ConditionParser {
  const { All, And, Any, Identifier, LParen, Name, Not, Of, One, Or, Pattern, RParen, Them, conditionTokens } = tokens;
  /**
   * Pure grammar of Sigma conditions (sigma-semantics.md §6.1), loosest to tightest:
   * `or`, `and`, `not`, `x of y`, parentheses. No embedded actions: meaning lives in
   * `to-ast.ts`, friendly error messages in `parse-condition.ts`.
   *
   * @example
   * const { parser, tokens } = conditionGrammar();
   * parser.input = tokens.conditionLexer.tokenize('sel and not 1 of filter_*').tokens;
   * const cst = parser.condition();
   */
  class SigmaConditionParser extends CstParser {
    constructor() {
      // One error is enough for a one-line condition, and recovery would only add noise.
      super(conditionTokens as TokenType[], { recoveryEnabled: false, maxLookahead: 1 });
      this.performSelfAnalysis();
    }

    readonly condition = this.RULE('condition', () => {
      this.SUBRULE(this.orExpr);
    });

    readonly orExpr = this.RULE('orExpr', () => {
      this.SUBRULE(this.andExpr);
      this.MANY(() => {
        this.CONSUME(Or);
        this.SUBRULE2(this.andExpr);
      });
    });

    readonly andExpr = this.RULE('andExpr', () => {
      this.SUBRULE(this.notExpr);
      this.MANY(() => {
        this.CONSUME(And);
        this.SUBRULE2(this.notExpr);
      });
    });

    readonly notExpr = this.RULE('notExpr', () => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(Not);
            this.SUBRULE(this.notExpr);
          },
        },
        { ALT: () => this.SUBRULE(this.primary) },
      ]);
    });

    readonly primary = this.RULE('primary', () => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(LParen);
            this.SUBRULE(this.orExpr);
            this.CONSUME(RParen);
          },
        },
        { ALT: () => this.SUBRULE(this.selector) },
        // The Identifier category also admits names with '-', which patterns may not contain.
        { ALT: () => this.CONSUME(Identifier) },
      ]);
    });

    readonly selector = this.RULE('selector', () => {
      this.OR([{ ALT: () => this.CONSUME(One) }, { ALT: () => this.CONSUME(Any) }, { ALT: () => this.CONSUME(All) }]);
      this.CONSUME(Of);
      this.OR2([
        { ALT: () => this.CONSUME(Them) },
        { ALT: () => this.CONSUME(Pattern) },
        // A pattern without '*' names exactly one detection (`1 of sel` == `sel`).
        { ALT: () => this.CONSUME(Name) },
      ]);
    });
  }

  return new SigmaConditionParser();
}
