/**
 * The executive over the simulator: one Executive per simulated node, fed by SimCluster's events,
 * multicasting through that node's TotemGroup, with scheduled work as virtual-time actions. A
 * crash drops the node's executive (its memory is gone); a restart builds a fresh one with fresh
 * services. Used by the executive's and the services' simulation tests.
 */
import { deriveTotemConfig, type TotemConfigInput } from '../../totem/config.js';
import { SimCluster } from '../../sim/cluster.js';
import { Prng } from '../../sim/prng.js';
import { SIM_TOTEM_DEFAULTS } from '../../sim/run.js';
import { Executive, type ExecTraceEvent } from '../executive.js';
import type { Service } from '../service.js';

export interface SimExecOptions<S extends Service> {
  readonly nodes: number;
  readonly seed: number;
  /** Fresh services for a node (called at every start). */
  readonly services: (nodeId: number) => S[];
  readonly totem?: TotemConfigInput;
  readonly baseDelayMs?: number;
  /** Delay of scheduled executive work (schedwrk), virtual ms. */
  readonly scheduleDelayMs?: number;
  readonly maxOwnMessages?: number;
  readonly trace?: (nodeId: number, event: ExecTraceEvent, now: number) => void;
}

interface SimExecNode<S extends Service> {
  readonly exec: Executive;
  readonly services: S[];
}

export class SimExecCluster<S extends Service> {
  readonly cluster: SimCluster;
  private readonly nodes = new Map<number, SimExecNode<S>>();

  constructor(private readonly options: SimExecOptions<S>) {
    this.cluster = new SimCluster({
      nodeIds: Array.from({ length: options.nodes }, (_, i) => i + 1),
      config: deriveTotemConfig({ ...SIM_TOTEM_DEFAULTS, ...options.totem }),
      load: undefined,
      rng: new Prng(options.seed),
      baseDelayMs: options.baseDelayMs ?? 0.5,
      onEvent: (nodeId, event) => {
        const exec = this.nodes.get(nodeId)?.exec;
        if (!exec) return;
        if (event.kind === 'deliver') exec.deliver(event);
        else if (event.kind === 'config') exec.configChange(event);
      },
    });
  }

  get now(): number {
    return this.cluster.now;
  }

  start(nodeId: number): void {
    const services = this.options.services(nodeId);
    const delay = this.options.scheduleDelayMs ?? 1;
    const exec: Executive = new Executive({
      nodeId,
      services,
      maxOwnMessages: this.options.maxOwnMessages,
      ring: {
        send: (data, opts) =>
          this.cluster.driver(nodeId)?.submit(data, opts) ?? { ok: false, code: 'NOT_RUNNING', detail: 'node down' },
      },
      // Work of an executive that crashed meanwhile is dropped with it.
      schedule: (run) => this.cluster.at(this.cluster.now + delay, () => this.nodes.get(nodeId)?.exec === exec && run()),
      trace: this.options.trace ? (event) => this.options.trace!(nodeId, event, this.cluster.now) : undefined,
    });
    exec.start();
    this.nodes.set(nodeId, { exec, services });
    this.cluster.start(nodeId);
  }

  crash(nodeId: number): void {
    this.nodes.delete(nodeId);
    this.cluster.crash(nodeId);
  }

  exec(nodeId: number): Executive | undefined {
    return this.nodes.get(nodeId)?.exec;
  }

  services(nodeId: number): S[] {
    return this.nodes.get(nodeId)?.services ?? [];
  }

  liveNodes(): number[] {
    return this.cluster.liveNodes().filter((id) => this.nodes.has(id));
  }

  /**
   * Every live node operational, synced, with no own message outstanding, in a ring whose
   * members are exactly its group: `groups` (a partition's sides) or one group of all live nodes.
   */
  settled(groups?: readonly (readonly number[])[]): boolean {
    const live = this.liveNodes();
    const sides = (groups ?? [live]).map((g) => g.filter((id) => live.includes(id))).filter((g) => g.length > 0);
    for (const side of sides) {
      const views = side.map((id) => this.cluster.group(id)!.status());
      const ring = `${views[0]!.ringId.rep}.${views[0]!.ringId.seq}`;
      const ok = views.every(
        (v) => v.state === 'operational' && `${v.ringId.rep}.${v.ringId.seq}` === ring && v.members.length === side.length && side.every((id) => v.members.includes(id)),
      );
      if (!ok) return false;
    }
    return live.every((id) => {
      const exec = this.exec(id)!;
      return exec.syncState === 'done' && exec.ownMessages.inFlight + exec.ownMessages.deferred === 0;
    });
  }

  /**
   * Runs until settled (or `withinMs` passes), then `quietMs` more so messages other nodes sent
   * reach everyone (settled() sees only each node's own messages); returns whether it settled.
   */
  settle(options: { readonly groups?: readonly (readonly number[])[]; readonly withinMs?: number; readonly quietMs?: number } = {}): boolean {
    const deadline = this.cluster.now + (options.withinMs ?? 60_000);
    const done = () => this.settled(options.groups);
    while (this.cluster.now <= deadline && this.cluster.runUntilTrue(done, deadline)) {
      this.run(options.quietMs ?? 500);
      if (done()) return true;
    }
    return false;
  }

  run(forMs: number): void {
    this.cluster.runUntil(this.cluster.now + forMs);
  }
}
