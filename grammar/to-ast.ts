/**
 * CST → AST. A Chevrotain CST visitor; every node gets its source range in file coordinates. It passes down where
 * each expression stands (a Place) and rejects, with a position, what EMQX's grammar rejects there (placement.ts),
 * plus `*` in FOREACH and an un-aliased unary minus (EMQX parses both and then always fails).
 */
import type { CstNode, CstNodeLocation, IToken } from 'chevrotain';
import type * as A from './ast.js';
import type * as C from './cst.js';
import type { SourceRange } from './errors.js';
import type { PositionMapper } from './positions.js';
import { misplaced, operandPlace, unquote, type Place } from './placement.js';
import { sqlParser } from './parser.js';

interface Param {
  readonly place: Place;
  readonly loc: CstNodeLocation;
}

const BaseVisitor = sqlParser.getBaseCstVisitorConstructor<Param, unknown>();

export { unquote };

export class AstBuilder extends BaseVisitor implements C.ICstNodeVisitor<Param, unknown> {
  constructor(private readonly pos: PositionMapper) {
    super();
    this.validateVisitor();
  }

  private range(loc: CstNodeLocation): SourceRange {
    return this.pos.range(loc.startOffset, (loc.endOffset ?? loc.startOffset) + 1);
  }

  private tokRange(t: IToken): SourceRange {
    return this.pos.range(t.startOffset, t.startOffset + t.image.length);
  }

  private fail(range: SourceRange, message: string, found?: string): never {
    throw this.pos.error('SQL_INVALID_EXPRESSION', range, message, found === undefined ? {} : { found });
  }

  private v<T>(node: CstNode, place: Place): T {
    return this.visit(node, { place, loc: node.location! }) as T;
  }

  /** Rejects condition-only and misplaced constructs for the place an expression ended up in. */
  private check(e: A.Expr, place: Place, parenthesized: boolean): A.Expr {
    const problem = misplaced(e, place, parenthesized);
    if (problem !== null) this.fail(e.range, problem);
    return e;
  }

  statement(c: C.StatementCstChildren): A.Statement {
    if (c.selectStatement) return this.v(c.selectStatement[0], 'cond');
    return this.v(c.foreachStatement![0], 'cond');
  }

  selectStatement(c: C.SelectStatementCstChildren, p: Param): A.SelectStatement {
    return {
      kind: 'Select',
      fields: this.v(c.fields[0], 'field'),
      from: this.v(c.fromClause[0], 'cond'),
      where: c.whereClause ? this.v(c.whereClause[0], 'cond') : null,
      range: this.range(p.loc),
    };
  }

  foreachStatement(c: C.ForeachStatementCstChildren, p: Param): A.ForeachStatement {
    const fields = this.v<A.SelectItem[]>(c.fields[0], 'field');
    const plain: A.Field[] = [];
    for (const f of fields) {
      if (f.kind === 'Star') this.fail(f.range, "'*' is not allowed in a FOREACH list (EMQX always fails on it)", '*');
      plain.push(f);
    }
    const last = plain[plain.length - 1];
    if (last.alias !== null && last.alias.steps.length > 0) {
      this.fail(last.alias.range, 'the FOREACH collection alias must be a plain name (each item is bound to it)');
    }
    return {
      kind: 'Foreach',
      fields: plain,
      doFields: c.doFields ? this.v(c.doFields[0], 'field') : null,
      incase: c.incase ? this.v(c.incase[0], 'cond') : null,
      from: this.v(c.fromClause[0], 'cond'),
      where: c.whereClause ? this.v(c.whereClause[0], 'cond') : null,
      range: this.range(p.loc),
    };
  }

  fieldList(c: C.FieldListCstChildren): A.SelectItem[] {
    return c.field.map((f) => this.v<A.SelectItem>(f, 'field'));
  }

  field(c: C.FieldCstChildren, p: Param): A.SelectItem {
    if (c.Star) return { kind: 'Star', range: this.tokRange(c.Star[0]) };
    const expr = this.v<A.Expr>(c.valueExpr![0], 'field');
    if (expr.kind === 'Unary' && !c.alias) {
      // rulesql has no output name for `-x` and the whole SELECT then fails; make that a load error.
      this.fail(expr.range, 'a unary +/- expression needs an alias (AS name): EMQX cannot name its output key');
    }
    return {
      kind: 'Field',
      expr,
      alias: c.alias ? this.v<A.PathExpr>(c.alias[0], 'field') : null,
      range: this.range(p.loc),
    };
  }

  alias(c: C.AliasCstChildren): A.PathExpr {
    return this.v(c.aliasPath[0], 'scalar');
  }

  aliasPath(c: C.AliasPathCstChildren, p: Param): A.PathExpr {
    return {
      kind: 'Path',
      root: this.v<string>(c.name[0], 'scalar'),
      steps: (c.pathTail ?? []).map((t) => this.v<A.PathStep>(t, 'scalar')),
      range: this.range(p.loc),
    };
  }

  fromClause(c: C.FromClauseCstChildren): A.FromTopic[] {
    return c.fromTopic.map((t) => this.v<A.FromTopic>(t, 'cond'));
  }

  fromTopic(c: C.FromTopicCstChildren): A.FromTopic {
    const tok = (c.QuotedName ?? c.StringLiteral ?? c.Identifier)![0];
    return {
      topic: unquote(tok.image),
      quote: c.QuotedName ? 'double' : c.StringLiteral ? 'single' : 'none',
      range: this.tokRange(tok),
    };
  }

  whereClause(c: C.WhereClauseCstChildren): A.Expr {
    return this.v(c.condition[0], 'cond');
  }

  condition(c: C.ConditionCstChildren, p: Param): A.Expr {
    const parts = c.andCondition.map((n) => this.v<A.Expr>(n, p.place));
    let e = parts[0];
    for (let i = 1; i < parts.length; i++) {
      e = { kind: 'Or', left: e, right: parts[i], range: this.span(e.range, parts[i].range) };
    }
    return parts.length > 1 ? this.check(e, p.place, false) : e;
  }

  andCondition(c: C.AndConditionCstChildren, p: Param): A.Expr {
    const parts = c.notCondition.map((n) => this.v<A.Expr>(n, p.place));
    let e = parts[0];
    for (let i = 1; i < parts.length; i++) {
      e = { kind: 'And', left: e, right: parts[i], range: this.span(e.range, parts[i].range) };
    }
    return parts.length > 1 ? this.check(e, p.place, false) : e;
  }

  notCondition(c: C.NotConditionCstChildren, p: Param): A.Expr {
    if (c.Not) {
      const operand = this.v<A.Expr>(c.notCondition![0], p.place);
      return this.check({ kind: 'Not', operand, range: this.range(p.loc) }, p.place, false);
    }
    return this.v(c.predicate![0], p.place);
  }

  predicate(c: C.PredicateCstChildren, p: Param): A.Expr {
    if (c.Comparison) {
      const left = this.v<A.Expr>(c.left[0], operandPlace(p.place));
      const right = this.v<A.Expr>(c.right![0], operandPlace(p.place));
      const op = c.Comparison[0].image as A.ComparisonOp;
      return this.check({ kind: 'Compare', op, left, right, range: this.range(p.loc) }, p.place, false);
    }
    if (c.In) {
      const value = this.v<A.Expr>(c.left[0], 'scalar');
      const list = this.v<A.Expr[]>(c.inList![0], 'value');
      const inExpr = this.check({ kind: 'In', value, list, range: this.range(p.loc) }, p.place, false);
      if (!c.Not) return inExpr;
      return this.check({ kind: 'Not', operand: inExpr, range: this.range(p.loc) }, p.place, false);
    }
    return this.v(c.left[0], p.place);
  }

  inList(c: C.InListCstChildren): A.Expr[] {
    return c.valueExpr.map((n) => this.v<A.Expr>(n, 'value'));
  }

  valueExpr(c: C.ValueExprCstChildren, p: Param): A.Expr {
    if (c.Comparison) {
      const operand: Place = p.place === 'funArg' ? 'funArg' : 'scalar';
      const left = this.v<A.Expr>(c.left[0], operand);
      const right = this.v<A.Expr>(c.right![0], operand);
      const op = c.Comparison[0].image as A.ComparisonOp;
      return this.check({ kind: 'Compare', op, left, right, range: this.range(p.loc) }, p.place, false);
    }
    return this.v(c.left[0], p.place);
  }

  additive(c: C.AdditiveCstChildren, p: Param): A.Expr {
    return this.leftAssociative(c, p);
  }

  multiplicative(c: C.MultiplicativeCstChildren, p: Param): A.Expr {
    return this.leftAssociative(c, p);
  }

  /** `a op b op c` → ((a op b) op c): the two arithmetic precedence levels share this fold. */
  private leftAssociative(c: { operands: CstNode[]; ops?: IToken[] }, p: Param): A.Expr {
    if (!c.ops) return this.v(c.operands[0], p.place);
    const place = operandPlace(p.place);
    let e = this.v<A.Expr>(c.operands[0], place);
    for (let i = 0; i < c.ops.length; i++) {
      const right = this.v<A.Expr>(c.operands[i + 1], place);
      e = { kind: 'Binary', op: c.ops[i].image as A.ArithmeticOp, left: e, right, range: this.span(e.range, right.range) };
    }
    return e;
  }

  unary(c: C.UnaryCstChildren, p: Param): A.Expr {
    if (c.sign) {
      const operand = this.v<A.Expr>(c.unary![0], operandPlace(p.place));
      return { kind: 'Unary', op: c.sign[0].image as '+' | '-', operand, range: this.range(p.loc) };
    }
    return this.v(c.primary![0], p.place);
  }

  primary(c: C.PrimaryCstChildren, p: Param): A.Expr {
    if (c.parenthesized) return this.v(c.parenthesized[0], p.place);
    if (c.Integer) {
      const t = c.Integer[0];
      return { kind: 'Number', value: Number(t.image), raw: t.image, isFloat: false, range: this.tokRange(t) };
    }
    if (c.Decimal) {
      const t = c.Decimal[0];
      return { kind: 'Number', value: Number(t.image), raw: t.image, isFloat: true, range: this.tokRange(t) };
    }
    if (c.StringLiteral) {
      const t = c.StringLiteral[0];
      return { kind: 'String', value: unquote(t.image), range: this.tokRange(t) };
    }
    if (c.Range) {
      const [from, to] = parseRange(c.Range[0].image);
      return { kind: 'Range', from, to, range: this.tokRange(c.Range[0]) };
    }
    if (c.arrayLiteral) return this.v(c.arrayLiteral[0], p.place);
    if (c.caseExpr) return this.check(this.v<A.CaseExpr>(c.caseExpr[0], p.place), p.place, false);
    if (c.operatorCall) return this.v(c.operatorCall[0], p.place);
    return this.v(c.reference![0], p.place);
  }

  operatorCall(c: C.OperatorCallCstChildren, p: Param): A.CallExpr {
    const op = c.op![0];
    return {
      kind: 'Call',
      module: null,
      name: op.image,
      args: (c.args ?? []).map((a) => this.v<A.Expr>(a, 'funArg')),
      nameRange: this.tokRange(op),
      range: this.range(p.loc),
    };
  }

  parenthesized(c: C.ParenthesizedCstChildren, p: Param): A.Expr {
    // Parentheses keep conditions and function arguments as they are; around a whole field they still allow
    // CASE; anywhere else they hold a plain scalar.
    const inner: Place = p.place === 'cond' || p.place === 'funArg' ? p.place : p.place === 'field' || p.place === 'fieldParen' ? 'fieldParen' : 'scalar';
    const e = this.v<A.Expr>(c.condition[0], inner);
    return this.check(e, inner, true);
  }

  arrayLiteral(c: C.ArrayLiteralCstChildren, p: Param): A.ArrayLiteral {
    return {
      kind: 'Array',
      items: (c.valueExpr ?? []).map((n) => this.v<A.Expr>(n, 'scalar')),
      range: this.range(p.loc),
    };
  }

  caseExpr(c: C.CaseExprCstChildren, p: Param): A.CaseExpr {
    const whens: A.CaseWhen[] = c.whens.map((w, i) => ({
      when: this.v<A.Expr>(w, 'cond'),
      then: this.v<A.Expr>(c.thens[i], 'value'),
    }));
    return {
      kind: 'Case',
      subject: c.subject ? this.v<A.Expr>(c.subject[0], 'value') : null,
      whens,
      otherwise: c.otherwise ? this.v<A.Expr>(c.otherwise[0], 'value') : null,
      range: this.range(p.loc),
    };
  }

  reference(c: C.ReferenceCstChildren, p: Param): A.Expr {
    const nameTok = (c.name[0].children.Identifier ?? c.name[0].children.QuotedName)![0];
    const root = unquote(nameTok.image);
    const steps = (c.pathTail ?? []).map((t) => this.v<A.PathStep>(t, 'scalar'));
    const range = this.range(p.loc);
    if (c.LParen) {
      return this.call(root, steps, nameTok, c, range);
    }
    const lastStep = steps.length > 0 ? steps[steps.length - 1].range : this.tokRange(nameTok);
    const pathRange = this.span(this.tokRange(nameTok), lastStep);
    const path: A.PathExpr = { kind: 'Path', root, steps, range: pathRange };
    if (c.Range) {
      const [from, to] = parseRange(c.Range[0].image);
      return { kind: 'Slice', target: path, from, to, range };
    }
    if (steps.length === 0 && nameTok.tokenType.name === 'Identifier' && (root === 'true' || root === 'false')) {
      return { kind: 'Bool', value: root === 'true', range };
    }
    return path;
  }

  private call(root: string, steps: A.PathStep[], nameTok: IToken, c: C.ReferenceCstChildren, range: SourceRange): A.CallExpr {
    const args = (c.args ?? []).map((a) => this.v<A.Expr>(a, 'funArg'));
    let module: string | null = null;
    let name = root;
    let nameRange = this.tokRange(nameTok);
    if (steps.length === 1 && steps[0].kind === 'Key') {
      module = root;
      name = steps[0].key;
      nameRange = this.span(nameRange, steps[0].range);
    } else if (steps.length > 0) {
      throw this.pos.error(
        'SQL_UNKNOWN_FUNCTION',
        this.span(nameRange, steps[steps.length - 1].range),
        'a function is called by name or as emqx_rule_funcs.name',
      );
    }
    return { kind: 'Call', module, name, args, nameRange, range };
  }

  name(c: C.NameCstChildren): string {
    return unquote((c.Identifier ?? c.QuotedName)![0].image);
  }

  pathTail(c: C.PathTailCstChildren, p: Param): A.PathStep {
    const range = this.range(p.loc);
    if (c.key) return { kind: 'Key', key: unquote(c.key[0].image), range };
    if (c.indexPath) return { kind: 'IndexVar', path: this.v<A.PathExpr>(c.indexPath[0], 'scalar'), range };
    const n = Number(c.index![0].image);
    const negative = c.sign !== undefined && c.sign[0].image === '-';
    if (n === 0) return negative ? { kind: 'Tail', range } : { kind: 'Head', range };
    return { kind: 'Index', index: negative ? -n : n, range };
  }

  private span(a: SourceRange, b: SourceRange): SourceRange {
    return { line: a.line, column: a.column, offset: a.offset, length: b.offset + b.length - a.offset };
  }
}

function parseRange(image: string): [number, number] {
  const [a, b] = image.slice(1, -1).split('..');
  return [Number(a), Number(b)];
}
