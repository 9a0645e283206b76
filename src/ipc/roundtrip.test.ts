import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { connectIpc, type IpcEvent } from './client.js';
import { CS_ERROR, IpcError } from './errors.js';
import { MSG_ECHO, MSG_EVENT, MSG_HOLD, MSG_THROW, RawClient, startFixture, waitFor } from './test-helpers.js';

test('request/response round trip and handshake fields', async () => {
  const bootId = new Uint8Array(16).fill(0xab);
  const f = await startFixture({ bootId });
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test', pid: 4321 });
    assert.equal(client.nodeId, 7);
    assert.deepEqual([...client.bootId], [...bootId]);
    assert.ok(client.connectionId > 0);
    assert.equal(client.maxInFlightRequests, 64);
    assert.equal(client.maxFrameBytes, 1024 * 1024 + 64 * 1024);
    const reply = await client.request(MSG_ECHO, new Uint8Array([1, 2, 3]));
    assert.equal(reply.status, CS_ERROR.CS_OK);
    assert.deepEqual([...reply.payload], [1, 2, 3]);
    const other = await client.request(55);
    assert.equal(other.status, 7);
    assert.equal(f.connections[0]!.pid, 4321);
    assert.equal(f.connections[0]!.serviceName, 'test');
    assert.equal(f.server.stats.handshakesAccepted, 1);
    await client.close();
  } finally {
    await f.done();
  }
});

test('events arrive through the async iterator and the emitter, in order', async () => {
  const f = await startFixture();
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const emitted: number[] = [];
    client.on('event', (e: IpcEvent) => emitted.push(e.payload[0]!));
    const iterator = client.events();
    for (let i = 0; i < 10; i++) await client.request(MSG_EVENT, new Uint8Array([i]));
    const seen: number[] = [];
    for await (const event of iterator) {
      assert.equal(event.messageId, 99);
      seen.push(event.payload[0]!);
      if (seen.length === 10) break;
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(emitted, seen);
    await client.close();
  } finally {
    await f.done();
  }
});

test('an event sent as head and tail arrives as one payload, between whole events, in order', async () => {
  const f = await startFixture();
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const iterator = client.events();
    const held = client.request(MSG_HOLD);
    await waitFor(() => f.held.length === 1, 'held');
    const { connection, request } = f.held.pop()!;
    const tail = new Uint8Array(70_000).map((_, i) => i % 251);
    connection.sendEvent(1, new Uint8Array([1]));
    connection.sendEvent(2, new Uint8Array([2, 2]), tail);
    connection.sendEvent(3, new Uint8Array([3]), new Uint8Array(0));
    connection.respond(request.requestId, CS_ERROR.CS_OK);
    await held;
    const seen: { messageId: number; payload: Uint8Array }[] = [];
    for await (const event of iterator) {
      seen.push(event);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen.map((e) => e.messageId), [1, 2, 3]);
    assert.deepEqual([...seen[1]!.payload.subarray(0, 2)], [2, 2]);
    assert.deepEqual(Buffer.from(seen[1]!.payload.subarray(2)), Buffer.from(tail));
    assert.deepEqual([...seen[2]!.payload], [3]);
    assert.equal(connection.outboundBytes, 0, 'every byte counted written');
    assert.throws(() => connection.sendEvent(4, new Uint8Array(8), new Uint8Array(2 * 1024 * 1024)), { code: 'CS_ERR_TOO_BIG' });
    await client.close();
  } finally {
    await f.done();
  }
});

test('1,000 concurrent requests answered out of order correlate by request id', async () => {
  const f = await startFixture();
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test', maxQueuedRequests: 1000 });
    const replies = Array.from({ length: 1000 }, (_, i) => {
      const p = new Uint8Array(4);
      new DataView(p.buffer).setUint32(0, i, true);
      return client.request(MSG_HOLD, p);
    });
    // Answer in a scrambled order as they come in, each with the request's own payload.
    let answered = 0;
    while (answered < 1000) {
      await waitFor(() => f.held.length > 0, 'held requests');
      const batch = f.held.splice(0).reverse();
      for (const { connection, request } of batch) connection.respond(request.requestId, 1, request.payload);
      answered += batch.length;
    }
    const results = await Promise.all(replies);
    results.forEach((r, i) => assert.equal(new DataView(r.payload.buffer, r.payload.byteOffset).getUint32(0, true), i));
    await client.close();
  } finally {
    await f.done();
  }
});

test('abort rejects a pending request; the late response is dropped and the slot reused', async () => {
  const f = await startFixture();
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const controller = new AbortController();
    const pending = client.request(MSG_HOLD, new Uint8Array([1]), { signal: controller.signal });
    await waitFor(() => f.held.length === 1, 'request at the owner');
    controller.abort(new Error('caller gave up'));
    await assert.rejects(pending, (err: IpcError) => err.code === 'ABORT_ERR' && err.name === 'AbortError');
    assert.equal(client.inFlightRequests, 1, 'the server still owes an answer, so the slot stays used');
    const { connection, request } = f.held.pop()!;
    connection.respond(request.requestId, 1, new Uint8Array([9]));
    await waitFor(() => client.stats.lateResponses === 1, 'late response dropped');
    assert.equal(client.inFlightRequests, 0);
    const next = await client.request(MSG_ECHO, new Uint8Array([2]));
    assert.deepEqual([...next.payload], [2]);
    const already = AbortSignal.abort();
    await assert.rejects(client.request(MSG_ECHO, undefined, { signal: already }), { code: 'ABORT_ERR' });
    await client.close();
  } finally {
    await f.done();
  }
});

test('handshake refusals map to CS_ERR codes: unknown service, access denied, unsupported version', async () => {
  const f = await startFixture();
  try {
    await assert.rejects(connectIpc({ path: f.server.path, serviceName: 'nope' }), { code: 'CS_ERR_NOT_EXIST', reason: 'UNKNOWN_SERVICE' });
    await assert.rejects(connectIpc({ path: f.server.path, serviceName: 'locked' }), { code: 'CS_ERR_ACCESS', reason: 'ACCESS_DENIED' });
    const raw = new RawClient(f.server.path);
    raw.hello('test', 2, 3);
    await waitFor(() => raw.closed, 'server closes after the reject');
    assert.deepEqual(raw.frames.map((fr) => fr.kind === 'reject' && fr.code), ['UNSUPPORTED_VERSION']);
    assert.equal(f.server.stats.rejects.UNKNOWN_SERVICE, 1);
    assert.equal(f.server.stats.rejects.ACCESS_DENIED, 1);
    assert.equal(f.server.stats.rejects.UNSUPPORTED_VERSION, 1);
    assert.equal(f.server.stats.disconnects.REJECTED, 3);
    await assert.rejects(connectIpc({ path: join(f.dir, 'absent.sock'), serviceName: 'test' }), { code: 'CS_ERR_LIBRARY' });
  } finally {
    await f.done();
  }
});

test('too many connections: the next client gets CS_ERR_TRY_AGAIN, and a slot frees on close', async () => {
  const f = await startFixture({ limits: { maxConnections: 2 } });
  try {
    const a = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const b = await connectIpc({ path: f.server.path, serviceName: 'test' });
    await assert.rejects(connectIpc({ path: f.server.path, serviceName: 'test' }), { code: 'CS_ERR_TRY_AGAIN', reason: 'TOO_MANY_CONNECTIONS' });
    await a.close();
    await waitFor(() => f.server.stats.connectionsOpen <= 1, 'slot released');
    const c = await connectIpc({ path: f.server.path, serviceName: 'test' });
    assert.equal((await c.request(MSG_ECHO)).status, 1);
    assert.equal(f.server.stats.rejects.TOO_MANY_CONNECTIONS, 1);
    await Promise.all([b.close(), c.close()]);
  } finally {
    await f.done();
  }
});

test('an owner handler that throws answers CS_ERR_LIBRARY and the connection lives on', async () => {
  const errors: unknown[] = [];
  const logger = { info() {}, warn() {}, error: (obj: object) => errors.push(obj) };
  const f = await startFixture({ logger });
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    assert.equal((await client.request(MSG_THROW)).status, CS_ERROR.CS_ERR_LIBRARY);
    assert.equal(errors.length, 1);
    assert.equal((await client.request(MSG_ECHO)).status, 1);
    await client.close();
  } finally {
    await f.done();
  }
});

test('payload bounds: client rejects CS_ERR_TOO_BIG, server respond/sendEvent throw CS_ERR_TOO_BIG', async () => {
  const f = await startFixture({ limits: { maxFrameBytes: 4096, outboundMaxBytes: 65536, outboundSoftBytes: 8192 } });
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    assert.equal(client.maxRequestPayloadBytes, 4096 - 9);
    await assert.rejects(client.request(MSG_ECHO, new Uint8Array(4096 - 8)), { code: 'CS_ERR_TOO_BIG' });
    const fits = await client.request(MSG_ECHO, new Uint8Array(4096 - 9));
    assert.equal(fits.payload.length, 4096 - 9);
    const held = client.request(MSG_HOLD);
    await waitFor(() => f.held.length === 1, 'held');
    const { connection, request } = f.held.pop()!;
    assert.throws(() => connection.respond(request.requestId, 1, new Uint8Array(4096)), { code: 'CS_ERR_TOO_BIG' });
    assert.throws(() => connection.sendEvent(1, new Uint8Array(4096 - 4)), { code: 'CS_ERR_TOO_BIG' });
    assert.throws(() => connection.respond(request.requestId + 1000, 1), RangeError);
    connection.respond(request.requestId, CS_ERROR.CS_ERR_TOO_BIG);
    assert.equal((await held).status, CS_ERROR.CS_ERR_TOO_BIG);
    await client.close();
  } finally {
    await f.done();
  }
});

test('server stop rejects pending requests with CS_ERR_LIBRARY and the client sees disconnected', async () => {
  const f = await startFixture();
  const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
  const pending = client.request(MSG_HOLD);
  await waitFor(() => f.held.length === 1, 'held');
  const disconnected = once(client, 'disconnected');
  const iterator = client.events();
  const rejected = assert.rejects(pending, (err: IpcError) => err.code === 'CS_ERR_LIBRARY' && err.reason === 'SERVER_STOPPING');
  await f.done();
  await rejected;
  const [info] = await disconnected;
  assert.equal(info.reason, 'SERVER_STOPPING');
  await assert.rejects(iterator.next(), { code: 'CS_ERR_LIBRARY' });
  await assert.rejects(client.request(MSG_ECHO), { code: 'CS_ERR_LIBRARY' });
  assert.equal(f.held[0]!.connection.respond(f.held[0]!.request.requestId, 1), false, 'answering after close is a no-op');
  assert.equal(f.server.stats.disconnects.SERVER_STOPPING, 1);
});

test('with default limits a 1 MiB message fits as request, response and event', async () => {
  const f = await startFixture();
  try {
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    const iterator = client.events();
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    const echoed = await client.request(MSG_ECHO, big);
    assert.equal(Buffer.compare(echoed.payload, big), 0);
    await client.request(MSG_EVENT, big);
    const { value } = await iterator.next();
    assert.equal(Buffer.compare(value!.payload, big), 0);
    await client.close();
  } finally {
    await f.done();
  }
});
