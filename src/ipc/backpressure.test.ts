import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { connectIpc } from './client.js';
import type { Connection } from './connection.js';
import { IpcError } from './errors.js';
import { MSG_ECHO, MSG_HOLD, RawClient, startFixture, waitFor } from './test-helpers.js';

const KIB = 1024;
const limits = { maxFrameBytes: 128 * KIB, outboundSoftBytes: 256 * KIB, outboundMaxBytes: 1024 * KIB };

async function stalledClient(path: string): Promise<RawClient> {
  const raw = new RawClient(path);
  await raw.connected();
  await raw.handshake();
  raw.socket.pause(); // from here on it never reads: the kernel buffer fills, then the daemon's queue
  return raw;
}

test('a client that never reads is cut off at outboundMaxBytes; outboundBytes never passes it; others unaffected', async () => {
  const f = await startFixture({ limits });
  try {
    const healthy = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const stalled = await stalledClient(f.server.path);
    await waitFor(() => f.connections.length === 2, 'both accepted');
    const victim = f.connections[1]!;
    const closed = once(victim, 'close');
    const payload = new Uint8Array(60 * KIB);
    let maxSeen = 0;
    let sawNotWritable = false;
    // An owner ignoring flow control entirely: pushes until the transport cuts the client off.
    for (let i = 0; i < 10_000 && !victim.closed; i++) {
      victim.sendEvent(1, payload);
      maxSeen = Math.max(maxSeen, victim.outboundBytes);
      assert.ok(victim.outboundBytes <= limits.outboundMaxBytes, `outboundBytes ${victim.outboundBytes}`);
      if (!victim.writable && !victim.closed) sawNotWritable = true;
      if (i % 8 === 0) {
        await tick();
        const r = await healthy.request(MSG_ECHO, new Uint8Array([i & 0xff]));
        assert.equal(r.payload[0], i & 0xff);
      }
    }
    const [reason] = await closed;
    assert.equal(reason, 'SLOW_CONSUMER');
    assert.ok(sawNotWritable, 'writable turned false past the soft mark before the cut');
    assert.ok(maxSeen > limits.outboundSoftBytes && maxSeen <= limits.outboundMaxBytes, `max queued ${maxSeen}`);
    assert.equal(f.server.stats.disconnects.SLOW_CONSUMER, 1);
    assert.equal(victim.sendEvent(1, payload), false);
    stalled.socket.resume(); // it sees the end only once it reads again
    await waitFor(() => stalled.closed, 'stalled socket closed by the server');
    assert.equal((await healthy.request(MSG_ECHO, new Uint8Array([42]))).payload[0], 42);
    await healthy.close();
  } finally {
    await f.done();
  }
});

test('an owner that respects writable stops at the soft mark and gets drain when the client reads again', async () => {
  const f = await startFixture({ limits });
  try {
    const stalled = await stalledClient(f.server.path);
    await waitFor(() => f.connections.length === 1, 'accepted');
    const connection: Connection = f.connections[0]!;
    const payload = new Uint8Array(32 * KIB);
    let sent = 0;
    while (connection.writable) {
      connection.sendEvent(2, payload);
      sent++;
      if (sent % 4 === 0) await tick();
      assert.ok(sent < 1000, 'writable never turned false');
    }
    assert.ok(connection.outboundBytes >= limits.outboundSoftBytes);
    assert.ok(connection.outboundBytes <= limits.outboundSoftBytes + 32 * KIB + 13);
    const drained = once(connection, 'drain');
    stalled.socket.resume();
    await drained;
    assert.ok(connection.writable && connection.outboundBytes < limits.outboundSoftBytes);
    await waitFor(() => stalled.frames.filter((fr) => fr.kind === 'event').length === sent, 'every event delivered');
    assert.equal(connection.closed, false);
    stalled.destroy();
  } finally {
    await f.done();
  }
});

test('pauseRequests holds client requests (window, then queue, then TRY_AGAIN or wait) and resume answers all in order', async () => {
  const f = await startFixture({ limits: { maxInFlightRequests: 4 } });
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test', maxQueuedRequests: 3, maxWaitingRequests: 3 });
    await client.request(MSG_ECHO);
    const connection = f.connections[0]!;
    connection.pauseRequests();
    assert.equal(connection.requestsPaused, true);
    const framesBefore = f.server.stats.framesIn;
    const replies = Array.from({ length: 7 }, (_, i) => client.request(MSG_ECHO, new Uint8Array([i])));
    assert.equal(client.inFlightRequests, 4, 'the window is written');
    assert.equal(client.queuedRequests, 3, 'the rest wait client-side');
    await assert.rejects(client.request(MSG_ECHO), (err: IpcError) => err.code === 'CS_ERR_TRY_AGAIN');
    const waiting = [7, 8].map((i) => client.request(MSG_ECHO, new Uint8Array([i]), { whenFull: 'wait' }));
    const aborter = new AbortController();
    const abandoned = client.request(MSG_HOLD, undefined, { whenFull: 'wait', signal: aborter.signal }).catch((e: IpcError) => e.code);
    assert.equal(client.queuedRequests, 6);
    await assert.rejects(client.request(MSG_ECHO, undefined, { whenFull: 'wait' }), { code: 'CS_ERR_TRY_AGAIN' });
    aborter.abort();
    assert.equal(await abandoned, 'ABORT_ERR');
    assert.equal(client.queuedRequests, 5, 'an aborted queued request leaves the queue');
    // Another connection's round trip: time the paused one could have used, had it not been paused.
    const other = await connectIpc({ path: f.server.path, serviceName: 'test' });
    await other.request(MSG_ECHO);
    assert.equal(f.server.stats.framesIn, framesBefore + 2, 'only the other client\'s hello and request were read');
    connection.resumeRequests();
    const all = await Promise.all([...replies, ...waiting]);
    assert.deepEqual(all.map((r) => r.payload[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(f.held.length, 0, 'the aborted request never reached the owner');
    await Promise.all([client.close(), other.close()]);
  } finally {
    await f.done();
  }
});

test('a slow events() consumer stops the client reading, which the daemon sees as writable=false, then drain', async () => {
  const f = await startFixture({ limits });
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test', maxQueuedEvents: 8 });
    const iterator = client.events();
    await waitFor(() => f.connections.length === 1, 'accepted');
    const connection = f.connections[0]!;
    const payload = new Uint8Array(16 * KIB);
    let sent = 0;
    while (connection.writable) {
      payload[0] = sent & 0xff;
      connection.sendEvent(3, payload);
      sent++;
      if (sent % 4 === 0) await tick();
      assert.ok(sent < 2000, 'writable never turned false');
    }
    assert.ok(client.stats.eventsReceived < sent, 'the client stopped reading before taking every event');
    const drained = once(connection, 'drain');
    for (let i = 0; i < sent; i++) {
      const { value, done } = await iterator.next();
      assert.equal(done, false);
      assert.equal(value!.payload[0], i & 0xff, `event ${i} in order`);
    }
    await drained;
    assert.equal(connection.closed, false);
    await client.close();
  } finally {
    await f.done();
  }
});
