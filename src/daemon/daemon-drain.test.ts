/**
 * A daemon's planned stop (Daemon.stop, what SIGTERM runs): under its synthetic load it stops
 * taking messages, delivers everything it accepted, and only then leaves; its history's `stop`
 * lists nothing abandoned and the checker holds it to self delivery. Clients: a request already
 * read is answered, new connections are refused with SERVER_STOPPING, and the connection of a
 * client whose request was not read yet ends with SERVER_STOPPING (a clear error, not a loss).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectIpc, CS_ERROR, IpcError } from '../ipc/index.js';
import { encodeCpgLibRequest } from '../protocol/cpg/lib-protocol.js';
import { checkHistories } from '../check/index.js';
import { parseHistory } from '../history/records.js';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from './testing.js';

test('a stop under load drains: every message the daemon accepted is delivered to it before it leaves', async (t) => {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-drain-'));
  const historyOf = (id: number): string => join(dir, `history${id}.jsonl`);
  const daemons: TestDaemon[] = [];
  for (const n of nodes) {
    daemons.push(await startTestDaemon({
      nodeId: n.nodeId, nodes, waitMembers: 0,
      overrides: { load: { ratePerSec: 2000, sizeBytes: 200 }, historyPath: historyOf(n.nodeId) },
    }));
  }
  t.after(() => Promise.all(daemons.map((d) => d.stop())));
  await waitFor('a synced ring of two', () => daemons.every((d) => d.daemon.node.status().members.length === 2 && d.daemon.host.exec.syncState === 'done'), 20_000);
  await waitFor('load flowing', () => daemons.every((d) => d.daemon.status({ sample: false }).counters.loadSent > 200), 10_000);

  await daemons[0]!.stop();
  await waitFor('node 2 alone', () => daemons[1]!.daemon.node.status().members.length === 1, 10_000);
  await daemons[1]!.stop();

  const histories = daemons.map((d) => {
    const parsed = parseHistory(readFileSync(historyOf(d.daemon.node.nodeId), 'utf8'));
    assert.deepEqual(parsed.errors, []);
    return parsed.records;
  });
  for (const h of histories) {
    const stop = h.at(-1)!;
    assert.equal(stop.ev, 'stop');
    assert.equal(stop.ev === 'stop' && stop.abandoned, undefined, 'nothing abandoned');
    assert.ok(h.filter((r) => r.ev === 'send').length > 200, 'the load ran');
  }
  const report = checkHistories(histories);
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  assert.ok(daemons[0]!.logs.some((l) => /drained in \d+ ms: every accepted message was delivered/.test(l.msg)), 'the drain is logged');
});

test('clients of a stopping daemon: new connections and unread requests get SERVER_STOPPING; the bound is kept and what was abandoned is logged', async (t) => {
  // Two daemons with a long consensus; node 2 then fails silently, so node 1 gathers for 10 s:
  // a client's mcast it accepts meanwhile cannot be ordered, and its drain ends by its bound.
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const overrides = { totem: { token: 200, join: 20, consensus: 10_000 }, shutdownDrainTimeoutMs: 1500 };
  const [d, peer] = await Promise.all(nodes.map((n) => startTestDaemon({ nodeId: n.nodeId, nodes, waitMembers: 0, overrides })));
  t.after(() => Promise.all([d!.stop(), peer!.stop()]));
  await waitFor('a synced ring of two', () => [d!, peer!].every((x) => x.daemon.node.status().members.length === 2 && x.daemon.host.exec.syncState === 'done'), 20_000);
  const first = await connectIpc({ path: d!.socketPath, serviceName: 'cpg', pid: 4001 });
  const second = await connectIpc({ path: d!.socketPath, serviceName: 'cpg', pid: 4002 });
  const group = new TextEncoder().encode('g');
  const join = encodeCpgLibRequest({ kind: 'join', group, deliverInitialTotemConf: false });
  assert.equal((await first.request(join.messageId, join.payload)).status, CS_ERROR.CS_OK);
  await peer!.daemon.node.stop({ leave: false });
  await waitFor('node 1 gathering', () => d!.daemon.node.status().state === 'gather', 5_000);
  const mcast = encodeCpgLibRequest({ kind: 'mcast', group, guarantee: 'agreed', data: new Uint8Array([1]) });
  // CPG answers an mcast once the ring took it (as Corosync does): accepted, not yet delivered.
  assert.equal((await first.request(mcast.messageId, mcast.payload)).status, CS_ERROR.CS_OK);
  await waitFor('the mcast is on the ring', () => d!.daemon.host.exec.ownMessages.inFlight === 1);

  const startedAt = performance.now();
  const stopping = d!.daemon.stop();
  await waitFor('the host drains', () => d!.daemon.host.draining);
  const refusedConnect = connectIpc({ path: d!.socketPath, serviceName: 'cpg', pid: 4003 });
  const unread = second.request(mcast.messageId, mcast.payload);
  const stoppingReason = (err: unknown): boolean => {
    assert.ok(err instanceof IpcError, String(err));
    assert.equal(err.reason, 'SERVER_STOPPING');
    return true;
  };
  await assert.rejects(refusedConnect, stoppingReason);
  await assert.rejects(unread, stoppingReason);
  await stopping;
  const tookMs = performance.now() - startedAt;
  assert.ok(tookMs >= 1400 && tookMs < 4000, `stop took ${tookMs} ms`);
  const warning = d!.logs.find((l) => /shutdown_drain_timeout ran out/.test(l.msg));
  assert.ok(warning, d!.logs.map((l) => l.msg).join('\n'));
  // The accepted mcast could not be ordered within the bound: the daemon says it abandoned it.
  assert.equal(warning['abandoned'], 1, 'the accepted mcast');
  assert.equal(warning['ringsFormed'], 0);
  first.close();
  second.close();
});
