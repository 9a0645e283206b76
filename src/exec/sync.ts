/**
 * The synchronization protocol, after exec/sync.c of Corosync 3.1.7 (state diagram in
 * design.md). After every regular configuration each member:
 *
 *  1. calls init() of every service that has a sync step and multicasts its service list
 *     (SERVICE_BUILD, with the ring id, in the totempg group "sync" as sync.c sends it); when every member's list arrived, the union, sorted by
 *     service id, is the round's list: a service another node runs and this one does not gets a
 *     no-op entry, so all members walk the same list (sync_service_build_handler);
 *  2. for each entry in order: calls process() until it returns true, then multicasts a BARRIER
 *     (with the ring id); when every member's barrier for it arrived the service is activated
 *     and the next entry starts (sync_barrier_handler, schedwrk_processor);
 *  3. after the last activation, synchronization is complete (sync_synchronization_completed).
 *
 * Barriers arrive in agreed order, so every member activates a service at the same point of the
 * message order. A configuration change before the end aborts the round. Messages carrying
 * another round's ring id are counted and ignored, as sync.c ignores "barrier for old ring".
 *
 * The engine also answers, for the router, whether a service is active for a message ordered in
 * a given ring, and whether a sync message of a ring belongs to the running round.
 */
import type { ConfigChange } from '../totem/state.js';
import type { NodeId, RingId } from '../totem/wire/types.js';
import type { Service } from './service.js';
import { encodeBarrier, encodeServiceBuild, type SyncMessage } from './sync-wire.js';

export type SyncTraceEvent =
  | { readonly kind: 'syncStart'; readonly ringId: RingId; readonly members: readonly NodeId[] }
  | { readonly kind: 'syncActivate'; readonly ringId: RingId; readonly serviceId: number }
  | { readonly kind: 'syncAbort'; readonly ringId: RingId; readonly serviceIds: readonly number[] }
  | { readonly kind: 'syncComplete'; readonly ringId: RingId };

export interface SyncEnvironment {
  /** Registered services in id order. */
  services(): readonly Service[];
  /** Multicasts a whole sync message in the sync group; false when the ring refused it (queue full): retried later. */
  sendSync(message: Uint8Array): boolean;
  /**
   * Runs `run` later (Corosync's schedwrk): process() that is not done, and refused sends. While
   * the ring's queue is full, later means once it has room: retrying at once would only spin.
   */
  schedule(run: () => void): void;
  /** The round finished: ordinary messages may flow again. */
  completed(ringId: RingId): void;
  trace?(event: SyncTraceEvent): void;
}

export interface SyncStats {
  staleMessages: number;
  mismatchedMessages: number;
  rounds: number;
  aborts: number;
  completions: number;
}

interface Entry {
  readonly serviceId: number;
  /** Undefined for a service only other members run (Corosync's dummy entry). */
  readonly service: Service | undefined;
}

interface Round {
  readonly number: number;
  readonly ringId: RingId;
  readonly members: readonly NodeId[];
  entries: Entry[];
  readonly received: Set<NodeId>;
  /** Services whose init ran this round and that have neither activated nor aborted. */
  readonly pending: Set<Service>;
  /** Our own message of the current step went out (SERVICE_BUILD, or the current barrier). */
  sent: boolean;
}

export type SyncPhase = 'waiting' | 'build' | 'process' | 'barrier' | 'done';

export class SyncEngine {
  private phase: SyncPhase = 'waiting';
  private round: Round | undefined;
  private index = 0;
  private roundNumber = 0;
  /** Members of the last transitional configuration (Corosync's my_trans_list). */
  private transitional: readonly NodeId[] = [];
  /** The ring in which each service last activated. */
  private readonly activeIn = new Map<number, RingId>();
  /** Corosync starts with sync_in_process = 1: nothing flows before the first sync completes. */
  private inProcess = true;
  readonly stats: SyncStats = { staleMessages: 0, mismatchedMessages: 0, rounds: 0, aborts: 0, completions: 0 };

  constructor(private readonly env: SyncEnvironment) {}

  get state(): SyncPhase {
    return this.phase;
  }

  /** Between a configuration change and the end of its sync (Corosync's sync_in_process). */
  get syncInProcess(): boolean {
    return this.inProcess;
  }

  /** An ordinary message ordered in `ringId` may be applied to the service. */
  isActive(serviceId: number, ringId: RingId): boolean {
    const ring = this.activeIn.get(serviceId);
    return ring !== undefined && ring.rep === ringId.rep && ring.seq === ringId.seq;
  }

  /** A service's sync message ordered in `ringId` belongs to the running round. */
  acceptsSyncMessage(ringId: RingId): boolean {
    return this.round !== undefined && this.phase !== 'waiting' && this.phase !== 'done' && sameRing(this.round.ringId, ringId);
  }

  /** Corosync's confchg_fn after the services' own confchg: abort a running round, start one. */
  configChange(change: ConfigChange): void {
    this.inProcess = true;
    if (this.round && this.phase !== 'done') this.abortRound();
    this.phase = 'waiting';
    this.round = undefined;
    if (change.type === 'transitional') {
      this.transitional = [...change.members];
      return;
    }
    this.startRound(change);
  }

  deliver(from: NodeId, message: SyncMessage): void {
    const round = this.round;
    if (!round || this.phase === 'waiting' || this.phase === 'done' || !sameRing(round.ringId, message.ringId)) {
      this.stats.staleMessages++;
      return;
    }
    if (message.kind === 'serviceBuild') this.onServiceBuild(round, from, message.serviceIds);
    else this.onBarrier(round, from);
  }

  /** The executive stops: a running round ends with abort(), as on a configuration change. */
  stop(): void {
    if (this.round && this.phase !== 'done') this.abortRound();
    this.round = undefined;
    this.phase = 'waiting';
    this.inProcess = true;
  }

  private startRound(change: ConfigChange): void {
    const members = [...change.members].sort((a, b) => a - b);
    const inNew = new Set(members);
    // sync_process_call_init: the transitional list, filtered by the new member list.
    const transitional = this.transitional.filter((id) => inNew.has(id));
    this.transitional = [];
    const round: Round = {
      number: ++this.roundNumber, ringId: change.ringId, members, entries: [], received: new Set(), pending: new Set(), sent: false,
    };
    this.round = round;
    this.index = 0;
    this.phase = 'build';
    this.stats.rounds++;
    this.env.trace?.({ kind: 'syncStart', ringId: round.ringId, members });
    for (const service of this.env.services()) {
      if (!service.sync) {
        // Nothing to rebuild: active in this ring at once (Corosync leaves it out of the list).
        this.activeIn.set(service.id, round.ringId);
        continue;
      }
      round.entries.push({ serviceId: service.id, service });
      round.pending.add(service);
      service.sync.init(members, round.ringId, transitional);
    }
    this.sendOwn(round, encodeServiceBuild(round.ringId, round.entries.map((e) => e.serviceId)));
  }

  private onServiceBuild(round: Round, from: NodeId, serviceIds: readonly number[]): void {
    if (this.phase !== 'build') {
      this.stats.mismatchedMessages++;
      return;
    }
    for (const id of serviceIds) {
      if (!round.entries.some((e) => e.serviceId === id)) round.entries.push({ serviceId: id, service: undefined });
    }
    round.entries.sort((a, b) => a.serviceId - b.serviceId);
    this.markReceived(round, from);
    if (this.allReceived(round)) this.enterProcess(round, 0);
  }

  /** A barrier closes the entry every member is at: agreed order puts all of one entry's first. */
  private onBarrier(round: Round, from: NodeId): void {
    if (this.phase !== 'process' && this.phase !== 'barrier') {
      this.stats.mismatchedMessages++;
      return;
    }
    this.markReceived(round, from);
    if (!this.allReceived(round)) return;
    const entry = round.entries[this.index]!;
    if (entry.service) {
      round.pending.delete(entry.service);
      this.activeIn.set(entry.serviceId, round.ringId);
      entry.service.sync!.activate();
    }
    this.env.trace?.({ kind: 'syncActivate', ringId: round.ringId, serviceId: entry.serviceId });
    this.enterProcess(round, this.index + 1);
  }

  private enterProcess(round: Round, index: number): void {
    round.received.clear();
    round.sent = false;
    this.index = index;
    if (index >= round.entries.length) {
      this.phase = 'done';
      this.inProcess = false;
      this.stats.completions++;
      this.env.trace?.({ kind: 'syncComplete', ringId: round.ringId });
      this.env.completed(round.ringId);
      return;
    }
    this.phase = 'process';
    this.runProcess(round);
  }

  /** schedwrk_processor: process() until done, then the barrier. */
  private runProcess(round: Round): void {
    if (!this.current(round) || this.phase !== 'process') return;
    const entry = round.entries[this.index]!;
    const done = entry.service ? entry.service.sync!.process() : true;
    if (!done) {
      this.env.schedule(() => this.runProcess(round));
      return;
    }
    this.phase = 'barrier';
    this.sendOwn(round, encodeBarrier(round.ringId));
  }

  /** Sends this step's own message, retrying later while the ring refuses it. */
  private sendOwn(round: Round, message: Uint8Array): void {
    const step = this.index;
    const phase = this.phase;
    const attempt = (): void => {
      // A retry outlives its step when a configuration change ended the round: then it is moot.
      if (!this.current(round) || this.phase !== phase || this.index !== step || round.sent) return;
      if (this.env.sendSync(message)) round.sent = true;
      else this.env.schedule(attempt);
    };
    attempt();
  }

  private abortRound(): void {
    const round = this.round!;
    const aborted = [...round.pending];
    round.pending.clear();
    this.stats.aborts++;
    for (const service of aborted) service.sync!.abort();
    this.env.trace?.({ kind: 'syncAbort', ringId: round.ringId, serviceIds: aborted.map((s) => s.id) });
  }

  private current(round: Round): boolean {
    return this.round === round;
  }

  private markReceived(round: Round, from: NodeId): void {
    if (round.members.includes(from)) round.received.add(from);
  }

  private allReceived(round: Round): boolean {
    return round.received.size === round.members.length;
  }
}

function sameRing(a: RingId, b: RingId): boolean {
  return a.rep === b.rep && a.seq === b.seq;
}
