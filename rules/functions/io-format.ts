/**
 * A subset of Erlang's `io_lib:format/2` for sprintf(Format, Args...), following io_lib_format.erl.
 *
 * Control sequences: ~[F][.P][.Pad][t|l]C with F and P as digits or `*` (taken from the arguments) and F < 0 (a
 * leading `-`) meaning left-adjusted. Supported C: s p w P W e f g b B x X # + c i n ~.
 * Differences from EMQX: numbers are not split into integers and floats, so ~f/~e/~g accept integers (EMQX raises)
 * and ~b/~B/~x/~X/~#/~+/~c accept integral floats; ~p does not wrap lines at 80 columns; ~ts of non-Latin-1 text
 * works (EMQX raises when turning it into a binary).
 */
import { erlangFloatE, erlangFloatF } from '../../common/erlang-float.js';
import { termText } from './erlang-term-text.js';

/** Thrown for a bad format or argument; sprintf turns it into FUNC_BAD_ARG. */
export class FormatError extends Error {}

interface Spec {
  width: number | undefined;
  left: boolean;
  precision: number | undefined;
  pad: string;
  unicode: boolean;
}

function chars(c: string, n: number): string {
  return n > 0 ? c.repeat(n) : '';
}

function charLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

function truncate(s: string, n: number): string {
  return Array.from(s).slice(0, n).join('');
}

function adjust(data: string, padding: string, left: boolean): string {
  return left ? data + padding : padding + data;
}

/** io_lib_format:term/5: fit already-rendered text into the field, or print stars when it does not fit. */
function term(t: string, sp: Spec): string {
  let f = sp.width;
  const p0 = sp.precision;
  if (f === undefined && p0 === undefined) return t;
  if (f === undefined) f = p0!;
  const l = charLength(t);
  const p = Math.min(l, p0 === undefined ? f : Math.min(p0, f));
  if (l > p) return adjust(chars('*', p), chars(sp.pad, f - p), sp.left);
  return adjust(t, chars(sp.pad, f - l), sp.left);
}

/** io_lib_format:string/6. */
function stringField(s: string, sp: Spec): string {
  const { width: f, precision: p, left, pad } = sp;
  const n = charLength(s);
  const field = (width: number, adjLeft: boolean): string => {
    if (n > width) return truncate(s, width);
    if (n < width) return adjust(s, chars(pad, width - n), adjLeft);
    return s;
  };
  if (f === undefined && p === undefined) return s;
  if (p === undefined) return field(f!, left);
  if (f === undefined) return field(p, true);
  if (f < p) throw new FormatError('field width is smaller than precision');
  if (f === p) return field(f, left);
  if (n > p) return adjust(truncate(s, p), chars(pad, f - p), left);
  if (n < p) return adjust(s + chars(pad, p - n), chars(pad, f - p), left);
  return adjust(s, chars(pad, f - p), left);
}

/** The text ~s prints for an argument: binaries, atoms, and (deep) lists of character codes. */
function sArg(a: unknown): string {
  if (typeof a === 'string') return a;
  if (Buffer.isBuffer(a)) return a.toString('utf8');
  if (typeof a === 'boolean') return a ? 'true' : 'false';
  if (a === null) return 'null';
  if (a === undefined) return 'undefined';
  if (Array.isArray(a)) {
    let out = '';
    for (const x of a) {
      if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0x10ffff) out += String.fromCodePoint(x);
      else if (typeof x === 'string' || Buffer.isBuffer(x) || Array.isArray(x)) out += sArg(x);
      else throw new FormatError('~s expects a string or a list of characters');
    }
    return out;
  }
  throw new FormatError(`~s expects a string, got a ${typeof a === 'object' ? 'map' : typeof a}`);
}

function numArg(a: unknown, c: string): number {
  if (typeof a === 'number' && Number.isFinite(a)) return a;
  if (a instanceof Number || typeof a === 'bigint') return Number(a);
  throw new FormatError(`~${c} expects a number`);
}

function intArg(a: unknown, c: string): number {
  if (typeof a === 'number' && Number.isInteger(a)) return a;
  throw new FormatError(`~${c} expects an integer`);
}

function integerDigits(n: number, base: number, lower: boolean): string {
  if (base < 2 || base > 36) throw new FormatError(`base must be 2..36, got ${base}`);
  const s = Math.abs(n) < 2 ** 53 ? Math.abs(n).toString(base) : BigInt(Math.abs(n)).toString(base);
  return lower ? s : s.toUpperCase();
}

function fwriteG(x: number, sp: Spec): string {
  const p = sp.precision ?? 6;
  if (p < 1) throw new FormatError('precision must be >= 1');
  const a = Math.abs(x);
  const e = a < 0.1 ? -2 : a < 1 ? -1 : a < 10 ? 0 : a < 100 ? 1 : a < 1000 ? 2 : a < 10000 ? 3 : Infinity;
  if ((p <= 1 && e === -1) || (p - 1 > e && e >= -1)) return floatField(erlangFloatF(x, p - 1 - e), sp);
  return floatField(erlangFloatE(x, p <= 1 ? 2 : p), sp);
}

function floatField(text: string, sp: Spec): string {
  return sp.width === undefined ? text : term(text, { ...sp, precision: sp.width });
}

/** Formats `fmt` with `args` like io_lib:format/2 (then flattened to a string). */
export function ioFormat(fmt: string, args: readonly unknown[]): string {
  let out = '';
  let ai = 0;
  const next = (): unknown => {
    if (ai >= args.length) throw new FormatError('too few arguments for the format');
    return args[ai++];
  };
  let i = 0;
  const fieldValue = (): number | undefined => {
    if (fmt[i] === '*') {
      i++;
      const v = next();
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new FormatError('* expects an integer argument');
      return v;
    }
    let v: number | undefined;
    while (i < fmt.length && fmt.charCodeAt(i) >= 48 && fmt.charCodeAt(i) <= 57) {
      v = (v ?? 0) * 10 + (fmt.charCodeAt(i) - 48);
      i++;
    }
    return v;
  };
  while (i < fmt.length) {
    const ch = fmt[i++];
    if (ch !== '~') {
      out += ch;
      continue;
    }
    const sp: Spec = { width: undefined, left: false, precision: undefined, pad: ' ', unicode: false };
    if (fmt[i] === '-') {
      i++;
      const w = fieldValue();
      if (w === undefined) throw new FormatError("'-' must be followed by a field width");
      sp.width = -w;
    } else sp.width = fieldValue();
    if (sp.width !== undefined && sp.width < 0) {
      sp.width = -sp.width;
      sp.left = true;
    }
    if (fmt[i] === '.') {
      i++;
      sp.precision = fieldValue();
    }
    if (fmt[i] === '.') {
      i++;
      if (fmt[i] === '*') {
        i++;
        const p = next();
        if (typeof p !== 'number' || !Number.isInteger(p)) throw new FormatError('pad character must be a code');
        sp.pad = String.fromCodePoint(p);
      } else if (i < fmt.length) {
        sp.pad = String.fromCodePoint(fmt.codePointAt(i)!);
        i += sp.pad.length;
      }
    }
    while (fmt[i] === 't' || fmt[i] === 'l') {
      if (fmt[i] === 't') sp.unicode = true;
      i++;
    }
    const c = fmt[i++];
    switch (c) {
      case 's':
        out += stringField(sArg(next()), sp);
        break;
      case 'w':
        out += term(termText(next(), false, sp.unicode), sp);
        break;
      case 'W':
        out += term(termText(next(), false, sp.unicode), sp);
        intArg(next(), c);
        break;
      case 'p':
        out += termText(next(), true, sp.unicode);
        break;
      case 'P':
        out += termText(next(), true, sp.unicode);
        intArg(next(), c);
        break;
      case 'f': {
        const p = sp.precision ?? 6;
        if (p < 1) throw new FormatError('precision must be >= 1');
        out += floatField(erlangFloatF(numArg(next(), c), p), sp);
        break;
      }
      case 'e': {
        const p = sp.precision ?? 6;
        if (p < 2) throw new FormatError('precision must be >= 2');
        out += floatField(erlangFloatE(numArg(next(), c), p), sp);
        break;
      }
      case 'g':
        out += fwriteG(numArg(next(), c), sp);
        break;
      case 'b':
      case 'B': {
        const n = intArg(next(), c);
        const digits = integerDigits(n, sp.precision ?? 10, c === 'b');
        out += term((n < 0 ? '-' : '') + digits, { ...sp, precision: undefined });
        break;
      }
      case 'x':
      case 'X': {
        const n = intArg(next(), c);
        const prefix = sArg(next());
        const digits = integerDigits(n, sp.precision ?? 10, c === 'x');
        out += term((n < 0 ? '-' : '') + prefix + digits, { ...sp, precision: undefined });
        break;
      }
      case '#':
      case '+': {
        const n = intArg(next(), c);
        const base = sp.precision ?? 10;
        const digits = integerDigits(n, base, c === '+');
        out += term(`${n < 0 ? '-' : ''}${base}#${digits}`, { ...sp, precision: undefined });
        break;
      }
      case 'c': {
        const n = intArg(next(), c);
        const chr = String.fromCodePoint(sp.unicode ? n : n & 255);
        const { width: f, precision: p } = sp;
        if (f === undefined && p === undefined) out += chr;
        else if (p === undefined) out += chars(chr, f!);
        else if (f === undefined) out += chars(chr, p);
        else if (f >= p) out += adjust(chars(chr, p), chars(sp.pad, f - p), sp.left);
        else throw new FormatError('field width is smaller than precision');
        break;
      }
      case 'i':
        next();
        break;
      case 'n':
        if (sp.width !== undefined && sp.left) throw new FormatError('~n cannot be left-adjusted');
        out += sp.width === undefined ? '\n' : chars('\n', sp.width);
        break;
      case '~': {
        const { width: f, precision: p } = sp;
        if (f === undefined && p === undefined) out += '~';
        else out += chars('~', p ?? f!);
        break;
      }
      default:
        throw new FormatError(c === undefined ? 'format ends inside a control sequence' : `unknown control ~${c}`);
    }
  }
  if (ai !== args.length) throw new FormatError(`too many arguments: ${args.length - ai} left unused`);
  return out;
}
