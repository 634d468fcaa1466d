import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ABSENT, JsonMembers } from '../../common/json-members.js';
import { parseJson } from '../../common/json-parse.js';
import { rng as prng } from '../support/rng.js';

const STRINGS = ['', 'temp', 'hum', 'a b', 'é', '日本', 'x\\"y', '\\u0041B', '\\n\\t', '\\ud83d\\ude00', '27.5', '1.0', 'tab\\/'];
const NUMBERS = ['0', '-0', '1', '-17', '27.5', '2.0', '1.50', '1e3', '-2.5E-3', '1E+2', '9007199254740993', '12345678901234567890', '0.0'];
const WS = ['', '', ' ', '\n', '\t ', '\r\n'];

function gen(r: () => number, depth: number): string {
  const w = () => WS[Math.floor(r() * WS.length)];
  const pick = r();
  if (depth > 0 && pick < 0.2) {
    const n = Math.floor(r() * 4);
    const members: string[] = [];
    for (let i = 0; i < n; i++) members.push(`${w()}"${STRINGS[Math.floor(r() * STRINGS.length)]}"${w()}:${w()}${gen(r, depth - 1)}${w()}`);
    return `{${members.join(',')}${n === 0 ? w() : ''}}`;
  }
  if (depth > 0 && pick < 0.35) {
    const n = Math.floor(r() * 4);
    const items: string[] = [];
    for (let i = 0; i < n; i++) items.push(`${w()}${gen(r, depth - 1)}${w()}`);
    return `[${items.join(',')}]`;
  }
  if (pick < 0.6) return `"${STRINGS[Math.floor(r() * STRINGS.length)]}"`;
  if (pick < 0.85) return NUMBERS[Math.floor(r() * NUMBERS.length)];
  return ['true', 'false', 'null'][Math.floor(r() * 3)];
}

/** A top-level object with several members, some keys repeated. */
function genObject(r: () => number): string {
  const n = 1 + Math.floor(r() * 6);
  const members: string[] = [];
  for (let i = 0; i < n; i++) members.push(` "${STRINGS[Math.floor(r() * STRINGS.length)]}": ${gen(r, 3)}`);
  return `{${members.join(',')} }`;
}

/** One byte changed, removed or inserted: mostly invalid JSON, sometimes still valid. */
function mutate(r: () => number, bytes: Buffer): Buffer {
  const at = Math.floor(r() * bytes.length);
  const kinds = [0x22, 0x2c, 0x3a, 0x7d, 0x5d, 0x5c, 0x30, 0x2e, 0x20, 0x01, 0xff, 0xc3, 0x65, 0x7b];
  const byte = kinds[Math.floor(r() * kinds.length)];
  const k = r();
  if (k < 0.34) return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  if (k < 0.67) return Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)]);
  const copy = Buffer.from(bytes);
  copy[at] = byte;
  return copy;
}

/** What the whole-payload decode says of these bytes: the object, or null (not JSON, or not an object). */
function wholeObject(bytes: Buffer): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = parseJson(bytes.toString());
  } catch {
    return null;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function agree(bytes: Buffer, label: string): boolean {
  const whole = wholeObject(bytes);
  const members = JsonMembers.of(bytes);
  assert.equal(members === null, whole === null, `${label}: indexed ${members !== null}, whole decode ${whole !== null}: ${bytes.toString()}`);
  if (whole === null || members === null) return false;
  for (const key of Object.keys(whole)) assert.deepEqual(members.get(key), whole[key], `${label}: member ${key} of ${bytes.toString()}`);
  for (const key of ['absent', 'tem', 'temp ', 'Temp']) {
    if (!Object.hasOwn(whole, key)) assert.equal(members.get(key), ABSENT, `${label}: ${key} is absent`);
  }
  return true;
}

describe('JsonMembers: top-level members without decoding the whole object', () => {
  it('reads the seed payload', () => {
    const m = JsonMembers.of(Buffer.from('{"temp": "27.5", "hum": "41.8"}'));
    assert.ok(m);
    assert.equal(m.get('temp'), '27.5');
    assert.equal(m.get('hum'), '41.8');
    assert.equal(m.get('absent'), ABSENT);
  });

  it('keeps the last of repeated keys, decodes escaped and non-ASCII keys and values, and types numbers as the whole decode does', () => {
    const m = JsonMembers.of(Buffer.from('{"a":1,"a":2,"t\\u0065mp":"x\\ty","é":"日本","f":2.0,"n":1e3,"big":12345678901234567890,"o":{"k":[1,2.0]}}'));
    assert.ok(m);
    assert.equal(m.get('a'), 2);
    assert.equal(m.get('temp'), 'x\ty');
    assert.equal(m.get('é'), '日本');
    assert.ok(m.get('f') instanceof Number, '2.0 is a float when the payload has ".0"');
    assert.equal(m.get('big'), 12345678901234567890n);
    assert.deepEqual(m.get('o'), { k: [1, new Number(2)] });
    assert.equal(m.get('o'), m.get('o'), 'a container is decoded once');
  });

  it('refuses what JSON.parse refuses, and what is not an object', () => {
    for (const text of [
      '',
      ' ',
      '{',
      '}',
      '{"a":1,}',
      '{"a" 1}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":-}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":tru}',
      '{"a":[1,]}',
      '{"a":[1}',
      '{"a":{"b":1]}',
      '{"a":1}}',
      '{"a":"x\u0001"}',
      '[1]',
      '"s"',
      '42',
      'null',
      '{"a":1} {}',
    ]) {
      assert.equal(JsonMembers.of(Buffer.from(text)), null, text);
    }
    assert.equal(JsonMembers.of(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0x7d])), null, 'a non-ASCII byte outside a string');
  });

  it('accepts invalid UTF-8 inside strings, as decoding the text then JSON.parse does', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]);
    assert.ok(agree(bytes, 'invalid UTF-8'));
  });

  it('nests deeper than the call stack allows without failing', () => {
    const deep = `{"a":${'['.repeat(20000)}${']'.repeat(20000)},"b":1}`;
    const m = JsonMembers.of(Buffer.from(deep));
    assert.ok(m);
    assert.equal(m.get('b'), 1);
  });

  it('agrees with the whole decode on 20,000 generated objects and their one-byte mutations', () => {
    let valid = 0;
    let mutatedValid = 0;
    for (let seed = 1; seed <= 20000; seed++) {
      const r = prng(seed);
      const bytes = Buffer.from(genObject(r));
      if (agree(bytes, `seed ${seed}`)) valid++;
      if (agree(mutate(r, bytes), `seed ${seed} mutated`)) mutatedValid++;
    }
    assert.equal(valid, 20000, 'every generated object is valid JSON');
    assert.ok(mutatedValid > 100 && mutatedValid < 19000, `mutations gave both valid and invalid documents (${mutatedValid} valid)`);
  });
});
