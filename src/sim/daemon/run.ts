/**
 * One seeded run of the whole daemon stack (`npm run sim -- --stack daemon`): the same start,
 * fault and quiet-end schedule as the protocol-level run, the recorders' histories judged by the
 * checker, and the services' own checks at the end.
 */
import { checkHistories } from '../../check/index.js';
import { deriveTotemConfig } from '../../totem/config.js';
import { Prng } from '../prng.js';
import { DrainWatch } from '../drain-watch.js';
import { SIM_TOTEM_DEFAULTS, convergence, countStops, fmt, ringTraceLog, runScheduled, type SimRunOptions, type SimRunResult } from '../run.js';
import { SimDaemonCluster, type DaemonService, type SimDaemonOptions } from './cluster.js';
import { checkServices, cmapLeftEntries } from './checks.js';

export interface DaemonRunOptions extends SimRunOptions {
  readonly services: readonly DaemonService[];
  /** Recorder multicasts per second per node (default 20). */
  readonly ratePerSec?: number;
  /** Churning client processes per node (default 2). */
  readonly churnersPerNode?: number;
  /** The ring's send queue bound per node (default 64 KiB: small, so flow control meets faults). */
  readonly maxQueuedBytes?: number;
  /** votequorum's settings per node (default: 1 vote each, expected = the node count, no options). */
  readonly votequorum?: SimDaemonOptions['votequorum'];
}

export interface DaemonRunResult extends SimRunResult {
  /** Disagreements the services' own checks found at the end. */
  readonly serviceProblems: readonly string[];
  /** Node incarnations whose recorder wrote a history (`midRing`: joined a ring that had begun), and those that never did. */
  readonly recorders: { readonly recorded: number; readonly midRing: number; readonly unrecorded: number };
  /** With the clm service: trackers started and the change notifications they received (all checked). */
  readonly clm: { readonly trackers: number; readonly notifications: number };
  /**
   * With the evt service: applications started, deliveries they received, the batch frames among
   * them and the shared entries (one event for several opens of one connection), all checked.
   */
  readonly evt: { readonly apps: number; readonly delivered: number; readonly batches: number; readonly shared: number };
  /** cmap runtime.members.<id>.status entries reading `left` on live nodes at the end (what the cmap check judged). */
  readonly cmapLeftEntries: number;
}

export function runDaemonSimulation(options: DaemonRunOptions): DaemonRunResult {
  const wallStart = performance.now();
  const rng = new Prng(options.seed);
  const config = deriveTotemConfig({ ...SIM_TOTEM_DEFAULTS, ...options.totem });
  const watch = new DrainWatch(config, options.log && ((now, text) => options.log!(`${fmt(now)} ${text}`)));
  const traceLog = ringTraceLog(options);
  const cluster = new SimDaemonCluster({
    nodeIds: Array.from({ length: options.nodes }, (_, i) => i + 1),
    config,
    rng: rng.fork(),
    baseDelayMs: options.baseDelayMs ?? 0.5,
    services: options.services,
    ratePerSec: options.ratePerSec ?? 20,
    churnersPerNode: options.churnersPerNode ?? 2,
    maxQueuedBytes: options.maxQueuedBytes ?? 64 * 1024,
    drainTimeoutMs: options.drainTimeoutMs,
    onTrace: (node, event, now) => {
      watch.observe(node, event, now);
      traceLog?.(node, event, now);
    },
    onDrained: (node, r, now) => watch.drained(node, r, now),
    ...(options.votequorum ? { votequorum: options.votequorum } : {}),
  });
  const { finished, budget } = runScheduled(cluster, options, config, rng.fork(), () => watch.fault(cluster));

  const histories = cluster.histories();
  // Quiescent: at the end every live recorder delivered its own messages and those of its ring.
  // Convergence is judged on the ring itself below: a node whose recorder joined mid-ring writes
  // no history (see cpg-app.ts), so the histories cannot show every live node.
  const report = checkHistories(histories, { quiescent: true });
  const judged = convergence(cluster.sim);
  const converged = finished && judged.converged;
  const detail = finished ? judged.detail : `event budget of ${budget} exhausted at ${cluster.now.toFixed(0)}ms (livelock?) ${judged.detail}`;
  let deliveries = 0;
  for (const h of histories) for (const r of h) if (r.ev === 'deliver') deliveries++;
  return {
    seed: options.seed, options, histories, report, converged, convergenceDetail: detail,
    virtualMs: options.durationMs, wallMs: performance.now() - wallStart, sends: cluster.sends(), deliveries,
    stops: countStops(histories, watch.drains),
    drainProblems: watch.problems(),
    network: { ...cluster.network.stats },
    serviceProblems: checkServices(cluster, converged),
    recorders: cluster.recorderCounts(),
    clm: cluster.clmCounts(),
    evt: {
      apps: cluster.evtApps.length,
      delivered: cluster.evtApps.reduce((a, app) => a + app.stats.delivered, 0),
      batches: cluster.evtApps.reduce((a, app) => a + app.stats.batches, 0),
      shared: cluster.evtApps.reduce((a, app) => a + app.stats.shared, 0),
    },
    cmapLeftEntries: cmapLeftEntries(cluster),
  };
}
