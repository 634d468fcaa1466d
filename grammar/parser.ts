/**
 * Chevrotain grammar of the EMQX 5.x rule SQL dialect (rulesql 0.2 `rulesql.yrl`; emqx-rule-sql.md §3).
 *
 * The grammar is a little more permissive than rulesql where an LL parser needs it: conditions and scalar
 * expressions share one precedence ladder (`(a + 1) > 2` and `(a > 1 AND b)` both start with `(`), CASE is a
 * primary expression, and array elements/function arguments are general expressions. to-ast.ts then rejects
 * what EMQX's grammar rejects (a CASE inside arithmetic, AND in a SELECT field...) with SQL_INVALID_EXPRESSION.
 *
 * Precedence, low to high: OR, AND, NOT, comparison (non-associative), `+ -`, `* / div mod`, unary `+ -`.
 */
import { CstParser, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens.js';

/** Labels of what was expected at the last syntax error, captured while Chevrotain builds its message. */
class MessageProvider implements IParserErrorMessageProvider {
  expected: string[] = [];

  private static label(t: TokenType): string {
    return t.LABEL ?? t.name;
  }

  private static found(actual: IToken): string {
    return actual.tokenType.name === 'EOF' ? 'end of input' : `'${actual.image}'`;
  }

  private build(expected: string[], actual: IToken): string {
    this.expected = [...new Set(expected)];
    this.expected = MessageProvider.summarize(this.expected);
    const n = this.expected.length;
    const what = n === 1 ? this.expected[0] : `${this.expected.slice(0, n - 1).join(', ')} or ${this.expected[n - 1]}`;
    return `expected ${what} but found ${MessageProvider.found(actual)}`;
  }

  /** Where any expression may start, say "an expression" instead of listing a dozen token kinds. */
  private static summarize(labels: string[]): string[] {
    const starters = new Set(
      [T.Identifier, T.QuotedName, T.Integer, T.Decimal, T.StringLiteral, T.Range, T.LParen, T.LBracket, T.Case, T.Plus, T.Minus, T.Div, T.Mod].map((t) =>
        MessageProvider.label(t),
      ),
    );
    const hits = labels.filter((l) => starters.has(l));
    if (hits.length < 6) return labels;
    return [...labels.filter((l) => !starters.has(l)), 'an expression'];
  }

  buildMismatchTokenMessage(o: { expected: TokenType; actual: IToken }): string {
    return this.build([MessageProvider.label(o.expected)], o.actual);
  }

  buildNotAllInputParsedMessage(o: { firstRedundant: IToken }): string {
    return this.build(['end of input'], o.firstRedundant);
  }

  buildNoViableAltMessage(o: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[] }): string {
    const first = o.expectedPathsPerAlt.flatMap((alt) => alt.map((path) => MessageProvider.label(path[0])));
    return this.build(first, o.actual[0]);
  }

  buildEarlyExitMessage(o: { expectedIterationPaths: TokenType[][]; actual: IToken[] }): string {
    return this.build(
      o.expectedIterationPaths.map((path) => MessageProvider.label(path[0])),
      o.actual[0],
    );
  }
}

export const messageProvider = new MessageProvider();

export class SqlParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: false,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      errorMessageProvider: messageProvider,
    });
    this.performSelfAnalysis();
  }

  // SELECT fields FROM topics [WHERE cond]  |  FOREACH fields [DO fields] [INCASE cond] FROM topics [WHERE cond]
  statement = this.RULE('statement', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.selectStatement) }, { ALT: () => this.SUBRULE(this.foreachStatement) }]);
  });

  selectStatement = this.RULE('selectStatement', () => {
    this.CONSUME(T.Select);
    this.SUBRULE(this.fieldList, { LABEL: 'fields' });
    this.SUBRULE(this.fromClause);
    this.OPTION(() => this.SUBRULE(this.whereClause));
  });

  foreachStatement = this.RULE('foreachStatement', () => {
    this.CONSUME(T.Foreach);
    this.SUBRULE(this.fieldList, { LABEL: 'fields' });
    this.OPTION(() => {
      this.CONSUME(T.Do);
      this.SUBRULE2(this.fieldList, { LABEL: 'doFields' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Incase);
      this.SUBRULE(this.condition, { LABEL: 'incase' });
    });
    this.SUBRULE(this.fromClause);
    this.OPTION3(() => this.SUBRULE(this.whereClause));
  });

  fieldList = this.RULE('fieldList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.field) });
  });

  // `*` | expr [[AS] alias]
  field = this.RULE('field', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Star) },
      {
        ALT: () => {
          this.SUBRULE(this.valueExpr);
          this.OPTION(() => this.SUBRULE(this.alias));
        },
      },
    ]);
  });

  alias = this.RULE('alias', () => {
    this.OPTION(() => this.CONSUME(T.As));
    this.SUBRULE(this.aliasPath);
  });

  // name(.key | [index])*  — a.b.c, a[1], a[-0] (append), a[0] (prepend), a[i]
  aliasPath = this.RULE('aliasPath', () => {
    this.SUBRULE(this.name);
    this.MANY(() => this.SUBRULE(this.pathTail));
  });

  fromClause = this.RULE('fromClause', () => {
    this.CONSUME(T.From);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.fromTopic) });
  });

  fromTopic = this.RULE('fromTopic', () => {
    this.OR([{ ALT: () => this.CONSUME(T.QuotedName) }, { ALT: () => this.CONSUME(T.StringLiteral) }, { ALT: () => this.CONSUME(T.Identifier) }]);
  });

  // rulesql also accepts `WHERE cond AS name` (its grammar shares the field rule); the alias means nothing.
  whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.condition);
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.SUBRULE(this.name, { LABEL: 'ignoredAlias' });
    });
  });

  condition = this.RULE('condition', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Or, DEF: () => this.SUBRULE(this.andCondition) });
  });

  andCondition = this.RULE('andCondition', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.And, DEF: () => this.SUBRULE(this.notCondition) });
  });

  notCondition = this.RULE('notCondition', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notCondition);
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]);
  });

  // expr [cmp expr | [NOT] IN (expr, ...)]
  predicate = this.RULE('predicate', () => {
    this.SUBRULE(this.additive, { LABEL: 'left' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Comparison);
            this.SUBRULE2(this.additive, { LABEL: 'right' });
          },
        },
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(T.Not));
            this.CONSUME(T.In);
            this.SUBRULE(this.inList);
          },
        },
      ]);
    });
  });

  inList = this.RULE('inList', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.valueExpr) });
    this.CONSUME(T.RParen);
  });

  // A value that may be one comparison (SELECT fields, THEN/ELSE, CASE subject, IN items, function arguments).
  valueExpr = this.RULE('valueExpr', () => {
    this.SUBRULE(this.additive, { LABEL: 'left' });
    this.OPTION(() => {
      this.CONSUME(T.Comparison);
      this.SUBRULE2(this.additive, { LABEL: 'right' });
    });
  });

  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'ops' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'ops' }) }]);
      this.SUBRULE2(this.multiplicative, { LABEL: 'operands' });
    });
  });

  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'ops' }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: 'ops' }) },
        { ALT: () => this.CONSUME(T.Div, { LABEL: 'ops' }) },
        { ALT: () => this.CONSUME(T.Mod, { LABEL: 'ops' }) },
      ]);
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) }]);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.Decimal) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.Range) },
      { ALT: () => this.SUBRULE(this.arrayLiteral) },
      { ALT: () => this.SUBRULE(this.caseExpr) },
      { ALT: () => this.SUBRULE(this.reference) },
      { ALT: () => this.SUBRULE(this.operatorCall) },
    ]);
  });

  // `div(a, b)` and `mod(a, b)`: the operators called as functions (EMQX 5.1+).
  operatorCall = this.RULE('operatorCall', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Div, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(T.Mod, { LABEL: 'op' }) }]);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.valueExpr, { LABEL: 'args' }) });
    this.CONSUME(T.RParen);
  });

  parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.condition);
    this.CONSUME(T.RParen);
  });

  // [a, b] and, as rulesql allows, [a, b, ] (one trailing comma; [,] and [a,,b] stay errors).
  arrayLiteral = this.RULE('arrayLiteral', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.valueExpr);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.valueExpr);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  // CASE [subject] WHEN cond THEN value ... [ELSE value] END
  caseExpr = this.RULE('caseExpr', () => {
    this.CONSUME(T.Case);
    this.OPTION(() => this.SUBRULE(this.valueExpr, { LABEL: 'subject' }));
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.condition, { LABEL: 'whens' });
      this.CONSUME(T.Then);
      this.SUBRULE2(this.valueExpr, { LABEL: 'thens' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Else);
      this.SUBRULE3(this.valueExpr, { LABEL: 'otherwise' });
    });
    this.CONSUME(T.End);
  });

  // name(.key | [index])* followed by nothing, a slice [a..b], or a call (args).
  reference = this.RULE('reference', () => {
    this.SUBRULE(this.name);
    this.MANY(() => this.SUBRULE(this.pathTail));
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Range) },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.valueExpr, { LABEL: 'args' }) });
            this.CONSUME(T.RParen);
          },
        },
      ]);
    });
  });

  name = this.RULE('name', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.QuotedName) }]);
  });

  // .key (name, "quoted", 'quoted' or digits) | [n] | [-n] | [+n] | [path]
  pathTail = this.RULE('pathTail', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.OR2([
            { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'key' }) },
            { ALT: () => this.CONSUME(T.QuotedName, { LABEL: 'key' }) },
            { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'key' }) },
            { ALT: () => this.CONSUME(T.Integer, { LABEL: 'key' }) },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.OR3([
            { ALT: () => this.CONSUME2(T.Integer, { LABEL: 'index' }) },
            {
              ALT: () => {
                this.OR4([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) }]);
                this.CONSUME3(T.Integer, { LABEL: 'index' });
              },
            },
            { ALT: () => this.SUBRULE(this.aliasPath, { LABEL: 'indexPath' }) },
          ]);
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });
}

/** One shared parser instance: Chevrotain parsers are reset by assigning `input`. */
export const sqlParser = new SqlParser();
