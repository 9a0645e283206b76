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

/** Corosync logged a membership with every one of `ids` followed by a completed sync. */
function corosyncSynced(r: MixedRing, id: number, members: number): () => boolean {
  return () => {
    const q = quorumFacts(r.quorumText(id));
    const log = r.log(id);
    const lastRing = log.lastIndexOf('A new membership');
    return q.nodes.split(',').filter(Boolean).length === members && lastRing >= 0 &&
      log.indexOf('Completed service synchronization, ready to provide service.', lastRing) > lastRing;
  };
}

function ringcastSynced(r: MixedRing, id: number, members: number): () => boolean {
  return () => {
    const s = r.status(id);
    return !!s && s.state === 'operational' && s.members.length === members && /Completed service synchronization/.test(r.log(id).split('A new membership').pop() ?? '');
  };
}

async function formed(r: MixedRing, engines: readonly Engine[]): Promise<void> {
  for (const n of r.nodes) r.start(n.id);
  for (const n of r.nodes) {
    await waitFor(`node ${n.id} (${n.engine}) in a synchronized ring of ${engines.length}`,
      n.engine === 'corosync' ? corosyncSynced(r, n.id, engines.length) : ringcastSynced(r, n.id, engines.length), 30_000);
  }
}

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
  const r = new MixedRing(engines, 231);
  rings.push(r);
  await formed(r, engines);
  sameQuorumView(r);
  assert.match(r.log(1), /Members joined:( \d+)* 3\b/);

  await r.kill(3);
  await waitFor('the two Corosync nodes in a synchronized ring of 2', () => corosyncSynced(r, 1, 2)() && corosyncSynced(r, 2, 2)(), 30_000);
  assert.equal(quorumFacts(r.quorumText(1)).quorate, 'Yes');
  r.start(3);
  await waitFor('ringcast node 3 back in a synchronized ring of 3', ringcastSynced(r, 3, 3), 30_000);
  await waitFor('the Corosync nodes synchronized with it', () => corosyncSynced(r, 1, 3)() && corosyncSynced(r, 2, 3)(), 30_000);
  sameQuorumView(r);
});

test('one Corosync node and two ringcastd: sync completes everywhere, one quorum view; the Corosync node killed and restarted', { skip, timeout: 150_000 }, async () => {
  const engines: Engine[] = ['ringcast', 'corosync', 'ringcast'];
  const r = new MixedRing(engines, 232);
  rings.push(r);
  await formed(r, engines);
  sameQuorumView(r);

  await r.kill(2);
  await waitFor('the two ringcast nodes in a synchronized ring of 2', () => ringcastSynced(r, 1, 2)() && ringcastSynced(r, 3, 2)(), 30_000);
  r.start(2);
  await waitFor('Corosync back in a synchronized ring of 3', corosyncSynced(r, 2, 3), 30_000);
  await waitFor('the ringcast nodes synchronized with it', () => ringcastSynced(r, 1, 3)() && ringcastSynced(r, 3, 3)(), 30_000);
  sameQuorumView(r);
});

/** A Corosync CPG application (test/lab/cpg-peer.c) on a Corosync node: JSON lines out, lines to multicast in. */
class CpgPeer {
  readonly lines: Record<string, unknown>[] = [];
  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (l) => this.lines.push(JSON.parse(l) as Record<string, unknown>));
  }
  send(text: string): void {
    this.proc.stdin!.write(`${text}\n`);
  }
  of(ev: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.ev === ev);
  }
}

const fromHex = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');

test('CPG across engines: a Corosync CPG application and a ringcast one in one group see the same members and the same messages in one order', { skip: cpgSkip, timeout: 150_000 }, async () => {
  const engines: Engine[] = ['corosync', 'corosync', 'ringcast'];
  const r = new MixedRing(engines, 233);
  rings.push(r);
  const peerBin = join(r.dir, 'cpg-peer');
  execFileSync('gcc', ['-O2', '-Wall', '-std=gnu11', '-o', peerBin, join(process.cwd(), 'test/lab/cpg-peer.c'), '-lcpg']);
  await formed(r, engines);

  const peer = new CpgPeer(r.lab.spawnIn(1, peerBin, ['mixed-g'], { stdio: ['pipe', 'pipe', 'inherit'] }));
  await waitFor('the Corosync CPG application joined', () => peer.of('ready').length === 1, 15_000);
  const peerPid = peer.of('ready')[0]!.pid as number;
  const client = await connect({ stateDir: join(r.nodes[2]!.dir, 'state') });
  try {
    const cpg = await client.cpg();
    const events: CpgEvent[] = [];
    void (async () => {
      for await (const e of cpg.events()) events.push(e);
    })();
    await cpg.join('mixed-g');
    // Membership, both ways: each side sees the other's process with its node id and pid, joined (reason 1).
    await waitFor('Corosync sees the ringcast member join', () => peer.of('confchg').some((c) =>
      (c.joined as number[][]).some(([node, pid, reason]) => node === 3 && pid === process.pid && reason === 1)), 15_000);
    const confchgs = () => events.filter((e): e is Extract<CpgEvent, { type: 'confchg' }> => e.type === 'confchg');
    await waitFor('ringcast sees both members', () => confchgs().some((c) => c.members.length === 2), 15_000);
    const members = confchgs().at(-1)!.members.map((m) => `${m.nodeId}:${m.pid}`).sort();
    assert.deepEqual(members, [`1:${peerPid}`, `3:${process.pid}`].sort());
    const lastPeerView = (peer.of('confchg').at(-1)!.members as number[][]).map(([n, p]) => `${n}:${p}`).sort();
    assert.deepEqual(lastPeerView, members);

    // Messages both ways, interleaved: every message once on each side, in one order.
    const sends: Promise<void>[] = [];
    for (let i = 1; i <= 30; i++) {
      peer.send(`c${i}`);
      sends.push(cpg.mcast('mixed-g', new TextEncoder().encode(`r${i}`)));
    }
    await Promise.all(sends);
    const ours = () => events.filter((e): e is Extract<CpgEvent, { type: 'deliver' }> => e.type === 'deliver')
      .map((e) => `${e.nodeId}:${e.pid}:${new TextDecoder().decode(e.data)}`);
    const theirs = () => peer.of('deliver').map((d) => `${d.node as number}:${d.pid as number}:${fromHex(d.hex as string)}`);
    await waitFor('60 deliveries on each side', () => ours().length >= 60 && theirs().length >= 60, 30_000);
    assert.deepEqual(ours(), theirs());
    assert.equal(new Set(ours()).size, 60);
    assert.deepEqual(ours().filter((m) => m.includes(':c')).map((m) => m.split(':')[2]), Array.from({ length: 30 }, (_, i) => `c${i + 1}`));
    assert.deepEqual(ours().filter((m) => m.includes(':r')).map((m) => m.split(':')[2]), Array.from({ length: 30 }, (_, i) => `r${i + 1}`));

    // The ringcast member leaves: Corosync reports it left with CPG_REASON_LEAVE (2).
    await cpg.leave('mixed-g');
    await waitFor('Corosync sees the ringcast member leave', () => peer.of('confchg').some((c) =>
      (c.left as number[][]).some(([node, pid, reason]) => node === 3 && pid === process.pid && reason === 2)), 15_000);
  } finally {
    await client.close();
    peer.proc.stdin!.end();
  }
});
