/**
 * One seeded simulation run: build the cluster, form the ring, apply a fault profile, heal, let
 * the load drain, then judge the histories with the checker and check convergence.
 */
import { checkHistories, type CheckReport } from '../check/index.js';
import type { HistoryRecord } from '../history/records.js';
import { deriveTotemConfig, type TotemConfig, type TotemConfigInput } from '../totem/config.js';
import { SimCluster, type ClusterOptions } from './cluster.js';
import { DrainWatch, type AbandoningDrain } from './drain-watch.js';
import { scheduleFaults, type FaultProfile, type FaultTarget } from './faults.js';
import { DEFAULT_LOAD, type LoadOptions } from './load.js';
import { Prng } from './prng.js';

export interface SimRunOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly durationMs: number;
  readonly faults: FaultProfile;
  readonly totem?: TotemConfigInput;
  /** Bound on each planned stop's drain (default 2 x (token + consensus)). */
  readonly drainTimeoutMs?: number;
  readonly load?: LoadOptions;
  readonly baseDelayMs?: number;
  /** Receives the fault log and membership lines as they happen (virtual time). */
  readonly log?: (line: string) => void;
  /** Also log every membership state transition (debugging). */
  readonly traceStates?: boolean;
}

export interface SimRunResult {
  readonly seed: number;
  readonly options: SimRunOptions;
  readonly histories: HistoryRecord[][];
  readonly report: CheckReport;
  /** Every live node operational in one ring whose members are exactly the live nodes. */
  readonly converged: boolean;
  readonly convergenceDetail: string;
  readonly virtualMs: number;
  readonly wallMs: number;
  readonly sends: number;
  readonly deliveries: number;
  /** Clean stops in the histories, and the messages their drains abandoned (listed in `stop`). */
  readonly stops: StopCounts;
  /**
   * Drains that abandoned messages although the network was quiet long enough for a ring to form
   * (see drain-watch.ts): the planned-stop promise broken where the ring could have kept it.
   */
  readonly drainProblems: readonly string[];
  readonly network: { sent: number; dropped: number; duplicated: number; partitioned: number };
}

/** Sim timing: Corosync's algorithm and ratios, with the 1 s token of Corosync 2 so runs are short. */
export const SIM_TOTEM_DEFAULTS: TotemConfigInput = { token: 1000 };

export function runSimulation(options: SimRunOptions): SimRunResult {
  const wallStart = performance.now();
  const rng = new Prng(options.seed);
  const config = deriveTotemConfig({ ...SIM_TOTEM_DEFAULTS, ...options.totem });
  const nodeIds = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const watch = new DrainWatch(config, options.log && ((now, text) => options.log!(`${fmt(now)} ${text}`)));
  const traceLog = ringTraceLog(options);
  const cluster = new SimCluster({
    nodeIds,
    config,
    load: options.load ?? DEFAULT_LOAD,
    rng: rng.fork(),
    baseDelayMs: options.baseDelayMs ?? 0.5,
    drainTimeoutMs: options.drainTimeoutMs,
    onTrace: (node, event, now) => {
      watch.observe(node, event, now);
      traceLog?.(node, event, now);
    },
    onDrained: (node, r, now) => watch.drained(node, r, now),
  });
  const { finished, budget } = runScheduled(cluster, options, config, rng.fork(), () => watch.fault(cluster));

  const histories = cluster.histories();
  const report = checkHistories(histories, { requireConvergence: true });
  const judged = convergence(cluster);
  const converged = finished && judged.converged;
  const detail = finished ? judged.detail : `event budget of ${budget} exhausted at ${cluster.now.toFixed(0)}ms (livelock?) ${judged.detail}`;
  let sends = 0;
  let deliveries = 0;
  for (const h of histories) for (const r of h) r.ev === 'send' ? sends++ : r.ev === 'deliver' ? deliveries++ : 0;
  return {
    seed: options.seed, options, histories, report, converged, convergenceDetail: detail,
    virtualMs: options.durationMs, wallMs: performance.now() - wallStart, sends, deliveries,
    stops: countStops(histories, watch.drains),
    drainProblems: watch.problems(),
    network: { ...cluster.network.stats },
  };
}

export interface StopCounts {
  readonly count: number;
  readonly abandoned: number;
  /** The drains that abandoned messages. */
  readonly drains?: readonly AbandoningDrain[];
}

/** Clean stops and the messages their drains abandoned, over every history of a run. */
export function countStops(histories: readonly (readonly HistoryRecord[])[], drains?: readonly AbandoningDrain[]): StopCounts {
  let count = 0;
  let abandoned = 0;
  for (const h of histories) {
    for (const r of h) {
      if (r.ev !== 'stop') continue;
      count++;
      abandoned += r.abandoned?.length ?? 0;
    }
  }
  return drains === undefined ? { count, abandoned } : { count, abandoned, drains };
}

/** Ring formations (and, with traceStates, every state transition) as log lines. */
export function ringTraceLog(options: SimRunOptions): ClusterOptions['onTrace'] {
  const log = options.log;
  if (!log) return undefined;
  return (node, event, now) => {
    if (event.kind === 'ringFormed') {
      log(`${fmt(now)} node ${node}: ring ${event.ringId.rep}.${event.ringId.seq} formed, members ${event.members.join(',')}`);
    } else if (options.traceStates && event.kind === 'state') {
      log(`${fmt(now)} node ${node}: ${event.from} -> ${event.to} (${event.reason})`);
    } else if (options.traceStates && event.kind === 'tokenLost') {
      log(`${fmt(now)} node ${node}: token lost in ${event.state}`);
    }
  };
}

/** The parts of a run every stack shares: starts, faults, the quiet end, the event budget. */
export interface RunTarget extends FaultTarget {
  setLoad(active: boolean): void;
  runUntil(until: number, maxEvents?: number): boolean;
}

/**
 * Starts the nodes (under churn some start late: joins of new nodes are part of the profile),
 * applies the fault profile until the heal, stops the load before the end so it drains, and runs
 * to the end within an event budget (about 2,000 events per virtual second per node is typical;
 * far beyond it means a livelock).
 */
export function runScheduled(cluster: RunTarget, options: SimRunOptions, config: TotemConfig, faultRng: Prng, onFault?: () => void): { finished: boolean; budget: number } {
  const log = options.log;
  const nodeIds = cluster.nodeIds;
  const churn = options.faults === 'churn' || options.faults === 'chaos';
  const lateStarters = churn ? nodeIds.filter(() => faultRng.chance(0.2)).slice(0, Math.floor(options.nodes / 2)) : [];
  for (const id of nodeIds) if (!lateStarters.includes(id)) cluster.at(faultRng.float() * 50, () => cluster.start(id));

  const quietMs = Math.max(config.tokenTimeoutMs * 6 + config.consensusMs * 2, options.durationMs * 0.3);
  const healAt = Math.max(0, options.durationMs - quietMs);
  const loadStopAt = options.durationMs - Math.max(2000, config.tokenTimeoutMs * 2);
  scheduleFaults(options.faults, {
    cluster,
    rng: faultRng,
    from: Math.min(2000, healAt),
    healAt,
    tokenTimeoutMs: config.tokenTimeoutMs,
    log: (line) => {
      onFault?.();
      log?.(`${fmt(cluster.now)} ${line}`);
    },
  });
  cluster.at(loadStopAt, () => cluster.setLoad(false));
  const budget = Math.max(1_000_000, options.nodes * options.durationMs * 20);
  return { finished: cluster.runUntil(options.durationMs, budget), budget };
}

export function convergence(cluster: SimCluster): { converged: boolean; detail: string } {
  const live = cluster.liveNodes();
  const views = live.map((id) => cluster.group(id)!.status());
  const rings = new Set(views.map((v) => `${v.ringId.rep}.${v.ringId.seq}`));
  const allOperational = views.every((v) => v.state === 'operational');
  const membersMatch = views.every((v) => v.members.length === live.length && live.every((id) => v.members.includes(id)));
  const converged = live.length === 0 || (allOperational && rings.size === 1 && membersMatch);
  const detail = views.map((v) => `${v.nodeId}:${v.state}@${v.ringId.rep}.${v.ringId.seq}[${v.members.join(',')}]`).join(' ');
  return { converged, detail };
}

export function fmt(ms: number): string {
  return `[${(ms / 1000).toFixed(3).padStart(8)}s]`;
}
