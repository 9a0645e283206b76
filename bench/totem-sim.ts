/**
 * Protocol cost of the Totem core with the group layer, measured in the simulator with no
 * faults: every node keeps its send queue full, and we count messages ordered (delivered at
 * node 1, each one once) per CPU-second of the whole process. Also the virtual time from a
 * node's crash to the survivors' new regular configuration, with Corosync's default timeouts.
 */
import { deriveTotemConfig } from '../src/totem/config.js';
import { SimCluster } from '../src/sim/cluster.js';
import { Prng } from '../src/sim/prng.js';

export interface ThroughputResult {
  readonly nodes: number;
  readonly sizeBytes: number;
  readonly ordered: number;
  readonly cpuSeconds: number;
  readonly perCpuSecond: number;
  readonly virtualSeconds: number;
}

export function measureThroughput(nodes: number, sizeBytes: number, virtualMs: number): ThroughputResult {
  let ordered = 0;
  const nodeIds = Array.from({ length: nodes }, (_, i) => i + 1);
  const cluster = new SimCluster({
    nodeIds,
    config: deriveTotemConfig({ nodeCount: nodes }),
    load: undefined,
    rng: new Prng(7),
    baseDelayMs: 0.05,
    recordHistory: false,
    onEvent: (node, event) => {
      if (node === 1 && event.kind === 'deliver') ordered++;
    },
  });
  for (const id of nodeIds) cluster.start(id);
  cluster.runUntil(2000);
  const warm = ordered;
  // Keep every sender's queue topped up, as a saturating application would.
  const target = 64 * 1024;
  const topUp = (): void => {
    for (const id of nodeIds) {
      const group = cluster.group(id)!;
      while (group.queuedBytes < target) if (!cluster.send(id, sizeBytes)) break;
    }
    cluster.at(cluster.now + 1, topUp);
  };
  topUp();
  const cpu0 = process.cpuUsage();
  const start = cluster.now;
  cluster.runUntil(start + virtualMs);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const count = ordered - warm;
  return { nodes, sizeBytes, ordered: count, cpuSeconds, perCpuSecond: count / cpuSeconds, virtualSeconds: virtualMs / 1000 };
}

export interface FailoverResult {
  readonly nodes: number;
  readonly tokenTimeoutMs: number;
  readonly consensusMs: number;
  readonly virtualMsToRegular: number;
}

/** Virtual ms from crashing node `nodes` to every survivor delivering the new regular configuration. */
export function measureFailover(nodes: number): FailoverResult {
  const nodeIds = Array.from({ length: nodes }, (_, i) => i + 1);
  const config = deriveTotemConfig({ nodeCount: nodes });
  const seen = new Set<number>();
  let crashAt = Infinity;
  let doneAt = NaN;
  const cluster = new SimCluster({
    nodeIds, config, load: undefined, rng: new Prng(11), baseDelayMs: 0.1, recordHistory: false,
    onEvent: (node, event, now) => {
      if (now >= crashAt && event.kind === 'config' && event.type === 'regular') {
        seen.add(node);
        if (seen.size === nodes - 1 && Number.isNaN(doneAt)) doneAt = now;
      }
    },
  });
  for (const id of nodeIds) cluster.start(id);
  cluster.runUntil(20_000);
  crashAt = cluster.now;
  cluster.crash(nodes);
  cluster.runUntilTrue(() => !Number.isNaN(doneAt), crashAt + 120_000);
  return { nodes, tokenTimeoutMs: config.tokenTimeoutMs, consensusMs: config.consensusMs, virtualMsToRegular: doneAt - crashAt };
}
