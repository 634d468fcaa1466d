import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translatePcre, UnsupportedRegexError } from '../../../rules/functions/regex-translate.js';
import { call, raises, table } from './helpers.js';

table([
  ['regex_match', ['acbcd', 'c'], true],
  ['regex_match', ['acbcd', '(ac)+'], true],
  ['regex_match', ['bcd', '(ac)+'], false],
  ['regex_match', ['', '.*'], true],
  ['regex_match', ['', '[a-z]+'], false],
  ['regex_match', ['exebd', '^[a-z]+$'], true],
  ['regex_match', ['e2xebd', '^[a-z]+$'], false],
  ['regex_match', ['123', '^\\d+$'], true],
  ['regex_match', ['a23', '^\\d+$'], false],
  ['regex_match', ['abc\n', 'c$'], true],
  ['regex_match', ['abc\nd', 'c$'], false],
  ['regex_match', ['l1\nl2', '(?m)^l2$'], true],
  ['regex_match', ['ABC', '(?i)abc'], true],
  ['regex_match', ['a\nb', 'a.b'], false],
  ['regex_match', ['a\rb', 'a.b'], true],
  ['regex_match', ['a\nb', '(?s)a.b'], true],
  ['regex_match', ['abc', '\\Aabc\\z'], true],
  ['regex_match', ['abc\n', 'abc\\Z'], true],
  ['regex_match', ['x1', '[[:alpha:]][[:digit:]]'], true],
  ['regex_match', ['a.b', '\\Qa.b\\E'], true],
  ['regex_match', ['axb', '\\Qa.b\\E'], false],
  ['regex_match', ['a b', 'a\\hb'], true],
  // RE2 (the linear-time engine) has no back references or lookaround: FUNC_UNSUPPORTED (documented).
  ['regex_match', ['aa', '(?P<x>a)(?P=x)'], raises('FUNC_UNSUPPORTED')],
  ['regex_match', ['aa', '(a)\\1'], raises('FUNC_UNSUPPORTED')],
  ['regex_match', ['ab', 'a(?=b)'], raises('FUNC_UNSUPPORTED')],
  ['regex_match', ['ab', '(?<!x)b'], raises('FUNC_UNSUPPORTED')],
  ['regex_match', ['a\x00', 'a\\0'], true],
  ['regex_match', ['ab', '(?x) a  b # comment'], true],
  ['regex_match', ['aaa', 'a*+'], true],
  ['regex_match', ['abc', '(?>ab)c'], true],
  ['regex_match', ['€', '\\x{20AC}'], true],
  ['regex_match', ['a]', 'a]'], true],
  ['regex_match', ['abc', '(?#note)abc'], true],
  ['regex_match', ['abc', '('], raises()],
  ['regex_match', ['abc', '(?R)'], raises('FUNC_UNSUPPORTED')],
  ['regex_match', ['abc', 'a(?i)bc'], raises('FUNC_UNSUPPORTED')],
  ['regex_match', ['abc', '\\Ka'], raises('FUNC_UNSUPPORTED')],
  ['regex_match', [1, 'a'], raises()],
  ['regex_replace', ['', 'c.*', 'e'], ''],
  ['regex_replace', ['accbcd', 'c+', 'e'], 'aebed'],
  ['regex_replace', ['accbcd', 'c+', '[&]'], 'a[cc]b[c]d'],
  ['regex_replace', ['hello 123', '\\d+', 'world'], 'hello world'],
  ['regex_replace', ['a;b; c', ';\\s*', ','], 'a,b,c'],
  ['regex_replace', ['2021-05-20', '(\\d+)-(\\d+)-(\\d+)', '\\3/\\2/\\1'], '20/05/2021'],
  ['regex_replace', ['ab', '(a)', '\\g{1}\\g1'], 'aab'],
  ['regex_replace', ['ab', 'a', '\\&\\\\'], '&\\b'],
  ['regex_replace', ['ab', 'a', '$1$&'], '$1$ab'],
  ['regex_replace', ['abc', 'x*', '-'], '-a-b-c-'],
  ['regex_replace', ['ab', '(x)?a', '[\\1]'], '[]b'],
  ['regex_extract', ['Number: 12345', '(\\d+)'], ['12345']],
  ['regex_extract', ['Hello, world!', '(\\w+).*\\s(\\w+)'], ['Hello', 'world']],
  ['regex_extract', ['No numbers here!', '(\\d+)'], []],
  ['regex_extract', ['Date: 2021-05-20', '(\\d{4})-(\\d{2})-(\\d{2})'], ['2021', '05', '20']],
  ['regex_extract', ['abc', 'b'], []],
  ['regex_extract', ['ab', '(x)?(a)'], ['', 'a']],
  // Erlang's re runs on UTF-8 bytes unless the pattern says (*UTF8)/(*UCP) (emqx_rule_funcs:regex_match/2 calls
  // re:run(Str, RE, [global]) with no unicode option): `.` is one byte.
  ['regex_match', ['é', '^.$'], false],
  ['regex_match', ['é', '^..$'], true],
  ['regex_match', ['é', '(*UTF8)^.$'], true],
  ['regex_match', ['é', '^é$'], true],
  ['regex_replace', ['héllo', '.', '-'], '------'],
  ['regex_replace', ['aé', 'é', 'ü'], 'aü'],
  ['regex_replace', ['héllo', '(*UTF8).', '-'], '-----'],
  ['regex_extract', ['héllo', 'h(..)'], ['é']],
  // A match that splits a character returns the bytes, a binary, as Erlang does.
  ['regex_extract', ['héllo', 'h(.)'], [Buffer.from([0xc3])]],
  // Past 0xFF without (*UTF8) EMQX's re refuses the pattern; rulemq runs it on characters (documented).
  ['regex_match', ['€', '^\\x{20AC}$'], true],
]);

test('translatePcre maps PCRE-only syntax to RE2 equivalents', () => {
  assert.deepEqual(translatePcre('(?i)a$'), { source: 'a(?:\\n?\\z)', ignoreCase: true, multiline: false, unicode: false });
  assert.deepEqual(translatePcre('(?m)a$'), { source: 'a$', ignoreCase: false, multiline: true, unicode: false });
  assert.equal(translatePcre('(?P<year>\\d{4})').source, '(?P<year>\\d{4})');
  assert.equal(translatePcre('[[:space:]]').source, '[\\t\\n\\v\\f\\r ]');
  assert.equal(translatePcre('\\x{20AC}\\A').source, '\\x{20ac}\\A');
});

test('a pattern the linear-time engine cannot run names the offset where translation stopped', () => {
  assert.throws(
    () => translatePcre('ab(?=c)'),
    (e: unknown) => e instanceof UnsupportedRegexError && e.offset === 2 && /lookaround/.test(e.message),
  );
  assert.throws(
    () => translatePcre('(a)\\1'),
    (e: unknown) => e instanceof UnsupportedRegexError && e.offset === 3,
  );
});

test('matching is linear: catastrophic-backtracking patterns answer at once on long crafted input', () => {
  // With a backtracking engine each row takes longer than the test runner's timeout; no timing is asserted.
  assert.equal(call('regex_match', `${'a'.repeat(5000)}b`, '^(a+)+$'), false);
  assert.equal(call('regex_match', `${'a'.repeat(5000)}`, '^(a|aa)+$'), true);
  assert.equal(call('regex_match', `${'x'.repeat(5000)}`, '(x+x+)+y'), false);
  assert.deepEqual(call('regex_extract', `${'a'.repeat(5000)}!`, '^((a*)*)b'), []);
  assert.equal(call('regex_replace', `${'ab'.repeat(2000)}c`, '(a|b|ab)*d', '-'), `${'ab'.repeat(2000)}c`);
});

test('the bounded pattern cache keeps answering correctly after it evicts entries', () => {
  for (let i = 0; i < 600; i++) {
    const n = i % 300;
    assert.equal(call('regex_match', `x${n}`, `^x${n}$`), true);
    assert.equal(call('regex_match', `x${n}y`, `^x${n}$`), false);
  }
});
