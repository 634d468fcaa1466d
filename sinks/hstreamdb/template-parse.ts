/**
 * Parses record templates. A template is "JSON-shaped" when it is valid JSON once each `${path}`
 * stands for a value: placeholders may stand in value position (`{"t": ${temp}}`) or inside a
 * string literal (`{"id": "dev-${clientid}"}`, keys included). Anything else is a text template.
 * Parsing happens once, when the action is created.
 */

/** A placeholder path: `${a.b.c}` → ['a', 'b', 'c']; `${.}` → [] (the whole row). */
export type Path = readonly string[];
/** Literal text or a placeholder. */
export type Part = string | { readonly path: Path };

export type JsonNode =
  | { readonly kind: 'const'; readonly value: unknown }
  | { readonly kind: 'var'; readonly path: Path }
  | { readonly kind: 'interp'; readonly parts: readonly Part[] }
  | { readonly kind: 'object'; readonly entries: readonly { readonly key: readonly Part[]; readonly value: JsonNode }[] }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] };

/** `a.b` → ['a','b']; '.' → []; undefined for an empty or malformed path (kept as literal text). */
export function parsePath(text: string): Path | undefined {
  const t = text.trim();
  if (t === '.') return [];
  if (t === '') return undefined;
  const segs = t.split('.');
  return segs.every((s) => s !== '') ? segs : undefined;
}

/** Splits a text template into literal text and placeholders. */
export function parseText(source: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < source.length) {
    const at = source.indexOf('${', i);
    if (at < 0) break;
    const close = source.indexOf('}', at + 2);
    if (close < 0) break;
    const path = parsePath(source.slice(at + 2, close));
    if (path === undefined) {
      lit += source.slice(i, close + 1);
    } else {
      lit += source.slice(i, at);
      if (lit !== '') parts.push(lit);
      lit = '';
      parts.push({ path });
    }
    i = close + 1;
  }
  lit += source.slice(i);
  if (lit !== '') parts.push(lit);
  return parts;
}

class NotJson extends Error {
  constructor(
    /** Offset in the template where parsing stopped. */
    readonly offset: number,
    /** What was expected there. */
    readonly expected: string,
  ) {
    super(expected);
  }
}

/** Parses a JSON-shaped template; returns undefined when the template is not JSON-shaped. */
export function parseJsonTemplate(source: string): JsonNode | undefined {
  const result = parseJsonOrProblem(source);
  return 'node' in result ? result.node : undefined;
}

function parseJsonOrProblem(source: string): { node: JsonNode } | NotJson {
  const p = new Parser(source);
  try {
    const node = p.value();
    p.ws();
    if (p.i !== source.length) return new NotJson(p.i, 'nothing after the JSON value');
    return { node };
  } catch (e) {
    if (e instanceof NotJson) return e;
    throw e;
  }
}

/** Where a template that looks like JSON stops being JSON: the offset in the template and a message. */
export interface TemplateProblem {
  readonly offset: number;
  readonly message: string;
}

/**
 * A template that starts with `{` or `[` is meant to be JSON: when it does not parse (a missing `}`, a
 * stray comma), writing it as text would store broken records. Returns the problem, or undefined when
 * the template parses or does not look like JSON.
 */
export function jsonTemplateProblem(source: string): TemplateProblem | undefined {
  const first = /\S/.exec(source);
  if (first === null || (first[0] !== '{' && first[0] !== '[')) return undefined;
  const result = parseJsonOrProblem(source);
  if ('node' in result) return undefined;
  const ch = source[result.offset];
  const found = ch === undefined ? 'the end of the template' : ch === "'" ? `"'"` : `'${ch}'`;
  return { offset: result.offset, message: `expected ${result.expected} but found ${found}` };
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(expected = 'a JSON value'): never {
    throw new NotJson(this.i, expected);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  value(): JsonNode {
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === '$' && s[this.i + 1] === '{') {
      const close = s.indexOf('}', this.i + 2);
      if (close < 0) this.fail("'}' closing the placeholder");
      const path = parsePath(s.slice(this.i + 2, close));
      if (path === undefined) this.fail('a placeholder path like ${payload.temp}');
      this.i = close + 1;
      return { kind: 'var', path };
    }
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') {
      const parts = this.string();
      return parts.every((p) => typeof p === 'string') ? { kind: 'const', value: parts.join('') } : { kind: 'interp', parts };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (s.startsWith(word, this.i)) {
        this.i += word.length;
        return { kind: 'const', value };
      }
    }
    NUMBER_RE.lastIndex = this.i;
    const m = NUMBER_RE.exec(s);
    if (!m) this.fail('a JSON value or a ${placeholder}');
    this.i += m[0].length;
    return { kind: 'const', value: Number(m[0]) };
  }

  object(): JsonNode {
    this.i++; // {
    const entries: { key: Part[]; value: JsonNode }[] = [];
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('a quoted key');
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("':' after the key");
      this.i++;
      entries.push({ key, value: this.value() });
      this.ws();
      if (this.s[this.i] !== '}' && this.s[this.i] !== ',') this.fail("',' or '}'");
      const c = this.s[this.i++];
      if (c === '}') return { kind: 'object', entries };
    }
  }

  array(): JsonNode {
    this.i++; // [
    const items: JsonNode[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.ws();
      if (this.s[this.i] !== ']' && this.s[this.i] !== ',') this.fail("',' or ']'");
      const c = this.s[this.i++];
      if (c === ']') return { kind: 'array', items };
    }
  }

  /** A string literal with JSON escapes; `${path}` inside it becomes a placeholder part. */
  string(): Part[] {
    const s = this.s;
    this.i++; // opening quote
    const parts: Part[] = [];
    let lit = '';
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '"') {
        this.i++;
        if (lit !== '' || parts.length === 0) parts.push(lit);
        return parts;
      }
      if (c === '\\') {
        const e = s[this.i + 1];
        if (e === 'u') {
          const hex = s.slice(this.i + 2, this.i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('four hex digits after \\u');
          lit += String.fromCharCode(parseInt(hex, 16));
          this.i += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          lit += ESCAPES[e];
          this.i += 2;
        } else {
          this.fail('a JSON escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
        continue;
      }
      if (s.charCodeAt(this.i) < 0x20) this.fail('a character other than a line break or control character (write \\n)'); // raw control characters are not JSON
      if (c === '$' && s[this.i + 1] === '{') {
        const close = s.indexOf('}', this.i + 2);
        const path = close < 0 ? undefined : parsePath(s.slice(this.i + 2, close));
        if (path !== undefined && !s.slice(this.i + 2, close).includes('"')) {
          if (lit !== '') parts.push(lit);
          lit = '';
          parts.push({ path });
          this.i = close + 1;
          continue;
        }
      }
      lit += c;
      this.i++;
    }
    return this.fail("'\"' closing the string");
  }
}
