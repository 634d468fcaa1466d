import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TopicIndex } from '../../rules/topic-index.js';
import { topicMatches } from '../../rules/topic-match.js';

describe('TopicIndex', () => {
  const filters = ['a/b', 'a/+', 'a/#', '#', '+/b', '+/+/c', 'a/b/#', '$SYS/#', '+/x', 'sport/tennis/+', '/finance', '+/+', '/+'];
  const topics = ['a/b', 'a', 'a/b/c', 'x/b', '$SYS/broker', '$SYS', 'sport/tennis/player1', '/finance', 'a/', '', '/', 'q/w/c'];

  test('returns exactly the filters topicMatches accepts, for every filter/topic pair', () => {
    const index = new TopicIndex<string>();
    for (const f of filters) index.add(f, f);
    for (const t of topics) {
      const expected = filters.filter((f) => topicMatches(f, t)).sort();
      assert.deepEqual([...index.match(t)].sort(), expected, `topic '${t}'`);
    }
  });

  test('wildcards at the first level never match $ topics [MQTT-4.7.2-1]', () => {
    const index = new TopicIndex<string>();
    index.add('#', 'hash');
    index.add('+/broker', 'plus');
    index.add('$SYS/#', 'sys');
    assert.deepEqual([...index.match('$SYS/broker')], ['sys']);
  });

  test('a value under two matching filters is returned once', () => {
    const index = new TopicIndex<string>();
    index.add('t/#', 'rule');
    index.add('t/+', 'rule');
    assert.deepEqual([...index.match('t/x')], ['rule']);
  });

  test('caches results per topic and invalidates on add', () => {
    const index = new TopicIndex<string>();
    index.add('t/+', 'one');
    const first = index.match('t/x');
    assert.equal(index.match('t/x'), first, 'same array from the cache');
    index.add('t/#', 'two');
    assert.deepEqual([...index.match('t/x')], ['two', 'one']);
  });

  test('a bounded cache: many distinct topics do not grow it past its limit', () => {
    const index = new TopicIndex<string>(100);
    index.add('#', 'all');
    for (let i = 0; i < 1000; i++) assert.equal(index.match(`t/${i}`).length, 1);
    assert.ok((index as unknown as { cache: Map<string, unknown> }).cache.size <= 100);
  });
});
