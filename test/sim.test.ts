/**
 * Protocol correctness by properties over many seeded simulation runs: every run's histories
 * must pass the EVS checker and every run must end converged. A failure names its seed and the
 * command that reproduces it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation, type SimRunResult } from '../src/sim/run.js';
import { FAULT_PROFILES, type FaultProfile } from '../src/sim/faults.js';
import { SimCluster } from '../src/sim/cluster.js';
import { deriveTotemConfig } from '../src/totem/config.js';
import { Prng } from '../src/sim/prng.js';
import { TotemGroup } from '../src/totem/group.js';
import * as check from '../src/check/index.js';

const SEEDS_PER_PROFILE = Number(process.env.SIM_SEEDS ?? 60);

function explain(r: SimRunResult): string {
  const lines = r.report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`);
  if (!r.converged) lines.push(`not converged: ${r.convergenceDetail}`);
  return `seed=${r.seed} nodes=${r.options.nodes} faults=${r.options.faults}\n${lines.join('\n')}\n` +
    `reproduce: npm run sim -- --seed ${r.seed} --nodes ${r.options.nodes} --faults ${r.options.faults} --duration-ms ${r.options.durationMs} --verbose`;
}

for (const faults of FAULT_PROFILES) {
  describe(`seeded runs, faults=${faults}`, () => {
    test(`${SEEDS_PER_PROFILE} seeds, 1 to 7 nodes, EVS holds and the ring converges`, () => {
      let deliveries = 0;
      for (let seed = 1; seed <= SEEDS_PER_PROFILE; seed++) {
        const nodes = 1 + (seed % 7);
        const r = runSimulation({ seed: seed * 7919 + faults.length, nodes, durationMs: 20_000, faults: faults as FaultProfile });
        assert.ok(r.report.ok && r.converged, explain(r));
        deliveries += r.deliveries;
      }
      // The load really ran: an empty history would pass every property vacuously.
      assert.ok(deliveries > SEEDS_PER_PROFILE * 100, `only ${deliveries} deliveries`);
    });
  });
}

test('a 16-node ring under chaos keeps EVS', () => {
  const r = runSimulation({ seed: 16, nodes: 16, durationMs: 120_000, faults: 'chaos' });
  assert.ok(r.report.ok && r.converged, explain(r));
});

test('a run is reproducible from its seed', () => {
  const a = runSimulation({ seed: 99, nodes: 4, durationMs: 15_000, faults: 'chaos' });
  const b = runSimulation({ seed: 99, nodes: 4, durationMs: 15_000, faults: 'chaos' });
  assert.deepEqual(a.histories, b.histories);
  const c = runSimulation({ seed: 100, nodes: 4, durationMs: 15_000, faults: 'chaos' });
  assert.notDeepEqual(a.histories, c.histories);
});

test('the checker catches a broken history from a real run', () => {
  const r = runSimulation({ seed: 5, nodes: 3, durationMs: 10_000, faults: 'calm' });
  assert.ok(r.report.ok);
  const broken = r.histories.map((h) => h.slice());
  const node2 = broken[1]!;
  const i = node2.findIndex((rec) => rec.ev === 'deliver');
  const j = node2.findIndex((rec, k) => k > i && rec.ev === 'deliver');
  [node2[i], node2[j]] = [node2[j]!, node2[i]!];
  const report = check.checkHistories(broken, { requireConvergence: true });
  assert.equal(report.ok, false);
});

test('a full send queue is a typed error and the ring keeps working', () => {
  const config = deriveTotemConfig({ token: 1000 });
  const group = new TotemGroup({ nodeId: 1, config, maxQueuedBytes: 10_000 });
  let accepted = 0;
  let full = 0;
  for (let i = 0; i < 100; i++) {
    const r = group.submit(new Uint8Array(500), {}, 0);
    if (r.ok) accepted++;
    else {
      assert.equal(r.code, 'QUEUE_FULL');
      full++;
    }
  }
  assert.ok(accepted > 0 && full > 0, `accepted ${accepted}, full ${full}`);
  const tooBig = group.submit(new Uint8Array(2 * 1024 * 1024), {}, 0);
  assert.equal(tooBig.ok, false);
  if (!tooBig.ok) assert.equal(tooBig.code, 'MESSAGE_TOO_LARGE');

  // And a cluster whose senders overrun their queues still orders what was accepted.
  const cluster = new SimCluster({ nodeIds: [1, 2, 3], config, load: undefined, rng: new Prng(3), baseDelayMs: 0.5 });
  for (const id of [1, 2, 3]) cluster.start(id);
  cluster.runUntil(3000);
  let refused = 0;
  for (let i = 0; i < 60_000; i++) if (!cluster.send(1 + (i % 3), 1000)) refused++;
  assert.ok(refused > 0, 'expected the 16 MiB queue bound to be reached');
  cluster.runUntil(60_000);
  const report = check.checkHistories(cluster.histories(), { requireConvergence: true });
  assert.ok(report.ok, report.violations.slice(0, 3).map((v) => v.message).join('\n'));
});

test('malformed frames are counted and dropped, never thrown', () => {
  const config = deriveTotemConfig({ token: 1000 });
  const group = new TotemGroup({ nodeId: 1, config });
  group.start(0);
  const rng = new Prng(1);
  for (let i = 0; i < 2000; i++) {
    const frame = new Uint8Array(rng.int(0, 200));
    for (let k = 0; k < frame.length; k++) frame[k] = rng.u32() & 0xff;
    if (frame.length > 2 && rng.chance(0.5)) {
      frame[0] = 0x70;
      frame[1] = 0xc0;
      frame[2] = 3;
    }
    group.receive(frame, i);
  }
  assert.ok(group.status().stats.badFrames > 1500);
});

test('a reload of the timeouts takes effect at once: a crash is noticed after the new token timeout', () => {
  const config = deriveTotemConfig({ token: 1000, tokenCoefficient: 0, nodeCount: 3 });
  const regulars: { node: number; at: number; members: number[] }[] = [];
  const cluster = new SimCluster({
    nodeIds: [1, 2, 3], config, load: undefined, rng: new Prng(11), baseDelayMs: 0.5,
    onEvent: (node, event, now) => {
      if (event.kind === 'config' && event.type === 'regular') regulars.push({ node, at: now, members: [...event.members] });
    },
  });
  for (const id of [1, 2, 3]) cluster.start(id);
  cluster.runUntil(3000);
  assert.deepEqual(regulars.filter((r) => r.node === 1).at(-1)?.members, [1, 2, 3]);
  const faster = deriveTotemConfig({ token: 200, tokenCoefficient: 0, nodeCount: 3 });
  for (const id of [1, 2, 3]) {
    const changed = cluster.group(id)!.reconfigure(faster);
    assert.ok(changed.includes('tokenTimeoutMs') && changed.includes('consensusMs'), `node ${id} changed ${changed.join(',')}`);
    assert.ok(!changed.includes('maxPayloadBytes'), 'sizes never change on a reload');
  }
  cluster.runUntil(4000); // the timers armed under the old values have been re-armed since
  const crashedAt = 4000;
  cluster.crash(3);
  cluster.runUntil(9000);
  const reformed = regulars.find((r) => r.node === 1 && r.at > crashedAt && r.members.join() === '1,2');
  assert.ok(reformed, 'a ring of 1,2 formed');
  const ms = reformed.at - crashedAt;
  // token 200 + consensus 240 under the new values; the old ones would take 1000 + 1200.
  assert.ok(ms >= 200 && ms < 200 + 240 + 200, `new ring ${ms} ms after the crash`);
});

describe('planned stops drain (issue 11)', () => {
  test('under churn, clean stops happen and none abandons a message: every node delivered what it accepted before leaving', () => {
    let stops = 0;
    let abandoned = 0;
    for (let seed = 1; seed <= SEEDS_PER_PROFILE; seed++) {
      const r = runSimulation({ seed: seed * 7919 + 'churn'.length, nodes: 1 + (seed % 7), durationMs: 20_000, faults: 'churn' });
      assert.ok(r.report.ok && r.converged, explain(r));
      stops += r.stops.count;
      abandoned += r.stops.abandoned;
    }
    assert.ok(stops > SEEDS_PER_PROFILE / 2, `only ${stops} clean stops`);
    assert.equal(abandoned, 0);
  });
});
