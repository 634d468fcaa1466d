/**
 * Erlang's numbers on JS values. Erlang keeps integers (unbounded) and floats apart: `1 = 1.0` holds, but
 * `1 IN (1.0)` does not, `str(2.0)` is "2.0" and a float prints as a float in JSON. JS numbers do not say which
 * they are, so the rule engine's value model is:
 *
 * - a JS number that is an integer (`Number.isInteger`) is an Erlang integer;
 * - a JS number that is not an integer is a float (21.5: the common case costs nothing);
 * - a float whose value is integral (2.0, -0.0, 1.0e300) is a `Number` wrapper object (`new Number(2)`), a "boxed
 *   float". A wrapper object, not a class of ours, because structured clone (worker threads) and every JSON
 *   encoder keep it as a number;
 * - an integer beyond ±2^53 is a bigint (exact, as Erlang's bignums); a bigint inside the safe range is normalised
 *   to a number.
 *
 * Only values that are rare in IoT payloads pay for the box: integral floats and huge integers.
 */

/** A float with an integral value, boxed so it stays a float. */
// biome-ignore lint/complexity/noBannedTypes: a float with an integral value is a Number wrapper object, so it stays distinct from an integer.
export type BoxedFloat = Number;

/** Any rule number: integer (number or bigint) or float (number or boxed). */
export type RuleNumber = number | bigint | BoxedFloat;

/** True for a boxed float (an integral float such as 2.0). */
export function isBoxedFloat(v: unknown): v is BoxedFloat {
  return v instanceof Number;
}

/** True for any number of the value model. */
export function isNumber(v: unknown): v is RuleNumber {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof Number;
}

/** Erlang is_integer/1: an integral JS number or a bigint (never a boxed float). */
export function isInteger(v: unknown): v is number | bigint {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
}

/** Erlang is_float/1: a non-integral JS number or a boxed float. */
export function isFloat(v: unknown): v is number | BoxedFloat {
  return (typeof v === 'number' && !Number.isInteger(v)) || v instanceof Number;
}

/** The value of a rule number as a JS double (bigints round). */
export function toDouble(v: RuleNumber): number {
  return typeof v === 'number' ? v : Number(v);
}

/** A float result: boxed when its value is integral so it stays a float (6 / 3 = 2.0). */
export function float(x: number): number | BoxedFloat {
  // eslint-disable-next-line no-new-wrappers
  return Number.isInteger(x) || Object.is(x, -0) ? new Number(x) : x;
}

/** An integer result: a number inside ±2^53, else a bigint. */
export function integer(x: bigint): number | bigint {
  return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
}

/** An integer operand as a bigint (number or bigint). */
export function toBigInt(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/**
 * Text of a float as EMQX's JSON encoders print it (jiffy, jsx: shortest digits that read back, and a float
 * always has a fraction or an exponent): 2.0 → "2.0", -0.0 → "-0.0", 21.5 → "21.5", 1e21 → "1e+21".
 */
export function floatJson(x: number): string {
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return Number.isInteger(x) && s.indexOf('e') < 0 ? `${s}.0` : s;
}

/** JSON text of any rule number (integers exact, floats as floats); non-finite values have none (null). */
export function numberJson(v: RuleNumber): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
    return Number.isFinite(v) ? String(v) : 'null';
  }
  if (typeof v === 'bigint') return v.toString();
  const x = v.valueOf();
  return Number.isFinite(x) ? floatJson(x) : 'null';
}

/**
 * JSON text of a rule value in insertion key order, numbers keeping their kind (2.0 stays `2.0`, big integers
 * exact). `undefinedText` is what a missing value becomes (EMQX's encoders print the atom: `"undefined"`);
 * bytes are their UTF-8 text. Throws RangeError when nesting is too deep for the stack.
 */
export function ruleJson(v: unknown, undefinedText = '"undefined"'): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'bigint':
      return numberJson(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return undefinedText;
    case 'symbol':
      return JSON.stringify(v.description ?? '');
    case 'object': {
      if (v === null) return 'null';
      if (v instanceof Number) return numberJson(v);
      if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + ruleJson(v[i], undefinedText);
        return `${out}]`;
      }
      let out = '{';
      let first = true;
      for (const k of Object.keys(v)) {
        out += `${(first ? '' : ',') + JSON.stringify(k)}:${ruleJson((v as Record<string, unknown>)[k], undefinedText)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return undefinedText;
  }
}
