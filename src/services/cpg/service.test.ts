/**
 * The CPG service on a hand-driven ring (LoopRing): flow control and sync refusals reach the
 * client as CS_ERR_TRY_AGAIN and leave no trace in the core, so a retry succeeds; the flow-control
 * state is readable and announced; procleaves of a closed connection survive a full ring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import { LoopRing } from '../../exec/testing/loop-ring.js';
import type { Executive } from '../../exec/index.js';
import { CPG_SERVICE_ID } from './layout.js';
import {
  decodeCpgLibEvent,
  decodeCpgLibResponse,
  encodeCpgLibRequest,
  type CpgLibRequest,
} from '../../protocol/cpg/lib-protocol.js';
import { CpgService } from './service.js';

const g = new TextEncoder().encode('g');
let nextRequestId = 1;

function call(exec: Executive, conn: FakeConnection, req: CpgLibRequest): { status: string; payload: Uint8Array } {
  const id = nextRequestId++;
  const { messageId, payload } = encodeCpgLibRequest(req);
  exec.request(conn, CPG_SERVICE_ID, messageId, id, payload);
  const [r] = conn.responsesTo(id);
  assert.ok(r, 'answered at once');
  return r;
}

function twoNodes(): { ring: LoopRing; e1: Executive; e2: Executive; s1: CpgService; s2: CpgService } {
  const ring = new LoopRing();
  const s1 = new CpgService();
  const s2 = new CpgService();
  const e1 = ring.add(1, [s1]);
  const e2 = ring.add(2, [s2]);
  ring.configure([1, 2]);
  ring.pump();
  assert.equal(e1.syncInProcess, false);
  return { ring, e1, e2, s1, s2 };
}

test('a full ring: join and mcast get CS_ERR_TRY_AGAIN, flow control turns on and off, the retry works', () => {
  const { ring, e1, e2, s1 } = twoNodes();
  const a = new FakeConnection(1);
  const b = new FakeConnection(2);
  assert.equal(call(e2, b, { kind: 'join', group: g, deliverInitialTotemConf: false }).status, 'CS_OK');
  assert.equal(call(e1, a, { kind: 'join', group: g, deliverInitialTotemConf: false }).status, 'CS_OK');
  ring.pump();
  ring.full.add(1);
  assert.equal(call(e1, a, { kind: 'mcast', group: g, guarantee: 'agreed', data: g }).status, 'CS_ERR_TRY_AGAIN');
  assert.equal(s1.flowControl, 'enabled');
  const fc = call(e1, a, { kind: 'flowControlGet' });
  assert.deepEqual(decodeCpgLibResponse('flowControlGet', fc.payload), { ok: true, value: { kind: 'flowControlGet', state: 'enabled' } });
  const announced = a.events.map((e) => decodeCpgLibEvent(e.messageId, e.payload)).filter((e) => e.ok && e.value.kind === 'flow_control');
  assert.equal(announced.length, 1);
  // A leave refused by the ring is undone: the member stays joined and can leave later.
  assert.equal(call(e1, a, { kind: 'leave', group: g }).status, 'CS_ERR_TRY_AGAIN');
  assert.deepEqual([...s1.core.handleGroups(1)!.values()], ['joinCompleted']);
  ring.full.delete(1);
  assert.equal(call(e1, a, { kind: 'mcast', group: g, guarantee: 'agreed', data: g }).status, 'CS_OK');
  assert.equal(s1.flowControl, 'disabled');
  assert.equal(call(e1, a, { kind: 'leave', group: g }).status, 'CS_OK');
  ring.pump();
  assert.equal(s1.stats.flowControlRefusals, 2);
});

test('a join refused during sync is undone, so the retry after sync is not CS_ERR_EXIST', () => {
  const { ring, e1, s1 } = twoNodes();
  const a = new FakeConnection(1);
  ring.configure([1, 2]);
  assert.equal(e1.syncInProcess, true);
  assert.equal(call(e1, a, { kind: 'join', group: g, deliverInitialTotemConf: false }).status, 'CS_ERR_TRY_AGAIN');
  assert.equal(s1.flowControl, 'disabled', 'sync is not flow control');
  ring.pump();
  assert.equal(call(e1, a, { kind: 'join', group: g, deliverInitialTotemConf: false }).status, 'CS_OK');
  ring.pump();
  assert.equal(s1.core.membership(g).length, 1);
});

test('a connection closed while the ring is full still produces its procdown once the ring drains', () => {
  const { ring, e1, s2 } = twoNodes();
  const a = new FakeConnection(1);
  call(e1, a, { kind: 'join', group: g, deliverInitialTotemConf: false });
  ring.pump();
  assert.equal(s2.core.membership(g).length, 1);
  ring.full.add(1);
  e1.connectionClosed(a);
  ring.pump();
  assert.equal(s2.core.membership(g).length, 1, 'not sent yet');
  ring.full.delete(1);
  ring.pump();
  assert.equal(s2.core.membership(g).length, 0, 'the executive retried the procleave');
});
