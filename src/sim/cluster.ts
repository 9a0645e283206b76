/**
 * A simulated cluster: N real Totem processors (with the group layer) in one process, on a
 * virtual clock, talking through the packet simulator. Each node runs in the same RingDriver as
 * ringcastd (src/driver), with the packet simulator as its transport and the virtual clock as its
 * scheduler. The cluster owns each node's lifecycle
 * (start, pause, crash, restart with its persisted ring sequence, graceful leave), runs the load,
 * and writes one history per node in the format of docs/history.md.
 */
import type { TotemGroup } from '../totem/group.js';
import type { TotemConfig } from '../totem/config.js';
import type { OutFrame, TraceEvent } from '../totem/state.js';
import { RingDriver, defaultDrainTimeoutMs, type DrainResult, type RingEvent, type RingScheduler, type RingTransport } from '../driver/ring-driver.js';
import type { HistoryRecord } from '../history/records.js';
import { formatRingId } from '../history/ids.js';
import { EventQueue } from './event-queue.js';
import { makePayload, nextGapMs, nextMessageSize, payloadId, type LoadOptions } from './load.js';
import { SimNetwork } from './network.js';
import type { Prng } from './prng.js';

/** `stopping`: a planned stop is draining the node (it takes no new messages, still runs the ring). */
export type NodeStatus = 'absent' | 'up' | 'paused' | 'stopping' | 'crashed' | 'left';

interface SimNode {
  readonly id: number;
  status: NodeStatus;
  driver: RingDriver | undefined;
  boot: string;
  incarnation: number;
  counter: number;
  /** Stable storage that survives crashes: the last ring sequence the node persisted. */
  persistedRingSeq: number;
  /** Datagrams that reached a paused process wait in its socket buffer (bounded, like a kernel's). */
  inbox: Uint8Array[];
  loadGen: number;
  readonly rng: Prng;
  readonly history: HistoryRecord[];
  /** Ids this incarnation sent and has not delivered yet, in send order (the stop's `abandoned`). */
  outstanding: Set<string>;
}

type SimEvent =
  | { readonly kind: 'frame'; readonly to: number; readonly frame: Uint8Array }
  | { readonly kind: 'timer'; readonly fire: () => void }
  | { readonly kind: 'load'; readonly node: number; readonly gen: number }
  | { readonly kind: 'action'; readonly run: () => void };

export interface ClusterOptions {
  readonly nodeIds: readonly number[];
  readonly config: TotemConfig;
  readonly load: LoadOptions | undefined;
  readonly rng: Prng;
  readonly baseDelayMs: number;
  /** Socket buffer of a paused node, in datagrams. */
  readonly pausedInboxMax?: number;
  readonly onTrace?: (node: number, event: TraceEvent, now: number) => void;
  readonly onEvent?: (node: number, event: RingEvent, now: number) => void;
  /** The group layer's send queue bound per node (TotemGroup's default when absent). */
  readonly maxQueuedBytes?: number;
  /** Keep histories (default true); benchmarks turn them off to measure the protocol alone. */
  readonly recordHistory?: boolean;
  /** Bound on a planned stop's drain (default 2 x (token + consensus), as totem.shutdown_drain_timeout). */
  readonly drainTimeoutMs?: number;
  /** Hears how each planned stop's drain ended (figures on abandoned messages). */
  readonly onDrained?: (node: number, result: DrainResult, now: number) => void;
}

/** What a planned stop may add to the drain: work accepted above the ring (the daemon's executive). */
export interface LeaveOptions {
  readonly heldAbove?: () => number;
  readonly acceptSubmits?: boolean;
  /** The node left the ring (after its drain); `result` says what it abandoned. */
  readonly onLeft?: (result: DrainResult) => void;
}

export class SimCluster {
  readonly network: SimNetwork;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes = new Map<number, SimNode>();
  private loadActive = true;
  now = 0;

  constructor(private readonly options: ClusterOptions) {
    this.network = new SimNetwork(options.rng.fork(), { baseDelayMs: options.baseDelayMs });
    for (const id of options.nodeIds) {
      this.nodes.set(id, {
        id, status: 'absent', driver: undefined, boot: '', incarnation: 0, counter: 0,
        persistedRingSeq: 0, inbox: [], loadGen: 0, rng: options.rng.fork(), history: [], outstanding: new Set(),
      });
    }
  }

  get nodeIds(): number[] {
    return [...this.nodes.keys()];
  }

  statusOf(id: number): NodeStatus {
    return this.node(id).status;
  }

  liveNodes(): number[] {
    return this.nodeIds.filter((id) => ['up', 'paused', 'stopping'].includes(this.node(id).status));
  }

  group(id: number): TotemGroup | undefined {
    return this.node(id).driver?.group;
  }

  driver(id: number): RingDriver | undefined {
    return this.node(id).driver;
  }

  histories(): HistoryRecord[][] {
    return this.nodeIds.map((id) => this.node(id).history);
  }

  history(id: number): readonly HistoryRecord[] {
    return this.node(id).history;
  }

  /** Stops generating load (the quiet end of a run) or resumes it. */
  setLoad(active: boolean): void {
    this.loadActive = active;
    if (active) for (const node of this.nodes.values()) if (node.status === 'up') this.scheduleLoad(node);
  }

  at(time: number, run: () => void): void {
    this.queue.push(Math.max(time, this.now), { kind: 'action', run });
  }

  /** Virtual time for history records, to the microsecond. */
  private stamp(): number {
    return Math.round(this.now * 1000) / 1000;
  }

  /** Events handled so far; a run that exceeds its budget is reported, not left spinning. */
  eventCount = 0;

  /** Runs every event up to `until` (virtual ms), or until `maxEvents` have been handled. */
  runUntil(until: number, maxEvents = Infinity): boolean {
    for (let next = this.queue.peekTime(); next !== undefined && next <= until; next = this.queue.peekTime()) {
      if (this.eventCount >= maxEvents) return false;
      const { time, item } = this.queue.pop()!;
      this.now = time;
      this.eventCount++;
      this.handle(item);
    }
    this.now = until;
    return true;
  }

  /** Runs until `predicate` holds or `until` passes; returns whether it held. */
  runUntilTrue(predicate: () => boolean, until: number): boolean {
    if (predicate()) return true;
    for (let next = this.queue.peekTime(); next !== undefined && next <= until; next = this.queue.peekTime()) {
      const { time, item } = this.queue.pop()!;
      this.now = time;
      this.handle(item);
      if (predicate()) {
        this.finishInstant();
        return true;
      }
    }
    this.now = until;
    return predicate();
  }

  /** Runs what is still due at this instant (listeners of the step just taken hear of it). */
  private finishInstant(): void {
    for (let next = this.queue.peekTime(); next !== undefined && next <= this.now; next = this.queue.peekTime()) {
      this.handle(this.queue.pop()!.item);
    }
  }

  start(id: number): void {
    const node = this.node(id);
    if (node.status === 'up' || node.status === 'paused') return;
    node.incarnation++;
    node.boot = `${(node.rng.u32() & 0xffff).toString(16).padStart(4, '0')}${node.incarnation}`;
    node.counter = 0;
    node.inbox = [];
    node.outstanding = new Set();
    node.status = 'up';
    node.driver = new RingDriver({
      nodeId: id,
      config: this.options.config,
      maxQueuedBytes: this.options.maxQueuedBytes,
      store: {
        load: () => node.persistedRingSeq,
        save: (seq) => (node.persistedRingSeq = Math.max(node.persistedRingSeq, seq)),
      },
      transport: this.transportOf(node),
      scheduler: this.scheduler,
      onEvent: (event) => {
        this.record(node, event);
        this.options.onEvent?.(node.id, event, this.now);
      },
      trace: this.options.onTrace ? (event) => this.options.onTrace!(id, event, this.now) : undefined,
    });
    node.history.push({ ev: 'start', node: id, boot: node.boot, t: this.stamp() });
    node.driver.start();
    this.scheduleLoad(node);
  }

  crash(id: number): void {
    const node = this.node(id);
    if (node.status !== 'up' && node.status !== 'paused' && node.status !== 'stopping') return;
    node.status = 'crashed';
    node.driver!.halt();
    node.driver = undefined;
    node.inbox = [];
    node.loadGen++;
    node.history.push({ ev: 'crash', t: this.stamp() });
  }

  /**
   * A planned stop: the node takes no new messages and drains (the driver waits, bounded, until
   * every message it accepted was delivered back), then leaves the ring and writes `stop`, listing
   * what the drain abandoned. A crash meanwhile ends it as a crash.
   */
  leave(id: number, options: LeaveOptions = {}): void {
    const node = this.node(id);
    if (node.status !== 'up') return;
    node.status = 'stopping';
    node.loadGen++;
    const driver = node.driver!;
    const config = this.options.config;
    const timeoutMs = this.options.drainTimeoutMs ?? defaultDrainTimeoutMs(config);
    driver.drain({ timeoutMs, heldAbove: options.heldAbove, acceptSubmits: options.acceptSubmits }, (result) => {
      node.status = 'left';
      node.driver = undefined;
      if (this.options.recordHistory !== false) {
        const abandoned = [...node.outstanding];
        node.history.push(abandoned.length > 0 ? { ev: 'stop', abandoned, t: this.stamp() } : { ev: 'stop', t: this.stamp() });
      }
      this.options.onDrained?.(id, result, this.now);
      options.onLeft?.(result);
    });
  }

  pause(id: number): void {
    const node = this.node(id);
    if (node.status !== 'up') return;
    node.status = 'paused';
    node.driver!.suspend();
  }

  resume(id: number): void {
    const node = this.node(id);
    if (node.status !== 'paused') return;
    node.status = 'up';
    node.driver!.resume(node.inbox.splice(0));
    this.scheduleLoad(node);
  }

  /** Hands one application message to a node, as its load or a test would. */
  send(id: number, size: number, safe = false): boolean {
    const node = this.node(id);
    if (node.status !== 'up') return false;
    const msgId = `${id}.${node.boot}:${node.counter + 1}`;
    // The send record goes first: the submit's step may already deliver the message (a ring of one).
    const before = node.history.length;
    if (this.options.recordHistory !== false) node.history.push({ ev: 'send', id: msgId, t: this.stamp() });
    const result = node.driver!.submit(makePayload(msgId, size), { safe });
    if (!result.ok) {
      node.history.splice(before, 1);
      return false;
    }
    node.counter++;
    if (this.options.recordHistory !== false) node.outstanding.add(msgId);
    return true;
  }

  private node(id: number): SimNode {
    const node = this.nodes.get(id);
    if (!node) throw new RangeError(`no simulated node ${id}`);
    return node;
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'frame': {
        const node = this.node(event.to);
        if (node.status === 'paused') {
          if (node.inbox.length < (this.options.pausedInboxMax ?? 2000)) node.inbox.push(event.frame);
        } else if (node.status === 'up' || node.status === 'stopping') {
          node.driver!.receive(event.frame);
        }
        return;
      }
      case 'timer':
        // A paused node's driver lets the timer lapse; resume() runs what came due.
        event.fire();
        return;
      case 'load': {
        const node = this.node(event.node);
        if (node.status !== 'up' || event.gen !== node.loadGen || !this.loadActive || !this.options.load) return;
        const load = this.options.load;
        this.send(node.id, nextMessageSize(node.rng, load), node.rng.chance(load.safeFraction));
        this.queue.push(this.now + nextGapMs(node.rng, load), { kind: 'load', node: node.id, gen: node.loadGen });
        return;
      }
      case 'action':
        event.run();
        return;
    }
  }

  private scheduleLoad(node: SimNode): void {
    if (!this.options.load || !this.loadActive || node.status !== 'up') return;
    node.loadGen++;
    this.queue.push(this.now + nextGapMs(node.rng, this.options.load), { kind: 'load', node: node.id, gen: node.loadGen });
  }

  /**
   * The virtual clock as a driver's scheduler. A cancelled timer stays in the queue and fires
   * anyway: the driver then finds nothing due and re-arms, so cancelling costs no heap search.
   * Events reach listeners as a separate event at the same virtual time, after whatever was
   * already due then, as setImmediate does in the daemon: never from inside a submit().
   */
  private readonly scheduler: RingScheduler = {
    now: () => this.now,
    timer: (at, fire) => {
      this.queue.push(at, { kind: 'timer', fire });
      return () => {};
    },
    defer: (run) => this.queue.push(this.now, { kind: 'action', run }),
  };

  /** Multicasts reach every other node of the cluster, each copy through the packet simulator. */
  private transportOf(node: SimNode): RingTransport {
    return {
      send: (frames: readonly OutFrame[]) => {
        for (const out of frames) {
          const targets = out.to === 'all' ? this.nodeIds.filter((id) => id !== node.id) : [out.to];
          for (const to of targets) {
            for (const delay of this.network.route(node.id, to, out.frame)) {
              this.queue.push(this.now + delay, { kind: 'frame', to, frame: out.frame });
            }
          }
        }
      },
    };
  }

  private record(node: SimNode, event: RingEvent): void {
    if (this.options.recordHistory === false) return;
    switch (event.kind) {
      case 'deliver': {
        const id = payloadId(event.data);
        if (id === undefined) return;
        node.history.push({ ev: 'deliver', id, from: event.from, t: this.stamp() });
        if (event.from === node.id) node.outstanding.delete(id);
        return;
      }
      case 'config':
        node.history.push({
          ev: 'config',
          kind: event.type,
          ring: formatRingId(event.ringId.rep, event.ringId.seq),
          members: [...event.members],
          t: this.stamp(),
        });
        return;
    }
  }
}
