/** The shape of one built-in function, as the rule compiler consumes it (see index.ts). */
export interface FunctionDef {
  /** SQL name, case-sensitive as in EMQX. */
  name: string;
  /** Fewest arguments accepted; the compiler rejects calls with fewer at load time. */
  minArity: number;
  /** Most arguments accepted (`Infinity` = variadic). */
  maxArity: number;
  /** The implementation; throws RuleFunctionError on bad arguments. */
  impl: (...args: unknown[]) => unknown;
  /** One-paragraph reference text (docs/functions.md is generated from these). */
  doc: string;
}
