import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidTopicFilter, isValidTopicName, topicMatches } from '../../rules/topic-match.js';

describe('topicMatches', () => {
  const cases: Array<[filter: string, topic: string, expected: boolean]> = [
    ['t/a', 't/a', true],
    ['t/a', 't/b', false],
    ['t/+', 't/a', true],
    ['t/+', 't/a/b', false],
    ['t/+', 't/', true],
    ['t/+/c', 't/b/c', true],
    ['t/+/c', 't/b', false],
    ['t/#', 't', true],
    ['t/#', 't/a/b/c', true],
    ['t/#', 'x/a', false],
    ['#', 'a/b', true],
    ['#', '', true],
    ['+', '', true],
    ['t/a', '', false],
    ['+/+', '/a', true],
    ['/+', '/a', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['$events/client_connected', '$events/client_connected', true],
    ['a/#', 'a/', true],
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
    ['传感器/+', '传感器/1', true],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${JSON.stringify(topic)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(filter)}`, () => {
      assert.equal(topicMatches(filter, topic), expected);
    });
  }
});

describe('isValidTopicFilter / isValidTopicName', () => {
  it('accepts wildcards only as whole levels, # only last', () => {
    for (const f of ['a', 'a/b', '#', '+', 'a/#', 'a/+/b', '+/+', '/', '$SYS/#', 'a//b']) assert.equal(isValidTopicFilter(f), true, f);
    for (const f of ['', 'a/#/b', 'a#', 'a+', '+a/b', 'a/b#', 'a\u0000b']) assert.equal(isValidTopicFilter(f), false, JSON.stringify(f));
  });
  it('rejects wildcards in topic names', () => {
    assert.equal(isValidTopicName('a/b'), true);
    assert.equal(isValidTopicName('a/+'), false);
    assert.equal(isValidTopicName('#'), false);
    assert.equal(isValidTopicName(''), false);
  });
});
