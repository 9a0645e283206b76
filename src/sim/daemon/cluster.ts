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
import { ClmTrackerApp } from './clm-app.js';
import { EvtApp } from './evt-app.js';
import { SimConnection, type ConnectionHost } from './sim-connection.js';

export const DAEMON_SERVICES = ['cpg', 'clm', 'evt', 'votequorum'] as const;
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
  /** Bound on each planned stop's drain (default 2 x (token + consensus)). */
  readonly drainTimeoutMs?: number;
  /** Virtual ms per IPC hop. */
  readonly ipcHopMs?: number;
  readonly onTrace?: ClusterOptions['onTrace'];
  readonly onDrained?: ClusterOptions['onDrained'];
}

const SILENT = pino({ enabled: false });
const CHURN_GROUPS = ['g1', 'g2'];

/** One daemon process on one simulated node. */
class NodeStack implements ConnectionHost {
  readonly host: ServiceHost;
  alive = true;
  paused = false;
  /** A planned stop began (its recorder finishes its requests, then the daemon drains). */
  stopping = false;
  readonly connections = new Set<SimConnection>();
  readonly recorder: RecorderApp;
  readonly churners = new Set<ChurnerApp>();
  /** The EVT application, when the run exercises 'evt'. */
  evtApp: EvtApp | undefined;
  /** With the clm service: a CHANGES and a CHANGES_ONLY tracker for the incarnation's whole life. */
  readonly clmTrackers: ClmTrackerApp[] = [];
  /** The regular configurations this incarnation installed: ring sequence → members. */
  readonly regularRings = new Map<number, readonly number[]>();
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
      // Virtual time; the EVT service's retention timers run on it (a paused process fires late).
      nowMs: () => sim.now,
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
      evt: { onSyncActivated: (ring, table) => cluster.evtActivated(id, ring, table) },
      // Each incarnation boots at its start time (a restart is a new boot, as a real one would be).
      clm: { local: { name: `n${id}`, address: { family: 'inet', text: `10.0.0.${id}` }, bootTimestamp: 1_700_000_000_000_000_000n + BigInt(Math.round(sim.now * 1000)) * 1000n } },
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
    if (cluster.options.services.includes('clm')) {
      for (const mode of ['changes', 'changesOnly'] as const) this.clmTrackers.push(new ClmTrackerApp(this.world(), id, this.pid(), mode));
    }
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

  /**
   * Work of this incarnation, `delayMs` later; a paused process does it once it runs again, in the
   * order it was due. (Retrying every 10 ms instead let work due after the resume overtake work
   * due before the pause: a client heard of the next ring before a delivery of the old one, churn
   * seed 9 with evt.)
   */
  later(delayMs: number, run: () => void): void {
    const sim = this.cluster.sim;
    sim.at(sim.now + delayMs, () => {
      if (!this.alive) return;
      if (this.paused || this.#backlog.length > 0) {
        this.#backlog.push(run);
        return;
      }
      run();
    });
  }

  /** Work that came due while the process was paused, oldest first. */
  readonly #backlog: (() => void)[] = [];

  hop(run: () => void): void {
    this.later(this.cluster.options.ipcHopMs ?? 0.02, run);
  }

  toClient(run: () => void): void {
    const sim = this.cluster.sim;
    sim.at(sim.now + (this.cluster.options.ipcHopMs ?? 0.02), run);
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
      connect: (client, pid, serviceName = 'cpg') => {
        const conn = new SimConnection(this.cluster.nextConnectionId(), pid, serviceName, this, client);
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
    while (this.alive && !this.paused && this.#backlog.length > 0) this.#backlog.shift()!();
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
    this.evtApp?.crashed();
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
  /** Every CLM tracker of the run, to count the notifications they checked. */
  readonly #clmTrackers: ClmTrackerApp[] = [];
  churning = true;
  /** Per ring: the EVT table each node installed when its sync activated there (all must agree). */
  readonly evtTables = new Map<string, Map<number, string>>();
  /** Per node: the ring its EVT sync activated last. */
  readonly evtLastRing = new Map<number, string>();
  /** Every EVT application of the run (for the duplicate check). */
  readonly evtApps: EvtApp[] = [];

  constructor(readonly options: SimDaemonOptions) {
    this.sim = new SimCluster({
      nodeIds: options.nodeIds,
      config: options.config,
      load: undefined,
      rng: options.rng.fork(),
      baseDelayMs: options.baseDelayMs,
      maxQueuedBytes: options.maxQueuedBytes,
      drainTimeoutMs: options.drainTimeoutMs,
      recordHistory: false,
      onTrace: options.onTrace,
      onDrained: options.onDrained,
      onEvent: (id, event) => {
        const stack = this.#stacks.get(id);
        if (!stack?.alive) return;
        if (event.kind === 'deliver') return stack.host.deliver(event);
        // The recorder hears of it before whatever the host sends for the new configuration.
        stack.recorder.connection?.notify(() => stack.recorder.installed(event.type, formatRingId(event.ringId.rep, event.ringId.seq), event.members));
        if (event.type === 'regular') stack.regularRings.set(event.ringId.seq, [...event.members].sort((a, b) => a - b));
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

  evtActivated(node: number, ring: string, table: string): void {
    let tables = this.evtTables.get(ring);
    if (tables === undefined) this.evtTables.set(ring, (tables = new Map()));
    tables.set(node, table);
    this.evtLastRing.set(node, ring);
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
    if (status === 'up' || status === 'paused' || status === 'stopping') return;
    const incarnation = (this.#incarnations.get(id) ?? 0) + 1;
    this.#incarnations.set(id, incarnation);
    const boot = `${(this.options.rng.u32() & 0xffff).toString(16).padStart(4, '0')}${incarnation}`;
    // A new incarnation has activated nothing yet.
    this.evtLastRing.delete(id);
    const stack = new NodeStack(this, id, boot, this.#histories.get(id)!);
    this.#stacks.set(id, stack);
    this.#recorders.push(stack.recorder);
    // The recorder asks to join before the ring runs, so its join is ordered in the node's first
    // ring (alone, before any merge), where it can have missed nothing.
    stack.recorder.start();
    for (const tracker of stack.clmTrackers) tracker.start();
    this.#clmTrackers.push(...stack.clmTrackers);
    this.sim.start(id);
    stack.recorder.setSending(this.#sending);
    if (this.options.services.includes('evt')) {
      stack.evtApp = new EvtApp(stack.world(), id, stack.pid(), { rng: this.options.rng.fork(), ratePerSec: this.options.ratePerSec });
      this.evtApps.push(stack.evtApp);
      stack.evtApp.start();
      stack.evtApp.setActive(this.#sending);
    }
    if (this.churning) for (let i = 0; i < this.options.churnersPerNode; i++) stack.spawnChurner();
  }

  crash(id: number): void {
    const status = this.statusOf(id);
    if (status !== 'up' && status !== 'paused' && status !== 'stopping') return;
    this.#stacks.get(id)?.crashed();
    this.sim.crash(id);
  }

  /**
   * A planned stop (SIGTERM), as ringcastd does it: the churners go, the recorder stops sending
   * and waits until the daemon took its requests; then the daemon drains: it reads no client,
   * waits until its executive's work and every message it handed the ring came back, closes every
   * connection (procleaves, drained in turn), and leaves the ring; bounded by the driver's drain.
   */
  leave(id: number): void {
    const stack = this.stack(id);
    if (!stack || stack.stopping || this.statusOf(id) !== 'up') return;
    stack.stopping = true;
    for (const churner of [...stack.churners]) churner.end();
    stack.recorder.stop(() => {
      if (!stack.alive || this.statusOf(id) !== 'up') return;
      this.#drainAndLeave(stack);
    });
  }

  #drainAndLeave(stack: NodeStack): void {
    const id = stack.id;
    stack.host.beginDrain();
    let closed = false;
    const closeClients = (): void => {
      if (closed) return;
      closed = true;
      for (const conn of [...stack.connections]) conn.close();
    };
    const poll = (): void => {
      if (!stack.alive || closed) return;
      if (stack.host.pendingWork > 0 || (this.sim.driver(id)?.ownUndelivered ?? 0) > 0) return stack.later(10, poll);
      // The last deliveries are on their way to the clients (one IPC hop): a real daemon's close
      // comes after what it already wrote to the socket, so close once they arrived.
      stack.later(2 * (this.options.ipcHopMs ?? 0.02), closeClients);
    };
    this.sim.leave(id, {
      acceptSubmits: true,
      heldAbove: () => stack.host.pendingWork + (closed ? 0 : 1),
      onLeft: () => {
        closeClients();
        stack.stopHost();
      },
    });
    poll();
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
      stack?.evtApp?.setActive(active);
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

  /** CLM trackers started in the run, and the change notifications they received (current views not counted). */
  clmCounts(): { trackers: number; notifications: number } {
    let notifications = 0;
    for (const t of this.#clmTrackers) notifications += Math.max(0, t.views.length - 1);
    return { trackers: this.#clmTrackers.length, notifications };
  }

  sends(): number {
    let n = 0;
    for (const h of this.#histories.values()) for (const r of h) if (r.ev === 'send') n++;
    return n;
  }
}
