import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connectIpc, type IpcClient } from './client.js';
import { encodeFrame } from './frame.js';
import { MSG_ECHO, MSG_HOLD, RawClient, startFixture, waitFor, type Fixture } from './test-helpers.js';

/** A well-behaved client that keeps echoing until stopped; counts successes, remembers any failure. */
function keepBusy(client: IpcClient): { stop(): Promise<number> } {
  let running = true;
  let ok = 0;
  const loop = (async () => {
    while (running) {
      const reply = await client.request(MSG_ECHO, new Uint8Array([ok & 0xff]));
      assert.equal(reply.payload[0], ok & 0xff);
      ok++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return ok;
    },
  };
}

async function offender(f: Fixture, act: (raw: RawClient) => void | Promise<void>): Promise<RawClient> {
  const raw = new RawClient(f.server.path);
  await raw.connected();
  await act(raw);
  await waitFor(() => raw.closed, 'offender disconnected');
  return raw;
}

test('garbage, oversize, pre-handshake and illegal frames disconnect only the offender, each counted', async () => {
  const warnings: object[] = [];
  const logger = { info() {}, error() {}, warn: (obj: object) => warnings.push(obj) };
  const f = await startFixture({ logger, limits: { maxFrameBytes: 4096, outboundSoftBytes: 8192, outboundMaxBytes: 65536 } });
  try {
    const healthy = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const busy = keepBusy(healthy);

    await offender(f, (raw) => raw.write(randomBytes(300)));
    await offender(f, (raw) => raw.write(encodeFrame({ kind: 'request', requestId: 1, messageId: MSG_ECHO, payload: new Uint8Array(1) })));
    const oversize = await offender(f, async (raw) => {
      await raw.handshake();
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(4097);
      raw.write(prefix);
    });
    const illegal = await offender(f, async (raw) => {
      await raw.handshake();
      raw.write(encodeFrame({ kind: 'response', requestId: 1, status: 1, payload: new Uint8Array(0) }));
    });
    const unknownKind = await offender(f, async (raw) => {
      await raw.handshake();
      raw.write(new Uint8Array([1, 0, 0, 0, 42]));
    });
    const duplicate = await offender(f, async (raw) => {
      await raw.handshake();
      const req = encodeFrame({ kind: 'request', requestId: 5, messageId: MSG_HOLD, payload: new Uint8Array(0) });
      raw.write(Buffer.concat([req, req]));
    });

    const d = f.server.stats.disconnects;
    assert.equal(d.BAD_HANDSHAKE, 2);
    assert.equal(d.OVERSIZE_FRAME, 1);
    assert.equal(d.BAD_FRAME, 3);
    // The offender is told why before the socket ends.
    for (const [raw, reason] of [[oversize, 'OVERSIZE_FRAME'], [illegal, 'BAD_FRAME'], [unknownKind, 'BAD_FRAME'], [duplicate, 'BAD_FRAME']] as const) {
      const last = raw.frames.at(-1)!;
      assert.ok(last.kind === 'closing' && last.reason === reason, JSON.stringify(last));
    }
    assert.ok(warnings.length >= 6);

    const during = await busy.stop();
    assert.ok(during > 0, 'the healthy client made progress while others were cut off');
    assert.equal((await healthy.request(MSG_ECHO, new Uint8Array([5]))).payload[0], 5);
    assert.equal(healthy.closed, false);
    await healthy.close();
    await waitFor(() => f.server.stats.connectionsOpen === 0, 'all sockets released');
  } finally {
    await f.done();
  }
});

test('a client that never says hello is cut at handshakeTimeoutMs', async () => {
  const f = await startFixture({ limits: { handshakeTimeoutMs: 50 } });
  try {
    const started = Date.now();
    const raw = await offender(f, () => {});
    assert.ok(Date.now() - started >= 40);
    assert.equal(f.server.stats.disconnects.HANDSHAKE_TIMEOUT, 1);
    const last = raw.frames.at(-1);
    assert.ok(last?.kind === 'closing' && last.reason === 'HANDSHAKE_TIMEOUT');
  } finally {
    await f.done();
  }
});

test('a flood of 60 garbage clients: every one cut, warn lines capped, the healthy client unaffected', async () => {
  const warnings: object[] = [];
  const logger = { info() {}, error() {}, warn: (obj: object) => warnings.push(obj) };
  const f = await startFixture({ logger });
  try {
    const healthy = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const busy = keepBusy(healthy);
    await Promise.all(Array.from({ length: 60 }, (_, i) => offender(f, (raw) => raw.write(randomBytes(10 + i)))));
    assert.equal(f.server.stats.disconnects.BAD_HANDSHAKE, 60);
    assert.ok(warnings.length <= 20, `${warnings.length} warn lines`);
    assert.ok((await busy.stop()) > 0);
    await healthy.close();
  } finally {
    await f.done();
  }
});

test('the server stops reading a client at maxInFlightRequests unanswered, and reads on as answers go out', async () => {
  const f = await startFixture({ limits: { maxInFlightRequests: 4 } });
  try {
    const raw = new RawClient(f.server.path);
    await raw.connected();
    await raw.handshake();
    const frames = Array.from({ length: 10 }, (_, i) => encodeFrame({ kind: 'request', requestId: i, messageId: MSG_HOLD, payload: new Uint8Array(0) }));
    raw.write(Buffer.concat(frames));
    await waitFor(() => f.held.length === 4, 'four requests delivered');
    const connection = f.held[0]!.connection;
    assert.equal(connection.inFlightRequests, 4);
    // A round trip on another connection gives the server time it could have used to deliver more.
    const other = await connectIpc({ path: f.server.path, serviceName: 'test' });
    await other.request(MSG_ECHO);
    assert.equal(f.held.length, 4, 'no fifth request while four are unanswered');
    const first = f.held.shift()!;
    connection.respond(first.request.requestId, 1);
    await waitFor(() => f.held.length === 4 && f.held[3]!.request.requestId === 4, 'the fifth request after one answer');
    assert.equal(raw.closed, false);
    raw.destroy();
    await other.close();
  } finally {
    await f.done();
  }
});

test('past maxConnections: 64 overflow sockets get a polite reject, the rest are dropped unanswered; the open one works', async () => {
  const f = await startFixture({ limits: { maxConnections: 1, closeGraceMs: 5_000 } });
  try {
    const healthy = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const extra: RawClient[] = [];
    for (let i = 0; i < 70; i++) {
      const raw = new RawClient(f.server.path);
      await raw.connected();
      raw.socket.pause(); // holds its socket open on the server until the grace timer, as a stuck client would
      extra.push(raw);
    }
    await waitFor(() => f.server.stats.disconnects.REJECTED === 70, 'all 70 refused');
    assert.equal(f.server.stats.rejects.TOO_MANY_CONNECTIONS, 64);
    // The six dropped ones are destroyed at once; the 64 polite ones linger until their peer reads or the grace timer fires.
    await waitFor(() => f.server.stats.connectionsOpen === 1 + 64, 'dropped sockets released');
    assert.equal((await healthy.request(MSG_ECHO, new Uint8Array([1]))).payload[0], 1);
    for (const raw of extra) raw.socket.resume();
    await waitFor(() => extra.every((raw) => raw.closed), 'refused sockets closed');
    const polite = extra.filter((raw) => raw.frames.some((fr) => fr.kind === 'reject' && fr.code === 'TOO_MANY_CONNECTIONS'));
    assert.equal(polite.length, 64);
    await healthy.close();
    await waitFor(() => f.server.stats.connectionsOpen === 0, 'all released');
  } finally {
    await f.done();
  }
});
