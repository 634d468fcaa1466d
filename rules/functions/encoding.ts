/** Encoding functions: base64, JSON and Erlang external term format. */
import { bytes } from './args.js';
import { badArg, describe } from './errors.js';
import { emqxJsonEncode, jsonDecode } from './json.js';
import { binaryToTerm, termToBinary } from './term-codec.js';
import type { FunctionDef } from './types.js';

/** OTP 26 base64:decode/1: whitespace is skipped; other non-alphabet characters and wrong padding raise. */
const WS_RE = /[ \t\r\n]/g;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const encodingFunctions: FunctionDef[] = [
  {
    name: 'base64_encode',
    minArity: 1,
    maxArity: 1,
    impl: (v) => bytes('base64_encode', v).toString('base64'),
    doc: "base64_encode(Data): standard base64 with padding. base64_encode('hello') = 'aGVsbG8='.",
  },
  {
    name: 'base64_decode',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      const text = bytes('base64_decode', v).toString('latin1').replace(WS_RE, '');
      if (!B64_RE.test(text)) throw badArg('base64_decode', 'invalid base64 (bad character or padding)');
      return Buffer.from(text, 'base64');
    },
    doc:
      'base64_decode(Data): the decoded bytes (a binary). Whitespace is ignored; other invalid characters and ' +
      "missing padding raise. bin2hexstr(base64_decode('y0jN')) = 'CB48CD'.",
  },
  {
    name: 'json_encode',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      try {
        return emqxJsonEncode(v);
      } catch (e) {
        throw badArg('json_encode', (e as Error).message, e);
      }
    },
    doc:
      'json_encode(V): compact JSON text. Maps of up to 32 keys come out in REVERSE sorted key order, as jiffy ' +
      'writes them: json_encode(json_decode(\'{"a":1,"b":2}\')) = \'{"b":2,"a":1}\'. undefined is encoded as ' +
      '"undefined". rulemq difference: maps of more than 32 keys keep insertion order (EMQX: hash order).',
  },
  {
    name: 'json_decode',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      if (typeof v !== 'string' && !Buffer.isBuffer(v)) throw badArg('json_decode', `expected JSON text, got ${describe(v)}`);
      try {
        return jsonDecode(v);
      } catch (e) {
        throw badArg('json_decode', `invalid JSON: ${(e as Error).message}`, e);
      }
    },
    doc: 'json_decode(S): the value of the JSON text S (objects, arrays and scalars); invalid JSON raises. ' + "map_get('a', json_decode('{\"a\": 1}')) = 1.",
  },
  {
    name: 'term_encode',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      try {
        return termToBinary(v);
      } catch (e) {
        throw badArg('term_encode', (e as Error).message, e);
      }
    },
    doc:
      'term_encode(V): Erlang external term format (term_to_binary) as a binary. Strings are binaries, ' +
      'true/false/null/undefined atoms, maps have binary keys. rulemq difference: integral floats are encoded as ' +
      'integers.',
  },
  {
    name: 'term_decode',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      const b = bytes('term_decode', v);
      try {
        return binaryToTerm(b);
      } catch (e) {
        throw badArg('term_decode', (e as Error).message, e);
      }
    },
    doc:
      'term_decode(Bin): binary_to_term. Binaries become strings (Buffers when not UTF-8), atoms true/false/null/' +
      'undefined the matching values and other atoms strings, tuples arrays, map keys strings. Pids, ports, ' +
      'references and funs raise.',
  },
];
