/**
 * Erlang atoms other than true/false/null/undefined, for the few values EMQX gives as atoms (a default
 * `reason` such as no_subscribers in the rule tester). An atom is a registered JS symbol: nothing mistakes it for
 * a string or a map, `str()` and JSON print its name, and it equals a string only through a comparison
 * (`reason = 'no_subscribers'` holds, `is_str(reason)` is false, as in EMQX).
 */

/** The atom `name`. */
export function atom(name: string): symbol {
  return Symbol.for(name);
}

/** The name of an atom symbol. */
export function atomText(a: symbol): string {
  return a.description ?? '';
}
