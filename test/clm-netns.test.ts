/**
 * CLM end to end: real ringcastd processes in network namespaces, trackers through the client
 * library. A node joins, leaves cleanly (SIGTERM), is killed (kill -9) and comes back, then a 2|2
 * partition heals: each step is exactly one notification at every tracker, a merge one
 * notification with the other side's nodes JOINED; view numbers grow; every daemon ends with the
 * same records (`ringcast clm nodes --json`, byte for byte), names from the nodelist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor, type Member } from './lab/daemon-cluster.js';
import { connect, type ClmTrackNotification, type RingcastClient } from '../src/client/index.js';

const lab = labAvailable();
const skip = lab.ok ? false : lab.reason;
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');

let c: DaemonCluster;
let config: string;
const clients: RingcastClient[] = [];

before(() => {
  if (skip) return;
  c = new DaemonCluster(4, 'ringcast-clm-');
  // The same cluster with a nodelist name per node: CLM names nodes by it.
  config = join(c.dir, 'named.conf');
  writeFileSync(config, readFileSync(c.config, 'utf8').replace(/nodeid: (\d+)/g, 'nodeid: $1\n    name: node$1'));
});

after(async () => {
  for (const client of clients) await client.close().catch(() => {});
  if (!skip) await c.destroy();
});

interface Tracker {
  readonly node: number;
  readonly seen: ClmTrackNotification[];
  readonly failed: () => unknown;
}

/** Tracks on `node`'s daemon in the background (CURRENT | CHANGES), keeping every notification. */
async function tracker(node: number): Promise<Tracker> {
  const client = await connect({ stateDir: c.members[node - 1]!.stateDir });
  clients.push(client);
  const clm = await client.clm();
  const seen: ClmTrackNotification[] = [];
  let failure: unknown;
  void (async () => {
    try {
      for await (const n of clm.track()) seen.push(n);
    } catch (err) {
      failure = err;
    }
  })();
  await waitFor(`node ${node}'s tracker has the current view`, () => seen.length > 0 || failure !== undefined, 10_000);
  return { node, seen, failed: () => failure };
}

const items = (n: ClmTrackNotification): string => n.items.map((i) => `${i.nodeId}:${i.change}`).join(' ');

/** Waits for `t`'s next notification after `from` seen ones; it must be the only one within `settleMs` after. */
async function nextNotification(t: Tracker, from: number, what: string, timeoutMs = 20_000): Promise<ClmTrackNotification> {
  await waitFor(`${what} at node ${t.node}`, () => t.seen.length > from || t.failed() !== undefined, timeoutMs);
  assert.equal(t.failed(), undefined);
  return t.seen[from]!;
}

function clmNodes(m: Member): string {
  return execFileSync(process.execPath, [CLI, 'clm', 'nodes', '--json'], { env: { ...process.env, RINGCAST_STATE_DIR: m.stateDir }, encoding: 'utf8' });
}

test('CLM through join, clean leave, kill -9 and a 2|2 partition: one notification per change, a merge is one JOINED notification', { skip, timeout: 180_000 }, async () => {
  const [m1, m2, m3, m4] = c.members as [Member, Member, Member, Member];
  for (const m of [m1, m2, m3]) c.start(m, config);
  await waitFor('a ring of 1,2,3', c.ringOf([1, 2, 3]), 20_000);
  const t1 = await tracker(1);
  assert.equal(items(t1.seen[0]!), '1:NO_CHANGE 2:NO_CHANGE 3:NO_CHANGE');
  assert.deepEqual(t1.seen[0]!.items.map((i) => i.name), ['node1', 'node2', 'node3']);
  assert.deepEqual(t1.seen[0]!.items.map((i) => i.address), [1, 2, 3].map((id) => c.lab.address(id)));

  // Join.
  let at = t1.seen.length;
  c.start(m4, config);
  const joined = await nextNotification(t1, at, 'node 4 JOINED');
  assert.equal(items(joined), '1:NO_CHANGE 2:NO_CHANGE 3:NO_CHANGE 4:JOINED');
  assert.equal(joined.numberOfMembers, 4);
  assert.ok(joined.viewNumber > t1.seen[0]!.viewNumber);
  const firstBoot4 = joined.items[3]!.initialViewNumber;

  // Clean leave (SIGTERM: the daemon leaves the ring at once).
  at = t1.seen.length;
  m4.proc!.kill('SIGTERM');
  const left = await nextNotification(t1, at, 'node 4 LEFT');
  assert.equal(items(left), '1:NO_CHANGE 2:NO_CHANGE 3:NO_CHANGE 4:LEFT');
  assert.equal(left.items[3]!.member, false);
  assert.equal(left.numberOfMembers, 3);

  // kill -9 of node 2: LEFT after the token timeout; it comes back with a new initial view number.
  at = t1.seen.length;
  m2.proc!.kill('SIGKILL');
  const killed = await nextNotification(t1, at, 'node 2 LEFT after kill -9');
  assert.equal(items(killed), '1:NO_CHANGE 3:NO_CHANGE 2:LEFT');
  at = t1.seen.length;
  c.start(m2, config);
  c.start(m4, config);
  await waitFor('a ring of four again', c.ringOf([1, 2, 3, 4]), 30_000);
  await waitFor('node 1 heard of 2 and 4 again', () => t1.seen.slice(at).some((n) => n.numberOfMembers === 4), 10_000);
  const back = t1.seen.slice(at);
  assert.ok(back.length <= 2, `one notification per view: ${back.map(items).join(' | ')}`);
  assert.ok(back.every((n) => n.items.every((i) => i.change !== 'LEFT')));
  assert.ok(t1.seen.at(-1)!.items[3]!.initialViewNumber > firstBoot4, 'node 4 restarted: a new initial view number');

  // A 2|2 partition: each side sees the other leave in one notification; the heal is one JOINED notification.
  const t3 = await tracker(3);
  at = t1.seen.length;
  const at3 = t3.seen.length;
  c.lab.partition([[1, 2], [3, 4]]);
  const split1 = await nextNotification(t1, at, 'the partition at node 1');
  const split3 = await nextNotification(t3, at3, 'the partition at node 3');
  assert.equal(items(split1), '1:NO_CHANGE 2:NO_CHANGE 3:LEFT 4:LEFT');
  assert.equal(items(split3), '3:NO_CHANGE 4:NO_CHANGE 1:LEFT 2:LEFT');
  await waitFor('both sides operational on their own', () => c.ringOf([1, 2])() && c.ringOf([3, 4])(), 20_000);
  const heal1 = t1.seen.length;
  const heal3 = t3.seen.length;
  c.lab.heal();
  const merged1 = await nextNotification(t1, heal1, 'the merge at node 1', 30_000);
  const merged3 = await nextNotification(t3, heal3, 'the merge at node 3', 30_000);
  assert.equal(items(merged1), '1:NO_CHANGE 2:NO_CHANGE 3:JOINED 4:JOINED');
  assert.equal(items(merged3), '1:JOINED 2:JOINED 3:NO_CHANGE 4:NO_CHANGE');
  assert.equal(merged1.viewNumber, merged3.viewNumber, 'one view on both sides');
  await waitFor('a ring of four after the heal', c.ringOf([1, 2, 3, 4]), 20_000);

  // View numbers only grow; every daemon holds the same records.
  for (const t of [t1, t3]) {
    const views = t.seen.map((n) => n.viewNumber);
    assert.deepEqual(views, [...views].sort((a, b) => a - b));
    assert.equal(new Set(views).size, views.length);
  }
  await waitFor('every daemon installed the merged view', () => c.members.every((m) => {
    try {
      return (JSON.parse(clmNodes(m)) as { viewNumber: number }).viewNumber === merged1.viewNumber;
    } catch {
      return false;
    }
  }), 10_000);
  const listings = c.members.map(clmNodes);
  assert.equal(new Set(listings).size, 1, listings.join(''));
  const listed = JSON.parse(listings[0]!) as { nodes: { nodeId: number; name: string }[] };
  assert.deepEqual(listed.nodes.map((n) => `${n.nodeId}=${n.name}`), ['1=node1', '2=node2', '3=node3', '4=node4']);
});
