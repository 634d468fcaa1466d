/**
 * JSON decoding that keeps each number the type it was written with, as EMQX's decoder (jiffy) does: `2.0`,
 * `1e3` and `-0.0` are floats (boxed, see numbers.ts), integers past 2^53 stay exact (bigint).
 * `exact` decoding (json_decode, strings met along a path) always does so; the payload's own decoding uses a cheap
 * check first (see mayNeedTypes), because it runs for every message.
 *
 * JSON.parse is run first: it validates the text and is the whole answer for nearly every payload. Only when the
 * text may hold such a number (see mayNeedTypes) is it decoded again here, and then every number keeps its type.
 * This second pass trusts that the text is valid JSON.
 */
import { float, integer } from './numbers.js';

/**
 * Whether the text may hold a float with an integral value: `.0` (2.0, 2.50, 2.05: false positives only cost the
 * second pass). This runs for every decoded payload, so it is one native substring search and nothing more: an
 * exponent form (`1e3`) or an integer past 2^53 in a payload is read as JSON.parse reads it (see docs/functions.md).
 */
function mayNeedTypes(text: string): boolean {
  return text.includes('.0');
}

/** A float or a long integer somewhere in the text. */
const HAS_NUMBER_TEXT = /[0-9][.eE]|[0-9]{16}/;

/** JSON.parse, keeping integral floats as floats and big integers exact. Throws SyntaxError on bad JSON. */
export function parseJson(text: string, exact = false): unknown {
  const fast: unknown = JSON.parse(text);
  if (typeof fast === 'string' || typeof fast === 'boolean' || fast === null) return fast;
  if (exact ? !HAS_NUMBER_TEXT.test(text) : !mayNeedTypes(text)) return fast;
  return typedDecode(text, fast);
}

/**
 * One value cut out of a larger payload (see json-members.ts), decoded as parseJson decodes it inside the whole
 * payload: `typed` says whether the whole payload's text passed mayNeedTypes.
 */
export function parseJsonPart(text: string, typed: boolean): unknown {
  const fast: unknown = JSON.parse(text);
  if (!typed || typeof fast === 'string' || typeof fast === 'boolean' || fast === null) return fast;
  return typedDecode(text, fast);
}

function typedDecode(text: string, fast: unknown): unknown {
  try {
    return new TypedJsonReader(text).document();
  } catch {
    // Nesting too deep for this reader's recursion: the values are right, only integral floats read as integers.
    return fast;
  }
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class TypedJsonReader {
  private pos = 0;

  constructor(private readonly s: string) {}

  document(): unknown {
    return this.value();
  }

  private ws(): number {
    const s = this.s;
    let c = s.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.pos);
    return c;
  }

  private value(): unknown {
    const c = this.ws();
    switch (c) {
      case 0x7b /* { */:
        {
          this.pos++;
          const out: Record<string, unknown> = {};
          if (this.ws() === 0x7d) {
            this.pos++;
            return out;
          }
          for (;;) {
            this.ws();
            const key = this.string();
            this.ws();
            this.pos++; // ':'
            const v = this.value();
            if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
            else out[key] = v;
            if (this.ws() === 0x2c) this.pos++;
            else {
              this.pos++; // '}'
              return out;
            }
          }
        }
      case 0x5b /* [ */:
        {
          this.pos++;
          const out: unknown[] = [];
          if (this.ws() === 0x5d) {
            this.pos++;
            return out;
          }
          for (;;) {
            out.push(this.value());
            if (this.ws() === 0x2c) this.pos++;
            else {
              this.pos++; // ']'
              return out;
            }
          }
        }
      case 0x22 /* " */:
        return this.string();
      case 0x74 /* t */:
        this.pos += 4;
        return true;
      case 0x66 /* f */:
        this.pos += 5;
        return false;
      case 0x6e /* n */:
        this.pos += 4;
        return null;
      default:
        return this.number();
    }
  }

  private string(): string {
    const s = this.s;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    this.pos = i + 1;
    return escaped ? (JSON.parse(s.slice(start, i + 1)) as string) : s.slice(start + 1, i);
  }

  private number(): unknown {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.s);
    if (m === null) throw new SyntaxError(`bad number at ${this.pos}`);
    this.pos += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return float(Number(m[0]));
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n + 0 : integer(BigInt(m[0]));
  }
}
