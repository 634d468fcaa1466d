/** Hash functions: lower-case hex digests via node:crypto, with Erlang crypto algorithm names. */
import { createHash, getHashes } from 'node:crypto';
import { bytes, str } from './args.js';
import { badArg, RuleFunctionError } from './errors.js';
import type { FunctionDef } from './types.js';

/** Erlang `crypto:hash/2` names -> OpenSSL names. Output sizes match OTP's defaults (shake128: 16, shake256: 32). */
const ERLANG_NAMES: Record<string, string> = {
  md4: 'md4',
  md5: 'md5',
  sha: 'sha1',
  sha1: 'sha1', // EMQX's alias
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  shake128: 'shake128',
  shake256: 'shake256',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
  ripemd160: 'ripemd160',
  sm3: 'sm3',
};

let available: Set<string> | undefined;

function digest(fn: string, alg: string, data: Buffer): string {
  try {
    return createHash(alg).update(data).digest('hex');
  } catch (e) {
    throw new RuleFunctionError('FUNC_UNSUPPORTED', fn, `hash algorithm '${alg}' is not available here`, { cause: e });
  }
}

export const hashFunctions: FunctionDef[] = [
  {
    name: 'md5',
    minArity: 1,
    maxArity: 1,
    impl: (s) => digest('md5', 'md5', bytes('md5', s)),
    doc: "md5(S): MD5 as 32 lower-case hex digits. md5('hello') = '5d41402abc4b2a76b9719d911017c592'.",
  },
  {
    name: 'sha',
    minArity: 1,
    maxArity: 1,
    impl: (s) => digest('sha', 'sha1', bytes('sha', s)),
    doc: "sha(S): SHA-1 as 40 lower-case hex digits. sha('hello') = 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'.",
  },
  {
    name: 'sha256',
    minArity: 1,
    maxArity: 1,
    impl: (s) => digest('sha256', 'sha256', bytes('sha256', s)),
    doc: 'sha256(S): SHA-256 as 64 lower-case hex digits. ' + "sha256('hello') = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'.",
  },
  {
    name: 'hash',
    minArity: 2,
    maxArity: 2,
    impl: (alg, data) => {
      const name = str('hash', alg, 'algorithm');
      let openssl = ERLANG_NAMES[name];
      if (openssl === undefined) {
        available ??= new Set(getHashes());
        if (!available.has(name)) throw badArg('hash', `unknown hash algorithm '${name}'`);
        openssl = name;
      }
      return digest('hash', openssl, bytes('hash', data, 'data'));
    },
    doc:
      'hash(Algorithm, Data): lower-case hex digest. Erlang names: md4 md5 sha (alias sha1) sha224 sha256 sha384 ' +
      'sha512 sha3_224 sha3_256 sha3_384 sha3_512 shake128 shake256 blake2b blake2s ripemd160 sm3 (availability ' +
      "depends on the OpenSSL build); Node's names (e.g. 'sha512-256') are accepted too. Unknown names raise.",
  },
];
