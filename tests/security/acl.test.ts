import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseAclFile } from '../../broker/acl/acl-file.js';
import { Acl, READ, WRITE } from '../../broker/acl/acl.js';
import { covers, intersects, matches, splitLevels } from '../../broker/acl/topic-match.js';

const ACL_TEXT = `
# Clients without a user name
topic read public/#
topic deny public/secret

user alice
topic readwrite alice/#
topic write sensors/+/temp
topic read sensors/#
topic deny sensors/private/#

user bob
topic read alice/status

user carol
topic read #

user dave
topic read $SYS/#

user erin
topic read a/+/c

# Every client
pattern readwrite devices/%c/#
pattern read users/%u/inbox
pattern deny devices/%c/locked
`;

const { acl: file, errors } = parseAclFile(ACL_TEXT);
const acl = new Acl(file, 1);

type Row = [who: string, clientId: string, username: string | undefined, action: 'publish' | 'receive' | 'subscribe', topic: string, allowed: boolean];

// prettier-ignore
const MATRIX: Row[] = [
  ['anonymous', 'c1', undefined, 'receive', 'public/news', true],
  ['anonymous', 'c1', undefined, 'receive', 'public/secret', false],
  ['anonymous', 'c1', undefined, 'publish', 'public/news', false],
  ['anonymous', 'c1', undefined, 'subscribe', 'public/#', true],
  ['anonymous', 'c1', undefined, 'subscribe', 'public/secret', false],
  ['anonymous', 'c1', undefined, 'subscribe', '#', true],
  ['anonymous', 'c1', undefined, 'subscribe', 'other/#', false],
  ['anonymous', 'c1', undefined, 'receive', 'devices/c1/x', true],
  ['anonymous', 'c1', undefined, 'publish', 'devices/c1/x', true],
  ['anonymous', 'c1', undefined, 'publish', 'devices/c1/locked', false],
  ['anonymous', 'c1', undefined, 'publish', 'devices/c2/x', false],
  ['anonymous', 'c1', undefined, 'receive', 'users/c1/inbox', false],
  ['anonymous', 'c1', undefined, 'publish', '$SYS/x', false],
  ['alice', 'c2', 'alice', 'publish', 'alice/x', true],
  ['alice', 'c2', 'alice', 'receive', 'alice/x/y', true],
  ['alice', 'c2', 'alice', 'publish', 'sensors/k/temp', true],
  ['alice', 'c2', 'alice', 'publish', 'sensors/k/hum', false],
  ['alice', 'c2', 'alice', 'receive', 'sensors/k/hum', true],
  ['alice', 'c2', 'alice', 'receive', 'sensors/private/a', false],
  ['alice', 'c2', 'alice', 'publish', 'sensors/private/temp', false],
  ['alice', 'c2', 'alice', 'subscribe', 'sensors/#', true],
  ['alice', 'c2', 'alice', 'subscribe', 'sensors/private/#', false],
  ['alice', 'c2', 'alice', 'subscribe', 'sensors/private/x', false],
  ['alice', 'c2', 'alice', 'receive', 'public/news', false],
  ['alice', 'c2', 'alice', 'receive', 'users/alice/inbox', true],
  ['alice', 'c2', 'alice', 'publish', 'users/alice/inbox', false],
  ['alice', 'c2', 'alice', 'receive', 'users/bob/inbox', false],
  ['alice', 'c2', 'alice', 'receive', 'devices/c2/status', true],
  ['bob', 'c3', 'bob', 'receive', 'alice/status', true],
  ['bob', 'c3', 'bob', 'publish', 'alice/status', false],
  ['bob', 'c3', 'bob', 'receive', 'alice/other', false],
  ['bob', 'c3', 'bob', 'subscribe', 'alice/#', true],
  ['bob', 'c3', 'bob', 'subscribe', 'alice/other', false],
  ['carol (read #)', 'c4', 'carol', 'receive', 'anything/at/all', true],
  ['carol (read #)', 'c4', 'carol', 'receive', '$SYS/broker/load', false],
  ['carol (read #)', 'c4', 'carol', 'subscribe', '$SYS/#', false],
  ['dave (read $SYS/#)', 'c5', 'dave', 'receive', '$SYS/broker/load', true],
  ['dave (read $SYS/#)', 'c5', 'dave', 'subscribe', '$SYS/#', true],
  ['erin (read a/+/c)', 'c6', 'erin', 'subscribe', 'a/b/c', true],
  ['erin (read a/+/c)', 'c6', 'erin', 'subscribe', 'a/#', true],
  ['erin (read a/+/c)', 'c6', 'erin', 'subscribe', 'b/#', false],
  ['erin (read a/+/c)', 'c6', 'erin', 'receive', 'a/b/c', true],
  ['erin (read a/+/c)', 'c6', 'erin', 'receive', 'a/b/d', false],
  ['unlisted user', 'c7', 'mallory', 'receive', 'public/news', false],
  ['unlisted user', 'c7', 'mallory', 'receive', 'devices/c7/x', true],
  // CVE-2017-7650: a wildcard in the client id or user name must not widen a pattern.
  ['client id "+"', '+', undefined, 'receive', 'devices/c1/x', false],
  ['client id "+"', '+', undefined, 'publish', 'devices/+/x', false],
  ['client id "+"', '+', undefined, 'subscribe', 'devices/+/#', false],
  ['client id "#"', '#', undefined, 'receive', 'devices/anything', false],
  ['user name "al+"', 'c8', 'al+', 'receive', 'users/al+/inbox', false],
  ['user name "#"', 'c9', '#', 'receive', 'users/x/inbox', false],
  ['client id "+" still gets its user rules', '+', 'alice', 'publish', 'alice/x', true],
  ['client id "+" still gets deny patterns', '+', 'carol', 'receive', 'devices/x/locked', false],
  // A client id holding '/' spans levels, as in mosquitto.
  ['client id "a/b"', 'a/b', undefined, 'publish', 'devices/a/b/x', true],
];

describe('ACL matrix (mosquitto acl_file semantics, deny first)', () => {
  test('the test ACL file parses without errors', () => assert.deepEqual(errors, []));
  for (const [who, clientId, username, action, topic, allowed] of MATRIX) {
    test(`${who} ${allowed ? 'may' : 'may not'} ${action} '${topic}'`, () => {
      const own = acl.compile(clientId, username);
      const got = action === 'subscribe' ? own.allowsSubscribe(topic) : own.allows(topic, action === 'publish' ? WRITE : READ);
      assert.equal(got, allowed);
    });
  }

  test('decisions are cached per topic and stay right for both accesses', () => {
    const own = acl.compile('c2', 'alice');
    for (let i = 0; i < 3; i++) {
      assert.equal(own.allows('sensors/k/temp', WRITE), true);
      assert.equal(own.allows('sensors/k/temp', READ), true);
      assert.equal(own.allows('sensors/private/temp', READ), false);
    }
  });

  test('the decision cache starts over past its limit instead of growing', () => {
    const own = acl.compile('c2', 'alice');
    for (let i = 0; i < 5000; i++) own.allows(`alice/${i}`, WRITE);
    const size = (own as unknown as { cache: Map<string, number> }).cache.size;
    assert.ok(size <= 1024, `cache holds ${size}`);
    assert.equal(own.allows('alice/1', WRITE), true);
  });
});

describe('topic algebra', () => {
  const L = splitLevels;
  test('matches follows MQTT matching, with the $ rule', () => {
    assert.equal(matches(L('a/#'), L('a')), true);
    assert.equal(matches(L('a/+'), L('a/b')), true);
    assert.equal(matches(L('a/+'), L('a/b/c')), false);
    assert.equal(matches(L('+/+'), L('/x')), true);
    assert.equal(matches(L('#'), L('$SYS/x')), false);
    assert.equal(matches(L('+/x'), L('$SYS/x')), false);
    assert.equal(matches(L('$SYS/#'), L('$SYS/x')), true);
  });
  test('covers: every topic of the inner filter matches the outer one', () => {
    assert.equal(covers(L('a/#'), L('a/b/+')), true);
    assert.equal(covers(L('a/#'), L('a')), true);
    assert.equal(covers(L('a/+'), L('a/#')), false);
    assert.equal(covers(L('a/b'), L('a/+')), false);
    assert.equal(covers(L('#'), L('$SYS/x')), false);
    assert.equal(covers(L('+/+'), L('a/b')), true);
  });
  test('intersects: some topic matches both filters', () => {
    assert.equal(intersects(L('a/+/c'), L('a/b/#')), true);
    assert.equal(intersects(L('a/b'), L('a/c')), false);
    assert.equal(intersects(L('a/#'), L('a')), true);
    assert.equal(intersects(L('a/b'), L('a/b/c')), false);
    assert.equal(intersects(L('#'), L('$SYS/#')), false);
    assert.equal(intersects(L('+/x'), L('$SYS/x')), false);
  });
});

describe('ACL file parsing', () => {
  test('reports every bad line with its number', () => {
    const { errors } = parseAclFile('topic read ok/#\nfoo bar\ntopic sometimes x\ntopic read a/#/b\nuser\npattern\n');
    assert.deepEqual(
      errors.map((e) => e.line),
      [2, 3, 4, 5, 6],
    );
    assert.match(errors[1].message, /unknown access `sometimes`/);
    assert.match(errors[2].message, /invalid topic filter 'a\/#\/b'/);
  });

  test("'topic X' means readwrite X; after an access word the topic may hold spaces; 'topic a b' is an error (as mosquitto)", () => {
    const { acl, errors } = parseAclFile('topic a/b\ntopic write x y\ntopic a b\n');
    assert.deepEqual(
      acl.anonymous.map((l) => [l.topic, l.access]),
      [
        ['a/b', READ | WRITE],
        ['x y', WRITE],
      ],
    );
    assert.deepEqual(
      errors.map((e) => e.line),
      [3],
    );
  });

  test('warns about a pattern without %c or %u, accepts indented comments and CRLF', () => {
    const { warnings, errors } = parseAclFile('  # indented comment\r\npattern read shared/#\r\n');
    assert.deepEqual(errors, []);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].line, 2);
  });
});
