/**
 * The metrics endpoint alone, over readings a test controls: the text follows the readings at each
 * scrape (collect on scrape, nothing cached), the latency histogram's buckets, the bounds
 * (connections at once, a request that never completes), IPv6 in brackets, a port in use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { DaemonMetrics, type MetricsReadings } from './metrics.js';
import { MetricsListenError, startMetricsServer } from './metrics-server.js';

const READINGS: MetricsReadings = {
  nodeId: 7, clusterName: 'c', members: 3, ringRepresentative: 1, ringSequence: 28, operational: true, quorate: true,
  framesIn: 0, framesOut: 0, datagramBytesIn: 0, datagramBytesOut: 0, messagesSent: 0, messageBytesSent: 0,
  messagesDelivered: 0, messageBytesDelivered: 0, retransmits: 0, tokenRetransmits: 0, tokenRotations: 0,
  configChanges: { transitional: 0, regular: 0 }, ipcConnections: 0, ipcConnectionsTotal: 0,
  services: [{ name: 'cpg', requests: 0, errors: 0, deliveries: 0 }],
  framesRejected: {}, executiveDropped: { notActive: 0 }, residentBytes: 50e6, heapUsedBytes: 20e6,
};

const line = (text: string, name: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${name} `));

test('each scrape reads the counters anew; counters are copied, not added up; reads happen only on scrape', async () => {
  let now: MetricsReadings = READINGS;
  let reads = 0;
  const metrics = new DaemonMetrics(() => (reads++, now), { votes: false });
  assert.equal(reads, 0, 'building the series reads nothing');
  let text = await metrics.render();
  assert.equal(reads, 1, 'one snapshot per scrape, whatever the number of series');
  assert.equal(line(text, 'ringcast_members'), 'ringcast_members 3');
  assert.equal(line(text, 'ringcast_ring_sequence'), 'ringcast_ring_sequence 28');
  now = { ...READINGS, members: 2, tokenRotations: 10, framesRejected: { AUTH_FAILED: 4 }, configChanges: { transitional: 1, regular: 2 }, services: [{ name: 'cpg', requests: 5, errors: 1, deliveries: 4 }] };
  text = await metrics.render();
  text = await metrics.render();
  assert.equal(line(text, 'ringcast_members'), 'ringcast_members 2');
  assert.equal(line(text, 'ringcast_token_rotations_total'), 'ringcast_token_rotations_total 10', 'two scrapes of 10 still say 10');
  assert.equal(line(text, 'ringcast_configuration_changes_total{kind="transitional"}'), 'ringcast_configuration_changes_total{kind="transitional"} 1');
  assert.equal(line(text, 'ringcast_configuration_changes_total{kind="regular"}'), 'ringcast_configuration_changes_total{kind="regular"} 2');
  assert.equal(line(text, 'ringcast_service_errors_total{service="cpg"}'), 'ringcast_service_errors_total{service="cpg"} 1');
  assert.equal(line(text, 'ringcast_frames_rejected_total{reason="AUTH_FAILED"}'), 'ringcast_frames_rejected_total{reason="AUTH_FAILED"} 4');
  assert.equal(line(text, 'ringcast_info{cluster="c",node_id="7"}'), 'ringcast_info{cluster="c",node_id="7"} 1');
  assert.ok(!text.includes('ringcast_votequorum_'), 'no vote series without votequorum');
  // The histogram: 0.3 ms lands in the 0.0005 s bucket, 2 s in the 2.5 s one.
  metrics.observeOwnLatency(0.3);
  metrics.observeOwnLatency(2000);
  text = await metrics.render();
  assert.equal(line(text, 'ringcast_delivery_latency_seconds_bucket{le="0.00025"}'), 'ringcast_delivery_latency_seconds_bucket{le="0.00025"} 0');
  assert.equal(line(text, 'ringcast_delivery_latency_seconds_bucket{le="0.0005"}'), 'ringcast_delivery_latency_seconds_bucket{le="0.0005"} 1');
  assert.equal(line(text, 'ringcast_delivery_latency_seconds_bucket{le="1"}'), 'ringcast_delivery_latency_seconds_bucket{le="1"} 1');
  assert.equal(line(text, 'ringcast_delivery_latency_seconds_bucket{le="2.5"}'), 'ringcast_delivery_latency_seconds_bucket{le="2.5"} 2');
  assert.equal(line(text, 'ringcast_delivery_latency_seconds_count'), 'ringcast_delivery_latency_seconds_count 2');
  const votes = await new DaemonMetrics(() => ({ ...READINGS, votes: { expected: 5, highestExpected: 5, total: 3, quorum: 3 } }), { votes: true }).render();
  assert.equal(line(votes, 'ringcast_votequorum_total_votes'), 'ringcast_votequorum_total_votes 3');
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const closed = (s: Socket): Promise<void> => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

test('bounds: connections beyond the maximum are closed on arrival; a request that never completes is cut', { timeout: 20_000 }, async (t) => {
  const metrics = new DaemonMetrics(() => READINGS, { votes: false });
  const endpoint = await startMetricsServer(metrics, '127.0.0.1', 0, { headersTimeoutMs: 300, connectionsMax: 2 });
  t.after(() => endpoint.close());
  const a = await open(endpoint.port);
  const b = await open(endpoint.port);
  const c = await open(endpoint.port);
  await closed(c);
  assert.ok(!a.destroyed && !b.destroyed, 'the first two are still open');
  // Half a request: the server closes it once the headers are overdue (answering 408 first).
  a.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
  let answer = '';
  a.on('data', (d: Buffer) => (answer += d.toString()));
  const started = performance.now();
  await closed(a);
  assert.ok(performance.now() - started < 5_000, 'cut within the bound and the checking interval');
  assert.ok(answer === '' || answer.startsWith('HTTP/1.1 408'), answer);
  assert.equal(answer.includes('ringcast_'), false, 'no metrics for half a request');
  b.destroy();
  await closed(b);
  const res = await fetch(`http://${endpoint.address}/metrics`);
  assert.equal(res.status, 200, 'room again once they are gone');
  await res.text();
});

test('IPv6 in brackets; a port in use is MetricsListenError', async (t) => {
  const metrics = new DaemonMetrics(() => READINGS, { votes: false });
  let v6;
  try {
    v6 = await startMetricsServer(metrics, '::1', 0);
  } catch (err) {
    assert.ok(err instanceof MetricsListenError);
    t.skip(`no IPv6 loopback here: ${err.message}`);
    return;
  }
  t.after(() => v6.close());
  assert.match(v6.address, /^\[::1\]:[0-9]+$/);
  const res = await fetch(`http://${v6.address}/metrics`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /^ringcast_members 3$/m);
  await assert.rejects(startMetricsServer(metrics, '::1', v6.port), (err: unknown) =>
    err instanceof MetricsListenError && err.code === 'METRICS_LISTEN_FAILED' && err.message.startsWith(`ringcast.metrics_address ${v6.address}: cannot listen: the port is in use`));
});
