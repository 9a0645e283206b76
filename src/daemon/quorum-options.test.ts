/**
 * votequorum's options on real daemons (in-process, UDP loopback): two_node with one node gone,
 * and wait_for_all at a cold start (two of three up are enough votes but wait for the third).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../client/index.js';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from './testing.js';
import type { VotequorumConfig } from '../services/votequorum/quorum-state.js';

const BASE: VotequorumConfig = {
  votes: 1, expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
  lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' }, allowDownscale: false,
};

/** A ring of `count` nodes on loopback; `up(id)` starts node id's daemon (stopped after the test unless stopped before). */
async function ring(t: { after(fn: () => Promise<unknown>): void }, count: number, config: VotequorumConfig): Promise<(id: number) => Promise<TestDaemon>> {
  const ports = await freeUdpPorts(count);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  return async (id) => {
    const d = await startTestDaemon({ nodeId: id, nodes, waitMembers: 0, overrides: { votequorum: { config } } });
    let stopped = false;
    const stop = d.stop;
    t.after(() => (stopped ? Promise.resolve() : stop()));
    return { ...d, stop: () => ((stopped = true), stop()) };
  };
}

const synced = (d: TestDaemon, members: number): boolean =>
  d.daemon.node.status().members.length === members && d.daemon.host.exec.syncState === 'done';

test('two_node: quorum 1; wait_for_all (implied) holds the first node until both were seen; one node gone stays quorate', { timeout: 60_000 }, async (t) => {
  const config = { ...BASE, expectedVotes: 2, twoNode: true, waitForAll: true };
  const up = await ring(t, 2, config);
  const d1 = await up(1);
  await waitFor('node 1 alone, synced', () => synced(d1, 1), 10_000);
  // Alone at a cold start: quorum 1, but wait_for_all waits for the other node.
  assert.equal(d1.daemon.host.quorate, false);
  assert.equal(d1.daemon.host.votequorum!.core.quorum, 1);
  // Node 2 starts: both seen together, both quorate.
  const d2 = await up(2);
  await waitFor('both quorate', () => synced(d1, 2) && synced(d2, 2) && d1.daemon.host.quorate && d2.daemon.host.quorate, 20_000);
  const client = await connect({ stateDir: d1.stateDir });
  t.after(() => client.close());
  const q = await client.quorum();
  assert.deepEqual((await q.state()).flags, ['2Node', 'Quorate', 'WaitForAll']);
  await d2.stop();
  await waitFor('node 1 alone again', () => synced(d1, 1), 20_000);
  assert.equal(d1.daemon.host.quorate, true, 'two_node: the survivor keeps quorum');
  assert.equal((await q.state()).quorum, 1);
});

test('wait_for_all at a cold start: two of three have the votes but wait for the third; then one may leave', { timeout: 60_000 }, async (t) => {
  const config = { ...BASE, waitForAll: true };
  const up = await ring(t, 3, config);
  const [d1, d2] = [await up(1), await up(2)];
  await waitFor('1 and 2 synced', () => synced(d1, 2) && synced(d2, 2), 20_000);
  assert.deepEqual([d1.daemon.host.quorate, d2.daemon.host.quorate], [false, false]);
  assert.equal(d1.daemon.host.votequorum!.core.waitForAllStatus, true);
  const d3 = await up(3);
  await waitFor('all three quorate', () => [d1, d2, d3].every((d) => synced(d, 3) && d.daemon.host.quorate), 20_000);
  await d3.stop();
  await waitFor('1 and 2 in a ring of two', () => synced(d1, 2) && synced(d2, 2), 20_000);
  assert.deepEqual([d1.daemon.host.quorate, d2.daemon.host.quorate], [true, true], 'the wait is over: 2 of 3 votes hold quorum');
});
