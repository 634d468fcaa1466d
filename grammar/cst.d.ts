// GENERATED FILE - do not edit. Chevrotain generateCstDts(sqlParser.getGAstProductions()) for grammar/parser.ts.
// Regenerate after a grammar change: npx tsc && node --input-type=module -e "import {generateCstDts} from 'chevrotain'; import {sqlParser} from './dist/grammar/parser.js'; process.stdout.write(generateCstDts(sqlParser.getGAstProductions()))" > grammar/cst.d.ts (then re-add these two lines)
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface StatementCstNode extends CstNode {
  name: "statement";
  children: StatementCstChildren;
}

export type StatementCstChildren = {
  selectStatement?: SelectStatementCstNode[];
  foreachStatement?: ForeachStatementCstNode[];
};

export interface SelectStatementCstNode extends CstNode {
  name: "selectStatement";
  children: SelectStatementCstChildren;
}

export type SelectStatementCstChildren = {
  Select: IToken[];
  fields: FieldListCstNode[];
  fromClause: FromClauseCstNode[];
  whereClause?: WhereClauseCstNode[];
};

export interface ForeachStatementCstNode extends CstNode {
  name: "foreachStatement";
  children: ForeachStatementCstChildren;
}

export type ForeachStatementCstChildren = {
  Foreach: IToken[];
  fields: FieldListCstNode[];
  Do?: IToken[];
  doFields?: FieldListCstNode[];
  Incase?: IToken[];
  incase?: ConditionCstNode[];
  fromClause: FromClauseCstNode[];
  whereClause?: WhereClauseCstNode[];
};

export interface FieldListCstNode extends CstNode {
  name: "fieldList";
  children: FieldListCstChildren;
}

export type FieldListCstChildren = {
  field: FieldCstNode[];
  Comma?: IToken[];
};

export interface FieldCstNode extends CstNode {
  name: "field";
  children: FieldCstChildren;
}

export type FieldCstChildren = {
  Star?: IToken[];
  valueExpr?: ValueExprCstNode[];
  alias?: AliasCstNode[];
};

export interface AliasCstNode extends CstNode {
  name: "alias";
  children: AliasCstChildren;
}

export type AliasCstChildren = {
  As?: IToken[];
  aliasPath: AliasPathCstNode[];
};

export interface AliasPathCstNode extends CstNode {
  name: "aliasPath";
  children: AliasPathCstChildren;
}

export type AliasPathCstChildren = {
  name: NameCstNode[];
  pathTail?: PathTailCstNode[];
};

export interface FromClauseCstNode extends CstNode {
  name: "fromClause";
  children: FromClauseCstChildren;
}

export type FromClauseCstChildren = {
  From: IToken[];
  fromTopic: FromTopicCstNode[];
  Comma?: IToken[];
};

export interface FromTopicCstNode extends CstNode {
  name: "fromTopic";
  children: FromTopicCstChildren;
}

export type FromTopicCstChildren = {
  QuotedName?: IToken[];
  StringLiteral?: IToken[];
  Identifier?: IToken[];
};

export interface WhereClauseCstNode extends CstNode {
  name: "whereClause";
  children: WhereClauseCstChildren;
}

export type WhereClauseCstChildren = {
  Where: IToken[];
  condition: ConditionCstNode[];
  As?: IToken[];
  ignoredAlias?: NameCstNode[];
};

export interface ConditionCstNode extends CstNode {
  name: "condition";
  children: ConditionCstChildren;
}

export type ConditionCstChildren = {
  andCondition: AndConditionCstNode[];
  Or?: IToken[];
};

export interface AndConditionCstNode extends CstNode {
  name: "andCondition";
  children: AndConditionCstChildren;
}

export type AndConditionCstChildren = {
  notCondition: NotConditionCstNode[];
  And?: IToken[];
};

export interface NotConditionCstNode extends CstNode {
  name: "notCondition";
  children: NotConditionCstChildren;
}

export type NotConditionCstChildren = {
  Not?: IToken[];
  notCondition?: NotConditionCstNode[];
  predicate?: PredicateCstNode[];
};

export interface PredicateCstNode extends CstNode {
  name: "predicate";
  children: PredicateCstChildren;
}

export type PredicateCstChildren = {
  left: AdditiveCstNode[];
  Comparison?: IToken[];
  right?: AdditiveCstNode[];
  Not?: IToken[];
  In?: IToken[];
  inList?: InListCstNode[];
};

export interface InListCstNode extends CstNode {
  name: "inList";
  children: InListCstChildren;
}

export type InListCstChildren = {
  LParen: IToken[];
  valueExpr: ValueExprCstNode[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface ValueExprCstNode extends CstNode {
  name: "valueExpr";
  children: ValueExprCstChildren;
}

export type ValueExprCstChildren = {
  left: AdditiveCstNode[];
  Comparison?: IToken[];
  right?: AdditiveCstNode[];
};

export interface AdditiveCstNode extends CstNode {
  name: "additive";
  children: AdditiveCstChildren;
}

export type AdditiveCstChildren = {
  operands: (MultiplicativeCstNode)[];
  ops?: (IToken)[];
};

export interface MultiplicativeCstNode extends CstNode {
  name: "multiplicative";
  children: MultiplicativeCstChildren;
}

export type MultiplicativeCstChildren = {
  operands: (UnaryCstNode)[];
  ops?: (IToken)[];
};

export interface UnaryCstNode extends CstNode {
  name: "unary";
  children: UnaryCstChildren;
}

export type UnaryCstChildren = {
  sign?: (IToken)[];
  unary?: UnaryCstNode[];
  primary?: PrimaryCstNode[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  parenthesized?: ParenthesizedCstNode[];
  Integer?: IToken[];
  Decimal?: IToken[];
  StringLiteral?: IToken[];
  Range?: IToken[];
  arrayLiteral?: ArrayLiteralCstNode[];
  caseExpr?: CaseExprCstNode[];
  reference?: ReferenceCstNode[];
  operatorCall?: OperatorCallCstNode[];
};

export interface OperatorCallCstNode extends CstNode {
  name: "operatorCall";
  children: OperatorCallCstChildren;
}

export type OperatorCallCstChildren = {
  op?: (IToken)[];
  LParen: IToken[];
  args?: ValueExprCstNode[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface ParenthesizedCstNode extends CstNode {
  name: "parenthesized";
  children: ParenthesizedCstChildren;
}

export type ParenthesizedCstChildren = {
  LParen: IToken[];
  condition: ConditionCstNode[];
  RParen: IToken[];
};

export interface ArrayLiteralCstNode extends CstNode {
  name: "arrayLiteral";
  children: ArrayLiteralCstChildren;
}

export type ArrayLiteralCstChildren = {
  LBracket: IToken[];
  valueExpr?: (ValueExprCstNode)[];
  Comma?: (IToken)[];
  RBracket: IToken[];
};

export interface CaseExprCstNode extends CstNode {
  name: "caseExpr";
  children: CaseExprCstChildren;
}

export type CaseExprCstChildren = {
  Case: IToken[];
  subject?: ValueExprCstNode[];
  When: IToken[];
  whens: ConditionCstNode[];
  Then: IToken[];
  thens: ValueExprCstNode[];
  Else?: IToken[];
  otherwise?: ValueExprCstNode[];
  End: IToken[];
};

export interface ReferenceCstNode extends CstNode {
  name: "reference";
  children: ReferenceCstChildren;
}

export type ReferenceCstChildren = {
  name: NameCstNode[];
  pathTail?: PathTailCstNode[];
  Range?: IToken[];
  LParen?: IToken[];
  args?: ValueExprCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
};

export interface NameCstNode extends CstNode {
  name: "name";
  children: NameCstChildren;
}

export type NameCstChildren = {
  Identifier?: IToken[];
  QuotedName?: IToken[];
};

export interface PathTailCstNode extends CstNode {
  name: "pathTail";
  children: PathTailCstChildren;
}

export type PathTailCstChildren = {
  Dot?: IToken[];
  key?: (IToken)[];
  LBracket?: IToken[];
  index?: (IToken)[];
  sign?: (IToken)[];
  indexPath?: AliasPathCstNode[];
  RBracket?: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  statement(children: StatementCstChildren, param?: IN): OUT;
  selectStatement(children: SelectStatementCstChildren, param?: IN): OUT;
  foreachStatement(children: ForeachStatementCstChildren, param?: IN): OUT;
  fieldList(children: FieldListCstChildren, param?: IN): OUT;
  field(children: FieldCstChildren, param?: IN): OUT;
  alias(children: AliasCstChildren, param?: IN): OUT;
  aliasPath(children: AliasPathCstChildren, param?: IN): OUT;
  fromClause(children: FromClauseCstChildren, param?: IN): OUT;
  fromTopic(children: FromTopicCstChildren, param?: IN): OUT;
  whereClause(children: WhereClauseCstChildren, param?: IN): OUT;
  condition(children: ConditionCstChildren, param?: IN): OUT;
  andCondition(children: AndConditionCstChildren, param?: IN): OUT;
  notCondition(children: NotConditionCstChildren, param?: IN): OUT;
  predicate(children: PredicateCstChildren, param?: IN): OUT;
  inList(children: InListCstChildren, param?: IN): OUT;
  valueExpr(children: ValueExprCstChildren, param?: IN): OUT;
  additive(children: AdditiveCstChildren, param?: IN): OUT;
  multiplicative(children: MultiplicativeCstChildren, param?: IN): OUT;
  unary(children: UnaryCstChildren, param?: IN): OUT;
  primary(children: PrimaryCstChildren, param?: IN): OUT;
  operatorCall(children: OperatorCallCstChildren, param?: IN): OUT;
  parenthesized(children: ParenthesizedCstChildren, param?: IN): OUT;
  arrayLiteral(children: ArrayLiteralCstChildren, param?: IN): OUT;
  caseExpr(children: CaseExprCstChildren, param?: IN): OUT;
  reference(children: ReferenceCstChildren, param?: IN): OUT;
  name(children: NameCstChildren, param?: IN): OUT;
  pathTail(children: PathTailCstChildren, param?: IN): OUT;
}
