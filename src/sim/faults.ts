/**
 * Fault profiles: each schedules, from the run's PRNG, a sequence of faults over the active part
 * of a run. Every profile ends at `healAt`, when the network heals and paused nodes resume, so the
 * quiet end of the run can show convergence.
 */
import type { SimCluster } from './cluster.js';
import type { Prng } from './prng.js';

export const FAULT_PROFILES = ['calm', 'lossy', 'partitions', 'churn', 'chaos'] as const;
export type FaultProfile = (typeof FAULT_PROFILES)[number];

/**
 * What a fault profile acts on: the protocol-level cluster itself, or the daemon stack's cluster
 * (src/sim/daemon), whose planned stops first let its applications finish.
 */
export type FaultTarget = Pick<SimCluster, 'nodeIds' | 'liveNodes' | 'statusOf' | 'start' | 'crash' | 'pause' | 'resume' | 'leave' | 'at' | 'network' | 'now'>;

export interface FaultPlan {
  readonly cluster: FaultTarget;
  readonly rng: Prng;
  /** When faults may start (after the initial ring formed). */
  readonly from: number;
  readonly healAt: number;
  readonly tokenTimeoutMs: number;
  readonly log: (line: string) => void;
}

export function scheduleFaults(profile: FaultProfile, plan: FaultPlan): void {
  switch (profile) {
    case 'calm':
      break;
    case 'lossy':
      scheduleLoss(plan);
      break;
    case 'partitions':
      schedulePartitions(plan);
      break;
    case 'churn':
      scheduleChurn(plan);
      break;
    case 'chaos':
      scheduleLoss(plan);
      schedulePartitions(plan);
      scheduleChurn(plan);
      break;
    default: {
      const never: never = profile;
      throw new Error(`unknown fault profile ${String(never)}`);
    }
  }
  plan.cluster.at(plan.healAt, () => {
    plan.cluster.network.heal();
    for (const id of plan.cluster.nodeIds) if (plan.cluster.statusOf(id) === 'paused') plan.cluster.resume(id);
    plan.log('heal: network healthy, paused nodes resumed');
  });
}

/** 5-30% loss with duplication and jitter (reordering), changing every few seconds. */
function scheduleLoss(plan: FaultPlan): void {
  const { cluster, rng } = plan;
  for (let t = plan.from; t < plan.healAt; ) {
    const lossRate = rng.chance(0.2) ? 0 : 0.05 + rng.float() * 0.25;
    const duplicateRate = rng.float() * 0.05;
    const jitterMs = rng.float() * 3;
    cluster.at(t, () => {
      cluster.network.faults = { lossRate, duplicateRate, jitterMs };
      plan.log(`loss ${(lossRate * 100).toFixed(0)}% dup ${(duplicateRate * 100).toFixed(1)}% jitter ${jitterMs.toFixed(1)}ms`);
    });
    t += rng.int(1000, 4000);
  }
}

function randomSplit(rng: Prng, ids: readonly number[]): [number[], number[]] {
  for (;;) {
    const a = ids.filter(() => rng.chance(0.5));
    if (a.length > 0 && a.length < ids.length) return [a, ids.filter((id) => !a.includes(id))];
  }
}

/** Symmetric and one-way partitions and clogged links that come and heal. */
function schedulePartitions(plan: FaultPlan): void {
  const { cluster, rng } = plan;
  const ids = cluster.nodeIds;
  if (ids.length < 2) return;
  for (let t = plan.from + rng.int(500, 3000); t < plan.healAt; ) {
    const hold = rng.int(1000, 3 * plan.tokenTimeoutMs + 2000);
    const end = Math.min(t + hold, plan.healAt);
    const mode = rng.float();
    if (mode < 0.6) {
      const [a, b] = randomSplit(rng, ids);
      cluster.at(t, () => {
        cluster.network.partition([a, b]);
        plan.log(`partition ${a.join(',')} | ${b.join(',')}`);
      });
    } else if (mode < 0.8) {
      const from = rng.pick(ids);
      const to = rng.pick(ids.filter((id) => id !== from));
      cluster.at(t, () => {
        cluster.network.blockOneWay(from, to);
        plan.log(`one-way block ${from} -> ${to}`);
      });
    } else {
      // FoundationDB's favourite: clog links one at a time, unclog all later.
      const links = rng.int(1, ids.length);
      for (let i = 0; i < links; i++) {
        const from = rng.pick(ids);
        const to = rng.pick(ids.filter((id) => id !== from));
        const extra = rng.int(50, 2 * plan.tokenTimeoutMs);
        // A clog must not outlive the heal: the quiet end of a run is fault-free.
        if (t + i * 200 >= end) break;
        cluster.at(t + i * 200, () => {
          cluster.network.clog(from, to, extra);
          plan.log(`clog ${from} -> ${to} +${extra}ms`);
        });
      }
    }
    cluster.at(end, () => {
      const faults = cluster.network.faults;
      cluster.network.heal();
      cluster.network.faults = faults;
      plan.log('partition healed');
    });
    t = end + rng.int(1000, 2 * plan.tokenTimeoutMs + 2000);
  }
}

/** Crashes, restarts, pauses longer than the token timeout, graceful leaves and late joins. */
function scheduleChurn(plan: FaultPlan): void {
  const { cluster, rng } = plan;
  for (let t = plan.from + rng.int(500, 2000); t < plan.healAt; t += rng.int(800, 2 * plan.tokenTimeoutMs)) {
    const roll = rng.float();
    cluster.at(t, () => {
      const live = cluster.liveNodes();
      const up = live.filter((id) => cluster.statusOf(id) === 'up');
      const down = cluster.nodeIds.filter((id) => ['absent', 'crashed', 'left'].includes(cluster.statusOf(id)));
      if (roll < 0.3 && up.length > 1) {
        const id = rng.pick(up);
        cluster.crash(id);
        plan.log(`crash ${id}`);
      } else if (roll < 0.6 && down.length > 0) {
        const id = rng.pick(down);
        cluster.start(id);
        plan.log(`start ${id}`);
      } else if (roll < 0.8 && up.length > 1) {
        const id = rng.pick(up);
        const pauseMs = rng.int(plan.tokenTimeoutMs / 2, 3 * plan.tokenTimeoutMs);
        cluster.pause(id);
        plan.log(`pause ${id} for ${pauseMs}ms`);
        cluster.at(Math.min(cluster.now + pauseMs, plan.healAt), () => {
          cluster.resume(id);
          plan.log(`resume ${id}`);
        });
      } else if (up.length > 1) {
        const id = rng.pick(up);
        cluster.leave(id);
        plan.log(`leave ${id}`);
      }
    });
  }
}
