import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, RingcastError, type CpgConfchgEvent, type CpgDeliverEvent, type CpgEvent } from './index.js';
import { FakeDaemon } from './testing/fake-daemon.js';
import { nextEmitted, take, until } from './testing/wait.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function withDaemon(fn: (d: FakeDaemon) => Promise<void>): Promise<void> {
  const daemon = await FakeDaemon.start({ nodeId: 3 });
  try {
    await fn(daemon);
  } finally {
    await daemon.done();
  }
}

test('join, mcast and receive: own join confchg first, then the message, through iterator and emitter', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir, pid: 4242 });
    assert.equal(client.nodeId, 3);
    const cpg = await client.cpg();
    const events = cpg.events();
    const emitted: CpgDeliverEvent[] = [];
    cpg.on('deliver', (e) => emitted.push(e));
    await cpg.join('demo');
    await cpg.mcast('demo', text('hello'));
    const [join, deliver] = await take(events, 2);
    assert.deepEqual(join, {
      type: 'confchg', group: 'demo', groupBytes: text('demo'),
      members: [{ nodeId: 3, pid: 4242 }], left: [], joined: [{ nodeId: 3, pid: 4242, reason: 'join' }],
    });
    assert.equal(deliver!.type, 'deliver');
    const msg = deliver as CpgDeliverEvent;
    assert.deepEqual([msg.group, msg.nodeId, msg.pid, str(msg.data)], ['demo', 3, 4242, 'hello']);
    assert.equal(emitted.length, 1);
    assert.deepEqual(await cpg.membership('demo'), [{ nodeId: 3, pid: 4242 }]);
    assert.deepEqual((await cpg.groups()).map((g) => [g.group, g.members]), [['demo', [{ nodeId: 3, pid: 4242 }]]]);
    assert.equal(await cpg.localNodeId(), 3);
    assert.equal(await cpg.flowControl(), 'disabled');
    assert.deepEqual(cpg.groupNames, ['demo']);
    await cpg.leave('demo');
    const [leave] = await take(events, 1);
    assert.deepEqual((leave as CpgConfchgEvent).left, [{ nodeId: 3, pid: 4242, reason: 'leave' }]);
    assert.deepEqual(cpg.groupNames, []);
    await client.close();
    assert.equal(cpg.closed, true);
    assert.deepEqual(await events.next(), { value: undefined, done: true });
  }));

test('two handles see each other join and their messages in one order; a closed one leaves as procdown', () =>
  withDaemon(async (d) => {
    const a = await connect({ stateDir: d.dir, pid: 100 });
    const b = await connect({ stateDir: d.dir, pid: 200 });
    const ha = await a.cpg();
    const hb = await b.cpg();
    const ea = ha.events();
    await ha.join(new Uint8Array([0xff, 0x00, 0x41]));
    await hb.join(new Uint8Array([0xff, 0x00, 0x41]));
    for (let i = 0; i < 5; i++) {
      await ha.mcast(new Uint8Array([0xff, 0x00, 0x41]), text(`a${i}`));
      await hb.mcast(new Uint8Array([0xff, 0x00, 0x41]), text(`b${i}`));
    }
    const got = await take(ea, 12);
    assert.deepEqual((got[1] as CpgConfchgEvent).joined, [{ nodeId: 3, pid: 200, reason: 'join' }]);
    assert.deepEqual(got.slice(2).map((e) => str((e as CpgDeliverEvent).data)), ['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4']);
    assert.deepEqual([...(got[2] as CpgDeliverEvent).groupBytes], [0xff, 0x00, 0x41]);
    await b.close();
    const [down] = await take(ea, 1);
    assert.deepEqual((down as CpgConfchgEvent).left, [{ nodeId: 3, pid: 200, reason: 'procdown' }]);
    await a.close();
  }));

test('daemon errors surface as RingcastError with stable codes', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    await cpg.join('g');
    await assert.rejects(cpg.join('g'), (e: RingcastError) => e instanceof RingcastError && e.code === 'CS_ERR_EXIST');
    await assert.rejects(cpg.leave('other'), { code: 'CS_ERR_NOT_EXIST' });
    await assert.rejects(cpg.mcast('other', text('x')), { code: 'CS_ERR_NOT_EXIST' });
    await assert.rejects(cpg.join('x'.repeat(129)), { code: 'CS_ERR_NAME_TOO_LONG' });
    await assert.rejects(cpg.mcast('g', new Uint8Array(2 * 1024 * 1024)), { code: 'CS_ERR_TOO_BIG' });
    await client.close();
    await assert.rejects(cpg.mcast('g', text('late')), { code: 'CS_ERR_BAD_HANDLE', reason: 'CLOSED' });
  }));

test('connect with no daemon: CS_ERR_LIBRARY, reason DAEMON_NOT_RUNNING, naming the socket', async () => {
  const d = await FakeDaemon.start();
  await d.stop();
  try {
    await assert.rejects(connect({ stateDir: d.dir }), (e: RingcastError) => {
      assert.equal(e.code, 'CS_ERR_LIBRARY');
      assert.equal(e.reason, 'DAEMON_NOT_RUNNING');
      assert.match(e.message, /ringcastd is not running.*ringcast\.sock/);
      return true;
    });
    const saved = process.env.RINGCAST_STATE_DIR;
    process.env.RINGCAST_STATE_DIR = d.dir;
    try {
      await assert.rejects(connect(), { reason: 'DAEMON_NOT_RUNNING' });
    } finally {
      if (saved === undefined) delete process.env.RINGCAST_STATE_DIR;
      else process.env.RINGCAST_STATE_DIR = saved;
    }
  } finally {
    await d.done();
  }
});

test('abort: a pending mcast rejects ABORT_ERR, a pre-aborted call never reaches the daemon, the iterator ends', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    await cpg.join('g');
    d.holdKinds.add('mcast');
    const ac = new AbortController();
    const pending = cpg.mcast('g', text('held'), { signal: ac.signal });
    await until(() => d.held.length === 1, 'the held mcast');
    ac.abort();
    await assert.rejects(pending, (e: RingcastError) => e.code === 'ABORT_ERR' && e.name === 'AbortError');
    const before = d.log.length;
    await assert.rejects(cpg.membership('g', { signal: AbortSignal.abort() }), { code: 'ABORT_ERR' });
    assert.equal(d.log.length, before);
    const iterAbort = new AbortController();
    const it = cpg.events({ signal: iterAbort.signal });
    // The join's confchg arrived before any iterator or listener: it was kept for the first one.
    assert.equal(((await it.next()).value as CpgEvent).type, 'confchg');
    const next = it.next();
    iterAbort.abort();
    await assert.rejects(next, { code: 'ABORT_ERR' });
    // The slot is free again: a new iterator opens.
    const again = cpg.events();
    await again.return!();
    d.holdKinds.clear();
    d.release();
    await client.close();
  }));

test('CS_ERR_TRY_AGAIN: retried with wait (default), counted, delivered once; thrown without wait', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    const events = cpg.events();
    await cpg.join('g');
    d.tryAgainMcasts = 3;
    await cpg.mcast('g', text('one'));
    assert.equal(cpg.stats.tryAgain, 3);
    d.tryAgainMcasts = 1;
    await assert.rejects(cpg.mcast('g', text('two'), { wait: false }), { code: 'CS_ERR_TRY_AGAIN' });
    await cpg.mcast('g', text('three'));
    const got = await take(events, 2, (e) => e.type === 'deliver');
    assert.deepEqual(got.map((e) => str((e as CpgDeliverEvent).data)), ['one', 'three']);
    await client.close();
  }));

test('mcasts on one handle are pipelined up to the in-flight window, written and delivered in call order', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    const events = cpg.events();
    await cpg.join('g');
    // The daemon sits on every mcast, as ringcastd does while the ring cannot take one.
    d.holdKinds.add('mcast');
    const names = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const sent = names.map((m) => cpg.mcast('g', text(m)));
    await until(() => d.held.length === 64, 'a full in-flight window');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(d.held.length, 64, 'no more than the window on the connection');
    assert.deepEqual(d.held.map((h) => h.request.kind === 'mcast' && str(h.request.data)), names.slice(0, 64), 'written in call order');
    d.holdKinds.clear();
    while (d.held.length > 0) d.release();
    await Promise.all(sent);
    const got = await take(events, 100, (e) => e.type === 'deliver');
    assert.deepEqual(got.map((e) => str((e as CpgDeliverEvent).data)), names);
    assert.equal(cpg.stats.tryAgain, 0);
    await client.close();
  }));

test('wait: false while the daemon announced flow control: CS_ERR_TRY_AGAIN at once, without a round trip', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    await cpg.join('g');
    const on = nextEmitted(cpg, 'flowControl');
    d.broadcast({ kind: 'flow_control', state: 'enabled' });
    await on;
    const before = d.log.length;
    await assert.rejects(cpg.mcast('g', text('x'), { wait: false }), { code: 'CS_ERR_TRY_AGAIN', reason: 'FLOW_CONTROL' });
    assert.equal(d.log.length, before, 'never reached the daemon');
    const off = nextEmitted(cpg, 'flowControl');
    d.broadcast({ kind: 'flow_control', state: 'disabled' });
    await off;
    await cpg.mcast('g', text('y'), { wait: false });
    const last = d.log.at(-1)!.request;
    assert.ok(last.kind === 'mcast' && last.wait === false, 'the request carries "do not wait"');
    await client.close();
  }));

test('a retry waiting on flow control gives up after its bounded tries with RETRIES_EXHAUSTED', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg({ retry: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 5 } });
    await cpg.join('g');
    d.tryAgainMcasts = 100;
    await assert.rejects(cpg.mcast('g', text('x')), { code: 'CS_ERR_TRY_AGAIN', reason: 'RETRIES_EXHAUSTED' });
    assert.equal(cpg.stats.tryAgain, 5);
    await client.close();
  }));

test('flowControl events arrive typed; partial deliveries are reassembled into one deliver', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    const events = cpg.events();
    await cpg.join('g');
    await take(events, 1);
    d.broadcast({ kind: 'flow_control', state: 'enabled' });
    const group = text('g');
    const part = (type: 1 | 2 | 3, s: string) => ({ kind: 'partial_deliver' as const, group, nodeId: 2, pid: 9, totalBytes: 6, type, data: text(s) });
    d.broadcast(part(1, 'ab'));
    d.broadcast(part(2, 'cd'));
    d.broadcast(part(3, 'ef'));
    const got: CpgEvent[] = await take(events, 2);
    assert.deepEqual(got[0], { type: 'flowControl', state: 'enabled' });
    assert.equal(got[1]!.type, 'deliver');
    assert.deepEqual([str((got[1] as CpgDeliverEvent).data), (got[1] as CpgDeliverEvent).nodeId], ['abcdef', 2]);
    await client.close();
  }));

test('a slow iterator loses nothing: the pump pauses at maxQueuedEvents and resumes as it drains', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const receiver = await client.cpg({ maxQueuedEvents: 4 });
    const other = await connect({ stateDir: d.dir, pid: 9 });
    const sender = await other.cpg();
    const events = receiver.events();
    await receiver.join('g');
    await sender.join('g');
    for (let i = 0; i < 200; i++) await sender.mcast('g', text(String(i)));
    const got = await take(events, 200, (e) => e.type === 'deliver');
    assert.deepEqual(got.map((e) => str((e as CpgDeliverEvent).data)), Array.from({ length: 200 }, (_, i) => String(i)));
    await other.close();
    await client.close();
  }));

test('events before anyone listens are kept for the first listener (listeners attached after join hear the join), bounded by maxQueuedEvents', () =>
  withDaemon(async (d) => {
    const client = await connect({ stateDir: d.dir });
    const late = await client.cpg();
    await late.join('g');
    // A round trip after the join: its confchg has certainly arrived, and nobody listened yet.
    await late.membership('g');
    const heard: string[] = [];
    late.on('deliver', (m) => heard.push(`deliver ${str(m.data)}`));
    late.on('confchg', (c) => heard.push(`confchg +${c.joined.map((m) => m.pid).join(',')}`));
    await late.mcast('g', text('x'));
    await until(() => heard.length === 2, 'the kept confchg and the delivery');
    assert.deepEqual(heard, [`confchg +${process.pid}`, 'deliver x']);

    // A handle that never listens keeps at most maxQueuedEvents and counts the rest.
    const deaf = await client.cpg({ maxQueuedEvents: 3 });
    await deaf.join('h');
    for (let i = 0; i < 5; i++) await deaf.mcast('h', text(String(i)));
    await deaf.membership('h');
    assert.equal(deaf.stats.unheardDropped, 3, '6 events (confchg + 5 deliveries), 3 kept');
    const it = deaf.events();
    const kept = await take(it, 3);
    assert.deepEqual(kept.map((e) => e.type === 'deliver' ? str(e.data) : e.type), ['confchg', '0', '1']);
    await client.close();
  }));
