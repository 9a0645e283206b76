/**
 * ringcastd as a full member of a Corosync 3.1 ring (issue 14), in network namespaces with Corosync
 * from the distribution: two Corosync nodes and one ringcastd, then one Corosync and two ringcastd.
 * Both engines finish service synchronization with every member, Corosync counts ringcast's vote,
 * and `corosync-quorumtool -s` and `ringcast quorum` agree on the ring id, the nodes and the votes.
 * A ringcast node killed with -9 leaves a Corosync cluster that carries on; restarted, it rejoins
 * and sync completes again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect, type CpgEvent } from '../src/client/index.js';
import { WatchRecorder } from '../src/cli/cpg-history.js';
import { checkHistories, type HistoryRecord } from '../src/check/index.js';
import { makePayload, payloadId } from '../src/history/payload.js';
import { labAvailable } from './lab/netns.js';
import { waitFor } from './lab/daemon-cluster.js';
import { corosyncAvailable, MixedRing, quorumFacts, type Engine } from './lab/mixed-ring.js';

const lab = labAvailable();
const corosync = corosyncAvailable();
const skip = !lab.ok ? lab.reason : !corosync.ok ? corosync.reason : false;
const cpgSkip = skip || (cpgPeerBuildable() ? false : 'gcc and the libcpg headers are needed to build test/lab/cpg-peer.c (scripts/install-lab-tools.sh installs them as root)');

function cpgPeerBuildable(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    execFileSync('test', ['-e', '/usr/include/corosync/cpg.h']);
    return true;
  } catch {
    return false;
  }
}
const rings: MixedRing[] = [];

after(async () => {
  for (const r of rings) await r.destroy();
});

function sameQuorumView(r: MixedRing): void {
  const views = r.nodes.map((n) => ({ id: n.id, engine: n.engine, ...quorumFacts(r.quorumText(n.id)) }));
  for (const v of views.slice(1)) {
    assert.deepEqual({ ringId: v.ringId, nodes: v.nodes, totalVotes: v.totalVotes, quorate: v.quorate },
      { ringId: views[0]!.ringId, nodes: views[0]!.nodes, totalVotes: views[0]!.totalVotes, quorate: views[0]!.quorate },
      `node ${v.id} (${v.engine}) and node ${views[0]!.id} (${views[0]!.engine}) differ: ${JSON.stringify(views)}`);
  }
  assert.equal(views[0]!.totalVotes, String(r.nodes.length));
  assert.equal(views[0]!.quorate, 'Yes');
}

test('two Corosync nodes and one ringcastd: sync completes everywhere, one quorum view; a killed ringcast node leaves, rejoins', { skip, timeout: 150_000 }, async () => {
  const engines: Engine[] = ['corosync', 'corosync', 'ringcast'];
  const r = new MixedRing(engines);
  rings.push(r);
  await r.form();
  sameQuorumView(r);
  assert.match(r.log(1), /Members joined:( \d+)* 3\b/);

  // cfg across engines: Corosync's reload reaches the ringcast node, ringcast's reaches Corosync.
  const csReload = r.exec(1, 'corosync-cfgtool', ['-R']);
  assert.equal(csReload.status, 0, csReload.output);
  await waitFor('the ringcast node reloads on corosync-cfgtool -R', () => /Config reload requested by node 1".*\n.*cfg reload: configuration reloaded/.test(r.log(3)), 10_000);
  const rcReload = r.ringcast(3, ['cfg', 'reload']);
  assert.equal(rcReload.status, 0, rcReload.output);
  assert.equal(rcReload.output, 'Reloading corosync.conf...\nDone\n');
  await waitFor('the Corosync nodes reload on ringcast cfg reload', () => [1, 2].every((id) => r.log(id).includes('Config reload requested by node 3')), 10_000);
  assert.equal(r.ringcast(3, ['cfg', 'status']).output.split('\n').slice(0, 2).join('\n'), 'Local node ID 3, transport udpu\nLINK ID 0 ');

  await r.kill(3);
  await waitFor('the two Corosync nodes in a synchronized ring of 2', () => r.synced(1, 2)() && r.synced(2, 2)(), 30_000);
  assert.equal(quorumFacts(r.quorumText(1)).quorate, 'Yes');
  r.start(3);
  await waitFor('ringcast node 3 back in a synchronized ring of 3', r.synced(3, 3), 30_000);
  await waitFor('the Corosync nodes synchronized with it', () => r.synced(1, 3)() && r.synced(2, 3)(), 30_000);
  sameQuorumView(r);

  // Then a Corosync node: the other Corosync node and the ringcast node carry on; it comes back.
  await r.kill(2);
  await waitFor('nodes 1 (Corosync) and 3 (ringcast) in a synchronized ring of 2', () => r.synced(1, 2)() && r.synced(3, 2)(), 30_000);
  assert.deepEqual(quorumFacts(r.quorumText(3)).nodes, quorumFacts(r.quorumText(1)).nodes);
  r.start(2);
  await waitFor('all three synchronized again', () => r.synced(1, 3)() && r.synced(2, 3)() && r.synced(3, 3)(), 30_000);
  sameQuorumView(r);
});

test('one Corosync node and two ringcastd: sync completes everywhere, one quorum view; the Corosync node killed and restarted', { skip, timeout: 150_000 }, async () => {
  const engines: Engine[] = ['ringcast', 'corosync', 'ringcast'];
  const r = new MixedRing(engines);
  rings.push(r);
  await r.form();
  sameQuorumView(r);

  await r.kill(2);
  await waitFor('the two ringcast nodes in a synchronized ring of 2', () => r.synced(1, 2)() && r.synced(3, 2)(), 30_000);
  r.start(2);
  await waitFor('Corosync back in a synchronized ring of 3', r.synced(2, 3), 30_000);
  await waitFor('the ringcast nodes synchronized with it', () => r.synced(1, 3)() && r.synced(3, 3)(), 30_000);
  sameQuorumView(r);
});

/** A Corosync CPG application (test/lab/cpg-peer.c) on a Corosync node: JSON lines out, lines to multicast in. */
class CpgPeer {
  readonly lines: Record<string, unknown>[] = [];
  constructor(readonly proc: ChildProcess, onLine: (line: Record<string, unknown>) => void) {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const line = JSON.parse(l) as Record<string, unknown>;
      this.lines.push(line);
      onLine(line);
    });
  }
  send(bytes: Uint8Array): void {
    this.proc.stdin!.write(`${Buffer.from(bytes).toString('hex')}\n`);
  }
  of(ev: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.ev === ev);
  }
}

const fromHex = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');

test('CPG across engines: a Corosync CPG application and a ringcast one in one group see the same members and the same messages in one order', { skip: cpgSkip, timeout: 150_000 }, async () => {
  const engines: Engine[] = ['corosync', 'corosync', 'ringcast'];
  const r = new MixedRing(engines);
  rings.push(r);
  const peerBin = join(r.dir, 'cpg-peer');
  execFileSync('gcc', ['-O2', '-Wall', '-std=gnu11', '-o', peerBin, join(process.cwd(), 'test/lab/cpg-peer.c'), '-lcpg']);
  await r.form();

  // Each side's history, written as its CPG tells its application (src/cli/cpg-history.ts, as
  // `ringcast cpg watch --history` does): totem configurations, deliveries; sends as they are made.
  const ringcastHistory: HistoryRecord[] = [];
  const corosyncHistory: HistoryRecord[] = [];
  const sink = (h: HistoryRecord[]) => ({ write: (rec: HistoryRecord) => void h.push(rec), close: async () => {} });
  const ringcastRecorder = new WatchRecorder(sink(ringcastHistory), 'mixed-g');
  const corosyncRecorder = new WatchRecorder(sink(corosyncHistory), 'mixed-g');
  ringcastRecorder.start(3, 'rc');
  corosyncRecorder.start(1, 'cs');
  const peer = new CpgPeer(r.lab.spawnIn(1, peerBin, ['mixed-g'], { stdio: ['pipe', 'pipe', 'inherit'] }), (l) => {
    if (l.ev === 'totem') corosyncRecorder.onEvent({ type: 'totemConfchg', ringId: { nodeId: l.rep as number, seq: l.seq as number }, nodes: l.nodes as number[] });
    if (l.ev === 'deliver') corosyncRecorder.onEvent({ type: 'deliver', group: 'mixed-g', groupBytes: new TextEncoder().encode('mixed-g'), nodeId: l.node as number, pid: l.pid as number, data: Buffer.from(l.hex as string, 'hex') });
  });
  await waitFor('the Corosync CPG application joined', () => peer.of('ready').length === 1, 15_000);
  const peerPid = peer.of('ready')[0]!.pid as number;
  const client = await connect({ stateDir: join(r.nodes[2]!.dir, 'state') });
  try {
    const cpg = await client.cpg();
    const events: CpgEvent[] = [];
    // The stream ends with an error when the test kills the daemon at the end: expected there.
    const stream = (async () => {
      for await (const e of cpg.events()) {
        events.push(e);
        ringcastRecorder.onEvent(e);
      }
    })().catch((err: unknown) => err);
    await cpg.join('mixed-g', { initialTotemConfchg: true });
    // Membership, both ways: each side sees the other's process with its node id and pid, joined (reason 1).
    await waitFor('Corosync sees the ringcast member join', () => peer.of('confchg').some((c) =>
      (c.joined as number[][]).some(([node, pid, reason]) => node === 3 && pid === process.pid && reason === 1)), 15_000);
    const confchgs = () => events.filter((e): e is Extract<CpgEvent, { type: 'confchg' }> => e.type === 'confchg');
    await waitFor('ringcast sees both members', () => confchgs().some((c) => c.members.length === 2), 15_000);
    const members = confchgs().at(-1)!.members.map((m) => `${m.nodeId}:${m.pid}`).sort();
    assert.deepEqual(members, [`1:${peerPid}`, `3:${process.pid}`].sort());
    const lastPeerView = (peer.of('confchg').at(-1)!.members as number[][]).map(([n, p]) => `${n}:${p}`).sort();
    assert.deepEqual(lastPeerView, members);

    // Messages both ways, interleaved, carrying history ids: every message once on each side, in one
    // order, and both sides' histories (CPG's deliveries and totem configurations) pass the checker.
    const sends: Promise<void>[] = [];
    for (let i = 1; i <= 30; i++) {
      const cs = `1.cs:${i}`;
      corosyncHistory.push({ ev: 'send', id: cs, t: Date.now() });
      peer.send(makePayload(cs, 64));
      const rc = `3.rc:${i}`;
      ringcastHistory.push({ ev: 'send', id: rc, t: Date.now() });
      sends.push(cpg.mcast('mixed-g', makePayload(rc, i % 3 === 0 ? 3000 : 64)));
    }
    await Promise.all(sends);
    const ours = () => events.filter((e): e is Extract<CpgEvent, { type: 'deliver' }> => e.type === 'deliver')
      .map((e) => `${e.nodeId}:${e.pid}:${payloadId(e.data)}`);
    const theirs = () => peer.of('deliver').map((d) => `${d.node as number}:${d.pid as number}:${payloadId(Buffer.from(d.hex as string, 'hex'))}`);
    await waitFor('60 deliveries on each side', () => ours().length >= 60 && theirs().length >= 60, 30_000);
    assert.deepEqual(ours(), theirs());
    assert.equal(new Set(ours()).size, 60);
    assert.deepEqual(ours().filter((m) => m.includes(':1.cs')).map((m) => m.split(':').slice(2).join(':')), Array.from({ length: 30 }, (_, i) => `1.cs:${i + 1}`));
    assert.deepEqual(ours().filter((m) => m.includes(':3.rc')).map((m) => m.split(':').slice(2).join(':')), Array.from({ length: 30 }, (_, i) => `3.rc:${i + 1}`));
    const order = (h: HistoryRecord[]) => h.filter((x) => x.ev === 'send' || x.ev === 'deliver').length;
    assert.equal(order(ringcastHistory), 90);
    assert.equal(order(corosyncHistory), 90);
    const report = checkHistories([ringcastHistory, corosyncHistory], { quiescent: true });
    assert.ok(report.ok, report.violations.map((v) => `${v.property}: ${v.message}`).join('\n'));
    assert.ok(ringcastHistory.some((x) => x.ev === 'config' && x.kind === 'regular' && x.members.length === 3));

    // The ringcast member leaves: Corosync reports it left with CPG_REASON_LEAVE (2).
    await cpg.leave('mixed-g');
    await waitFor('Corosync sees the ringcast member leave', () => peer.of('confchg').some((c) =>
      (c.left as number[][]).some(([node, pid, reason]) => node === 3 && pid === process.pid && reason === 2)), 15_000);
    // It joins again and its node dies (kill -9 of ringcastd): CPG_REASON_NODEDOWN (3) on Corosync.
    await cpg.join('mixed-g');
    await waitFor('Corosync sees it join again', () => peer.of('confchg').filter((c) =>
      (c.joined as number[][]).some(([node, pid]) => node === 3 && pid === process.pid)).length === 2, 15_000);
    await r.kill(3);
    await waitFor('Corosync sees the ringcast member\'s node go down', () => peer.of('confchg').some((c) =>
      (c.left as number[][]).some(([node, pid, reason]) => node === 3 && pid === process.pid && reason === 3)), 30_000);
    assert.match(String(await stream), /connection to ringcastd lost/);
  } finally {
    await client.close().catch(() => {});
    peer.proc.stdin!.end();
  }
});
