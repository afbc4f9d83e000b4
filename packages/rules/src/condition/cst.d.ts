// Generated from the grammar in parser.ts by test/condition/cst-dts.test.ts; do not edit.
// After a grammar change: npx vitest run --root packages/rules test/condition -u

import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface ConditionCstNode extends CstNode {
  name: "condition";
  children: ConditionCstChildren;
}

export type ConditionCstChildren = {
  orExpr: OrExprCstNode[];
};

export interface OrExprCstNode extends CstNode {
  name: "orExpr";
  children: OrExprCstChildren;
}

export type OrExprCstChildren = {
  andExpr: (AndExprCstNode)[];
  Or?: IToken[];
};

export interface AndExprCstNode extends CstNode {
  name: "andExpr";
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  notExpr: (NotExprCstNode)[];
  And?: IToken[];
};

export interface NotExprCstNode extends CstNode {
  name: "notExpr";
  children: NotExprCstChildren;
}

export type NotExprCstChildren = {
  Not?: IToken[];
  notExpr?: NotExprCstNode[];
  primary?: PrimaryCstNode[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  LParen?: IToken[];
  orExpr?: OrExprCstNode[];
  RParen?: IToken[];
  selector?: SelectorCstNode[];
  Identifier?: IToken[];
};

export interface SelectorCstNode extends CstNode {
  name: "selector";
  children: SelectorCstChildren;
}

export type SelectorCstChildren = {
  One?: IToken[];
  Any?: IToken[];
  All?: IToken[];
  Of: IToken[];
  Them?: IToken[];
  Pattern?: IToken[];
  Name?: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  condition(children: ConditionCstChildren, param?: IN): OUT;
  orExpr(children: OrExprCstChildren, param?: IN): OUT;
  andExpr(children: AndExprCstChildren, param?: IN): OUT;
  notExpr(children: NotExprCstChildren, param?: IN): OUT;
  primary(children: PrimaryCstChildren, param?: IN): OUT;
  selector(children: SelectorCstChildren, param?: IN): OUT;
}
