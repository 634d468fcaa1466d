import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule } from '../../rules/compile.js';
import { EVENTS, eventByName, eventByTopic, eventByType, isEventTopic } from '../../rules/events/index.js';

describe('rule event registry', () => {
  it('has the twelve EMQX CE events with unique types, names and topics', () => {
    assert.deepEqual(
      EVENTS.map((e) => e.eventType),
      [
        'message_publish',
        'message_delivered',
        'message_acked',
        'message_dropped',
        'delivery_dropped',
        'client_connected',
        'client_disconnected',
        'client_connack',
        'client_check_authz_complete',
        'client_check_authn_complete',
        'session_subscribed',
        'session_unsubscribed',
      ],
    );
    assert.equal(new Set(EVENTS.map((e) => e.eventName)).size, 12);
    for (const e of EVENTS) {
      assert.equal(e.eventName, e.eventType.replace('_', '.'));
      assert.equal(e.topic, e.eventType === 'message_publish' ? null : `$events/${e.eventType}`);
      if (e.topic !== null) assert.equal(eventByTopic(e.topic), e);
      assert.equal(eventByType(e.eventType), e);
      assert.equal(eventByName(e.eventName), e);
    }
    assert.equal(eventByTopic('$events/message_publish'), undefined);
    assert.equal(isEventTopic('$events/x'), true);
    assert.equal(isEventTopic('t/#'), false);
  });

  it('gives every event the common columns and example values for each of its columns', () => {
    for (const e of EVENTS) {
      const d = e.defaults();
      for (const c of ['event', 'timestamp', 'node']) assert.ok(e.columns.includes(c), `${e.eventType} lacks ${c}`);
      assert.equal(d.event, e.eventName);
      for (const k of Object.keys(d)) assert.ok(e.columns.includes(k), `${e.eventType} example ${k} is not a column`);
      for (const f of e.allowedContextFields) {
        assert.ok(e.columns.includes(f) || f === 'payload' || f === 'publish_received_at', `${e.eventType} accepts unknown ${f}`);
      }
    }
  });

  it('gives fresh ids and times on each call', () => {
    const a = eventByType('message_publish')!.defaults();
    const b = eventByType('message_publish')!.defaults();
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.pub_props, b.pub_props);
  });

  it('lets every event topic be compiled in FROM', () => {
    for (const e of EVENTS) {
      if (e.topic === null) continue;
      assert.deepEqual(compileRule(`SELECT * FROM "${e.topic}"`).eventTypes, [e.eventType]);
    }
  });
});
