/**
 * The whole daemon under seeds (`npm run sim -- --stack daemon`): the service host, executive and
 * CPG over the shared ring driver on every simulated node, with simulated client processes.
 * Calm runs must pass every check: the recorders' histories (agreed order, virtual synchrony,
 * self delivery at the quiet end), ring convergence, and the CPG tables against the processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDaemonSimulation } from '../src/sim/daemon/run.js';

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`daemon stack, 4 nodes, calm, seed ${seed}: histories, convergence and CPG tables agree`, () => {
    const r = runDaemonSimulation({ seed, nodes: 4, durationMs: 15_000, faults: 'calm', services: ['cpg'] });
    assert.deepEqual(r.report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`), []);
    assert.ok(r.converged, r.convergenceDetail);
    assert.deepEqual(r.serviceProblems, []);
    assert.ok(r.sends > 100, `recorders multicast (${r.sends})`);
    // A recorder whose join landed mid-ring writes nothing (see src/sim/daemon/cpg-app.ts); the
    // rest must have: every incarnation is one or the other once its join was answered.
    assert.ok(r.recorders.recorded >= 1, `a node wrote a history (${JSON.stringify(r.recorders)})`);
    assert.equal(r.recorders.recorded + r.recorders.unrecorded, 4, 'every recorder joined, in its node\'s first ring or later');
    assert.ok(r.deliveries >= r.sends, 'every message reached its sender at least');
  });
}

test('daemon stack: a full ring queue does not spin the executive (the run ends within its event budget)', () => {
  // Under loss a 64 KiB send queue fills: deferred messages must wait for room, not retry at
  // every turn (before the fix this run livelocked at one virtual instant and used up its budget).
  const r = runDaemonSimulation({ seed: 20, nodes: 5, durationMs: 30_000, faults: 'lossy', services: ['cpg'], maxQueuedBytes: 64 * 1024 });
  assert.ok(r.converged, r.convergenceDetail);
});

test('daemon stack: two halves that re-form side by side after a heal merge (membership livelock, partitions seed 261)', () => {
  // Before the fix the representative of one half was pulled out of RECOVERY every time by a join
  // from a member that had already reached OPERATIONAL, kept its stale failed set, and spread it:
  // the rings {2,4} and {1,3,5} re-formed about 420 times a second until the run ended.
  const r = runDaemonSimulation({ seed: 261, nodes: 5, durationMs: 30_000, faults: 'partitions', services: ['cpg'] });
  assert.ok(r.converged, r.convergenceDetail);
  assert.ok(r.report.stats.configs < 500, `configurations installed: ${r.report.stats.configs}`);
  assert.deepEqual(r.serviceProblems, []);
});

// Churn seed 207: a recorder's join answered in a ring whose sync (CPG, then CLM) was cut short;
// the recorder must not take CPG's totem confchg before its own join confchg for its join's ring.
for (const [faults, seed] of [['partitions', 3], ['chaos', 1], ['churn', 2], ['churn', 207]] as const) {
  test(`daemon stack with CLM, 5 nodes, ${faults}, seed ${seed}: identical CLM tables, trackers consistent with the rings`, () => {
    const r = runDaemonSimulation({ seed, nodes: 5, durationMs: 30_000, faults, services: ['cpg', 'clm'] });
    assert.ok(r.converged, r.convergenceDetail);
    assert.deepEqual(r.serviceProblems, []);
    assert.equal(r.clm.trackers % 2, 0, 'two trackers per node incarnation');
    assert.ok(r.clm.trackers >= 10);
    assert.ok(r.clm.notifications > 10, `trackers heard changes (${r.clm.notifications})`);
  });
}

test('daemon stack: a recorder whose join is ordered in a transitional part starts its history with the next ring (chaos seed 181)', () => {
  // CPG named the join's ring (2.28) after the daemon had installed 1.32's transitional
  // configuration: the history lacked that transitional record, then (once written) the process
  // had missed the part of it before its join.
  const r = runDaemonSimulation({ seed: 181, nodes: 5, durationMs: 30_000, faults: 'chaos', services: ['cpg'] });
  assert.deepEqual(r.report.violations.slice(0, 3).map((v) => `${v.property}: ${v.message}`), []);
  assert.ok(r.recorders.midRing >= 1, `a recorder joined mid-ring (${JSON.stringify(r.recorders)})`);
  assert.deepEqual(r.serviceProblems, []);
});

test('daemon stack: work due before a pause runs before work due after the resume (churn seed 9, cpg and evt)', () => {
  // A node paused right after delivering its own message; on resume its client heard of the next
  // ring before that delivery, so the history put an old-ring message in the new ring.
  const r = runDaemonSimulation({ seed: 9, nodes: 5, durationMs: 30_000, faults: 'churn', services: ['cpg', 'evt'] });
  assert.deepEqual(r.report.violations.slice(0, 3).map((v) => `${v.property}: ${v.message}`), []);
  assert.deepEqual(r.serviceProblems, []);
});

test('daemon stack, churn and partitions over seeds: every node\'s cmap runtime.members.* names the final ring joined and every other node it saw left', () => {
  let leftSeen = 0;
  for (const [faults, seed] of [['churn', 1], ['churn', 2], ['churn', 3], ['partitions', 1], ['partitions', 2], ['chaos', 3]] as const) {
    const r = runDaemonSimulation({ seed, nodes: 5, durationMs: 20_000, faults, services: ['cpg'] });
    assert.ok(r.converged, `${faults} ${seed}: ${r.convergenceDetail}`);
    assert.deepEqual(r.serviceProblems.filter((p) => p.startsWith('cmap')), [], `${faults} seed ${seed}`);
    leftSeen += r.cmapLeftEntries;
  }
  assert.ok(leftSeen > 0, 'some node saw another leave: the check had departures to judge');
});
