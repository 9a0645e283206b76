/**
 * The EVT service in the whole simulated daemon (`npm run sim -- --stack daemon --services
 * cpg,evt`): simulated EVT applications publish (half retained), clear, unlink and re-open
 * through partitions and merges. Checked per run: every node that activated a ring installed the
 * same channel table and retained set there, the live nodes end with the same channels, and no
 * application got one event twice on one channel handle (half of them reading batched deliveries,
 * a quarter holding two opens per channel on one connection and reading shared deliveries).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDaemonSimulation } from '../src/sim/daemon/run.js';

for (const [faults, seed] of [['partitions', 1], ['partitions', 2], ['partitions', 3], ['chaos', 4], ['churn', 5]] as const) {
  test(`daemon stack with EVT, 5 nodes, ${faults}, seed ${seed}: tables agree after every merge, no event twice`, () => {
    const r = runDaemonSimulation({ seed, nodes: 5, durationMs: 15_000, faults, services: ['cpg', 'evt'] });
    assert.deepEqual(r.serviceProblems.filter((p) => p.startsWith('evt')), []);
    // Half the applications read batched deliveries: both kinds were checked.
    assert.ok(r.evt.batches > 0 && r.evt.delivered > r.evt.batches, `${r.evt.batches} batches, ${r.evt.delivered} deliveries`);
    assert.ok(r.evt.shared > 0 && r.evt.delivered > r.evt.shared, `${r.evt.shared} shared entries, ${r.evt.delivered} deliveries`);
  });
}
