/**
 * This node's side of the EVT service: client connections (one per saEvtInitialize), their open
 * channel handles and subscriptions, and each connection's delivery queues and credits. Nothing
 * here is replicated: OpenAIS kept subscriptions on the subscriber's node too, and every node
 * matches each event against its own subscribers.
 */
import type { ClientConnection } from '../../exec/index.js';
import { encodeEvtDelivery, EVT_EVENT_DELIVER, EVT_EVENT_ID_LOST, EVT_OPEN_OPENAIS_FILTERS, EVT_OPEN_SUBSCRIBER, SA_EVT_LOST_EVENT_PATTERN, type EvtFilter } from '../../protocol/evt-lib.js';
import {
  encodeEvtDeliveryRecord, EvtBatchWriter, evtBatchBytes, EVT_EVENT_DELIVER_BATCH, withIds, type EvtDeliveryBody,
} from '../../protocol/evt-batch.js';
import { EvtSharedWriter, evtSharedBytes, EVT_EVENT_DELIVER_SHARED } from '../../protocol/evt-shared.js';
import { eventMatches, type FilterRule } from './match.js';
import type { InstanceKey } from './messages.js';
import { PriorityQueues, type Pending, type QueueLimits } from './queues.js';

export interface Subscription {
  readonly id: number;
  readonly filters: readonly EvtFilter[];
}

export interface LocalOpen {
  /** `connection.handle`: unique on this node while the daemon runs. */
  readonly key: string;
  readonly handle: number;
  readonly connId: number;
  instance: InstanceKey;
  readonly flags: number;
  readonly rule: FilterRule;
  /** In subscription order; matching tries the newest first (OpenAIS's list_add at the head). */
  readonly subs: Map<number, Subscription>;
  /** `subs` newest first, rebuilt on change: matching runs per event and open, subscribing rarely. */
  newestFirst: Subscription[];
}

/** Adds or removes a subscription of an open, keeping its newest-first list. */
export function setSubscription(open: LocalOpen, id: number, sub: Subscription | undefined): boolean {
  const had = sub === undefined ? open.subs.delete(id) : (open.subs.set(id, sub), true);
  open.newestFirst = [...open.subs.values()].reverse();
  return had;
}

/**
 * One event as every local subscriber of it gets it: a single object per event and node, shared by
 * the queues of all connections; `record`, its encoded form, is made the first time a batching
 * connection sends it and reused by the others.
 */
export interface SharedDelivery extends EvtDeliveryBody {
  record: Uint8Array | undefined;
}

export interface Queued extends Pending {
  readonly open: LocalOpen;
  subscriptionId: number;
  readonly delivery: SharedDelivery;
}

/** Request 9's agreement with this connection (evt-batch.ts). */
export interface BatchAgreement {
  readonly maxDeliveries: number;
  readonly maxBytes: number;
}

const LOST_PATTERN = new TextEncoder().encode(`${SA_EVT_LOST_EVENT_PATTERN}\0`);
/** OpenAIS's lost event names its publisher "EVENT_SERIVCE" (sic); we spell it right. */
const LOST_PUBLISHER = new TextEncoder().encode('EVENT_SERVICE');
const EMPTY = new Uint8Array(0);
/** The deliveries of the batch being built, reused across pumps (a pump runs to its end before another starts). */
const SCRATCH: Queued[] = [];

export interface ConnStats {
  delivered: number;
  /** IPC event frames that carried them (delivered / frames: deliveries per frame, the batching achieved). */
  frames: number;
  sendErrors: number;
}

export class LocalConn {
  readonly opens = new Map<number, LocalOpen>();
  readonly queue: PriorityQueues<Queued>;
  credits = 0;
  subscriptions = 0;
  /** Set when the client asked for batched deliveries (request 9). */
  batch: BatchAgreement | undefined;
  /** Max targets per shared entry, set when a batching client asked for shared deliveries (request 10). */
  share: number | undefined;
  /** The connection went away: a pump still scheduled does nothing. */
  closed = false;
  #nextHandle = 1;
  #pumpDue = false;

  constructor(
    readonly conn: ClientConnection,
    limits: QueueLimits,
    private readonly stats: ConnStats,
    private readonly nowNs: () => bigint,
    /** Runs work once the current turn's deliveries are all queued (EvtClock.defer); none: pumpSoon pumps at once. */
    private readonly defer?: (run: () => void) => void,
  ) {
    this.queue = new PriorityQueues(limits);
  }

  addOpen(instance: InstanceKey, flags: number, defaultRule: FilterRule): LocalOpen {
    const handle = this.#nextHandle++;
    const rule: FilterRule = (flags & EVT_OPEN_OPENAIS_FILTERS) !== 0 ? 'openais' : defaultRule;
    const open: LocalOpen = { key: `${this.conn.id}.${handle}`, handle, connId: this.conn.id, instance, flags, rule, subs: new Map(), newestFirst: [] };
    this.opens.set(handle, open);
    return open;
  }

  /** The open's handle is gone: its queued deliveries go with it. */
  removeOpen(open: LocalOpen): void {
    this.opens.delete(open.handle);
    this.subscriptions -= open.subs.size;
    this.queue.filter((q) => q.open !== open);
  }

  /** After an unsubscribe: queued deliveries of that subscription go to another match on the open, or away. */
  relabel(open: LocalOpen, subscriptionId: number): void {
    for (const q of this.queue.items()) {
      if (q.open !== open || q.subscriptionId !== subscriptionId || q.lost) continue;
      q.subscriptionId = matchingSubscription(open, q.delivery.patterns)?.id ?? -1;
    }
    this.queue.filter((q) => q.subscriptionId !== -1);
  }

  /** Queues one delivery for one open (the subscription already chosen). */
  enqueue(open: LocalOpen, sub: Subscription, delivery: Queued['delivery']): void {
    const bytes = delivery.data.length + 64;
    // A pump put off to the end of the turn (pumpSoon) runs now rather than let this turn's
    // deliveries alone overflow the queue: the overflow point stays where pumping at once puts it.
    if (this.#pumpDue && this.credits > 0 && this.queue.wouldOverflow(bytes)) this.pump();
    this.queue.push({ open, subscriptionId: sub.id, delivery, priority: delivery.priority, bytes, lost: false }, this.#lostNotice);
  }

  /** The lost-event notice, on the open and subscription whose event overflowed (one function, not one per push). */
  readonly #lostNotice = (overflowing: Queued): Queued => ({
    open: overflowing.open,
    subscriptionId: overflowing.subscriptionId,
    priority: 0,
    bytes: 64,
    lost: true,
    delivery: {
      lost: true, priority: 0, eventId: EVT_EVENT_ID_LOST, retentionNs: 0n, publishTimeNs: this.nowNs(), publisherNodeId: 0,
      publisherName: LOST_PUBLISHER, patterns: [LOST_PATTERN], data: EMPTY, record: undefined,
    },
  });

  /**
   * After queueing a delivery: a batching connection is pumped once when the turn's deliveries
   * are all queued (a token visit delivers many events in one turn; they then share frames),
   * any other at once (exactly as before batches existed).
   */
  pumpSoon(): void {
    if (this.batch === undefined || this.defer === undefined) return this.pump();
    if (this.#pumpDue) return;
    this.#pumpDue = true;
    this.defer(() => {
      this.#pumpDue = false;
      this.pump();
    });
  }

  /**
   * The shared-delivery form of #pumpBatches (evt-shared.ts): queue items stay one per target (one
   * slot, one credit each, so bounds and lost notices fall exactly where they fall unshared); items
   * next to each other in queue order that carry the same event become one entry with their
   * targets in that order, so each subscription sees what it saw before, in the same order.
   */
  #pumpShared(b: BatchAgreement, maxTargets: number): void {
    const taken = SCRATCH;
    while (this.credits > 0 && this.queue.size > 0) {
      const max = Math.min(this.credits, b.maxDeliveries);
      let entries = 0;
      let recordBytes = 0;
      let prev: SharedDelivery | undefined;
      let run = 0;
      taken.length = 0;
      for (let q = this.queue.peek(); q !== undefined && taken.length < max; q = this.queue.peek()) {
        const record = (q.delivery.record ??= encodeEvtDeliveryRecord(q.delivery));
        const joins = q.delivery === prev && run < maxTargets;
        if (taken.length > 0 && evtSharedBytes(entries + (joins ? 0 : 1), taken.length + 1, recordBytes + (joins ? 0 : record.length)) > b.maxBytes) break;
        this.queue.shift();
        taken.push(q);
        if (joins) run++;
        else {
          entries++;
          recordBytes += record.length;
          prev = q.delivery;
          run = 1;
        }
      }
      this.credits -= taken.length;
      try {
        const first = taken[0]!;
        if (taken.length === 1 && evtSharedBytes(1, 1, recordBytes) > b.maxBytes) {
          // A record too big for a frame of its own goes as a plain delivery (it fits the frame bound as before).
          this.conn.sendEvent(EVT_EVENT_DELIVER, withIds(first.delivery.record!, first.open.handle, first.subscriptionId));
        } else {
          const w = new EvtSharedWriter(entries, taken.length, recordBytes);
          for (let i = 0; i < taken.length;) {
            const d = taken[i]!.delivery;
            let n = 1;
            while (i + n < taken.length && n < maxTargets && taken[i + n]!.delivery === d) n++;
            w.entry(d.record!, n);
            for (const end = i + n; i < end; i++) w.target(taken[i]!.open.handle, taken[i]!.subscriptionId);
          }
          this.conn.sendEvent(EVT_EVENT_DELIVER_SHARED, EMPTY, w.finish());
        }
        this.stats.delivered += taken.length;
        this.stats.frames++;
      } catch {
        this.stats.sendErrors++;
      }
    }
    taken.length = 0;
  }

  /** Sends what the client has room for, most urgent first. */
  pump(): void {
    if (this.closed) return;
    if (this.batch !== undefined) return this.#pumpBatches(this.batch);
    while (this.credits > 0) {
      const q = this.queue.shift();
      if (q === undefined) return;
      this.credits--;
      const frame = encodeEvtDelivery({ ...q.delivery, channel: q.open.handle, subscriptionId: q.subscriptionId });
      try {
        this.conn.sendEvent(EVT_EVENT_DELIVER, frame.payload, frame.tail);
        this.stats.delivered++;
        this.stats.frames++;
      } catch {
        // The connection's failure is its own (the IPC layer cuts it); others still hear.
        this.stats.sendErrors++;
      }
    }
  }

  /** As pump, in frames of up to `b.maxDeliveries` deliveries and `b.maxBytes` bytes, in queue order. */
  #pumpBatches(b: BatchAgreement): void {
    if (this.share !== undefined) return this.#pumpShared(b, this.share);
    const taken = SCRATCH;
    while (this.credits > 0 && this.queue.size > 0) {
      const max = Math.min(this.credits, b.maxDeliveries);
      let recordBytes = 0;
      taken.length = 0;
      for (let q = this.queue.peek(); q !== undefined && taken.length < max; q = this.queue.peek()) {
        const record = (q.delivery.record ??= encodeEvtDeliveryRecord(q.delivery));
        if (taken.length > 0 && evtBatchBytes(taken.length + 1, recordBytes + record.length) > b.maxBytes) break;
        this.queue.shift();
        taken.push(q);
        recordBytes += record.length;
      }
      this.credits -= taken.length;
      try {
        const first = taken[0]!;
        // A record too big for a batch of its own goes as a plain delivery (it fits the frame bound as before).
        if (taken.length === 1 && evtBatchBytes(1, recordBytes) > b.maxBytes) {
          this.conn.sendEvent(EVT_EVENT_DELIVER, withIds(first.delivery.record!, first.open.handle, first.subscriptionId));
        } else {
          const w = new EvtBatchWriter(taken.length, recordBytes);
          for (const q of taken) w.add(q.delivery.record!, q.open.handle, q.subscriptionId);
          // As the tail: the IPC layer writes it after the frame head without copying it again.
          this.conn.sendEvent(EVT_EVENT_DELIVER_BATCH, EMPTY, w.finish());
        }
        this.stats.delivered += taken.length;
        this.stats.frames++;
      } catch {
        this.stats.sendErrors++;
      }
    }
    taken.length = 0;
  }
}

/** The newest subscription of `open` whose filters pass `patterns` (one delivery per open, 2.3). */
export function matchingSubscription(open: LocalOpen, patterns: readonly Uint8Array[]): Subscription | undefined {
  if ((open.flags & EVT_OPEN_SUBSCRIBER) === 0) return undefined;
  for (const sub of open.newestFirst) if (eventMatches(sub.filters, patterns, open.rule)) return sub;
  return undefined;
}
