/**
 * The whole daemon in the simulator: on every simulated node, the ring driver (SimCluster) with
 * the daemon's service host above it (the executive, its services, the ring gate and the
 * connection pauses of src/daemon/service-host.ts, unchanged), and client processes that speak
 * the library protocol over simulated connections. Faults act on this cluster as on the
 * protocol-level one; a planned stop lets the node's recorder drain before the daemon stops.
 *
 * A node incarnation owns its host, connections and applications: a crash drops them all (their
 * queued work is ignored by generation), a restart builds fresh ones, as a new process would.
 */
import pino from 'pino';
import type { TotemConfig } from '../../totem/config.js';
import type { HistoryRecord } from '../../history/records.js';
import { formatRingId } from '../../history/ids.js';
import { ServiceHost } from '../../daemon/service-host.js';
import type { HostClock } from '../../daemon/host-clock.js';
import { SimCluster, type ClusterOptions, type NodeStatus } from '../cluster.js';
import type { FaultTarget } from '../faults.js';
import type { Prng } from '../prng.js';
import { ChurnerApp, RecorderApp, type AppView, type AppWorld } from './cpg-app.js';
import { SimConnection, type ConnectionHost } from './sim-connection.js';

export const DAEMON_SERVICES = ['cpg', 'votequorum'] as const;
export type DaemonService = (typeof DAEMON_SERVICES)[number];

export interface SimDaemonOptions {
  readonly nodeIds: readonly number[];
  readonly config: TotemConfig;
  readonly rng: Prng;
  readonly baseDelayMs: number;
  readonly services: readonly DaemonService[];
  /** Recorder multicasts per second per node. */
  readonly ratePerSec: number;
  /** Churning client processes kept alive per node (0: none). */
  readonly churnersPerNode: number;
  /** The ring's send queue bound: small, so the gate and held requests meet the faults. */
  readonly maxQueuedBytes: number;
  /** Virtual ms per IPC hop. */
  readonly ipcHopMs?: number;
  readonly onTrace?: ClusterOptions['onTrace'];
}

const SILENT = pino({ enabled: false });
const CHURN_GROUPS = ['g1', 'g2'];

/** One daemon process on one simulated node. */
class NodeStack implements ConnectionHost {
  readonly host: ServiceHost;
  alive = true;
  paused = false;
  readonly connections = new Set<SimConnection>();
  readonly recorder: RecorderApp;
  readonly churners = new Set<ChurnerApp>();
  #nextPid = 1;

  constructor(
    readonly cluster: SimDaemonCluster,
    readonly id: number,
    readonly boot: string,
    history: HistoryRecord[],
  ) {
    const sim = cluster.sim;
    const clock: HostClock = {
      defer: (run) => this.later(0, run),
      every: (ms, run) => {
        let on = true;
        const tick = (): void => {
          if (!on) return;
          run();
          this.later(ms, tick);
        };
        this.later(ms, tick);
        return () => (on = false);
      },
      after: (ms, run) => {
        let on = true;
        this.later(ms, () => on && run());
        return () => (on = false);
      },
    };
    const nodes = cluster.options.nodeIds.length;
    this.host = new ServiceHost({
      nodeId: id,
      ring: {
        send: (data, options) => sim.driver(id)?.submit(data, options) ?? { ok: false, code: 'NOT_RUNNING', detail: 'node down' },
        get queuedBytes() {
          return sim.driver(id)?.queuedBytes ?? 0;
        },
      },
      logger: SILENT,
      clock,
      // votequorum with every node's default vote and expected votes = the node count.
      ...(cluster.options.services.includes('votequorum') ? {
        votequorum: {
          config: {
            votes: 1, expectedVotes: nodes, twoNode: false, waitForAll: false, lastManStanding: false,
            lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' as const }, allowDownscale: false,
          },
        },
      } : {}),
    });
    this.host.startExecutive();
    this.recorder = new RecorderApp(this.world(), id, this.pid(), {
      boot, history, rng: cluster.options.rng.fork(), ratePerSec: cluster.options.ratePerSec, safeFraction: 0.1,
      drainMs: 2 * (cluster.options.config.tokenTimeoutMs + cluster.options.config.consensusMs),
    });
  }

  get reading(): boolean {
    return this.alive && !this.paused;
  }

  pid(): number {
    return 1000 * this.id + this.#nextPid++;
  }

  /** Work of this incarnation, `delayMs` later; a paused process does it once it runs again. */
  later(delayMs: number, run: () => void): void {
    const sim = this.cluster.sim;
    const attempt = (): void => {
      if (!this.alive) return;
      if (this.paused) return sim.at(sim.now + 10, attempt);
      run();
    };
    sim.at(sim.now + delayMs, attempt);
  }

  hop(run: () => void): void {
    this.later(this.cluster.options.ipcHopMs ?? 0.02, run);
  }

  request(conn: SimConnection, messageId: number, requestId: number, payload: Uint8Array): void {
    this.host.request(conn, messageId, requestId, payload);
  }

  disconnected(conn: SimConnection, reason: string): void {
    this.connections.delete(conn);
    this.host.disconnected(conn, reason, '');
  }

  world(): AppWorld {
    const sim = this.cluster.sim;
    const stack = this;
    return {
      now: () => sim.now,
      after: (delayMs, run) => this.later(delayMs, run),
      connect: (client, pid) => {
        const conn = new SimConnection(this.cluster.nextConnectionId(), pid, 'cpg', this, client);
        this.connections.add(conn);
        this.host.connected(conn);
        return conn;
      },
      get daemonRunning() {
        return stack.alive && !stack.paused;
      },
    };
  }

  resumed(): void {
    this.paused = false;
    for (const conn of this.connections) conn.pump();
  }

  spawnChurner(): void {
    // A replacement scheduled before the quiet end must not start after it.
    if (!this.cluster.churning) return;
    const rng = this.cluster.options.rng;
    const churner: ChurnerApp = new ChurnerApp(this.world(), this.id, this.pid(), rng.pick(CHURN_GROUPS), {
      rng: rng.fork(),
      lifeMs: rng.int(200, 6000),
      clean: rng.chance(0.5),
      onExit: () => {
        this.churners.delete(churner);
        if (this.cluster.churning) this.later(rng.int(50, 2000), () => this.spawnChurner());
      },
    });
    this.churners.add(churner);
    churner.start();
  }

  /** Client processes connected to this daemon and in their group, with their view of it. */
  views(): AppView[] {
    return [this.recorder.view(), ...[...this.churners].map((c) => c.view())];
  }

  /** Every client sees the daemon go (CS_ERR_LIBRARY); then the executive stops. */
  stopHost(): void {
    for (const conn of [...this.connections]) conn.close();
    this.host.stop();
    this.alive = false;
  }

  crashed(): void {
    this.alive = false;
    for (const conn of this.connections) conn.lost();
    this.recorder.crashed();
  }
}

export class SimDaemonCluster implements FaultTarget {
  readonly sim: SimCluster;
  readonly #stacks = new Map<number, NodeStack>();
  readonly #histories = new Map<number, HistoryRecord[]>();
  readonly #incarnations = new Map<number, number>();
  #nextConnectionId = 1;
  #sending = true;
  /** Every recorder of the run, to count the incarnations that could write a history. */
  readonly #recorders: RecorderApp[] = [];
  churning = true;

  constructor(readonly options: SimDaemonOptions) {
    this.sim = new SimCluster({
      nodeIds: options.nodeIds,
      config: options.config,
      load: undefined,
      rng: options.rng.fork(),
      baseDelayMs: options.baseDelayMs,
      maxQueuedBytes: options.maxQueuedBytes,
      recordHistory: false,
      onTrace: options.onTrace,
      onEvent: (id, event) => {
        const stack = this.#stacks.get(id);
        if (!stack?.alive) return;
        if (event.kind === 'deliver') return stack.host.deliver(event);
        // The recorder hears of it before whatever the host sends for the new configuration.
        stack.recorder.connection?.notify(() => stack.recorder.installed(event.type, formatRingId(event.ringId.rep, event.ringId.seq), event.members));
        stack.host.configChange(event);
      },
    });
    for (const id of options.nodeIds) this.#histories.set(id, []);
  }

  get network(): SimCluster['network'] {
    return this.sim.network;
  }

  get nodeIds(): number[] {
    return this.sim.nodeIds;
  }

  get now(): number {
    return this.sim.now;
  }

  statusOf(id: number): NodeStatus {
    return this.sim.statusOf(id);
  }

  liveNodes(): number[] {
    return this.sim.liveNodes();
  }

  at(time: number, run: () => void): void {
    this.sim.at(time, run);
  }

  nextConnectionId(): number {
    return this.#nextConnectionId++;
  }

  histories(): HistoryRecord[][] {
    return this.nodeIds.map((id) => this.#histories.get(id)!);
  }

  stack(id: number): NodeStack | undefined {
    const stack = this.#stacks.get(id);
    return stack?.alive ? stack : undefined;
  }

  /** A daemon starts: the host before the ring (it hears every configuration), then its clients. */
  start(id: number): void {
    const status = this.statusOf(id);
    if (status === 'up' || status === 'paused') return;
    const incarnation = (this.#incarnations.get(id) ?? 0) + 1;
    this.#incarnations.set(id, incarnation);
    const boot = `${(this.options.rng.u32() & 0xffff).toString(16).padStart(4, '0')}${incarnation}`;
    const stack = new NodeStack(this, id, boot, this.#histories.get(id)!);
    this.#stacks.set(id, stack);
    this.#recorders.push(stack.recorder);
    // The recorder asks to join before the ring runs, so its join is ordered in the node's first
    // ring (alone, before any merge), where it can have missed nothing.
    stack.recorder.start();
    this.sim.start(id);
    stack.recorder.setSending(this.#sending);
    if (this.churning) for (let i = 0; i < this.options.churnersPerNode; i++) stack.spawnChurner();
  }

  crash(id: number): void {
    const status = this.statusOf(id);
    if (status !== 'up' && status !== 'paused') return;
    this.#stacks.get(id)?.crashed();
    this.sim.crash(id);
  }

  /**
   * A planned stop (SIGTERM): the recorder drains and leaves, the churners go, the host closes
   * every connection and stops, and only then does the node leave the ring.
   */
  leave(id: number): void {
    const stack = this.stack(id);
    if (!stack || this.statusOf(id) !== 'up') return;
    for (const churner of [...stack.churners]) churner.end();
    stack.recorder.stop(() => {
      if (!stack.alive || this.statusOf(id) !== 'up') return;
      stack.stopHost();
      this.sim.leave(id);
    });
  }

  pause(id: number): void {
    if (this.statusOf(id) !== 'up') return;
    this.sim.pause(id);
    const stack = this.stack(id);
    if (stack) stack.paused = true;
  }

  resume(id: number): void {
    if (this.statusOf(id) !== 'paused') return;
    this.sim.resume(id);
    this.stack(id)?.resumed();
  }

  /** The quiet end of a run: recorders stop sending, churners end, so group tables can settle. */
  setLoad(active: boolean): void {
    this.#sending = active;
    this.churning = active;
    for (const id of this.nodeIds) {
      const stack = this.stack(id);
      stack?.recorder.setSending(active);
      if (!active) for (const churner of [...(stack?.churners ?? [])]) churner.end();
    }
  }

  runUntil(until: number, maxEvents?: number): boolean {
    return this.sim.runUntil(until, maxEvents);
  }

  /**
   * Node incarnations whose recorder wrote a history (`midRing` of them joined a ring that had
   * begun), and those that never did (the node died or stopped before the join was ordered).
   */
  recorderCounts(): { recorded: number; midRing: number; unrecorded: number } {
    return {
      recorded: this.#recorders.filter((r) => r.wroteHistory).length,
      midRing: this.#recorders.filter((r) => r.joinedMidRing).length,
      unrecorded: this.#recorders.filter((r) => !r.wroteHistory).length,
    };
  }

  sends(): number {
    let n = 0;
    for (const h of this.#histories.values()) for (const r of h) if (r.ev === 'send') n++;
    return n;
  }
}
