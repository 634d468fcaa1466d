/**
 * Typed AST of EMQX rule SQL. Every node has a `kind` discriminant and a `range` in file coordinates.
 *
 * One expression union covers values and conditions, as in EMQX (a comparison is a value in a SELECT field and a
 * condition in WHERE). The kinds And/Or/Not/In only appear where the grammar allows conditions (WHERE, INCASE,
 * CASE WHEN, inside NOT and parentheses there); to-ast.ts enforces that.
 */
import type { SourceRange } from './errors.js';

/** `.key` — a map key (`payload.a`, `payload."a b"`, `payload.'x'`, `payload.1` is the key "1"). */
export interface KeyStep {
  readonly kind: 'Key';
  readonly key: string;
  readonly range: SourceRange;
}

/** `[n]` with n ≠ 0 — 1-based list index; negative counts from the end. */
export interface IndexStep {
  readonly kind: 'Index';
  readonly index: number;
  readonly range: SourceRange;
}

/** `[0]` / `[+0]`: reads give undefined; as an alias it prepends to the list. */
export interface HeadStep {
  readonly kind: 'Head';
  readonly range: SourceRange;
}

/** `[-0]`: reads give undefined; as an alias it appends to the list. */
export interface TailStep {
  readonly kind: 'Tail';
  readonly range: SourceRange;
}

/** `[path]` — index by a variable, resolved against the root of the enclosing path (EMQX quirk). */
export interface IndexVarStep {
  readonly kind: 'IndexVar';
  readonly path: PathExpr;
  readonly range: SourceRange;
}

export type PathStep = KeyStep | IndexStep | HeadStep | TailStep | IndexVarStep;

/** A column, alias or path: `clientid`, `"a b"`, `payload.x[1].y`. A bare name has no steps. */
export interface PathExpr {
  readonly kind: 'Path';
  readonly root: string;
  readonly steps: readonly PathStep[];
  readonly range: SourceRange;
}

export interface NumberLiteral {
  readonly kind: 'Number';
  readonly value: number;
  /** The source text; `isFloat` when it was written with a decimal point (EMQX keeps ints and floats apart). */
  readonly raw: string;
  readonly isFloat: boolean;
  readonly range: SourceRange;
}

/** `'...'` after quote trimming (no escapes). */
export interface StringLiteral {
  readonly kind: 'String';
  readonly value: string;
  readonly range: SourceRange;
}

/** Lower-case `true` / `false` written as bare names. */
export interface BoolLiteral {
  readonly kind: 'Bool';
  readonly value: boolean;
  readonly range: SourceRange;
}

/** `[a..b]` on its own: the list of integers a..b. */
export interface RangeLiteral {
  readonly kind: 'Range';
  readonly from: number;
  readonly to: number;
  readonly range: SourceRange;
}

/** `path[a..b]`: an inclusive slice of a list (negative bounds count from the end). */
export interface SliceExpr {
  readonly kind: 'Slice';
  readonly target: PathExpr;
  readonly from: number;
  readonly to: number;
  readonly range: SourceRange;
}

export interface ArrayLiteral {
  readonly kind: 'Array';
  readonly items: readonly Expr[];
  readonly range: SourceRange;
}

/** `f(args)` or `emqx_rule_funcs.f(args)`. */
export interface CallExpr {
  readonly kind: 'Call';
  /** Module qualifier as written (`emqx_rule_funcs`), or null. */
  readonly module: string | null;
  readonly name: string;
  readonly args: readonly Expr[];
  /** The span of the function name (for unknown-function and arity errors). */
  readonly nameRange: SourceRange;
  readonly range: SourceRange;
}

export interface UnaryExpr {
  readonly kind: 'Unary';
  readonly op: '+' | '-';
  readonly operand: Expr;
  readonly range: SourceRange;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | 'div' | 'mod';

export interface BinaryExpr {
  readonly kind: 'Binary';
  readonly op: ArithmeticOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly range: SourceRange;
}

export type ComparisonOp = '=' | '!=' | '<>' | '<' | '>' | '<=' | '>=' | '=~' | '~=';

export interface CompareExpr {
  readonly kind: 'Compare';
  readonly op: ComparisonOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly range: SourceRange;
}

export interface CaseWhen {
  readonly when: Expr;
  readonly then: Expr;
}

/** Searched form (`subject` null: WHEN takes conditions) or switch form (`CASE x WHEN v`: exact match). */
export interface CaseExpr {
  readonly kind: 'Case';
  readonly subject: Expr | null;
  readonly whens: readonly CaseWhen[];
  readonly otherwise: Expr | null;
  readonly range: SourceRange;
}

export interface AndExpr {
  readonly kind: 'And';
  readonly left: Expr;
  readonly right: Expr;
  readonly range: SourceRange;
}

export interface OrExpr {
  readonly kind: 'Or';
  readonly left: Expr;
  readonly right: Expr;
  readonly range: SourceRange;
}

export interface NotExpr {
  readonly kind: 'Not';
  readonly operand: Expr;
  readonly range: SourceRange;
}

/** `x IN (a, b)`; `x NOT IN (...)` parses as Not(In) exactly as in rulesql. */
export interface InExpr {
  readonly kind: 'In';
  readonly value: Expr;
  readonly list: readonly Expr[];
  readonly range: SourceRange;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | BoolLiteral
  | PathExpr
  | RangeLiteral
  | SliceExpr
  | ArrayLiteral
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | CompareExpr
  | CaseExpr
  | AndExpr
  | OrExpr
  | NotExpr
  | InExpr;

export type ExprKind = Expr['kind'];

/** `*` in a field list. */
export interface StarField {
  readonly kind: 'Star';
  readonly range: SourceRange;
}

/** `expr [[AS] alias]`. */
export interface Field {
  readonly kind: 'Field';
  readonly expr: Expr;
  readonly alias: PathExpr | null;
  readonly range: SourceRange;
}

export type SelectItem = StarField | Field;

/** One FROM entry with its quotes stripped. */
export interface FromTopic {
  readonly topic: string;
  readonly quote: 'double' | 'single' | 'none';
  readonly range: SourceRange;
}

export interface SelectStatement {
  readonly kind: 'Select';
  readonly fields: readonly SelectItem[];
  readonly from: readonly FromTopic[];
  readonly where: Expr | null;
  readonly range: SourceRange;
}

export interface ForeachStatement {
  readonly kind: 'Foreach';
  /** FOREACH expressions; the last one is the collection. Never contains `*`. */
  readonly fields: readonly Field[];
  /** DO fields, or null without DO. */
  readonly doFields: readonly SelectItem[] | null;
  readonly incase: Expr | null;
  readonly from: readonly FromTopic[];
  readonly where: Expr | null;
  readonly range: SourceRange;
}

export type Statement = SelectStatement | ForeachStatement;
