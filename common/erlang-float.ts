/**
 * Erlang's ways of printing floats, reproduced on JS numbers.
 *
 * - `float_to_binary(F, [{decimals, D}, compact])` (str/1, float2str/2): exact decimal expansion rounded to D places
 *   (C printf semantics: ties go to even), trailing zeros trimmed but one digit kept after the point.
 * - `io_lib_format:fwrite_g/1` (~p, ~w): the shortest digits that read back, placed by Erlang's own rule.
 * - `float_data/1` + `float_man/3` (~f, ~e, ~g): 21 significant digits, then decimal rounding half-up.
 *
 * JS numbers do not say whether they were integers or floats: numbers.ts says how the value model keeps them apart.
 */

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** |x| = mantissa * 2^exp exactly (x finite, non-zero). */
function decompose(x: number): { mant: bigint; exp: number } {
  F64[0] = x;
  const hi = U32[LITTLE ? 1 : 0];
  const lo = U32[LITTLE ? 0 : 1];
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant, exp };
}

/** Exact fixed-point text of x with `d` decimals, ties to even (what C's printf("%.*f") prints). */
function exactFixed(x: number, d: number): string {
  const neg = x < 0 || Object.is(x, -0);
  let digits: string;
  if (x === 0) {
    digits = '0'.repeat(d + 1);
  } else {
    const { mant, exp } = decompose(Math.abs(x));
    let q: bigint;
    if (exp >= 0) {
      q = (mant << BigInt(exp)) * 10n ** BigInt(d);
    } else {
      const k = BigInt(-exp);
      const n = mant * 10n ** BigInt(d);
      q = n >> k;
      const r = n - (q << k);
      const half = 1n << (k - 1n);
      if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    }
    digits = q.toString().padStart(d + 1, '0');
  }
  const body = d === 0 ? digits : `${digits.slice(0, digits.length - d)}.${digits.slice(digits.length - d)}`;
  return neg ? `-${body}` : body;
}

/**
 * `float_to_list(X, [{decimals, D}])`: D decimals, exact value, ties to even. D in 0..253 (Erlang's limit).
 * Uses V8's exact `toFixed` except on exact ties (where it rounds half up) and past its 100-digit limit.
 */
export function fixedDecimals(x: number, d: number): string {
  if (d <= 100 && Math.abs(x) < 1e21) {
    // A tie needs x = odd * 2^-(d+1) exactly: then x*2^(d+1) is an integer and x*2^d is not.
    const tie = Number.isInteger(x * 2 ** (d + 1)) && !Number.isInteger(x * 2 ** d);
    if (!tie) {
      const s = x.toFixed(d);
      return Object.is(x, -0) || (x < 0 && s[0] !== '-') ? `-${s}` : s;
    }
  }
  return exactFixed(x, d);
}

/** `float_to_binary(X, [{decimals, D}, compact])`. */
export function floatToDecimalsCompact(x: number, d: number): string {
  const s = fixedDecimals(x, d);
  if (d === 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48 /* 0 */ && s.charCodeAt(end - 2) !== 46 /* . */) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Integer text without exponent notation, for any integral JS number. */
export function integerText(x: number): string {
  return Math.abs(x) < 1e21 ? String(x === 0 ? 0 : x) : BigInt(x).toString();
}

/**
 * How EMQX's `str/1` (emqx_utils_conv:bin) prints a plain JS number: integers as integers, floats with at most 10
 * decimals. (An integral float is boxed, see numbers.ts, and printed by floatToDecimalsCompact.)
 */
export function numberToText(x: number): string {
  if (Number.isInteger(x)) return integerText(x);
  return floatToDecimalsCompact(x, 10);
}

/** `io_lib_format:fwrite_g/1`: the float text that ~p and ~w print (shortest round-trip digits). */
export function erlangShortest(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(a.toExponential())!;
  let s = m[1] + (m[2] ?? '');
  s = s.replace(/0+$/, '') || '0';
  const l = s.length;
  const exp10 = Number(m[3]);
  const place = exp10 - (l - 1);
  const expL = String(exp10);
  const expCost = expL.length + 2;
  let out: string;
  if (place < 0) {
    if (exp10 >= 0) out = `${s.slice(0, l + place)}.${s.slice(l + place)}`;
    else if (2 - place - l <= expCost) out = `0.${'0'.repeat(-place - l)}${s}`;
    else out = insertExp(expL, s);
  } else {
    const dot = l === 1 ? 1 : 0;
    if (expCost + dot >= place + 2 && a < 2 ** 53) out = `${s}${'0'.repeat(place)}.0`;
    else out = insertExp(expL, s);
  }
  return x < 0 ? `-${out}` : out;
}

function insertExp(expL: string, s: string): string {
  return s.length === 1 ? `${s}.0e${expL}` : `${s[0]}.${s.slice(1)}e${expL}`;
}

/** `float_data/1`: the 21 significant digits of |x| and its decimal exponent + 1. */
function floatData(x: number): { ds: string; e: number } {
  const m = /^(\d)\.(\d+)e([+-]\d+)$/.exec(Math.abs(x).toExponential(20))!;
  return { ds: m[1] + m[2], e: Number(m[3]) + 1 };
}

/** Rounds the digit string to `keep` digits (half up on the next digit); returns digits and whether it carried out. */
function roundDigits(ds: string, keep: number): { digits: string; carry: boolean } {
  const padded = ds.length < keep + 1 ? ds + '0'.repeat(keep + 1 - ds.length) : ds;
  const arr = padded.slice(0, keep).split('');
  if (padded.charCodeAt(keep) < 53 /* '5' */) return { digits: arr.join(''), carry: false };
  for (let i = keep - 1; i >= 0; i--) {
    if (arr[i] === '9') arr[i] = '0';
    else {
      arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1);
      return { digits: arr.join(''), carry: false };
    }
  }
  return { digits: arr.join(''), carry: true };
}

/** `~.Pf` body (sign included), P >= 1. */
export function erlangFloatF(x: number, p: number): string {
  let { ds, e } = floatData(x);
  if (e <= 0) {
    ds = '0'.repeat(-e + 1) + ds;
    e = 1;
  }
  const { digits, carry } = roundDigits(ds, e + p);
  const all = carry ? `1${digits}` : digits;
  const intLen = carry ? e + 1 : e;
  return `${signOf(x)}${all.slice(0, intLen)}.${all.slice(intLen)}`;
}

/** `~.Pe` body (sign included), P >= 2: P significant digits and an explicit exponent sign. */
export function erlangFloatE(x: number, p: number): string {
  const { ds, e } = floatData(x);
  const { digits, carry } = roundDigits(ds, p);
  const mant = carry ? `1${'0'.repeat(p - 1)}` : digits;
  const exp = x === 0 ? 0 : carry ? e : e - 1;
  return `${signOf(x)}${mant[0]}.${mant.slice(1)}e${exp >= 0 ? '+' : ''}${exp}`;
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}
