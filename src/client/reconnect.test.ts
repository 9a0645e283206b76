import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type CpgDeliverEvent, type CpgDisconnectedEvent, type CpgReconnectedEvent, type RingcastError } from './index.js';
import { FakeDaemon } from './testing/fake-daemon.js';
import { nextEmitted, take } from './testing/wait.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const FAST = { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 200 };

test('reconnect: daemon restart → disconnected, reconnected with the groups re-joined, mcast works again', async () => {
  const d = await FakeDaemon.start();
  try {
    const client = await connect({ stateDir: d.dir, reconnect: FAST, pid: 77 });
    const cpg = await client.cpg();
    const events = cpg.events();
    await cpg.join('a');
    await cpg.join('b', { initialTotemConfchg: true });
    await take(events, 3);
    const disconnected = nextEmitted<CpgDisconnectedEvent>(cpg, 'disconnected');
    await d.stop();
    assert.deepEqual({ ...(await disconnected), detail: '' }, { type: 'disconnected', reason: 'SERVER_STOPPING', detail: '', reconnecting: true });
    // A call made while away waits for the re-join instead of failing.
    const reconnected = nextEmitted<CpgReconnectedEvent>(cpg, 'reconnected');
    const waiting = cpg.membership('a');
    await d.restart();
    const r = await reconnected;
    assert.deepEqual(r, { type: 'reconnected', groups: ['a', 'b'], failed: [], mayHaveMissed: true });
    assert.deepEqual(await waiting, [{ nodeId: 1, pid: 77 }]);
    assert.deepEqual(d.members('b'), [{ nodeId: 1, pid: 77 }]);
    assert.equal(d.log.filter((l) => l.request.kind === 'join' && 'deliverInitialTotemConf' in l.request && l.request.deliverInitialTotemConf).length, 2);
    await cpg.mcast('a', text('after'));
    // The iterator saw the whole story in order: disconnected, the re-join confchgs, reconnected, the message.
    const story = await take(events, 6);
    assert.deepEqual(story.map((e) => e.type), ['disconnected', 'confchg', 'confchg', 'totemConfchg', 'reconnected', 'deliver']);
    assert.equal(str((story[5] as CpgDeliverEvent).data), 'after');
    assert.equal(cpg.stats.reconnects, 1);
    // The status link reconnects too.
    assert.deepEqual((await client.members()).members, [1]);
    await client.close();
  } finally {
    await d.done();
  }
});

test('reconnect while the daemon stays up: re-join retried through TRY_AGAIN; a refused group is reported failed', async () => {
  const d = await FakeDaemon.start();
  try {
    const client = await connect({ stateDir: d.dir, reconnect: FAST, pid: 55 });
    const cpg = await client.cpg();
    await cpg.join('keep');
    await cpg.join('lose');
    d.tryAgainJoins = 3;
    d.refuseJoins.set('lose', 'CS_ERR_NO_RESOURCES');
    const reconnected = nextEmitted<CpgReconnectedEvent>(cpg, 'reconnected');
    d.dropClients();
    const r = await reconnected;
    assert.deepEqual(r.groups, ['keep']);
    assert.deepEqual(r.failed.map((f) => [f.group, f.error.code]), [['lose', 'CS_ERR_NO_RESOURCES']]);
    assert.deepEqual(cpg.groupNames, ['keep']);
    assert.deepEqual(d.members('keep'), [{ nodeId: 1, pid: 55 }]);
    assert.equal(d.tryAgainJoins, 0);
    await client.close();
  } finally {
    await d.done();
  }
});

test('without reconnect a lost daemon closes the handle: the iterator throws CS_ERR_LIBRARY, calls fail', async () => {
  const d = await FakeDaemon.start();
  try {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    const events = cpg.events();
    await cpg.join('a');
    await take(events, 1);
    const closed = nextEmitted<RingcastError | undefined>(cpg, 'close');
    await d.stop();
    const [gone] = await take(events, 1);
    assert.deepEqual({ ...gone, detail: '' }, { type: 'disconnected', reason: 'SERVER_STOPPING', detail: '', reconnecting: false });
    await assert.rejects(events.next(), { code: 'CS_ERR_LIBRARY', reason: 'SERVER_STOPPING' });
    assert.equal((await closed)?.code, 'CS_ERR_LIBRARY');
    await assert.rejects(cpg.mcast('a', text('x')), { code: 'CS_ERR_LIBRARY' });
    await assert.rejects(client.status(), { code: 'CS_ERR_LIBRARY' });
    await client.close();
  } finally {
    await d.done();
  }
});

test('reconnecting is bounded: after maxAttempts the handle closes with RECONNECT_FAILED and waiting calls fail', async () => {
  const d = await FakeDaemon.start();
  try {
    const client = await connect({ stateDir: d.dir, reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
    const cpg = await client.cpg();
    await cpg.join('a');
    const closed = nextEmitted<RingcastError | undefined>(cpg, 'close');
    await d.stop();
    const waiting = cpg.mcast('a', text('x'));
    const error = await closed;
    assert.equal(error?.code, 'CS_ERR_LIBRARY');
    assert.equal(error?.reason, 'RECONNECT_FAILED');
    await assert.rejects(waiting, { code: 'CS_ERR_LIBRARY', reason: 'RECONNECT_FAILED' });
    await client.close();
  } finally {
    await d.done();
  }
});

test('close() and the reconnect signal stop a reconnect under way', async () => {
  const d = await FakeDaemon.start();
  try {
    const client = await connect({ stateDir: d.dir, reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 100_000 } });
    const first = await client.cpg();
    await first.join('a');
    const stopper = new AbortController();
    const second = await client.cpg({ reconnect: { ...FAST, maxAttempts: 100_000, signal: stopper.signal } });
    await second.join('b');
    await d.stop();
    const waiting = first.membership('a');
    const secondClosed = nextEmitted<RingcastError | undefined>(second, 'close');
    stopper.abort();
    assert.equal((await secondClosed)?.reason, 'RECONNECT_STOPPED');
    await first.close();
    await assert.rejects(waiting, { code: 'CS_ERR_BAD_HANDLE', reason: 'CLOSED' });
    await d.restart();
    assert.deepEqual(d.members('a'), []);
    await client.close();
  } finally {
    await d.done();
  }
});

test('status and members through the status service', async () => {
  const d = await FakeDaemon.start({ nodeId: 5 });
  try {
    d.status = { clusterName: 'lab', state: 'operational', members: [5] };
    const client = await connect({ stateDir: d.dir });
    const s = await client.status();
    assert.equal(s.clusterName, 'lab');
    assert.equal(s.nodeId, 5);
    assert.deepEqual(await client.members(), { ringId: { rep: 1, seq: 4 }, ring: '1.4', state: 'operational', members: [5] });
    await assert.rejects(client.status({ signal: AbortSignal.abort() }), { code: 'ABORT_ERR' });
    await client.close();
  } finally {
    await d.done();
  }
});
