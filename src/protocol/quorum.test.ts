/** The quorum (libquorum) library protocol: events round-trip; malformed ones are refused, never thrown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUORUM_VIEW_MAX, QuorumEventId, decodeQuorumServiceEvent, decodeU32, encodeQuorumServiceEvent, encodeU32, type QuorumServiceEventValue } from './quorum.js';
import { writeU32 } from '../bytes/index.js';

const EVENTS: QuorumServiceEventValue[] = [
  { type: 'notification', quorate: true, ringSeq: 2 ** 40 + 3, view: [1, 2, 3] },
  { type: 'quorum', quorate: false, ringId: { rep: 7, seq: 0x1c }, view: [] },
  { type: 'nodelist', ringId: { rep: 1, seq: 9 }, members: [1, 2, 4], joined: [4], left: [3, 5] },
];

test('events round-trip with their ids', () => {
  for (const e of EVENTS) {
    const { messageId, payload } = encodeQuorumServiceEvent(e);
    assert.equal(messageId, { notification: QuorumEventId.notification, quorum: QuorumEventId.v1Quorum, nodelist: QuorumEventId.v1Nodelist }[e.type]);
    assert.deepEqual(decodeQuorumServiceEvent(messageId, payload), { ok: true, value: e });
  }
  assert.deepEqual(decodeU32(encodeU32(0xfffffffe)), { ok: true, value: 0xfffffffe });
});

test('malformed: cut, trailing, counts above the bound or the bytes, quorate not 0/1, unknown id', () => {
  for (const e of EVENTS) {
    const { messageId, payload } = encodeQuorumServiceEvent(e);
    assert.equal(decodeQuorumServiceEvent(messageId, payload.subarray(0, payload.length - 1)).ok, false);
    assert.equal(decodeQuorumServiceEvent(messageId, new Uint8Array([...payload, 0, 0, 0, 0])).ok, false);
  }
  const big = encodeQuorumServiceEvent({ type: 'quorum', quorate: true, ringId: { rep: 1, seq: 1 }, view: [] }).payload;
  writeU32(big, 16, QUORUM_VIEW_MAX + 1);
  assert.equal(decodeQuorumServiceEvent(QuorumEventId.v1Quorum, big).ok, false);
  const q = encodeQuorumServiceEvent({ type: 'notification', quorate: true, ringSeq: 1, view: [] }).payload;
  writeU32(q, 0, 2);
  assert.equal(decodeQuorumServiceEvent(QuorumEventId.notification, q).ok, false);
  assert.equal(decodeQuorumServiceEvent(5, q).ok, false);
  assert.equal(decodeU32(new Uint8Array(3)).ok, false);
});
