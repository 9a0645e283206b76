/**
 * Three RingNodes on real UDP sockets on loopback: they form one ring, order messages from every
 * sender identically (judged by the EVS checker over their histories), and reform at once when one
 * leaves gracefully. Every wait has a deadline; nothing sleeps and hopes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingNode } from '../src/net/ring-node.js';
import { FileRingSeqStore } from '../src/net/ring-seq-store.js';
import { checkHistories, type HistoryRecord } from '../src/check/index.js';
import { formatRingId } from '../src/history/ids.js';
import { makePayload, payloadId } from '../src/sim/load.js';
import { freeUdpPorts as freePorts, waitFor } from '../src/net/testing.js';
import { createFrameCrypto, generateKey } from '../src/net/crypto/index.js';
import { PROBE_MARKER } from '../src/net/path-probe.js';
import { createSocket } from 'node:dgram';

test('three RingNodes on UDP loopback form a ring, agree on order, and reform on leave', async () => {
  const ports = await freePorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const stateDir = mkdtempSync(join(tmpdir(), 'ringcast-test-'));
  const histories = new Map<number, HistoryRecord[]>();
  const lastRegular = new Map<number, number[]>();
  const ring = nodes.map((n) => {
    const node = new RingNode({
      nodeId: n.nodeId, nodes, totem: { token: 1000 }, ringSeqStore: new FileRingSeqStore(stateDir, n.nodeId),
    });
    const history: HistoryRecord[] = [{ ev: 'start', node: n.nodeId, boot: 'b1' }];
    histories.set(n.nodeId, history);
    node.on('config', (c) => {
      history.push({ ev: 'config', kind: c.type, ring: formatRingId(c.ringId.rep, c.ringId.seq), members: [...c.members] });
      if (c.type === 'regular') lastRegular.set(n.nodeId, [...c.members]);
    });
    node.on('deliver', (d) => {
      const id = payloadId(d.data);
      if (id) history.push({ ev: 'deliver', id, from: d.from });
    });
    return node;
  });
  try {
    await Promise.all(ring.map((n) => n.start()));
    await waitFor('one ring of three', () => ring.every((n) => lastRegular.get(n.nodeId)?.length === 3), 15_000);

    const perNode = 200;
    for (let k = 1; k <= perNode; k++) {
      for (const node of ring) {
        const id = `${node.nodeId}.b1:${k}`;
        const result = node.send(makePayload(id, k % 10 === 0 ? 5000 : 100));
        assert.ok(result.ok, `send ${id}`);
        histories.get(node.nodeId)!.push({ ev: 'send', id });
      }
    }
    const delivered = (id: number): number => histories.get(id)!.filter((r) => r.ev === 'deliver').length;
    await waitFor('every message delivered everywhere', () => ring.every((n) => delivered(n.nodeId) === 3 * perNode), 15_000);

    const leftAt = Date.now();
    await ring[2]!.stop();
    histories.get(3)!.push({ ev: 'stop' });
    await waitFor('a ring of two after the leave', () => [1, 2].every((id) => lastRegular.get(id)?.length === 2), 10_000);
    const reformMs = Date.now() - leftAt;
    // A graceful leave must not wait for the token timeout (1000 ms here).
    assert.ok(reformMs < 1000, `reformed in ${reformMs} ms`);

    const report = checkHistories([...histories.values()], { requireConvergence: true });
    assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
    assert.ok(new FileRingSeqStore(stateDir, 1).load() >= 8, 'the ring sequence was persisted');
  } finally {
    await Promise.all(ring.map((n) => n.stop({ leave: false })));
  }
});

test('RingNodes over IPv6 loopback form a ring and order messages', async () => {
  const ports = await freePorts(2, '::1');
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '::1', port }));
  const got = new Map<number, string[]>([[1, []], [2, []]]);
  const ring = nodes.map((n) => {
    const node = new RingNode({ nodeId: n.nodeId, nodes, totem: { token: 1000 } });
    node.on('deliver', (d) => got.get(n.nodeId)!.push(payloadId(d.data) ?? '?'));
    return node;
  });
  try {
    await Promise.all(ring.map((n) => n.start()));
    await waitFor('a ring of two', () => ring.every((n) => n.status().members.length === 2 && n.status().state === 'operational'), 15_000);
    for (let k = 1; k <= 50; k++) for (const n of ring) assert.ok(n.send(makePayload(`${n.nodeId}.v6:${k}`, 64)).ok);
    await waitFor('100 deliveries at both', () => got.get(1)!.length === 100 && got.get(2)!.length === 100, 10_000);
    assert.deepEqual(got.get(1), got.get(2));
  } finally {
    await Promise.all(ring.map((n) => n.stop({ leave: false })));
  }
});

test('frames larger than a datagram travel in pieces of at most the datagram bound and are put back together', async () => {
  const ports = await freePorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const got = new Map<number, string[]>(nodes.map((n) => [n.nodeId, []]));
  const sizes = new Map<string, number>();
  const maxDatagramBytes = 1200;
  const ring = nodes.map((n) => {
    const node = new RingNode({ nodeId: n.nodeId, nodes, totem: { token: 1000, netmtu: 65_536 }, maxDatagramBytes, maxFrameBytes: 65_536, ipFragmentation: 'off' });
    node.on('deliver', (d) => {
      const id = payloadId(d.data) ?? '?';
      got.get(n.nodeId)!.push(id);
      assert.equal(d.data.length, sizes.get(id), `${id} arrived whole`);
    });
    return node;
  });
  try {
    await Promise.all(ring.map((n) => n.start()));
    await waitFor('a ring of three', () => ring.every((n) => n.status().members.length === 3 && n.status().state === 'operational'), 15_000);
    const perNode = 60;
    for (let k = 1; k <= perNode; k++) {
      for (const n of ring) {
        const id = `${n.nodeId}.frag:${k}`;
        const size = [100, 3000, 20_000, 60_000][k % 4]!;
        sizes.set(id, size);
        assert.ok(n.send(makePayload(id, size)).ok, `send ${id}`);
      }
    }
    await waitFor('every message everywhere', () => ring.every((n) => got.get(n.nodeId)!.length === 3 * perNode), 20_000);
    assert.deepEqual(got.get(2), got.get(1));
    assert.deepEqual(got.get(3), got.get(1));
    for (const n of ring) {
      assert.ok(n.stats.fragmentsOut > 0, `node ${n.nodeId} sent pieces`);
      assert.ok(n.stats.reassembly.framesCompleted > 0, `node ${n.nodeId} put frames back together`);
      assert.equal(n.stats.reassembly.framesAbandoned, 0, 'nothing lost on loopback');
    }
  } finally {
    await Promise.all(ring.map((n) => n.stop({ leave: false })));
  }
});

test('ip_fragmentation auto: frames above a datagram go whole once a peer answers an authenticated probe; a silent peer goes back to pieces', async () => {
  const ports = await freePorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const key = generateKey();
  const got = new Map<number, string[]>(nodes.map((n) => [n.nodeId, []]));
  const paths: string[] = [];
  const ring = nodes.map((n) => {
    const sealer = createFrameCrypto({ cipher: 'aes256', hash: 'sha256', key, clusterName: 'probe' });
    const node = new RingNode({
      nodeId: n.nodeId, nodes, sealer, totem: { token: 1000, netmtu: 65_536 - sealer.overheadBytes }, maxDatagramBytes: 1200, maxFrameBytes: 65_536,
      probeTiming: { confirmedIntervalMs: 300, answerTimeoutMs: 200 },
    });
    node.on('deliver', (d) => got.get(n.nodeId)!.push(payloadId(d.data) ?? '?'));
    node.on('path', (p) => paths.push(`${n.nodeId}->${p.nodeId}:${p.whole ? 'whole' : 'pieces'}`));
    return node;
  });
  try {
    await Promise.all(ring.map((n) => n.start()));
    await waitFor('a ring of three', () => ring.every((n) => n.status().members.length === 3 && n.status().state === 'operational'), 15_000);
    await waitFor('every path proven', () => ring.every((n) => n.wholeFramePeers().length === 2), 5_000);
    const pieces = ring.map((n) => n.stats.fragmentsOut);
    for (let k = 1; k <= 30; k++) for (const n of ring) assert.ok(n.send(makePayload(`${n.nodeId}.w:${k}`, 30_000)).ok);
    await waitFor('every message everywhere', () => ring.every((n) => got.get(n.nodeId)!.length === 90), 20_000);
    assert.deepEqual(got.get(2), got.get(1));
    assert.deepEqual(got.get(3), got.get(1));
    ring.forEach((n, i) => {
      assert.ok(n.stats.wholeFramesOut >= 30, `node ${n.nodeId} sent whole frames`);
      assert.equal(n.stats.fragmentsOut, pieces[i], `node ${n.nodeId} sent no pieces once its paths were proven`);
      assert.ok(n.stats.probeAnswersIn >= 2 && n.stats.probesOut >= 2);
    });

    // A forged probe (no valid envelope) is dropped and counted, and answers nothing.
    const forger = createSocket('udp4');
    const answersBefore = ring[0]!.stats.probeAnswersOut;
    const forged = Buffer.alloc(200, 7);
    forged[0] = PROBE_MARKER;
    await new Promise<void>((resolve) => forger.send(forged, nodes[0]!.port, '127.0.0.1', () => resolve()));
    await waitFor('the forged probe counted', () => Object.values(ring[0]!.stats.rejected).reduce((a, b) => a + b, 0) >= 1, 5_000);
    forger.close();
    assert.equal(ring[0]!.stats.probeAnswersOut, answersBefore);

    // Node 3 goes silent: 1 and 2 stop sending it whole frames after two unanswered probes.
    await ring[2]!.stop({ leave: false });
    await waitFor('1 and 2 demote node 3', () => paths.includes('1->3:pieces') && paths.includes('2->3:pieces'), 5_000);
    assert.deepEqual(ring[0]!.wholeFramePeers(), [2]);
  } finally {
    await Promise.all(ring.map((n) => n.stop({ leave: false })));
  }
});

test('a planned stop drains: every message the node accepted is delivered to it before it leaves, even when the stop lands while the ring re-forms', async () => {
  const ports = await freePorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const histories = new Map<number, HistoryRecord[]>();
  const ring = nodes.map((n) => {
    const node = new RingNode({ nodeId: n.nodeId, nodes, totem: { token: 600 } });
    const history: HistoryRecord[] = [{ ev: 'start', node: n.nodeId, boot: 'd1' }];
    histories.set(n.nodeId, history);
    node.on('config', (c) => history.push({ ev: 'config', kind: c.type, ring: formatRingId(c.ringId.rep, c.ringId.seq), members: [...c.members] }));
    node.on('deliver', (d) => {
      const id = payloadId(d.data);
      if (id) history.push({ ev: 'deliver', id, from: d.from });
    });
    return node;
  });
  try {
    await Promise.all(ring.map((n) => n.start()));
    await waitFor('one ring of three', () => ring.every((n) => n.status().members.length === 3 && n.status().state === 'operational'), 15_000);
    // Node 3 hands over a burst, then node 2 fails silently: the ring must notice (token loss,
    // 600 ms) and re-form before node 3's burst can all be delivered; node 3 is asked to stop at once.
    const sent: string[] = [];
    for (let k = 1; k <= 300; k++) {
      const id = `3.d1:${k}`;
      assert.ok(ring[2]!.send(makePayload(id, 200)).ok);
      histories.get(3)!.push({ ev: 'send', id });
      sent.push(id);
    }
    await ring[1]!.stop({ leave: false });
    histories.get(2)!.push({ ev: 'crash' });
    const stopping = ring[2]!.stop();
    const refused = ring[2]!.send(makePayload('3.d1:301', 10));
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, 'SHUTTING_DOWN');
    const result = await stopping;
    assert.ok(result, 'a drain result');
    assert.equal(result.undelivered, 0, JSON.stringify(result));
    // It really had to wait for a new ring: most of the burst was still queued when it was asked to stop.
    assert.ok(result.undeliveredAtStart > 200 && result.ringsFormed >= 1, JSON.stringify(result));
    assert.equal(result.timedOut, false);
    histories.get(3)!.push({ ev: 'stop' });
    const own = histories.get(3)!.filter((r) => r.ev === 'deliver' && r.from === 3).map((r) => (r.ev === 'deliver' ? r.id : ''));
    assert.deepEqual(own, sent, 'every accepted message came back, in order, before stop() resolved');
    await waitFor('node 1 delivered them too', () => histories.get(1)!.filter((r) => r.ev === 'deliver').length === 300, 10_000);
    await waitFor('node 1 alone', () => ring[0]!.status().members.length === 1 && ring[0]!.status().state === 'operational', 10_000);
    const report = checkHistories([...histories.values()]);
    assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  } finally {
    await Promise.all(ring.map((n) => n.stop({ leave: false })));
  }
});

test('a planned stop is bounded: with no ring to order its messages the node leaves after shutdownDrainTimeoutMs and reports them', async () => {
  const ports = await freePorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  // A long consensus: once node 2 goes silent, node 1 stays in gather for 10 s, so nothing it
  // hands over meanwhile can be ordered within its 400 ms bound.
  const ring = nodes.map((n) => new RingNode({ nodeId: n.nodeId, nodes, totem: { token: 300, consensus: 10_000 }, shutdownDrainTimeoutMs: 400 }));
  try {
    await Promise.all(ring.map((n) => n.start()));
    await waitFor('a ring of two', () => ring.every((n) => n.status().members.length === 2 && n.status().state === 'operational'), 15_000);
    await ring[1]!.stop({ leave: false });
    await waitFor('node 1 gathering', () => ring[0]!.status().state === 'gather', 5_000);
    for (let k = 1; k <= 5; k++) assert.ok(ring[0]!.send(makePayload(`1.x:${k}`, 10)).ok);
    const startedAt = performance.now();
    const result = await ring[0]!.stop();
    const took = performance.now() - startedAt;
    assert.equal(result?.timedOut, true, JSON.stringify(result));
    assert.equal(result?.undelivered, 5);
    assert.equal(result?.ringsFormed, 0);
    assert.ok(took >= 390 && took < 2000, `took ${took} ms`);
  } finally {
    await Promise.all(ring.map((n) => n.stop({ leave: false })));
  }
});

test('onTraffic hears every message sent and delivered and every frame in and out (the memory pacer counts them)', async () => {
  const ports = await freePorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const heard = new Map<number, number>([[1, 0], [2, 0]]);
  const delivered = new Map<number, number>([[1, 0], [2, 0]]);
  const configs = new Map<number, number>([[1, 0], [2, 0]]);
  const ring = nodes.map((n) => {
    const node = new RingNode({ nodeId: n.nodeId, nodes, totem: { token: 1000 }, onTraffic: (bytes) => heard.set(n.nodeId, heard.get(n.nodeId)! + bytes) });
    node.on('config', (c) => configs.set(n.nodeId, c.members.length));
    node.on('deliver', () => delivered.set(n.nodeId, delivered.get(n.nodeId)! + 1));
    return node;
  });
  try {
    await Promise.all(ring.map((n) => n.start()));
    await waitFor('a ring of two', () => [1, 2].every((id) => configs.get(id) === 2), 15_000);
    const before = new Map(heard);
    const count = 50;
    const size = 4000;
    for (let k = 0; k < count; k++) assert.ok(ring[0]!.send(makePayload(`1.b1:${k}`, size)).ok);
    await waitFor('every message delivered at both', () => [1, 2].every((id) => delivered.get(id) === count), 15_000);
    const bytes = count * size;
    // The sender: each message sent, its frames sealed, each delivered back; the receiver: the
    // frames received and each message delivered.
    assert.ok(heard.get(1)! - before.get(1)! >= 3 * bytes, `sender heard ${heard.get(1)! - before.get(1)!} bytes for ${bytes}`);
    assert.ok(heard.get(2)! - before.get(2)! >= 2 * bytes, `receiver heard ${heard.get(2)! - before.get(2)!} bytes for ${bytes}`);
  } finally {
    await Promise.all(ring.map((n) => n.stop({ leave: false })));
  }
});

test('maxQueuedBytes (ringcast.send_queue_bytes) bounds what a node accepts while it cannot send: the next message gets QUEUE_FULL', async () => {
  const ports = await freePorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  // Node 2 never starts and consensus is long: node 1 gathers for 10 s and multicasts nothing,
  // so its queue fills to the bound exactly.
  const node = new RingNode({ nodeId: 1, nodes, totem: { token: 300, consensus: 10_000 }, maxQueuedBytes: 65_536 });
  await node.start();
  let accepted = 0;
  let refused: ReturnType<RingNode['send']> | undefined;
  for (let k = 0; k < 100 && !refused; k++) {
    const result = node.send(new Uint8Array(4096));
    if (result.ok) accepted++;
    else refused = result;
  }
  try {
    assert.ok(refused && !refused.ok && refused.code === 'QUEUE_FULL', JSON.stringify(refused));
    assert.ok(accepted >= 14 && accepted <= 16, `accepted ${accepted} messages of 4 KiB under a 64 KiB bound`);
  } finally {
    await node.stop({ leave: false });
  }
});
