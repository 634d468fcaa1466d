/**
 * Tokens of the EMQX 5.x rule SQL dialect (rulesql 0.2 `sql_lex.xrl`, see docs emqx-rule-sql.md §2).
 *
 * Chevrotain picks the first token type whose pattern matches, whereas leex takes the longest match. The order
 * below (and `longer_alt` on keywords) reproduces leex's choices for every input the dialect can contain:
 * `--` comments before `-`, `[1..2]` ranges before `[`, two-character comparisons before one-character ones.
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

// leex's rule is `--.*\n`, so a comment on the last line (no newline) is a lex error in EMQX. We accept it: the
// only difference is that a rule EMQX rejects now loads.
export const Comment = createToken({ name: 'Comment', pattern: /--[^\n]*/, group: Lexer.SKIPPED });

/** Bare names: `[A-Za-z][A-Za-z0-9_$@~]*`, case-sensitive. `true`/`false` are names the AST turns into booleans. */
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z][A-Za-z0-9_$@~]*/, label: 'a name' });

/** `"..."`: a quoted identifier (a topic in FROM, a column/key/alias elsewhere). `""` may appear inside. */
export const QuotedName = createToken({
  name: 'QuotedName',
  pattern: /"(?:[^"]|"")*"/,
  line_breaks: true,
  label: 'a "quoted name"',
});

/** `'...'`: a string literal with no escape sequences; `''` may appear inside and is kept as two quotes. */
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /'(?:[^']|'')*'/,
  line_breaks: true,
  label: "a 'string'",
});

function keyword(name: string, word: string, caseInsensitive = true): TokenType {
  return createToken({
    name,
    pattern: new RegExp(word, caseInsensitive ? 'i' : ''),
    longer_alt: Identifier,
    label: caseInsensitive ? word.toUpperCase() : `'${word}'`,
  });
}

export const Select = keyword('Select', 'select');
export const Foreach = keyword('Foreach', 'foreach');
export const Do = keyword('Do', 'do');
export const Incase = keyword('Incase', 'incase');
export const From = keyword('From', 'from');
export const Where = keyword('Where', 'where');
export const As = keyword('As', 'as');
export const And = keyword('And', 'and');
export const Or = keyword('Or', 'or');
export const Not = keyword('Not', 'not');
export const In = keyword('In', 'in');
export const Case = keyword('Case', 'case');
export const When = keyword('When', 'when');
export const Then = keyword('Then', 'then');
export const Else = keyword('Else', 'else');
export const End = keyword('End', 'end');
/** IF and ELSIF are reserved by rulesql but used by no rule: they only ever cause a syntax error. */
export const If = keyword('If', 'if');
export const Elsif = keyword('Elsif', 'elsif');
/** `div` and `mod` are operator tokens in lower case only (`DIV` is a name). */
export const Div = keyword('Div', 'div', false);
export const Mod = keyword('Mod', 'mod', false);

// Numbers. leex has INTNUM `[0-9]+` and APPROXNUM `[0-9]+\.?[0-9]+([eE][+-]?[0-9]+)?[fFdD]?`; the longest wins and
// a tie goes to INTNUM. An APPROXNUM that Erlang's list_to_float rejects (`10e5`, `1.5f`) crashes the parser, which
// EMQX reports as a 400; we report it as SQL_BAD_NUMBER through the BadNumber token.
const APPROX = /[0-9]+\.?[0-9]+(?:[eE][+-]?[0-9]+)?[fFdD]?/y;
const DIGITS = /[0-9]+/y;
const VALID_FLOAT = /^[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?$/;

type NumberClass = 'int' | 'decimal' | 'bad';

function classifyNumber(text: string, offset: number): { cls: NumberClass; image: string } | null {
  DIGITS.lastIndex = offset;
  const int = DIGITS.exec(text);
  if (int === null) return null;
  APPROX.lastIndex = offset;
  const approx = APPROX.exec(text);
  if (approx === null || approx[0].length <= int[0].length) return { cls: 'int', image: int[0] };
  return { cls: VALID_FLOAT.test(approx[0]) ? 'decimal' : 'bad', image: approx[0] };
}

function numberMatcher(wanted: NumberClass) {
  return (text: string, offset: number): CustomPatternMatcherReturn | null => {
    const c = classifyNumber(text, offset);
    if (c === null || c.cls !== wanted) return null;
    return [c.image] as unknown as CustomPatternMatcherReturn;
  };
}

const DIGIT_HINTS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const Integer = createToken({
  name: 'Integer',
  pattern: { exec: numberMatcher('int') },
  start_chars_hint: DIGIT_HINTS,
  line_breaks: false,
  label: 'an integer',
});
export const Decimal = createToken({
  name: 'Decimal',
  pattern: { exec: numberMatcher('decimal') },
  start_chars_hint: DIGIT_HINTS,
  line_breaks: false,
  label: 'a number',
});
export const BadNumber = createToken({
  name: 'BadNumber',
  pattern: { exec: numberMatcher('bad') },
  start_chars_hint: DIGIT_HINTS,
  line_breaks: false,
  label: 'a malformed number',
});

/** `[a..b]` with optional signs and no spaces is one token (leex RANGE): a range literal, or a slice after a path. */
export const Range = createToken({ name: 'Range', pattern: /\[[+-]?[0-9]+\.\.[+-]?[0-9]+\]/, label: 'a range [a..b]' });

/** Abstract category of the comparison operators, so the parser consumes them as one alternative. */
export const Comparison = createToken({ name: 'Comparison', pattern: Lexer.NA, label: 'a comparison operator' });

function cmp(name: string, image: string): TokenType {
  return createToken({ name, pattern: image, categories: Comparison, label: `'${image}'` });
}

export const TopicMatch = cmp('TopicMatch', '=~');
export const TildeEq = cmp('TildeEq', '~=');
export const NotEq = cmp('NotEq', '!=');
export const LtGt = cmp('LtGt', '<>');
export const LtEq = cmp('LtEq', '<=');
export const GtEq = cmp('GtEq', '>=');
export const Eq = cmp('Eq', '=');
export const Lt = cmp('Lt', '<');
export const Gt = cmp('Gt', '>');

export const LParen = createToken({ name: 'LParen', pattern: '(', label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: "')'" });
export const LBracket = createToken({ name: 'LBracket', pattern: '[', label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: ']', label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
export const Dot = createToken({ name: 'Dot', pattern: '.', label: "'.'" });
export const Star = createToken({ name: 'Star', pattern: '*', label: "'*'" });
export const Plus = createToken({ name: 'Plus', pattern: '+', label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: '-', label: "'-'" });
export const Slash = createToken({ name: 'Slash', pattern: '/', label: "'/'" });

/** Lexer order matters (first match wins); see the file comment. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Range,
  BadNumber,
  Decimal,
  Integer,
  StringLiteral,
  QuotedName,
  TopicMatch,
  TildeEq,
  NotEq,
  LtGt,
  LtEq,
  GtEq,
  Eq,
  Lt,
  Gt,
  Comparison,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Dot,
  Star,
  Plus,
  Minus,
  Slash,
  Select,
  Foreach,
  Do,
  Incase,
  From,
  Where,
  As,
  And,
  Or,
  Not,
  In,
  Case,
  When,
  Then,
  Else,
  End,
  If,
  Elsif,
  Div,
  Mod,
  Identifier,
];
