/**
 * A simulated cluster: N real Totem processors (with the group layer) in one process, on a
 * virtual clock, talking through the packet simulator. The cluster owns each node's lifecycle
 * (start, pause, crash, restart with its persisted ring sequence, graceful leave), runs the load,
 * and writes one history per node in the format of shared/design/history.md.
 */
import { TotemGroup, type GroupEvent } from '../totem/group.js';
import type { TotemConfig } from '../totem/config.js';
import type { TraceEvent } from '../totem/state.js';
import type { HistoryRecord } from '../history/records.js';
import { formatRingId } from '../history/ids.js';
import { EventQueue } from './event-queue.js';
import { makePayload, nextGapMs, nextMessageSize, payloadId, type LoadOptions } from './load.js';
import { SimNetwork } from './network.js';
import type { Prng } from './prng.js';

export type NodeStatus = 'absent' | 'up' | 'paused' | 'crashed' | 'left';

interface SimNode {
  readonly id: number;
  status: NodeStatus;
  group: TotemGroup | undefined;
  boot: string;
  incarnation: number;
  counter: number;
  /** Stable storage that survives crashes: the last ring sequence the node persisted. */
  persistedRingSeq: number;
  /** Datagrams that reached a paused process wait in its socket buffer (bounded, like a kernel's). */
  inbox: Uint8Array[];
  /** Time of the earliest timer event queued for this node, if any. */
  timerAt: number | undefined;
  loadGen: number;
  readonly rng: Prng;
  readonly history: HistoryRecord[];
}

type SimEvent =
  | { readonly kind: 'frame'; readonly to: number; readonly frame: Uint8Array }
  | { readonly kind: 'timer'; readonly node: number }
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
  readonly onEvent?: (node: number, event: GroupEvent, now: number) => void;
  /** Keep histories (default true); benchmarks turn them off to measure the protocol alone. */
  readonly recordHistory?: boolean;
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
        id, status: 'absent', group: undefined, boot: '', incarnation: 0, counter: 0,
        persistedRingSeq: 0, inbox: [], timerAt: undefined, loadGen: 0, rng: options.rng.fork(), history: [],
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
    return this.nodeIds.filter((id) => this.node(id).status === 'up' || this.node(id).status === 'paused');
  }

  group(id: number): TotemGroup | undefined {
    return this.node(id).group;
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
      if (predicate()) return true;
    }
    this.now = until;
    return predicate();
  }

  start(id: number): void {
    const node = this.node(id);
    if (node.status === 'up' || node.status === 'paused') return;
    node.incarnation++;
    node.boot = `${(node.rng.u32() & 0xffff).toString(16).padStart(4, '0')}${node.incarnation}`;
    node.counter = 0;
    node.inbox = [];
    node.timerAt = undefined;
    node.status = 'up';
    node.group = new TotemGroup({
      nodeId: id,
      config: this.options.config,
      persistedRingSeq: node.persistedRingSeq,
      trace: this.options.onTrace ? (event) => this.options.onTrace!(id, event, this.now) : undefined,
    });
    node.history.push({ ev: 'start', node: id, boot: node.boot, t: this.stamp() });
    node.group.start(this.now);
    this.flush(node);
    this.scheduleLoad(node);
  }

  crash(id: number): void {
    const node = this.node(id);
    if (node.status !== 'up' && node.status !== 'paused') return;
    node.status = 'crashed';
    node.group = undefined;
    node.inbox = [];
    node.loadGen++;
    node.history.push({ ev: 'crash', t: this.stamp() });
  }

  leave(id: number): void {
    const node = this.node(id);
    if (node.status !== 'up') return;
    node.group!.leave(this.now);
    this.flush(node);
    node.status = 'left';
    node.group = undefined;
    node.loadGen++;
    node.history.push({ ev: 'stop', t: this.stamp() });
  }

  pause(id: number): void {
    const node = this.node(id);
    if (node.status === 'up') node.status = 'paused';
  }

  resume(id: number): void {
    const node = this.node(id);
    if (node.status !== 'paused') return;
    node.status = 'up';
    const waiting = node.inbox.splice(0);
    for (const frame of waiting) node.group!.receive(frame, this.now);
    node.group!.timeout(this.now);
    this.flush(node);
    this.scheduleLoad(node);
  }

  /** Hands one application message to a node, as its load or a test would. */
  send(id: number, size: number, safe = false): boolean {
    const node = this.node(id);
    if (node.status !== 'up') return false;
    const msgId = `${id}.${node.boot}:${node.counter + 1}`;
    const result = node.group!.submit(makePayload(msgId, size), { safe }, this.now);
    if (!result.ok) return false;
    node.counter++;
    if (this.options.recordHistory !== false) node.history.push({ ev: 'send', id: msgId, t: this.stamp() });
    this.flush(node);
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
        } else if (node.status === 'up') {
          node.group!.receive(event.frame, this.now);
          this.flush(node);
        }
        return;
      }
      case 'timer': {
        const node = this.node(event.node);
        // A paused node's timers wait; resume() reschedules them through flush().
        node.timerAt = undefined;
        if (node.status !== 'up') return;
        node.group!.timeout(this.now);
        this.flush(node);
        return;
      }
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

  /** Moves a node's outputs into the world: datagrams, history records, its next timer. */
  private flush(node: SimNode): void {
    const group = node.group;
    if (!group) return;
    for (const event of group.takeEvents()) {
      this.record(node, event);
      this.options.onEvent?.(node.id, event, this.now);
    }
    for (const out of group.takeFrames()) {
      const targets = out.to === 'all' ? this.nodeIds.filter((id) => id !== node.id) : [out.to];
      for (const to of targets) {
        for (const delay of this.network.route(node.id, to, out.frame)) {
          this.queue.push(this.now + delay, { kind: 'frame', to, frame: out.frame });
        }
      }
    }
    // Queue a timer event only when the deadline moved earlier: a later-than-needed event just
    // finds nothing due and reschedules, so the heap does not fill with stale timers.
    const deadline = group.nextDeadline();
    if (deadline !== undefined && (node.timerAt === undefined || deadline < node.timerAt)) {
      const at = Math.max(deadline, this.now);
      node.timerAt = at;
      this.queue.push(at, { kind: 'timer', node: node.id });
    }
  }

  private record(node: SimNode, event: GroupEvent): void {
    if (event.kind === 'persistRingSeq') {
      node.persistedRingSeq = Math.max(node.persistedRingSeq, event.seq);
      return;
    }
    if (this.options.recordHistory === false) return;
    switch (event.kind) {
      case 'deliver': {
        const id = payloadId(event.data);
        if (id !== undefined) node.history.push({ ev: 'deliver', id, from: event.from, t: this.stamp() });
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
