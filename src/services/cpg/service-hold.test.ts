/**
 * The per-connection FIFO rule on a hand-driven ring (LoopRing): a send the ring cannot take now
 * (queue full, own-message bound, sync) is held, not refused; the connection is told to stop
 * handing over requests; the executive retries it when the ring has room, answers it, and lets
 * the connection go on. A request flagged "do not wait" is refused CS_ERR_TRY_AGAIN at once.
 * The tests play the IPC layer: no request reaches a held connection's handler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoldingConnection } from '../../exec/testing/fake-connection.js';
import { LoopRing } from '../../exec/testing/loop-ring.js';
import type { Executive, ExecHandler, LibHandler, Service, ServiceApi } from '../../exec/index.js';
import { CPG_SERVICE_ID } from './layout.js';
import { decodeCpgLibEvent, encodeCpgLibRequest, type CpgLibRequest } from '../../protocol/cpg/lib-protocol.js';
import { CpgService } from './service.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const g = enc.encode('g');
let nextRequestId = 1;

/** Sends a request; returns its id (the answer may come later). */
function send(exec: Executive, conn: HoldingConnection, req: CpgLibRequest): number {
  assert.equal(conn.held, false, 'the IPC layer reads nothing from a held connection');
  const id = nextRequestId++;
  const { messageId, payload } = encodeCpgLibRequest(req);
  exec.request(conn, CPG_SERVICE_ID, messageId, id, payload);
  return id;
}

const status = (conn: HoldingConnection, id: number): string[] => conn.responsesTo(id).map((r) => r.status);
const mcast = (text: string, wait?: boolean): CpgLibRequest => ({ kind: 'mcast', group: g, guarantee: 'agreed', data: enc.encode(text), ...(wait === false ? { wait } : {}) });
const delivered = (conn: HoldingConnection): string[] => conn.events.flatMap((e) => {
  const r = decodeCpgLibEvent(e.messageId, e.payload);
  return r.ok && r.value.kind === 'deliver' ? [dec.decode(r.value.data)] : [];
});

function setup(maxOwnMessages?: number) {
  const ring = new LoopRing();
  const s1 = new CpgService();
  const s2 = new CpgService();
  const e1 = ring.add(1, [s1], maxOwnMessages);
  const e2 = ring.add(2, [s2]);
  ring.configure([1, 2]);
  ring.pump();
  const a = new HoldingConnection(1);
  const b = new HoldingConnection(2);
  for (const [e, c] of [[e1, a], [e2, b]] as const) send(e, c, { kind: 'join', group: g, deliverInitialTotemConf: false });
  ring.pump();
  return { ring, e1, e2, s1, a, b };
}

test('a full ring holds an mcast instead of refusing it; the retry answers it and releases the connection', () => {
  const { ring, e1, s1, a, b } = setup();
  assert.deepEqual(status(a, send(e1, a, mcast('m1'))), ['CS_OK']);
  ring.full.add(1);
  const m2 = send(e1, a, mcast('m2'));
  assert.deepEqual(status(a, m2), [], 'held, not answered');
  assert.deepEqual(a.holds, [true]);
  assert.equal(e1.heldRequests, 1);
  assert.equal(s1.flowControl, 'enabled');
  // A retry while the ring is still full keeps it held.
  e1.ringDrained();
  assert.deepEqual(status(a, m2), []);
  ring.full.delete(1);
  e1.ringDrained();
  assert.deepEqual(status(a, m2), ['CS_OK']);
  assert.deepEqual(a.holds, [true, false]);
  assert.equal(e1.heldRequests, 0);
  const m3 = send(e1, a, mcast('m3'));
  assert.deepEqual(status(a, m3), ['CS_OK']);
  ring.pump();
  assert.deepEqual(delivered(b), ['m1', 'm2', 'm3'], 'once each, in the order sent');
  assert.deepEqual(delivered(a), ['m1', 'm2', 'm3']);
  assert.equal(e1.stats.held, 1);
});

test('"do not wait": a full ring answers CS_ERR_TRY_AGAIN at once and holds nothing', () => {
  const { ring, e1, a } = setup();
  ring.full.add(1);
  const id = send(e1, a, mcast('x', false));
  assert.deepEqual(status(a, id), ['CS_ERR_TRY_AGAIN']);
  assert.deepEqual(a.holds, []);
  const c = new HoldingConnection(7);
  const join = send(e1, c, { kind: 'join', group: enc.encode('h'), deliverInitialTotemConf: false, wait: false });
  assert.deepEqual(status(c, join), ['CS_ERR_TRY_AGAIN']);
  assert.equal(e1.heldRequests, 0);
});

test('during sync a send is held and goes out after the sync, ahead of later sends', () => {
  const { ring, e1, a, b } = setup();
  ring.configure([1, 2]);
  assert.equal(e1.syncInProcess, true);
  const m1 = send(e1, a, mcast('during'));
  assert.deepEqual(status(a, m1), []);
  assert.equal(a.held, true);
  ring.pump();
  assert.equal(e1.syncInProcess, false);
  assert.deepEqual(status(a, m1), ['CS_OK']);
  assert.equal(a.held, false);
  send(e1, a, mcast('after'));
  ring.pump();
  assert.deepEqual(delivered(b), ['during', 'after']);
});

test('the own-message bound holds the overflow until the count falls to three quarters, then answers in order', () => {
  const { ring, e1, a, b } = setup(8);
  const ids: number[] = [];
  // The IPC layer keeps feeding until the connection is held, as it would with a pipelining client.
  for (let i = 0; i < 20 && !a.held; i++) ids.push(send(e1, a, mcast(`m${i}`)));
  assert.equal(ids.length, 9, 'eight taken, the ninth held');
  assert.deepEqual(status(a, ids[8]!), []);
  ring.pump();
  assert.deepEqual(status(a, ids[8]!), ['CS_OK'], 'retried once the own messages came back');
  assert.equal(a.held, false);
  for (let i = 9; i < 12; i++) ids.push(send(e1, a, mcast(`m${i}`)));
  ring.pump();
  assert.deepEqual(delivered(b), Array.from({ length: 12 }, (_, i) => `m${i}`));
  assert.ok(ids.every((id) => status(a, id).join() === 'CS_OK'));
});

test('a held request of a connection that closes is dropped; stop answers held requests CS_ERR_LIBRARY', () => {
  const { ring, e1, a, b } = setup();
  ring.full.add(1);
  const c = new HoldingConnection(3);
  send(e1, a, mcast('lost'));
  const held = send(e1, c, { kind: 'join', group: g, deliverInitialTotemConf: false });
  assert.equal(e1.heldRequests, 2);
  e1.connectionClosed(a);
  assert.equal(e1.heldRequests, 1);
  ring.full.delete(1);
  e1.stop();
  assert.deepEqual(status(c, held), ['CS_ERR_LIBRARY']);
  assert.deepEqual(a.responses.filter((r) => r.status !== 'CS_OK'), []);
  assert.deepEqual(delivered(b), []);
});

/**
 * A service whose requests are answered when their message comes back (as EVT's open, clear and
 * unlink are): after a sync, its held request is taken without an answer yet.
 */
class AnswerOnDelivery implements Service {
  readonly id = 40;
  readonly name = 'answer-on-delivery';
  private api: ServiceApi | undefined;
  readonly libHandlers: readonly LibHandler[] = [{
    name: 'put',
    handle: (req) => {
      const sent = this.api!.send(0, req.payload, { request: req });
      if (!sent.ok && sent.code === 'CS_ERR_TRY_AGAIN' && req.retryLater()) return;
      if (!sent.ok) req.respond(sent.code);
    },
  }];
  readonly execHandlers: readonly ExecHandler<Uint8Array>[] = [{
    name: 'put',
    decode: (body) => ({ ok: true, value: body }),
    apply: (_value, meta) => meta.request?.respond('CS_OK'),
  }];
  start(api: ServiceApi): void {
    this.api = api;
  }
  stop(): void {}
  onConfigChange(): void {}
  onConnectionClosed(): void {}
}

test('after a sync, a held request taken without an answer (answered on delivery) does not keep other services\' held requests waiting', () => {
  const ring = new LoopRing();
  const other = new AnswerOnDelivery();
  const e1 = ring.add(1, [new CpgService(), other]);
  ring.add(2, [new CpgService(), new AnswerOnDelivery()]);
  ring.configure([1, 2]);
  ring.pump();
  const a = new HoldingConnection(1);
  const c = new HoldingConnection(2);
  send(e1, a, { kind: 'join', group: g, deliverInitialTotemConf: false });
  ring.pump();
  ring.configure([1, 2]);
  assert.equal(e1.syncInProcess, true);
  // Held in this order: the other service's request first, then a CPG mcast.
  const put = nextRequestId++;
  e1.request(c, other.id, 0, put, enc.encode('x'));
  const m = send(e1, a, mcast('behind'));
  assert.equal(e1.heldRequests, 2);
  ring.pump();
  assert.equal(e1.syncInProcess, false);
  assert.deepEqual(c.responsesTo(put).map((r) => r.status), ['CS_OK'], 'answered when its message came back');
  assert.deepEqual(status(a, m), ['CS_OK'], 'the CPG mcast behind it was retried too');
  assert.equal(e1.heldRequests, 0);
  assert.equal(a.held, false);
  assert.equal(c.held, false);
});
