/**
 * Erlang term syntax for our values, as io_lib prints them for ~w and ~p: binaries as <<"text">> (or <<1,2,3>>
 * when not printable), atoms bare (true, undefined, null), maps as #{K => V} with keys in sorted order.
 * ~p also prints a list of printable character codes as a "string". ~p never breaks lines here (EMQX wraps at 80
 * columns).
 */
import { codesToString, isPrintableCharlist } from './any-to-str.js';
import { BitString } from './bitstring.js';
import { erlangShortest, integerText } from '../../common/erlang-float.js';
import { compareKeys } from './json.js';

const ESCAPES: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  27: '\\e',
  34: '\\"',
  92: '\\\\',
  127: '\\d',
};

/** Characters io_lib treats as printable inside a string or binary literal (controls only via the escapes above). */
function printableText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 && ESCAPES[c] === undefined) return false;
    if (c >= 0x80 && c < 0xa0) return false;
  }
  return true;
}

function escapeText(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const e = ESCAPES[c];
    out += e ?? s[i];
  }
  return out;
}

function binaryText(b: Buffer | string, unicode: boolean): string {
  const text = typeof b === 'string' ? b : b.toString('utf8');
  const bytes = typeof b === 'string' ? undefined : b;
  if (text.length === 0) return '<<>>';
  const validUtf8 = bytes === undefined || Buffer.from(text, 'utf8').equals(bytes);
  if (validUtf8 && printableText(text)) {
    // Non-ASCII text: ~tp marks it /utf8; ~p prints the UTF-8 bytes, which read back as the same text.
    const ascii = /^[\x00-\x7f]*$/.test(text);
    return unicode && !ascii ? `<<"${escapeText(text)}"/utf8>>` : `<<"${escapeText(text)}">>`;
  }
  const raw = bytes ?? Buffer.from(text, 'utf8');
  return `<<${Array.from(raw).join(',')}>>`;
}

function bitstringText(b: BitString): string {
  const whole = b.bitLength >> 3;
  const rem = b.bitLength & 7;
  const parts: string[] = [];
  for (let i = 0; i < whole; i++) parts.push(String(b.bytes[i]));
  if (rem > 0) parts.push(`${b.bytes[whole] >> (8 - rem)}:${rem}`);
  return `<<${parts.join(',')}>>`;
}

/** Renders a value in Erlang syntax; `pretty` selects ~p (string detection for lists) over ~w. */
export function termText(v: unknown, pretty: boolean, unicode: boolean): string {
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isInteger(v) ? integerText(v) : erlangShortest(v);
    case 'string':
      return binaryText(v, unicode);
    case 'bigint':
      return v.toString();
    case 'object': {
      if (v === null) return 'null';
      if (Buffer.isBuffer(v)) return binaryText(v, unicode);
      if (v instanceof Number) return erlangShortest(v.valueOf());
      if (v instanceof BitString) return bitstringText(v);
      if (Array.isArray(v)) {
        if (pretty && v.length > 0 && isPrintableCharlist(v, unicode)) {
          return `"${escapeText(codesToString(v as number[]))}"`;
        }
        return `[${v.map((x) => termText(x, pretty, unicode)).join(',')}]`;
      }
      const m = v as Record<string, unknown>;
      const keys = Object.keys(m).sort(compareKeys);
      return `#{${keys.map((k) => `${binaryText(k, unicode)} => ${termText(m[k], pretty, unicode)}`).join(',')}}`;
    }
    default:
      return String(v);
  }
}
