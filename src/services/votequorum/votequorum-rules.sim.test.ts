/**
 * votequorum's rules (Corosync 3.1.7, our note's sections 1.3, 1.4 and 1.10) as scripted
 * scenarios on the whole simulated daemon (src/sim/daemon, services cpg + votequorum): cold
 * starts, splits, merges, crashes and clean stops under each option, checking on every node of
 * each side what corosync-quorumtool would show (quorate, expected votes, highest expected, total
 * votes, quorum) and that libquorum (the quorum service, id 3) says the same quorate.
 *
 * Virtual time: token 1000 ms; `settle` runs until every node of each side installed that side
 * as its ring and finished its sync, then a little longer, bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveTotemConfig } from '../../totem/config.js';
import { Prng } from '../../sim/prng.js';
import { SIM_TOTEM_DEFAULTS } from '../../sim/run.js';
import { SimDaemonCluster, type SimVotequorumConfig } from '../../sim/daemon/cluster.js';

const BASE: SimVotequorumConfig = {
  votes: 1, expectedVotes: 0, twoNode: false, waitForAll: false, lastManStanding: false,
  lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' }, allowDownscale: false,
};

interface View { quorate: boolean; expected: number; highest: number; total: number; quorum: number }

class Scenario {
  readonly cluster: SimDaemonCluster;
  constructor(readonly n: number, config: Partial<SimVotequorumConfig> | ((id: number) => Partial<SimVotequorumConfig>) = {}, seed = 1) {
    const per = typeof config === 'function' ? config : () => config;
    this.cluster = new SimDaemonCluster({
      nodeIds: Array.from({ length: n }, (_, i) => i + 1),
      config: deriveTotemConfig(SIM_TOTEM_DEFAULTS),
      rng: new Prng(seed),
      baseDelayMs: 0.5,
      services: ['cpg', 'votequorum'],
      ratePerSec: 5,
      churnersPerNode: 0,
      maxQueuedBytes: 64 * 1024,
      votequorum: (id) => ({ ...BASE, expectedVotes: n, ...per(id) }),
    });
  }

  start(...ids: number[]): this {
    for (const id of ids) this.cluster.start(id);
    return this;
  }

  /** Partitions the network into `sides` (nodes not named are cut off alone) and settles. */
  split(...sides: number[][]): this {
    this.cluster.network.partition(sides);
    return this.settle(...sides);
  }

  merge(...sides: number[][]): this {
    this.cluster.network.heal();
    return this.settle(...sides);
  }

  /** Runs until every live node named is in a synced ring with exactly its side's live members. */
  settle(...sides: number[][]): this {
    const live = (ids: number[]): number[] => ids.filter((id) => this.cluster.stack(id) !== undefined && this.cluster.statusOf(id) === 'up');
    const done = (): boolean => sides.every((side) => live(side).every((id) => {
      const host = this.cluster.stack(id)!.host;
      const members = [...host.votequorum!.core.members].sort((a, b) => a - b);
      return host.exec.syncState === 'done' && members.join() === live(side).join();
    }));
    const limit = this.cluster.now + 30_000;
    while (!done()) {
      assert.ok(this.cluster.now < limit, `sides ${JSON.stringify(sides)} did not settle in 30 s of virtual time`);
      this.cluster.runUntil(this.cluster.now + 50);
    }
    // Anything that follows a sync (a NODEINFO, a quorum change) has happened by now.
    this.cluster.runUntil(this.cluster.now + 200);
    return this;
  }

  /** Virtual time passes with nothing else happening (last_man_standing's window). */
  wait(ms: number): this {
    this.cluster.runUntil(this.cluster.now + ms);
    return this;
  }

  view(id: number): View {
    const host = this.cluster.stack(id)!.host;
    const vq = host.votequorum!;
    assert.equal(host.quorum.quorate, vq.quorate, `node ${id}: libquorum agrees with votequorum`);
    const c = vq.core;
    return { quorate: vq.quorate, expected: c.expectedVotes, highest: c.highestExpected, total: c.totalVotes, quorum: c.quorum };
  }

  expect(ids: number[], want: View, why: string): this {
    for (const id of ids) assert.deepEqual(this.view(id), want, `node ${id}: ${why}`);
    return this;
  }
}

const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

test('no options: 2|3 of five (the three act, the two block, quorum 3 stays), merge; an even 2|2 blocks both', () => {
  const s = new Scenario(5).start(...all(5)).settle(all(5));
  s.expect(all(5), { quorate: true, expected: 5, highest: 5, total: 5, quorum: 3 }, 'five up');
  s.split([1, 2], [3, 4, 5]);
  s.expect([3, 4, 5], { quorate: true, expected: 5, highest: 5, total: 3, quorum: 3 }, 'the three keep quorum');
  s.expect([1, 2], { quorate: false, expected: 5, highest: 5, total: 2, quorum: 3 }, 'the two block');
  s.merge(all(5));
  s.expect(all(5), { quorate: true, expected: 5, highest: 5, total: 5, quorum: 3 }, 'merged');
  const e = new Scenario(4).start(...all(4)).settle(all(4));
  e.split([1, 2], [3, 4]);
  e.expect(all(4), { quorate: false, expected: 4, highest: 4, total: 2, quorum: 3 }, 'an exact half without a tie breaker');
});

test('expected votes follow the highest total and never drop on a merge; a node with 2 votes counts twice', () => {
  // Node 3 has 2 votes but everyone is configured to expect 3: the total 4 raises expected votes to 4.
  const s = new Scenario(3, (id) => ({ votes: id === 3 ? 2 : 1, expectedVotes: 3 })).start(...all(3)).settle(all(3));
  s.expect(all(3), { quorate: true, expected: 4, highest: 4, total: 4, quorum: 3 }, 'raised to the total');
  s.split([1, 2], [3]);
  s.expect([1, 2], { quorate: false, expected: 4, highest: 4, total: 2, quorum: 3 }, '2 of 4');
  s.expect([3], { quorate: false, expected: 4, highest: 4, total: 2, quorum: 3 }, 'node 3 alone: 2 of 4');
  s.merge(all(3));
  s.expect(all(3), { quorate: true, expected: 4, highest: 4, total: 4, quorum: 3 }, 'merged: expected votes did not drop');
});

test('two_node: a lone cold start waits for the other (wait_for_all implied); then a 1|1 split keeps both quorate with quorum 1', () => {
  const s = new Scenario(2, { twoNode: true, waitForAll: true }).start(1).settle([1]);
  s.expect([1], { quorate: false, expected: 2, highest: 2, total: 1, quorum: 1 }, 'alone at a cold start');
  s.start(2).settle([1, 2]);
  s.expect([1, 2], { quorate: true, expected: 2, highest: 2, total: 2, quorum: 1 }, 'both seen');
  s.split([1], [2]);
  s.expect([1], { quorate: true, expected: 2, highest: 2, total: 1, quorum: 1 }, 'each half of two_node keeps quorum (fencing decides)');
  s.expect([2], { quorate: true, expected: 2, highest: 2, total: 1, quorum: 1 }, 'each half of two_node keeps quorum');
  s.merge([1, 2]);
  s.expect([1, 2], { quorate: true, expected: 2, highest: 2, total: 2, quorum: 1 }, 'merged');
  // Node 2 crashes and restarts: it waits for all again until it meets node 1.
  s.cluster.crash(2);
  s.settle([1]);
  s.expect([1], { quorate: true, expected: 2, highest: 2, total: 1, quorum: 1 }, 'the survivor');
  s.split([1], [2]);
  s.start(2).settle([1], [2]);
  s.expect([2], { quorate: false, expected: 2, highest: 2, total: 1, quorum: 1 }, 'restarted alone: wait_for_all again');
  s.merge([1, 2]);
  s.expect([1, 2], { quorate: true, expected: 2, highest: 2, total: 2, quorum: 1 }, 'joined the quorate node');
});

test('wait_for_all: two of three at a cold start wait; after a full 1|1|1 split, two that meet again wait for the third', () => {
  const s = new Scenario(3, { waitForAll: true }).start(1, 2).settle([1, 2]);
  s.expect([1, 2], { quorate: false, expected: 3, highest: 3, total: 2, quorum: 2 }, 'waiting for all');
  s.start(3).settle(all(3));
  s.expect(all(3), { quorate: true, expected: 3, highest: 3, total: 3, quorum: 2 }, 'all seen');
  s.split([1, 2], [3]);
  s.expect([1, 2], { quorate: true, expected: 3, highest: 3, total: 2, quorum: 2 }, 'the majority acts');
  s.expect([3], { quorate: false, expected: 3, highest: 3, total: 1, quorum: 2 }, 'the minority blocks and re-arms');
  s.split([1], [2], [3]);
  s.expect(all(3), { quorate: false, expected: 3, highest: 3, total: 1, quorum: 2 }, 'all apart');
  s.split([1, 2], [3]);
  s.expect([1, 2], { quorate: false, expected: 3, highest: 3, total: 2, quorum: 2 }, 'wait_for_all re-armed on the loss: 2 of 3 is not enough now');
  s.merge(all(3));
  s.expect(all(3), { quorate: true, expected: 3, highest: 3, total: 3, quorum: 2 }, 'all seen again');
  // A node restarting joins a quorate partition: joining ends its wait at once.
  s.split([1, 2], [3]);
  s.cluster.crash(3);
  s.settle([1, 2]);
  s.start(3).settle([1, 2], [3]);
  s.merge(all(3));
  s.expect(all(3), { quorate: true, expected: 3, highest: 3, total: 3, quorum: 2 }, 'the restarted node joined a quorate partition');
});

test('last_man_standing: after each window without change expected votes shrink to the members; down to two (quorum 2), not one', () => {
  const s = new Scenario(5, { lastManStanding: true, lastManStandingWindowMs: 1000 }).start(...all(5)).settle(all(5));
  s.split([1, 2, 3], [4, 5]);
  s.expect([1, 2, 3], { quorate: true, expected: 5, highest: 5, total: 3, quorum: 3 }, 'right after the split');
  s.expect([4, 5], { quorate: false, expected: 5, highest: 5, total: 2, quorum: 3 }, 'the minority');
  s.wait(1500);
  s.expect([1, 2, 3], { quorate: true, expected: 3, highest: 3, total: 3, quorum: 2 }, 'the window passed: expected 3');
  s.expect([4, 5], { quorate: false, expected: 5, highest: 5, total: 2, quorum: 3 }, 'an inquorate side never steps down');
  s.split([1, 2], [3], [4, 5]);
  s.wait(1500);
  s.expect([1, 2], { quorate: true, expected: 2, highest: 2, total: 2, quorum: 2 }, 'stepped down again');
  s.expect([3], { quorate: false, expected: 3, highest: 3, total: 1, quorum: 2 }, 'node 3 alone');
  s.split([1], [2], [3], [4, 5]);
  s.wait(1500);
  s.expect([1], { quorate: false, expected: 2, highest: 2, total: 1, quorum: 2 }, 'last man standing alone needs auto_tie_breaker');
  // A split again within the window changes nothing.
  const t = new Scenario(5, { lastManStanding: true, lastManStandingWindowMs: 5000 }).start(...all(5)).settle(all(5));
  t.split([1, 2, 3], [4, 5]).wait(1000);
  t.expect([1, 2, 3], { quorate: true, expected: 5, highest: 5, total: 3, quorum: 3 }, 'inside the window');
});

test('last_man_standing with auto_tie_breaker: the last two split 1|1 and the lowest node goes on alone', () => {
  const s = new Scenario(4, { lastManStanding: true, lastManStandingWindowMs: 1000, autoTieBreaker: { kind: 'lowest' }, waitForAll: true }).start(...all(4)).settle(all(4));
  s.split([1, 2], [3, 4]);
  s.expect([1, 2], { quorate: true, expected: 4, highest: 4, total: 2, quorum: 3 }, 'the half with the lowest id');
  s.wait(1500);
  s.expect([1, 2], { quorate: true, expected: 2, highest: 2, total: 2, quorum: 2 }, 'stepped down to two');
  s.split([1], [2], [3, 4]);
  s.wait(1500);
  s.expect([1], { quorate: true, expected: 1, highest: 1, total: 1, quorum: 1 }, 'the lowest node alone, then stepped down to one');
  s.expect([2], { quorate: false, expected: 2, highest: 2, total: 1, quorum: 2 }, 'node 2 alone');
});

test('auto_tie_breaker: an even 2|2 split goes to the half with the lowest / highest / first listed node', () => {
  const cases: [SimVotequorumConfig['autoTieBreaker'], number[], number[]][] = [
    [{ kind: 'lowest' }, [1, 2], [3, 4]],
    [{ kind: 'highest' }, [3, 4], [1, 2]],
    [{ kind: 'list', nodes: [3, 1] }, [3, 4], [1, 2]],
    [{ kind: 'list', nodes: [9, 2, 3] }, [1, 2], [3, 4]],
  ];
  for (const [atb, winners, losers] of cases) {
    const s = new Scenario(4, { autoTieBreaker: atb }).start(...all(4)).settle(all(4));
    s.split([1, 2], [3, 4]);
    s.expect(winners, { quorate: true, expected: 4, highest: 4, total: 2, quorum: 3 }, `${JSON.stringify(atb)}: winners`);
    s.expect(losers, { quorate: false, expected: 4, highest: 4, total: 2, quorum: 3 }, `${JSON.stringify(atb)}: losers`);
    s.merge(all(4));
    s.expect(all(4), { quorate: true, expected: 4, highest: 4, total: 4, quorum: 3 }, `${JSON.stringify(atb)}: merged`);
  }
  // Not a half: a 1|3 split is decided by votes alone; an uneven 3|1 split with the tie breaker on the one side loses.
  const u = new Scenario(4, { autoTieBreaker: { kind: 'lowest' } }).start(...all(4)).settle(all(4));
  u.split([1], [2, 3, 4]);
  u.expect([1], { quorate: false, expected: 4, highest: 4, total: 1, quorum: 3 }, 'the lowest node alone is not half');
  u.expect([2, 3, 4], { quorate: true, expected: 4, highest: 4, total: 3, quorum: 3 }, 'the majority');
});

test('allow_downscale: clean stops send LEAVING; the others shrink expected votes to the members, the threshold stays at the barrier', () => {
  const s = new Scenario(5, { allowDownscale: true }).start(...all(5)).settle(all(5));
  s.cluster.leave(5);
  s.settle([1, 2, 3, 4]);
  s.expect([1, 2, 3, 4], { quorate: true, expected: 4, highest: 4, total: 4, quorum: 3 }, 'node 5 stopped cleanly');
  s.cluster.leave(4);
  s.settle([1, 2, 3]);
  s.expect([1, 2, 3], { quorate: true, expected: 3, highest: 3, total: 3, quorum: 3 }, 'node 4 stopped cleanly');
  s.cluster.leave(3);
  s.settle([1, 2]);
  s.expect([1, 2], { quorate: false, expected: 2, highest: 2, total: 2, quorum: 3 }, 'below the barrier of 5: blocked');
  // Without the option a clean stop is a departure like any other: expected votes stay.
  const p = new Scenario(5).start(...all(5)).settle(all(5));
  p.cluster.leave(5);
  p.settle([1, 2, 3, 4]);
  p.expect([1, 2, 3, 4], { quorate: true, expected: 5, highest: 5, total: 4, quorum: 3 }, 'plain clean stop');
  // A crash sends nothing: with allow_downscale too, the crashed node's vote stays expected.
  const c = new Scenario(5, { allowDownscale: true }).start(...all(5)).settle(all(5));
  c.cluster.crash(5);
  c.settle([1, 2, 3, 4]);
  c.expect([1, 2, 3, 4], { quorate: true, expected: 5, highest: 5, total: 4, quorum: 3 }, 'crash: no LEAVING');
});

test('expected_votes_tracking: the highest expected votes survive a restart and raise the threshold of a node that starts alone', () => {
  const config = (id: number): Partial<SimVotequorumConfig> => ({ votes: id === 3 ? 2 : 1, expectedVotes: 3, expectedVotesTracking: true });
  const s = new Scenario(3, config).start(...all(3)).settle(all(3));
  s.expect(all(3), { quorate: true, expected: 4, highest: 4, total: 4, quorum: 3 }, 'raised to the total of 4');
  assert.deepEqual([1, 2, 3].map((id) => s.cluster.evBarriers.get(id)), [4, 4, 4], 'stored on every node');
  s.cluster.crash(2);
  s.cluster.crash(3);
  s.settle([1]);
  s.cluster.crash(1);
  s.cluster.runUntil(s.cluster.now + 100);
  s.start(1).settle([1]);
  s.expect([1], { quorate: false, expected: 4, highest: 4, total: 1, quorum: 3 }, 'restarted with the stored 4 (3 configured)');
  // Without tracking the same restart starts from the configured 3.
  const p = new Scenario(3, (id) => ({ votes: id === 3 ? 2 : 1, expectedVotes: 3 })).start(...all(3)).settle(all(3));
  p.cluster.crash(2);
  p.cluster.crash(3);
  p.settle([1]);
  p.cluster.crash(1);
  p.cluster.runUntil(p.cluster.now + 100);
  p.start(1).settle([1]);
  p.expect([1], { quorate: false, expected: 3, highest: 3, total: 1, quorum: 2 }, 'no tracking: the configured 3');
});

test('allow_downscale keeps a divergence Corosync 3.1.7 has: a restarted node adopts a quorate node\'s lower expected votes, while that node counts the newcomer\'s higher ones', () => {
  // Tracking (on with allow_downscale) records every node's expected votes as sent, and an
  // inquorate node adopts those of a quorate one: evaluated on each node's own state, the two
  // rules give the two nodes of one ring different thresholds. Pinned, as Corosync does it.
  const s = new Scenario(5, { allowDownscale: true }).start(...all(5)).settle(all(5));
  s.cluster.leave(5);
  s.settle([1, 2, 3, 4]);
  s.cluster.leave(4);
  s.settle([1, 2, 3]);
  s.expect([1, 2, 3], { quorate: true, expected: 3, highest: 3, total: 3, quorum: 3 }, 'two clean stops');
  // Node 1 restarts at once (its stored barrier is 5) as node 3 is cut off: the next ring is 1,2.
  s.cluster.crash(1);
  s.cluster.network.partition([[1, 2], [3]]);
  s.start(1).settle([1, 2], [3]);
  s.expect([2], { quorate: false, expected: 3, highest: 5, total: 2, quorum: 3 }, 'node 2 counts node 1\'s 5');
  // Node 1's outcome depends on the order of the two NODEINFOs in the ring (as in Corosync): node
  // 2's after its own, node 1 adopts the quorate node's 3 and acts alone; before it, node 1's own
  // NODEINFO puts its barrier back. Either way the two members of one ring disagree.
  const adopted = { quorate: true, expected: 3, highest: 3, total: 2, quorum: 2 };
  const kept = { quorate: false, expected: 5, highest: 5, total: 2, quorum: 3 };
  const one = s.view(1);
  assert.ok([adopted, kept].some((v) => JSON.stringify(v) === JSON.stringify(one)), `node 1: ${JSON.stringify(one)}`);
  assert.notEqual(one.expected, s.view(2).expected, 'the two nodes of ring 1,2 hold different expected votes');
});
