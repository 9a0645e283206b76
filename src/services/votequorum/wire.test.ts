import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeNodeInfo, decodeReconfigure, encodeVotequorumMessage, NODEINFO_BYTES } from './wire.js';
import {
  decodeEvent, decodeState, decodeU32s, encodeEvent, encodeState, QUORUM_NODES_MAX, quorumFlagWords, corosyncRingId,
} from '../../protocol/votequorum.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('NODEINFO: Corosync\'s 32-byte packed layout after the 16-byte header, little-endian', () => {
  const m = encodeVotequorumMessage({ kind: 'nodeinfo', nodeId: 0x01020304, votes: 2, expectedVotes: 5, flags: 1 | 4 });
  assert.equal(m.length, 32);
  // Header room (filled by the executive) is zero; nodeid @16, votes @20, expected @24, flags @28.
  assert.equal(hex(m.subarray(16)), '04030201' + '02000000' + '05000000' + '05000000');
  assert.deepEqual(decodeNodeInfo(m), { ok: true, value: { kind: 'nodeinfo', nodeId: 0x01020304, votes: 2, expectedVotes: 5, flags: 5 } });
  assert.equal(decodeNodeInfo(m.subarray(0, 31)).ok, false);
  assert.equal(decodeNodeInfo(new Uint8Array(NODEINFO_BYTES + 8)).ok, false);
});

test('RECONFIGURE: nodeid @16, value @20, u8 param @24, 3 bytes of padding, 4 of tail padding (sizeof 32 from the header aligned 8); unknown params refused', () => {
  const m = encodeVotequorumMessage({ kind: 'reconfigure', nodeId: 7, value: 3, param: 1 });
  assert.equal(hex(m.subarray(16)), '07000000' + '03000000' + '01' + '000000' + '00000000');
  assert.deepEqual(decodeReconfigure(m), { ok: true, value: { kind: 'reconfigure', nodeId: 7, value: 3, param: 1 } });
  const bad = new Uint8Array(m);
  bad[24] = 4;
  assert.deepEqual(decodeReconfigure(bad).ok, false);
});

test('library protocol: round trips, strict lengths, bounded counts', () => {
  const state = {
    quorate: true, ringId: { rep: 1, seq: 0x1c }, expectedVotes: 5, highestExpected: 5, totalVotes: 5, quorum: 3, flags: 2,
    nodes: [{ nodeId: 1, state: 1, votes: 1, name: 'n1' }, { nodeId: 2, state: 1, votes: 1, name: 'é'.repeat(200) }],
  };
  const enc = encodeState(state);
  const dec = decodeState(enc);
  assert.ok(dec.ok);
  // A name over 255 bytes is cut on a character boundary.
  assert.equal(dec.value.nodes[1]!.name, 'é'.repeat(127));
  assert.equal(decodeState(enc.subarray(0, enc.length - 1)).ok, false);
  assert.equal(decodeState(new Uint8Array([...enc, 0])).ok, false);
  for (const e of [
    { type: 'nodelist', ringId: { rep: 3, seq: 9 }, members: [1, 2, 3] },
    { type: 'quorum', quorate: false, ringId: { rep: 3, seq: 9 }, nodes: [{ nodeId: 1, state: 1 }, { nodeId: 2, state: 2 }] },
    { type: 'expectedVotes', expectedVotes: 4 },
  ] as const) {
    const { messageId, payload } = encodeEvent(e);
    assert.deepEqual(decodeEvent(messageId, payload), { ok: true, value: e });
    assert.equal(decodeEvent(messageId, payload.subarray(1)).ok, false);
  }
  // A count over the bound is refused before anything is allocated.
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(12, QUORUM_NODES_MAX + 1, true);
  assert.equal(decodeEvent(5, huge).ok, false);
  assert.equal(decodeU32s(new Uint8Array(5), 1).ok, false);
  assert.deepEqual(quorumFlagWords(0b111111), ['2Node', 'Quorate', 'WaitForAll', 'LastManStanding', 'AutoTieBreaker', 'AllowDownscale']);
  assert.equal(corosyncRingId({ rep: 26, seq: 28 }), '1a.1c');
});
