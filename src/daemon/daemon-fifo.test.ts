/**
 * The per-sender FIFO rule end to end: an application pipelines many mcasts through the client
 * library into a ring that stalls (its peer dies without a word) and fills. The daemon holds the
 * one request the ring refuses and reads nothing behind it, so no mcast is refused or reordered:
 * all are delivered once, in call order. Daemon memory stays bounded meanwhile: at most one held
 * request per connection and at most the in-flight window read from the socket. A caller that
 * asks not to wait gets CS_ERR_TRY_AGAIN at once while flow control is on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpgHandle, RingcastError } from '../client/index.js';
import { startSyncedPair, waitFor } from './testing.js';

const COUNT = 200;
const SIZE = 256 * 1024;

test('pipelined mcasts into a stalled, full ring: none refused, each delivered once in order, daemon memory bounded', async (t) => {
  const [d, peer] = await startSyncedPair(t);
  const sender = await CpgHandle.open(d!.socketPath, { pid: 1 });
  const receiver = await CpgHandle.open(d!.socketPath, { pid: 2 });
  t.after(() => Promise.all([sender.close(), receiver.close()]));
  const got: number[] = [];
  receiver.on('deliver', (ev) => got.push(new DataView(ev.data.buffer, ev.data.byteOffset).getUint32(0)));
  let flowControl = 'disabled';
  receiver.on('flowControl', (ev) => (flowControl = ev.state));
  await sender.join('g');
  await receiver.join('g');
  await waitFor('both joined', () => d!.daemon.host.cpg.core.membership(new TextEncoder().encode('g')).length === 2);

  // 50 MiB against a 16 MiB send queue, with the ring stalled until the token timeout.
  await peer!.daemon.node.stop({ leave: false });
  const results = Array.from({ length: COUNT }, (_, i) => {
    const data = new Uint8Array(SIZE);
    new DataView(data.buffer).setUint32(0, i);
    return sender.mcast('g', data);
  });
  for (const r of results) r.catch(() => {});

  const host = d!.daemon.host;
  const max = { held: 0, inFlight: 0, queuedBytes: 0 };
  const sample = (): void => {
    max.held = Math.max(max.held, host.exec.heldRequests);
    max.queuedBytes = Math.max(max.queuedBytes, d!.daemon.node.queuedBytes);
    for (const conn of host.ipc.connections()) max.inFlight = Math.max(max.inFlight, conn.inFlightRequests);
  };
  await waitFor('the ring is full and the sender held', () => {
    sample();
    return host.gate.closed && host.exec.heldRequests === 1 && flowControl === 'enabled';
  }, 20_000);
  // Flow control is on: a caller that will not wait hears so at once, without a round trip.
  await assert.rejects(receiver.mcast('g', new Uint8Array(8), { wait: false }), (e: RingcastError) => e.code === 'CS_ERR_TRY_AGAIN');

  let settled = 0;
  for (const r of results) void r.then(() => settled++, () => settled++);
  await waitFor('every mcast answered and delivered', () => {
    sample();
    return settled === COUNT && got.length >= COUNT;
  }, 60_000);
  const outcomes = await Promise.allSettled(results);
  assert.deepEqual(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)), [], 'no mcast refused');
  assert.deepEqual(got, Array.from({ length: COUNT }, (_, i) => i), 'each once, in call order');
  t.diagnostic(`held ${host.exec.stats.held} times, retried ${host.exec.stats.heldRetries}; max held ${max.held}, max read unanswered ${max.inFlight}, max ring queue ${(max.queuedBytes / 1048576).toFixed(1)} MiB`);
  assert.ok(host.exec.stats.held > 0);
  assert.ok(max.held <= 2, 'at most one held request per connection');
  assert.ok(max.inFlight <= host.ipc.limits.maxInFlightRequests, 'never more read than the in-flight window');
  assert.ok(max.queuedBytes <= 16 * 1024 * 1024 + SIZE, 'the ring queue stays within its bound');
  assert.equal(sender.stats.tryAgain, 0, 'nothing to retry: the daemon held instead of refusing');
});
