import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RingNode } from '../net/ring-node.js';
import { Executive, type ExecRing, type RingSendResult } from './executive.js';
import { encodeExecMessage } from './header.js';
import { GROUP_SYNC } from '../totem/pg/groups.js';
import { encodeServiceBuild } from './sync-wire.js';
import { FakeConnection } from './testing/fake-connection.js';
import { LoopRing } from './testing/loop-ring.js';
import { RecorderService } from './testing/recorder-service.js';

const utf8 = new TextEncoder();

/** Two nodes, one recorder service each, synced in one ring. */
function twoNodes(): { ring: LoopRing; a: RecorderService; b: RecorderService } {
  const ring = new LoopRing();
  const a = new RecorderService({ id: 5 });
  const b = new RecorderService({ id: 5 });
  ring.add(1, [a]);
  ring.add(2, [b]);
  ring.configure([1, 2]);
  ring.pump();
  assert.equal(ring.execs.get(1)!.syncState, 'done');
  return { ring, a, b };
}

test('delivery routes (service, message) to the handler on every node', () => {
  const { ring, a, b } = twoNodes();
  assert.deepEqual(a.api!.send(0, utf8.encode('hello')), { ok: true });
  ring.pump();
  assert.deepEqual(a.notes, ['hello']);
  assert.deepEqual(b.notes, ['hello']);
});

test('unknown service, unknown message, malformed header and payload are counted and dropped', () => {
  const { ring, a } = twoNodes();
  ring.inject(2, encodeExecMessage(9, 0, new Uint8Array(0)));
  ring.inject(2, encodeExecMessage(5, 7, new Uint8Array(0)));
  ring.inject(2, new Uint8Array([1, 2, 3]));
  const wrongSize = encodeExecMessage(5, 0, utf8.encode('x'));
  wrongSize[8] = 99;
  ring.inject(2, wrongSize);
  ring.inject(2, encodeExecMessage(5, 0, new Uint8Array([0xff])));
  ring.inject(2, encodeExecMessage(5, 0, utf8.encode('fine')));
  assert.doesNotThrow(() => ring.pump());
  const dropped = ring.execs.get(1)!.stats.dropped;
  assert.equal(dropped.unknownService, 1);
  assert.equal(dropped.unknownMessage, 1);
  assert.equal(dropped.malformedHeader, 2);
  assert.equal(dropped.malformedPayload, 1);
  assert.deepEqual(a.notes, ['fine']);
});

test('random bytes from the ring never throw', () => {
  const { ring } = twoNodes();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
    ring.inject(2, bytes);
    ring.pump();
  }));
});

test('a request is answered by the node that sourced it, exactly once, when applied', () => {
  const { ring, a, b } = twoNodes();
  const c1 = new FakeConnection(1);
  ring.execs.get(1)!.request(c1, 5, 0, 77, utf8.encode('req'));
  assert.equal(c1.responses.length, 0, 'not answered before it comes back in order');
  ring.pump();
  assert.deepEqual(c1.responsesTo(77).map((r) => r.status), ['CS_OK']);
  assert.ok(a.calls.includes('apply note req from 1 (mine)'));
  assert.ok(b.calls.includes('apply note req from 1'), 'the other node applies it without a request');
});

test('requests for unknown services or messages get CS_ERR_NOT_EXIST / CS_ERR_INVALID_PARAM', () => {
  const { ring } = twoNodes();
  const c = new FakeConnection(3);
  ring.execs.get(1)!.request(c, 9, 0, 1, new Uint8Array(0));
  ring.execs.get(1)!.request(c, 5, 4, 2, new Uint8Array(0));
  assert.deepEqual(c.responses.map((r) => r.status), ['CS_ERR_NOT_EXIST', 'CS_ERR_INVALID_PARAM']);
  assert.equal(ring.execs.get(1)!.stats.unknownRequests, 2);
});

test('a second answer to one request is ignored and counted', () => {
  const svc = new RecorderService({ id: 6 });
  svc.libHandlers[0]!.handle = (req) => {
    req.respond('CS_OK');
    req.respond('CS_OK');
  };
  const exec = new Executive({ nodeId: 1, ring: { send: () => ({ ok: true }) }, services: [svc], schedule: () => {} });
  exec.start();
  const c = new FakeConnection(1);
  exec.request(c, 6, 0, 1, new Uint8Array(0));
  assert.equal(c.responses.length, 1);
  assert.equal(exec.stats.duplicateAnswers, 1);
});

test('ring refusals map to CS_ERR_TRY_AGAIN and CS_ERR_TOO_BIG', () => {
  let next: RingSendResult = { ok: true };
  const svc = new RecorderService({ id: 5, noSync: true });
  const exec = new Executive({ nodeId: 1, ring: { send: () => next }, services: [svc], schedule: () => {} });
  exec.start();
  exec.configChange({ kind: 'config', type: 'regular', ringId: { rep: 1, seq: 4 }, members: [1], joined: [1], left: [] });
  // This ring does not loop messages back: deliver our own service list by hand.
  exec.deliver({ from: 1, ringId: { rep: 1, seq: 4 }, groups: [GROUP_SYNC], data: encodeServiceBuild({ rep: 1, seq: 4 }, []) });
  assert.equal(exec.syncInProcess, false);
  const c = new FakeConnection(1);
  next = { ok: false, code: 'QUEUE_FULL', detail: 'full' };
  exec.request(c, 5, 0, 1, utf8.encode('x'));
  next = { ok: false, code: 'MESSAGE_TOO_LARGE', detail: 'big' };
  exec.request(c, 5, 0, 2, utf8.encode('x'));
  next = { ok: false, code: 'NOT_RUNNING', detail: 'down' };
  exec.request(c, 5, 0, 3, utf8.encode('x'));
  assert.deepEqual(c.responses.map((r) => r.status), ['CS_ERR_TRY_AGAIN', 'CS_ERR_TOO_BIG', 'CS_ERR_LIBRARY']);
  assert.deepEqual(exec.send(5, 9, new Uint8Array(0)).ok, false, 'unknown exec message id');
});

test('client requests during sync get CS_ERR_TRY_AGAIN (Corosync sending_allowed)', () => {
  const { ring } = twoNodes();
  ring.configure([1, 2]);
  const exec = ring.execs.get(1)!;
  assert.equal(exec.syncInProcess, true);
  const c = new FakeConnection(1);
  exec.request(c, 5, 0, 1, utf8.encode('during'));
  assert.deepEqual(c.responses.map((r) => r.status), ['CS_ERR_TRY_AGAIN']);
  ring.pump();
  exec.request(c, 5, 0, 2, utf8.encode('after'));
  ring.pump();
  assert.deepEqual(c.responsesTo(2).map((r) => r.status), ['CS_OK']);
});

test('own sends without a client during sync wait, and go out after sync in order', () => {
  const { ring, a, b } = twoNodes();
  ring.configure([1, 2]);
  assert.deepEqual(a.api!.send(0, utf8.encode('m1')), { ok: true });
  assert.deepEqual(a.api!.send(0, utf8.encode('m2')), { ok: true });
  assert.deepEqual(ring.execs.get(1)!.ownMessages, { inFlight: 0, deferred: 2 });
  ring.pump();
  assert.deepEqual(a.notes, ['m1', 'm2']);
  assert.deepEqual(b.notes, ['m1', 'm2']);
  const activated = a.calls.lastIndexOf('activate');
  assert.ok(a.calls.indexOf('apply note m1 from 1') > activated, 'applied after activation');
});

test('a message caught by a ring change is dropped by all before activation and sent again after', () => {
  const { ring, a, b } = twoNodes();
  const c = new FakeConnection(1);
  ring.execs.get(1)!.request(c, 5, 0, 1, utf8.encode('inflight'));
  b.api!.send(0, utf8.encode('from2'));
  // Both messages go out on the new ring, ahead of its sync messages.
  ring.configure([1, 2], { carry: true });
  ring.pump();
  for (const id of [1, 2]) assert.equal(ring.execs.get(id)!.stats.dropped.notActive, 2);
  assert.equal(ring.execs.get(1)!.stats.resent, 1);
  assert.equal(ring.execs.get(2)!.stats.resent, 1);
  assert.deepEqual(a.notes, b.notes);
  assert.deepEqual([...a.notes].sort(), ['from2', 'inflight']);
  assert.deepEqual(c.responsesTo(1).map((r) => r.status), ['CS_OK'], 'answered once, after the resend applied');
});

test('own messages are bounded for clients: beyond maxOwnMessages a client send gets CS_ERR_TRY_AGAIN, a service\'s own send waits its turn', () => {
  const ring = new LoopRing();
  const a = new RecorderService({ id: 5 });
  ring.add(1, [a], 3);
  ring.configure([1]);
  ring.pump();
  const exec = ring.execs.get(1)!;
  for (let i = 0; i < 3; i++) assert.equal(a.api!.send(0, utf8.encode(`${i}`)).ok, true);
  const c = new FakeConnection(1);
  exec.request(c, 5, 0, 1, utf8.encode('client'));
  assert.deepEqual(c.responses.map((r) => r.status), ['CS_ERR_TRY_AGAIN']);
  assert.deepEqual(a.api!.send(0, utf8.encode('over')), { ok: true });
  assert.deepEqual(a.api!.send(0, utf8.encode('over2')), { ok: true });
  assert.equal(exec.stats.ownOverBound, 2, 'both taken beyond the bound');
  ring.pump();
  assert.deepEqual(a.notes, ['0', '1', '2', 'over', 'over2'], 'every service send delivered, in order');
  assert.equal(a.api!.send(0, utf8.encode('later')).ok, true);
});

test('connection close reaches every service; stop answers waiting requests with CS_ERR_LIBRARY', () => {
  const { ring, a } = twoNodes();
  const exec = ring.execs.get(1)!;
  const c = new FakeConnection(4);
  exec.request(c, 5, 0, 1, utf8.encode('pending'));
  exec.connectionClosed(c);
  assert.ok(a.calls.includes('closed 4'));
  exec.stop();
  assert.deepEqual(c.responses.map((r) => r.status), ['CS_ERR_LIBRARY']);
  assert.equal(a.calls.at(-1), 'stop');
});

test('RingNode fits the executive\'s ring and delivery interfaces (compile-time check)', () => {
  const fits = (node: RingNode, exec: Executive): ExecRing => {
    node.on('deliver', (d) => exec.deliver(d));
    node.on('config', (c) => exec.configChange(c));
    return node;
  };
  assert.equal(typeof fits, 'function');
});
