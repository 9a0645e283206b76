/**
 * The Prometheus endpoint on real daemons (in-process, UDP loopback, real HTTP with fetch): three
 * nodes with votequorum and `metricsAddress` on 127.0.0.1 port 0 (the chosen port is in
 * status.json and the log); the text parsed, every name `ringcast_`-prefixed and typed; values
 * that move: messages and bytes after sends, per-service counters after CPG requests (and an
 * error), IPC connections, members and configuration changes after a node stops; 404 and 405;
 * off by default (no TCP listener); a port in use is a clear start error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectIpc, CS_ERROR } from '../ipc/index.js';
import { CpgLibRequestId, encodeCpgLibRequest, type CpgLibRequest } from '../protocol/cpg/lib-protocol.js';
import { STATUS_FILE } from '../protocol/paths.js';
import type { DaemonStatus } from '../protocol/status.js';
import type { VotequorumConfig } from '../services/votequorum/quorum-state.js';
import { Daemon } from './daemon.js';
import { MetricsListenError } from './metrics-server.js';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from './testing.js';

interface Scrape {
  readonly types: Map<string, string>;
  /** Sample value by `name{labels}` exactly as printed. */
  readonly samples: Map<string, number>;
}

/** The text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then `name{labels} value` lines. */
function parseExposition(text: string): Scrape {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return { types, samples };
}

async function scrape(address: string): Promise<Scrape> {
  const res = await fetch(`http://${address}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const parsed = parseExposition(await res.text());
  for (const name of parsed.samples.keys()) {
    assert.ok(name.startsWith('ringcast_'), `${name} is prefixed ringcast_`);
    const base = name.replace(/\{.*$/, '');
    const family = [base, base.replace(/_(bucket|sum|count)$/, '')].find((n) => parsed.types.has(n));
    assert.ok(family, `${name} has a # TYPE line`);
  }
  return parsed;
}

function value(s: Scrape, key: string): number {
  const v = s.samples.get(key);
  assert.ok(v !== undefined, `${key} is exposed (have: ${[...s.samples.keys()].filter((k) => k.startsWith(key.slice(0, 12))).join(', ')})`);
  return v;
}

const VOTEQUORUM: VotequorumConfig = {
  votes: 1, expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
  lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' }, allowDownscale: false,
};

/** TCP listeners of this process (the IPC sockets are Unix sockets: PipeServerWrap). */
const tcpListeners = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

test('metrics are off by default: no TCP listener, no series, nothing in status', async (t) => {
  const before = tcpListeners();
  const d = await startTestDaemon();
  t.after(() => d.stop());
  assert.equal(tcpListeners(), before, 'no listening TCP socket');
  assert.equal(d.daemon.metrics, undefined);
  assert.equal(d.daemon.metricsAddress, undefined);
  assert.equal('metricsAddress' in d.daemon.status(), false);
  assert.ok(!d.logs.some((l) => l.msg.startsWith('metrics:')));
});

test('metrics on three daemons: a real scrape, values that move, 404/405, port in use', { timeout: 90_000 }, async (t) => {
  const ports = await freeUdpPorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const listenersBefore = tcpListeners();
  const ds = await Promise.all(nodes.map((n) => startTestDaemon({
    nodeId: n.nodeId, nodes, waitMembers: 0,
    overrides: { metricsAddress: { host: '127.0.0.1', port: 0 }, votequorum: { config: VOTEQUORUM, names: new Map() } },
  })));
  const running = new Set<TestDaemon>(ds);
  t.after(() => Promise.all([...running].map((d) => d.stop())));
  await waitFor('three synced quorate daemons', () => ds.every((d) =>
    d.daemon.node.status().members.length === 3 && d.daemon.host.exec.syncState === 'done' && d.daemon.host.quorate), 20_000);
  assert.equal(tcpListeners(), listenersBefore + 3, 'one TCP listener per daemon');
  const [d1, d2, d3] = ds as [TestDaemon, TestDaemon, TestDaemon];
  const a1 = d1.daemon.metricsAddress!;
  assert.match(a1, /^127\.0\.0\.1:[1-9][0-9]*$/, 'port 0 became a real port');

  await t.test('the chosen port is in the log and in status.json', async () => {
    assert.ok(d1.logs.some((l) => l.msg === `metrics: Prometheus text at http://${a1}/metrics` && l['metricsAddress'] === a1));
    await waitFor('status.json names the metrics address', () => {
      try {
        return (JSON.parse(readFileSync(join(d1.stateDir, STATUS_FILE), 'utf8')) as DaemonStatus).metricsAddress === a1;
      } catch {
        return false;
      }
    });
  });

  await t.test('ring, quorum and votes as the daemon sees them', async () => {
    const s = await scrape(a1);
    const ring = d1.daemon.node.status().ringId;
    assert.equal(value(s, 'ringcast_members'), 3);
    assert.equal(s.types.get('ringcast_members'), 'gauge');
    assert.equal(value(s, 'ringcast_ring_sequence'), ring.seq);
    assert.equal(value(s, 'ringcast_ring_representative'), ring.rep);
    assert.equal(value(s, 'ringcast_operational'), 1);
    assert.equal(value(s, 'ringcast_quorate'), 1);
    assert.deepEqual(['expected', 'highest_expected', 'total', 'quorum'].map((k) => value(s, `ringcast_votequorum_${k}_votes`)), [3, 3, 3, 2]);
    assert.equal(value(s, 'ringcast_info{cluster="test",node_id="1"}'), 1);
    assert.ok(value(s, 'ringcast_configuration_changes_total{kind="regular"}') >= 1);
    assert.equal(s.types.get('ringcast_configuration_changes_total'), 'counter');
    assert.equal(s.types.get('ringcast_delivery_latency_seconds'), 'histogram');
    assert.ok(value(s, 'ringcast_resident_memory_bytes') > 1e6);
    assert.ok(value(s, 'ringcast_heap_used_bytes') > 1e6);
    assert.ok(s.samples.has('ringcast_executive_dropped_total{reason="malformedHeader"}'));
    // Every hosted service has its series from the start.
    for (const service of ['cpg', 'clm', 'evt', 'votequorum', 'status']) assert.ok(s.samples.has(`ringcast_service_requests_total{service="${service}"}`), service);
  });

  await t.test('messages, bytes, rotations and own-message latency move after sends', async () => {
    const before = await scrape(a1);
    const beforePeer = await scrape(d2.daemon.metricsAddress!);
    const count = 20;
    const size = 200;
    for (let i = 0; i < count; i++) assert.ok(d1.daemon.sendSynthetic(size), 'the ring takes the message');
    await waitFor('the messages back on node 1', () => d1.daemon.node.ownUndelivered === 0);
    const after = await scrape(a1);
    const moved = (s: Scrape, k: string): number => value(s, k) - value(before, k);
    assert.ok(moved(after, 'ringcast_messages_sent_total') >= count);
    assert.ok(moved(after, 'ringcast_message_sent_bytes_total') >= count * size);
    assert.ok(moved(after, 'ringcast_messages_delivered_total') >= count);
    assert.ok(moved(after, 'ringcast_message_delivered_bytes_total') >= count * size);
    assert.ok(moved(after, 'ringcast_udp_sent_bytes_total') >= count * size, 'the multicasts left over UDP');
    assert.ok(moved(after, 'ringcast_totem_frames_sent_total') > 0);
    assert.ok(moved(after, 'ringcast_token_rotations_total') > 0);
    assert.ok(moved(after, 'ringcast_delivery_latency_seconds_count') >= count, 'every own message timed');
    assert.ok(moved(after, 'ringcast_delivery_latency_seconds_sum') > 0);
    assert.equal(value(after, 'ringcast_delivery_latency_seconds_bucket{le="+Inf"}'), value(after, 'ringcast_delivery_latency_seconds_count'));
    await waitFor('node 2 delivered them too', () => d2.daemon.status({ sample: false }).counters['deliveries']! >= value(beforePeer, 'ringcast_messages_delivered_total') + count);
    const peer = await scrape(d2.daemon.metricsAddress!);
    assert.ok(value(peer, 'ringcast_udp_received_bytes_total') - value(beforePeer, 'ringcast_udp_received_bytes_total') >= count * size);
    assert.ok(value(peer, 'ringcast_totem_frames_received_total') > value(beforePeer, 'ringcast_totem_frames_received_total'));
  });

  await t.test('per-service requests, deliveries and errors; IPC connections', async () => {
    const before = await scrape(a1);
    const cpg = await connectIpc({ path: d1.socketPath, serviceName: 'cpg', pid: 7001 });
    const call = async (req: CpgLibRequest): Promise<number> => {
      const { messageId, payload } = encodeCpgLibRequest(req);
      return (await cpg.request(messageId, payload)).status;
    };
    const group = new TextEncoder().encode('metrics');
    assert.equal(await call({ kind: 'join', group, deliverInitialTotemConf: false }), CS_ERROR.CS_OK);
    assert.equal(await call({ kind: 'mcast', group, guarantee: 'agreed', data: new Uint8Array(10) }), CS_ERROR.CS_OK);
    assert.equal(await call({ kind: 'join', group, deliverInitialTotemConf: false }), CS_ERROR.CS_ERR_EXIST, 'a second join is refused');
    assert.equal(CpgLibRequestId.join, 0);
    const during = await scrape(a1);
    const moved = (k: string): number => value(during, k) - value(before, k);
    assert.equal(value(during, 'ringcast_ipc_connections'), value(before, 'ringcast_ipc_connections') + 1);
    assert.ok(moved('ringcast_ipc_connections_accepted_total') >= 1);
    assert.equal(moved('ringcast_service_requests_total{service="cpg"}'), 3);
    assert.equal(moved('ringcast_service_errors_total{service="cpg"}'), 1);
    assert.ok(moved('ringcast_service_deliveries_total{service="cpg"}') >= 2, 'the join and the mcast applied');
    await cpg.close();
    await waitFor('the connection gone', () => d1.daemon.host.ipc.stats.connectionsOpen === 0);
    assert.equal(value(await scrape(a1), 'ringcast_ipc_connections'), 0);
  });

  await t.test('garbage on the ring\'s port shows as rejected frames', async () => {
    const rejected = (s: Scrape): number => [...s.samples].filter(([k]) => k.startsWith('ringcast_frames_rejected_total{')).reduce((a, [, v]) => a + v, 0);
    const before = rejected(await scrape(a1));
    const udp = createSocket('udp4');
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => udp.send(Buffer.from('not a totem frame, not a piece'), nodes[0]!.port, '127.0.0.1', () => resolve()));
    udp.close();
    await waitFor('three frames rejected', () => d1.daemon.status({ sample: false }).counters['droppedBadFrames']! >= before + 3);
    assert.equal(rejected(await scrape(a1)) - before, 3);
  });

  await t.test('only /metrics: other paths 404, other methods 405', async () => {
    for (const path of ['/', '/metric', '/metrics/x', '/favicon.ico']) {
      const res = await fetch(`http://${a1}${path}`);
      assert.equal(res.status, 404, path);
      await res.text();
    }
    const post = await fetch(`http://${a1}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
    const query = await fetch(`http://${a1}/metrics?name[]=ringcast_members`);
    assert.equal(query.status, 200, 'a query string is ignored');
    await query.text();
  });

  await t.test('a port in use is a clear start error, nothing started', async () => {
    const [port] = await freeUdpPorts(1);
    const daemon = new Daemon({
      nodeId: 9, clusterName: 'test', nodes: [{ nodeId: 9, address: '127.0.0.1', port: port! }], totem: { token: 200 },
      stateDir: d1.stateDir + '-busy', logger: (await import('pino')).pino({ level: 'silent' }),
      metricsAddress: { host: '127.0.0.1', port: Number(a1.split(':')[1]) },
    });
    await assert.rejects(daemon.start(), (err: unknown) => {
      assert.ok(err instanceof MetricsListenError);
      assert.equal(err.code, 'METRICS_LISTEN_FAILED');
      assert.equal(err.message, `ringcast.metrics_address ${a1}: cannot listen: the port is in use (another ringcastd or exporter?); choose another port`);
      return true;
    });
    // Nothing else started: the ring's UDP port and the IPC socket are untouched.
    assert.equal(existsSync(join(d1.stateDir + '-busy', 'ringcast.sock')), false);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => (udp.once('error', reject), udp.bind(port!, '127.0.0.1', resolve)));
    udp.close();
  });

  await t.test('members and configuration changes after a node stops', async () => {
    const before = await scrape(a1);
    await d3.stop();
    running.delete(d3);
    await waitFor('a ring of two', () => [d1, d2].every((d) => d.daemon.node.status().members.length === 2 && d.daemon.host.exec.syncState === 'done'), 20_000);
    await waitFor('votequorum counted two votes', () => (d1.daemon.host.votequorum?.statusSection() as { totalVotes?: number }).totalVotes === 2, 10_000);
    const after = await scrape(a1);
    assert.equal(value(after, 'ringcast_members'), 2);
    assert.ok(value(after, 'ringcast_ring_sequence') > value(before, 'ringcast_ring_sequence'));
    assert.ok(value(after, 'ringcast_configuration_changes_total{kind="regular"}') > value(before, 'ringcast_configuration_changes_total{kind="regular"}'));
    assert.ok(value(after, 'ringcast_configuration_changes_total{kind="transitional"}') > value(before, 'ringcast_configuration_changes_total{kind="transitional"}'));
    assert.equal(value(after, 'ringcast_votequorum_total_votes'), 2);
    assert.equal(value(after, 'ringcast_quorate'), 1, 'two of three votes');
    // The stopped daemon's endpoint closed with it.
    await assert.rejects(fetch(`http://${d3.daemon.metricsAddress ?? 'x'}/metrics`));
  });
});

test('without votequorum: quorate is 1 and the vote series are left out', async (t) => {
  const d = await startTestDaemon({ overrides: { metricsAddress: { host: '127.0.0.1', port: 0 } } });
  t.after(() => d.stop());
  const s = await scrape(d.daemon.metricsAddress!);
  assert.equal(value(s, 'ringcast_quorate'), 1);
  assert.equal(value(s, 'ringcast_members'), 1);
  assert.deepEqual([...s.samples.keys()].filter((k) => k.includes('votequorum_')), []);
  assert.ok(!s.samples.has('ringcast_service_requests_total{service="votequorum"}'));
});
