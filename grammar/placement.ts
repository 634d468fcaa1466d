/**
 * Where EMQX's grammar (rulesql 0.2, LALR) is stricter than ours: which expression kinds may stand where. The
 * parser accepts one general expression grammar; to-ast.ts asks `misplaced` about every node it builds.
 *
 * - AND / OR / NOT / IN only in conditions (WHERE, INCASE, CASE WHEN, and inside them);
 * - a comparison only as a whole SELECT field, THEN/ELSE value, CASE subject, IN item, function argument or
 *   condition — not inside arithmetic, array elements or a parenthesised value;
 * - CASE only as a whole SELECT field (optionally parenthesised) or inside a function argument.
 */
import type * as A from './ast.js';

/** Where an expression stands, which decides what it may be (see the file comment). */
export type Place =
  | 'cond' // WHERE/INCASE/WHEN and NOT/AND/OR operands, parentheses there
  | 'field' // a whole SELECT/FOREACH/DO field: comparison or CASE allowed
  | 'fieldParen' // parentheses around a whole field: CASE allowed, comparison not
  | 'value' // THEN/ELSE, CASE subject, IN items: comparison allowed, no CASE
  | 'funArg' // function arguments and arithmetic inside them: comparison and CASE allowed
  | 'scalar'; // operands of arithmetic/comparison, array elements: plain scalar only

/** Strips rulesql quotes: every leading/trailing quote of the kind the token starts with. */
export function unquote(image: string): string {
  const q = image[0];
  if (q !== "'" && q !== '"') return image;
  let s = 0;
  let e = image.length;
  while (s < e && image[s] === q) s++;
  while (e > s && image[e - 1] === q) e--;
  return image.slice(s, e);
}

/** The place of an operator's operands: arithmetic inside a function argument keeps the argument's freedoms. */
export function operandPlace(p: Place): Place {
  return p === 'funArg' ? 'funArg' : 'scalar';
}

/** Why `e` may not stand at `place` (null when it may). `parenthesized`: `e` was written in parentheses. */
export function misplaced(e: A.Expr, place: Place, parenthesized: boolean): string | null {
  switch (e.kind) {
    case 'And':
    case 'Or':
    case 'Not':
    case 'In':
      if (place === 'cond') return null;
      return `${e.kind === 'In' ? 'IN' : e.kind.toUpperCase()} is only allowed in WHERE, INCASE and CASE WHEN conditions`;
    case 'Compare':
      if (place === 'scalar' || (parenthesized && (place === 'fieldParen' || place === 'value'))) {
        return 'a comparison cannot be used inside an arithmetic expression, a list or parentheses here';
      }
      return null;
    case 'Case':
      if (place === 'field' || place === 'fieldParen' || place === 'funArg') return null;
      return 'CASE is only allowed as a whole SELECT field or as a function argument';
    case 'Number':
    case 'String':
    case 'Bool':
    case 'Path':
    case 'Range':
    case 'Slice':
    case 'Array':
    case 'Call':
    case 'Unary':
    case 'Binary':
      return null;
  }
}
