import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageColumns, run, runError, type Case } from './compile-helpers.js';

function table(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.title ?? `${c.sql} ${c.context ? JSON.stringify(c.context) : ''}`, () => {
        assert.deepEqual(run(c.sql, c.context), c.expected);
      });
    }
  });
}

const SENSORS = '{"sensors": [{"cmd":"1"}, {"cmd":"2","name":"ct"}]}';

table('FOREACH (EMQX t_sqlparse_foreach_*)', [
  {
    title: 'without DO each output is all columns + selected fields + the item under its alias',
    sql: 'FOREACH payload.sensors AS s FROM "t/#"',
    context: { payload: '{"sensors": [1, 2]}' },
    expected: [
      { ...messageColumns({ payload: '{"sensors": [1, 2]}' }), s: 1 },
      { ...messageColumns({ payload: '{"sensors": [1, 2]}' }), s: 2 },
    ],
  },
  {
    title: 'without AS the item is `item` and the un-aliased path replaces payload in the output',
    sql: 'FOREACH payload.sensors FROM "t/#"',
    context: { payload: '{"sensors": [1, 2]}' },
    expected: [
      { ...messageColumns({ payload: { sensors: [1, 2] } }), item: 1 },
      { ...messageColumns({ payload: { sensors: [1, 2] } }), item: 2 },
    ],
  },
  {
    title: 'DO selects per item; item paths work',
    sql: 'FOREACH payload.sensors AS s DO s.cmd AS msg_type FROM "t/#"',
    context: { payload: SENSORS },
    expected: [{ msg_type: '1' }, { msg_type: '2' }],
  },
  { sql: 'FOREACH payload.sensors DO item.cmd AS msg_type FROM "t/#"', context: { payload: SENSORS }, expected: [{ msg_type: '1' }, { msg_type: '2' }] },
  { sql: 'FOREACH payload.sensors DO item AS item FROM "t/#"', context: { payload: '{"sensors": [1, 2]}' }, expected: [{ item: 1 }, { item: 2 }] },
  {
    title: 'INCASE filters items before DO',
    sql: 'FOREACH payload.sensors AS s INCASE s.cmd != 1 FROM "t/#"',
    context: { payload: '{"sensors": [{"cmd":1}, {"cmd":2}, {"cmd":3}]}' },
    expected: [2, 3].map((cmd) => ({ ...messageColumns({ payload: '{"sensors": [{"cmd":1}, {"cmd":2}, {"cmd":3}]}' }), s: { cmd } })),
  },
  {
    sql: 'FOREACH payload.sensors AS s DO s.cmd AS msg_type, s.name AS name INCASE is_not_null(s.cmd) FROM "t/#"',
    context: { payload: '{"sensors": [{"cmd":"1", "name":"n1"}, {"cmd":"2"}, {"name":"n3"}]}' },
    expected: [
      { msg_type: '1', name: 'n1' },
      { msg_type: '2', name: undefined },
    ],
  },
  {
    title: 'a non-list collection gives []',
    sql: 'FOREACH payload.sensors AS s DO s.cmd AS msg_type FROM "t/#"',
    context: { payload: '{"sensors": 1}' },
    expected: [],
  },
  { sql: 'FOREACH payload.sensors AS s DO s.cmd AS msg_type FROM "t/#"', context: { payload: '{"sensors": []}' }, expected: [] },
  {
    title: 'INCASE that rejects every item gives []',
    sql: 'FOREACH payload.sensors AS s DO s AS s INCASE is_map(s) FROM "t/#"',
    context: { payload: '{"sensors": [1, 2]}' },
    expected: [],
  },
  {
    title: 'DO sees the columns (json_decode(payload) collection, EMQX t_sqlparse_foreach_6)',
    sql: 'FOREACH json_decode(payload) DO item.id AS zid, timestamp AS t FROM "t/#"',
    context: { payload: '[{"id": 5},{"id": 15}]' },
    expected: [
      { zid: 5, t: 1700000000001 },
      { zid: 15, t: 1700000000001 },
    ],
  },
  {
    title: 'cascaded AS items and WHERE on them (EMQX t_sqlparse_foreach_7)',
    sql: 'FOREACH json_decode(payload) AS p, p.sensors AS s, s.collection AS c, c.info AS info DO info.cmd AS msg_type, info.name AS name INCASE is_not_null(info.cmd) FROM "t/#" WHERE s.page = \'2\'',
    context: { payload: '{"sensors": {"page": 2, "collection": {"info":[{"name":"cmd1", "cmd":"1"}, {"cmd":"2"}]} } }' },
    expected: [
      { msg_type: '1', name: 'cmd1' },
      { msg_type: '2', name: undefined },
    ],
  },
  {
    title: 'WHERE false gives no match (null), not []',
    sql: 'FOREACH json_decode(payload) AS p, p.sensors AS s, s.collection AS c, c.info AS info DO info.cmd AS msg_type FROM "t/#" WHERE s.page = \'3\'',
    context: { payload: '{"sensors": {"page": 2, "collection": {"info":[{"cmd":"1"}]} } }' },
    expected: null,
  },
  {
    title: 'DO can select earlier FOREACH aliases (EMQX t_sqlparse_foreach_8)',
    sql: 'FOREACH json_decode(payload) AS p, p.sensors AS s, s.collection AS c, c.info AS info DO info.cmd AS msg_type, info.name AS name, s, c INCASE is_map(info) FROM "t/#" WHERE s.page = \'2\'',
    context: { payload: '{"sensors": {"page": 2, "collection": {"info":["haha", {"name":"cmd1", "cmd":"1"}]} } }' },
    expected: [
      {
        msg_type: '1',
        name: 'cmd1',
        s: { page: 2, collection: { info: ['haha', { name: 'cmd1', cmd: '1' }] } },
        c: { info: ['haha', { name: 'cmd1', cmd: '1' }] },
      },
    ],
  },
  {
    title: 'FOREACH over a JSON-array payload string yields [] in 5.8 (not decoded; EMQX t_sqlparse_foreach_9)',
    sql: 'FOREACH payload AS p DO p.ts AS ts FROM "t/#"',
    context: { payload: '[{"ts":1451649600512}]' },
    expected: [],
  },
  { sql: 'FOREACH json_decode(payload) AS p DO p.ts AS ts FROM "t/#"', context: { payload: '[{"ts":1451649600512}]' }, expected: [{ ts: 1451649600512 }] },
  {
    title: 'an `expr AS name` before the last item overrides that column for later items, even when undefined',
    sql: 'FOREACH payload.missing AS clientid, [clientid, username] AS l DO l AS x FROM "t/#"',
    context: { payload: '{}' },
    expected: [{ x: undefined }, { x: 'u_emqx' }],
  },
  {
    title: 'DO * copies columns, selected fields and the item',
    sql: 'FOREACH payload.l AS v DO * FROM "t/#"',
    context: { payload: '{"l":[7]}' },
    expected: [{ ...messageColumns({ payload: '{"l":[7]}' }), v: 7 }],
  },
  {
    title: 'IoT shortcuts work in INCASE',
    sql: 'FOREACH payload.l AS v DO v INCASE topic(1) = \'t\' FROM "t/#"',
    context: { payload: '{"l":[1]}' },
    expected: [{ v: 1 }],
  },
]);

describe('FOREACH runtime errors are tagged by clause', () => {
  it('FOREACH: the collection expression fails', () => {
    assert.equal(runError('FOREACH payload.x FROM "t/#"', { payload: 'nope' }).clause, 'FOREACH');
  });
  it('WHERE fails', () => {
    assert.equal(runError('FOREACH payload.l FROM "t/#" WHERE payload.l', { payload: '{"l":[1]}' }).clause, 'WHERE');
  });
  it('INCASE fails on a non-boolean', () => {
    assert.equal(runError('FOREACH payload.l INCASE upper(\'a\') FROM "t/#"', { payload: '{"l":[1]}' }).clause, 'INCASE');
  });
  it('DO fails', () => {
    const e = runError('FOREACH payload.l DO item / 0 AS x FROM "t/#"', { payload: '{"l":[1]}' });
    assert.equal(e.clause, 'DO');
    assert.equal(e.reason, 'badarith');
  });
});
