import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepublishAction, type RepublishPacket } from '../../sinks/republish.js';

function capture(properties: Record<string, string | number>, topic = 'out/${clientid}') {
  const sent: RepublishPacket[] = [];
  const action = new RepublishAction(
    'r:republish',
    { topic, qos: 1, retain: false, payload: '${payload}', properties },
    {
      publish: (p, cb) => {
        sent.push(p);
        cb();
      },
    },
  );
  const results: Array<Error | null> = [];
  const send = (row: Record<string, unknown>) => action.send(row, { ruleName: 'r' }, (e) => results.push(e ?? null));
  return { sent, results, send };
}

test('republish renders MQTT 5 properties from templates under mqtt-packet names', () => {
  const { sent, send } = capture({
    user_properties: "${pub_props.'User-Property'}",
    payload_format_indicator: 1,
    content_type: '${ct}',
    message_expiry_interval: '${ttl}',
    response_topic: 'reply/${clientid}',
    correlation_data: '${id}',
  });
  send({ clientid: 'd1', payload: 'x', ct: 'application/json', ttl: 30, id: 'ABC', pub_props: { 'User-Property': { site: 'a', n: 2 } } });
  assert.deepEqual(sent[0].properties, {
    userProperties: { site: 'a', n: '2' },
    payloadFormatIndicator: true,
    contentType: 'application/json',
    messageExpiryInterval: 30,
    responseTopic: 'reply/d1',
    correlationData: Buffer.from('ABC'),
  });
});

test('republish leaves out properties whose template finds nothing or a value of the wrong kind', () => {
  const { sent, send } = capture({
    content_type: '${missing}',
    message_expiry_interval: '${ttl}',
    response_topic: '${rt}',
    payload_format_indicator: '${pfi}',
  });
  send({ clientid: 'd1', payload: 'x', ttl: 'soon', rt: 'a/#', pfi: 7 });
  assert.equal(sent[0].properties, undefined);
});

test("user_properties defaults to a selected user_properties column, as EMQX's republish does", () => {
  const { sent, send } = capture({});
  send({ clientid: 'd1', payload: 'x', user_properties: { k: 'v' } });
  send({ clientid: 'd2', payload: 'y' });
  assert.deepEqual(sent[0].properties, { userProperties: { k: 'v' } });
  assert.equal(sent[1].properties, undefined);
});

test('a republish topic template that renders into $SYS fails the row and publishes nothing', () => {
  const { sent, results, send } = capture({}, '${t}');
  send({ t: '$SYS/broker/x', payload: 'x' });
  send({ t: '$SYSTEM/ok', payload: 'x' });
  assert.match(results[0]?.message ?? '', /under \$SYS/);
  assert.equal(results[1], null);
  assert.deepEqual(
    sent.map((p) => p.topic),
    ['$SYSTEM/ok'],
  );
  assert.equal(sent.length, 1);
});
