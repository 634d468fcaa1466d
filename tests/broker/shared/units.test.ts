import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShareFilter, isShareTopic } from '../../../broker/shared/filter.js';
import { pick, fnv1a, type PickState, type Strategy } from '../../../broker/shared/strategy.js';
import { GroupTable, memberKey, type Member } from '../../../broker/shared/groups.js';
import { isShareFilter } from '../../../broker/validation/topic.js';
import { loadConfig } from '../../../broker/config/load.js';
import { BrokerError } from '../../../broker/errors.js';

describe('parseShareFilter', () => {
  const cases: Array<[string, ReturnType<typeof parseShareFilter> | 'error']> = [
    ['a/b', null],
    ['$SYS/x', null],
    ['$share', null], // no '/': an ordinary filter
    ['$share/g/a/b', { group: 'g', filter: 'a/b' }],
    ['$share/g/#', { group: 'g', filter: '#' }],
    ['$share/g/+/x', { group: 'g', filter: '+/x' }],
    ['$share/$queue/x', { group: '$queue', filter: 'x' }],
    ['$share/g//', { group: 'g', filter: '/' }],
    ['$queue/a/b', { group: '$queue', filter: 'a/b' }],
    ['$queue/#', { group: '$queue', filter: '#' }],
    ['$share/', 'error'],
    ['$share/g', 'error'],
    ['$share/g/', 'error'],
    ['$share//x', 'error'],
    ['$share/+/x', 'error'],
    ['$share/#/x', 'error'],
    ['$share/g+/x', 'error'],
    ['$share/g/a#', 'error'],
    ['$share/g/#/a', 'error'],
    ['$queue/', 'error'],
    ['$queue/a+', 'error'],
  ];
  for (const [topic, expected] of cases) {
    test(`${JSON.stringify(topic)} → ${expected === 'error' ? 'malformed' : JSON.stringify(expected)}`, () => {
      const got = parseShareFilter(topic);
      if (expected === 'error') assert.ok(got !== null && 'error' in got, `expected an error, got ${JSON.stringify(got)}`);
      else assert.deepEqual(got, expected);
      assert.equal(isShareTopic(topic), expected !== null);
      const bytes = Buffer.from(topic);
      assert.equal(isShareFilter(bytes, 0, bytes.length), expected !== null, 'the byte-level test agrees');
    });
  }
});

describe('member picking strategies', () => {
  const members = ['a', 'b', 'c'].map((key) => ({ key }));
  const fresh = (): PickState => ({ next: 0, sticky: null });
  const picks = (s: Strategy, state: PickState, n: number, topic = 't', publisher = 'p') =>
    Array.from({ length: n }, () => pick(s, members, state, topic, publisher));

  test('round_robin cycles through the members in order', () => {
    assert.deepEqual(picks('round_robin', fresh(), 7), [0, 1, 2, 0, 1, 2, 0]);
  });

  test('round_robin stays in range when members leave', () => {
    const state: PickState = { next: 5, sticky: null };
    assert.equal(pick('round_robin', members.slice(0, 2), state, 't', 'p'), 1);
  });

  test('sticky keeps its member while it stays, and picks again once it left', () => {
    const state = fresh();
    const first = pick('sticky', members, state, 't', 'p');
    assert.deepEqual(picks('sticky', state, 5), Array(5).fill(first));
    const rest = members.filter((_, i) => i !== first);
    const next = pick('sticky', rest, state, 't', 'p');
    assert.equal(state.sticky, rest[next].key);
  });

  test('hash_clientid and hash_topic give the same member for the same publisher or topic, on any node', () => {
    assert.equal(pick('hash_clientid', members, fresh(), 'x', 'dev-1'), fnv1a('dev-1') % 3);
    assert.deepEqual(new Set(picks('hash_clientid', fresh(), 5, 'varies', 'dev-1')).size, 1);
    assert.equal(pick('hash_topic', members, fresh(), 'a/b', 'anyone'), fnv1a('a/b') % 3);
    const spread = new Set(Array.from({ length: 50 }, (_, i) => pick('hash_topic', members, fresh(), `t/${i}`, 'p')));
    assert.equal(spread.size, 3, 'different topics spread over the members');
  });

  test('random stays in range; an empty group gives -1 for every strategy', () => {
    for (const i of picks('random', fresh(), 100)) assert.ok(i >= 0 && i < 3);
    for (const s of ['round_robin', 'random', 'sticky', 'hash_clientid', 'hash_topic'] as const) assert.equal(pick(s, [], fresh(), 't', 'p'), -1);
  });

  test('fnv1a is the 32-bit FNV-1a hash', () => {
    assert.equal(fnv1a(''), 0x811c9dc5);
    assert.equal(fnv1a('a'), 0xe40c292c);
  });
});

describe('GroupTable', () => {
  const member = (broker: string, client: string): Member => ({ key: memberKey(broker, client), brokerId: broker, clientId: client, qos: 1, local: null });

  test('keeps members sorted by key, matches topics, and drops a group with its last member', () => {
    const t = new GroupTable();
    t.join({ group: 'g', filter: 's/+' }, member('n2', 'x'));
    t.join({ group: 'g', filter: 's/+' }, member('n1', 'y'));
    t.join({ group: 'g', filter: 's/+' }, member('n1', 'x'));
    assert.deepEqual(
      t.get('g\u0000s/+')!.members.map((m) => m.key),
      [memberKey('n1', 'x'), memberKey('n1', 'y'), memberKey('n2', 'x')],
    );
    assert.deepEqual(
      t.match('s/1').map((g) => g.group),
      ['g'],
    );
    assert.deepEqual(t.match('$s/1'), []);
    t.join({ group: 'h', filter: '#' }, member('n1', 'x'));
    assert.deepEqual(
      t
        .match('s/1')
        .map((g) => g.group)
        .sort(),
      ['g', 'h'],
    );
    assert.deepEqual(t.match('$SYS/x'), [], "'#' does not match $ topics [MQTT-4.7.2-1]");
    assert.equal(t.leaveNode('n1'), 3);
    assert.deepEqual(
      t.match('s/1').map((g) => g.group),
      ['g'],
    );
    t.leave('g\u0000s/+', memberKey('n2', 'x'));
    assert.equal(t.size, 0);
    assert.deepEqual(t.match('s/1'), []);
  });
});

describe('sharedSubscriptionStrategy setting', () => {
  test('defaults to round_robin and refuses an unknown strategy naming the setting', () => {
    assert.equal(loadConfig({ flags: {}, env: {}, cwd: '/' }).sharedSubscriptionStrategy, 'round_robin');
    assert.equal(loadConfig({ flags: { sharedSubscriptionStrategy: 'hash_topic' }, env: {}, cwd: '/' }).sharedSubscriptionStrategy, 'hash_topic');
    assert.throws(
      () => loadConfig({ flags: { sharedSubscriptionStrategy: 'least_busy' }, env: {}, cwd: '/' }),
      (err: unknown) => err instanceof BrokerError && err.code === 'CONFIG_INVALID' && /shared-subscription-strategy.*least_busy/.test(err.message),
    );
  });
});
