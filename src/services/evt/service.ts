/**
 * The EVT service (SA Forum event service, OpenAIS's services/evt.c rebuilt on the service
 * handler structure). Library requests are checked locally; those that change replicated state
 * (open, close, unlink, publish, retention clear) are multicast and applied by every node in
 * agreed order, and the node that sourced one answers its client: open, unlink and clear when
 * the message comes back (their outcome depends on the agreed state), publish as soon as the ring
 * took the message (the event id is chosen before), close at once. Subscriptions are local.
 * After every configuration change, sync rebuilds the channel table and the retained events
 * from the members' announcements (merge.ts).
 *
 * Ids without coordination: each node keeps one 64-bit counter, started from its clock at start
 * (so a restarted node continues above its old ids) and raised during sync above anything a
 * member has seen from it. msgId = counter; eventId = nodeId << 32 | low 32 bits of msgId (> 1000
 * since node ids are >= 1); instance ids are (node, counter).
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type { ClientConnection, ExecHandler, ExecMeta, ExecSendResult, LibHandler, LibRequest, Service, ServiceApi, ServiceSync } from '../../exec/index.js';
import {
  decodeEvtLibRequest, encodeEvtLibResponse, EvtLibRequestId, EVT_CHANNEL_NAME_MAX_BYTES, EVT_DATA_MAX_BYTES, EVT_EVENT_ID_RESERVED_MAX,
  EVT_OPEN_CREATE, EVT_OPEN_PUBLISHER, EVT_OPEN_SUBSCRIBER, EVT_PUBLISHER_NAME_MAX_BYTES, EVT_SERVICE_NAME,
  type EvtLibRequest, type EvtLibResponseBody,
} from '../../protocol/evt-lib.js';
import {
  SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_EXIST, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_LIBRARY, SA_AIS_ERR_NAME_TOO_LONG,
  SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_TOO_BIG, SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK, SA_AIS_ERRORS,
} from '../../protocol/sa-errors.js';
import type { FilterRule } from './match.js';
import { clampBatch } from '../../protocol/evt-batch.js';
import { clampShare } from '../../protocol/evt-shared.js';
import { LocalConn, matchingSubscription, setSubscription, type ConnStats, type LocalOpen, type SharedDelivery } from './local.js';
import { decodeEvtExec, encodeEvtExec, EVT_EXEC_KINDS, EVT_SERVICE_ID, EVT_SYNC_KINDS, EvtMessageId, instanceKey, parseInstanceKey, type EventBody, type EvtExecMessage, type InstanceKey } from './messages.js';
import { EvtSync } from './sync.js';
import { ChannelTable, type Instance, type Retained } from './table.js';

/** Time for the service: wall clock (publish times, the id counter's start) and one-shot timers (retention). */
export interface EvtClock {
  nowMs(): number;
  after(ms: number, run: () => void): () => void;
  /**
   * Runs `run` after the current turn (the daemon: setImmediate; the simulator: its own queue).
   * Batching connections are pumped then, once per turn. Absent: they are pumped at once.
   */
  defer?(run: () => void): void;
}

export const NODE_EVT_CLOCK: EvtClock = {
  nowMs: () => Date.now(),
  after: (ms, run) => {
    // setTimeout takes at most 2^31-1 ms; longer retentions re-arm.
    const max = 0x7fffffff;
    let timer: NodeJS.Timeout;
    const arm = (left: number): void => {
      timer = setTimeout(() => (left > max ? arm(left - max) : run()), Math.min(left, max));
      timer.unref();
    };
    arm(Math.max(0, ms));
    return () => clearTimeout(timer);
  },
  defer: (run) => void setImmediate(run),
};

export interface EvtServiceOptions {
  readonly clock?: EvtClock;
  /** OpenAIS's event.delivery_queue_size: queued deliveries per connection before the lost notice. Default 1000. */
  readonly deliveryQueueSize?: number;
  /** event.delivery_queue_resume: the block lifts below this. Default 500. */
  readonly deliveryQueueResume?: number;
  /** Queued bytes per connection before the lost notice. Default 16 MiB. */
  readonly deliveryQueueBytesMax?: number;
  /** The daemon-wide filter rule; a channel handle may ask for OpenAIS's with its open flag. Default 'sa'. */
  readonly filterRule?: FilterRule;
  /** Channel instances in the cluster (creates beyond: SA_AIS_ERR_NO_RESOURCES). Default 4096. */
  readonly channelsMax?: number;
  /** Retained events on this node (retained publishes beyond: SA_AIS_ERR_NO_RESOURCES). Default 65536. */
  readonly retainedMax?: number;
  /** Channel handles per connection. Default 1024. */
  readonly opensPerConnectionMax?: number;
  /** Subscriptions per connection. Default 4096. */
  readonly subscriptionsPerConnectionMax?: number;
  /** Unread deliveries a client may announce room for (credits). Default 65536. */
  readonly creditsMax?: number;
  readonly unlinkTombstonesMax?: number;
  readonly clearTombstonesMax?: number;
  /**
   * After each sync activation: the ring and the table installed (canonical JSON). Every member
   * that activates a ring must report the same table; the simulator checks it.
   */
  readonly onSyncActivated?: (ring: string, table: string) => void;
}

export interface EvtServiceStats {
  published: number;
  eventsApplied: number;
  duplicatesDropped: number;
  eventsForUnknownChannel: number;
  retainedExpired: number;
  recoveredDelivered: number;
  tombstoneDrops: number;
  closesForDeadOpens: number;
}

type Resolved = Required<Omit<EvtServiceOptions, 'clock' | 'onSyncActivated'>> & { clock: EvtClock; onSyncActivated?: EvtServiceOptions['onSyncActivated'] };

const MS_PER_NS = 1_000_000n;

export class EvtService implements Service {
  readonly id = EVT_SERVICE_ID;
  readonly name = EVT_SERVICE_NAME;
  readonly stats: EvtServiceStats = {
    published: 0, eventsApplied: 0, duplicatesDropped: 0, eventsForUnknownChannel: 0, retainedExpired: 0, recoveredDelivered: 0,
    tombstoneDrops: 0, closesForDeadOpens: 0,
  };
  readonly connStats: ConnStats = { delivered: 0, frames: 0, sendErrors: 0 };
  readonly #o: Resolved;
  readonly table: ChannelTable;
  readonly #conns = new Map<number, LocalConn>();
  /** Per publishing node: the highest msgId applied live (duplicate detection, 2.8). */
  readonly hw = new Map<number, bigint>();
  /** Per publishing node: msgIds above hw this node got through a merge (not to deliver twice). */
  readonly recoveredAbove = new Map<number, Set<bigint>>();
  /** Own close messages sent and not yet applied, per instance id: they still count as local opens. */
  readonly closing = new Map<InstanceKey, number>();
  readonly #timers = new Map<Retained, () => void>();
  #api: ServiceApi | undefined;
  #counter = 0n;
  readonly #sync: EvtSync;

  constructor(options: EvtServiceOptions = {}) {
    this.#o = {
      clock: options.clock ?? NODE_EVT_CLOCK,
      deliveryQueueSize: options.deliveryQueueSize ?? 1000,
      deliveryQueueResume: options.deliveryQueueResume ?? 500,
      deliveryQueueBytesMax: options.deliveryQueueBytesMax ?? 16 * 1024 * 1024,
      filterRule: options.filterRule ?? 'sa',
      channelsMax: options.channelsMax ?? 4096,
      retainedMax: options.retainedMax ?? 65536,
      opensPerConnectionMax: options.opensPerConnectionMax ?? 1024,
      subscriptionsPerConnectionMax: options.subscriptionsPerConnectionMax ?? 4096,
      creditsMax: options.creditsMax ?? 65536,
      unlinkTombstonesMax: options.unlinkTombstonesMax ?? 4096,
      clearTombstonesMax: options.clearTombstonesMax ?? 65536,
      onSyncActivated: options.onSyncActivated,
    };
    if (!(this.#o.deliveryQueueResume > 0 && this.#o.deliveryQueueResume <= this.#o.deliveryQueueSize)) {
      throw new RangeError(`delivery queue resume ${this.#o.deliveryQueueResume} must be in 1..${this.#o.deliveryQueueSize}`);
    }
    this.table = new ChannelTable(this.#o);
    this.#sync = new EvtSync(this);
  }

  get localNodeId(): number {
    return this.#api?.localNodeId ?? 0;
  }

  get clock(): EvtClock {
    return this.#o.clock;
  }

  /** @internal sync reports an activation. */
  activated(ring: string): void {
    this.#o.onSyncActivated?.(ring, JSON.stringify(this.table.snapshot()));
  }

  get counter(): bigint {
    return this.#counter;
  }

  /** Raises the id counter above `msgId` (sync: a member saw that much from us). */
  raiseCounter(msgId: bigint): void {
    if (msgId >= this.#counter) this.#counter = msgId + 1n;
  }

  #next(): bigint {
    return this.#counter++;
  }

  localConns(): IterableIterator<LocalConn> {
    return this.#conns.values();
  }

  statusCounters(): Record<string, number> {
    let queued = 0;
    for (const c of this.#conns.values()) queued += c.queue.size;
    return { connections: this.#conns.size, channels: this.table.size, retained: this.table.retainedCount(), queued, ...this.stats, ...this.connStats };
  }

  // ---- library requests ---------------------------------------------------------------------

  readonly libHandlers: readonly LibHandler[] = Object.keys(EvtLibRequestId).map((name) => ({ name, handle: (req: LibRequest) => this.#request(req) }));

  #request(req: LibRequest): void {
    const decoded = decodeEvtLibRequest(req.messageId, req.payload);
    if (!decoded.ok) return answer(req, decoded.error.code === 'TOO_LONG' ? SA_AIS_ERR_NAME_TOO_LONG : SA_AIS_ERR_INVALID_PARAM);
    let c = this.#conns.get(req.conn.id);
    if (c === undefined) {
      c = new LocalConn(req.conn, { sizeMax: this.#o.deliveryQueueSize, resumeAt: this.#o.deliveryQueueResume, bytesMax: this.#o.deliveryQueueBytesMax },
        this.connStats, () => BigInt(Math.floor(this.#o.clock.nowMs())) * MS_PER_NS, this.#o.clock.defer?.bind(this.#o.clock));
      this.#conns.set(req.conn.id, c);
    }
    const r = decoded.value;
    switch (r.kind) {
      case 'open': return this.#open(req, c, r);
      case 'close': return this.#close(req, c, r.channel);
      case 'unlink': return this.#unlink(req, r.name);
      case 'subscribe': return this.#subscribe(req, c, r);
      case 'unsubscribe': return this.#unsubscribe(req, c, r);
      case 'publish': return this.#publish(req, c, r);
      case 'clear': return this.#clear(req, c, r);
      case 'take':
        c.credits = Math.min(this.#o.creditsMax, c.credits + r.credits);
        answer(req, SA_AIS_OK);
        return c.pump();
      case 'channels': return answer(req, SA_AIS_OK, { kind: 'channels', channels: this.#listing() });
      case 'batch': {
        const agreed = clampBatch(r.maxDeliveries, r.maxBytes);
        c.batch = agreed.maxDeliveries > 0 ? agreed : undefined;
        if (c.batch === undefined) c.share = undefined;
        return answer(req, SA_AIS_OK, { kind: 'batch', ...agreed });
      }
      case 'share': {
        // Shared entries travel in batched frames: without a batch agreement there is nothing to share.
        if (c.batch === undefined) return answer(req, SA_AIS_ERR_INVALID_PARAM);
        const maxTargets = clampShare(r.maxTargets);
        c.share = maxTargets > 0 ? maxTargets : undefined;
        return answer(req, SA_AIS_OK, { kind: 'share', maxTargets });
      }
    }
  }

  #open(req: LibRequest, c: LocalConn, r: Extract<EvtLibRequest, { kind: 'open' }>): void {
    const bad = checkName(r.name);
    if (bad !== undefined) return answer(req, bad);
    if (c.opens.size >= this.#o.opensPerConnectionMax) return answer(req, SA_AIS_ERR_NO_RESOURCES);
    const create = (r.flags & EVT_OPEN_CREATE) !== 0;
    const active = this.table.active(r.name);
    if (active === undefined && !create) return answer(req, SA_AIS_ERR_NOT_EXIST);
    if (active === undefined && this.table.size >= this.#o.channelsMax) return answer(req, SA_AIS_ERR_NO_RESOURCES);
    this.#sendFor(req, { kind: 'open', name: r.name, create, instance: { node: this.localNodeId, counter: this.#next() } });
  }

  #close(req: LibRequest, c: LocalConn, channel: number): void {
    const open = c.opens.get(channel);
    if (open === undefined) return answer(req, SA_AIS_ERR_BAD_HANDLE);
    this.#closeOpen(c, open);
    answer(req, SA_AIS_OK);
  }

  /** The open ends here at once; the cluster's count follows when the close comes back. */
  #closeOpen(c: LocalConn, open: LocalOpen): void {
    c.removeOpen(open);
    const inst = this.table.get(open.instance);
    if (inst !== undefined) for (const r of inst.retained.values()) r.delivered.delete(open.key);
    this.#sendClose(open.instance);
  }

  #sendClose(instance: InstanceKey): void {
    this.closing.set(instance, (this.closing.get(instance) ?? 0) + 1);
    // Not tied to a request: the executive takes it even past a full ring or a sync.
    this.#send({ kind: 'close', instance: parseInstanceKey(instance) });
  }

  #unlink(req: LibRequest, name: Uint8Array): void {
    const bad = checkName(name);
    if (bad !== undefined) return answer(req, bad);
    if (this.table.active(name) === undefined) return answer(req, SA_AIS_ERR_NOT_EXIST);
    this.#sendFor(req, { kind: 'unlink', name });
  }

  #subscribe(req: LibRequest, c: LocalConn, r: Extract<EvtLibRequest, { kind: 'subscribe' }>): void {
    const open = c.opens.get(r.channel);
    if (open === undefined) return answer(req, SA_AIS_ERR_BAD_HANDLE);
    if ((open.flags & EVT_OPEN_SUBSCRIBER) === 0) return answer(req, SA_AIS_ERR_ACCESS);
    // Subscription ids are unique per handle and channel instance (OpenAIS, design note 2.7).
    for (const o of c.opens.values()) if (o.instance === open.instance && o.subs.has(r.subscriptionId)) return answer(req, SA_AIS_ERR_EXIST);
    if (c.subscriptions >= this.#o.subscriptionsPerConnectionMax) return answer(req, SA_AIS_ERR_NO_RESOURCES);
    setSubscription(open, r.subscriptionId, { id: r.subscriptionId, filters: r.filters });
    c.subscriptions++;
    answer(req, SA_AIS_OK);
    // Retained events reach a new subscriber at most once per open (2.5), after the answer.
    const inst = this.table.get(open.instance);
    if (inst === undefined) return;
    for (const ret of inst.retained.values()) {
      if (ret.delivered.has(open.key)) continue;
      const sub = matchingSubscription(open, ret.body.patterns);
      if (sub?.id !== r.subscriptionId) continue;
      ret.delivered.add(open.key);
      c.enqueue(open, sub, toDelivery(ret.body, ret.publisherNode));
    }
    c.pump();
  }

  #unsubscribe(req: LibRequest, c: LocalConn, r: Extract<EvtLibRequest, { kind: 'unsubscribe' }>): void {
    const open = c.opens.get(r.channel);
    if (open === undefined) return answer(req, SA_AIS_ERR_BAD_HANDLE);
    if (!setSubscription(open, r.subscriptionId, undefined)) return answer(req, SA_AIS_ERR_NOT_EXIST);
    c.subscriptions--;
    // OpenAIS left such events queued; the library documentation says they go (design note 2.7).
    c.relabel(open, r.subscriptionId);
    answer(req, SA_AIS_OK);
  }

  #publish(req: LibRequest, c: LocalConn, r: Extract<EvtLibRequest, { kind: 'publish' }>): void {
    const open = c.opens.get(r.channel);
    if (open === undefined) return answer(req, SA_AIS_ERR_BAD_HANDLE);
    if ((open.flags & EVT_OPEN_PUBLISHER) === 0) return answer(req, SA_AIS_ERR_ACCESS);
    if (r.data.length > EVT_DATA_MAX_BYTES) return answer(req, SA_AIS_ERR_TOO_BIG);
    if (r.publisherName.length > EVT_PUBLISHER_NAME_MAX_BYTES || r.retentionNs < 0n) return answer(req, SA_AIS_ERR_INVALID_PARAM);
    if (r.retentionNs > 0n && this.table.retainedCount() >= this.#o.retainedMax) return answer(req, SA_AIS_ERR_NO_RESOURCES);
    const inst = this.table.get(open.instance);
    let msgId: bigint;
    let eventId: bigint;
    do {
      msgId = this.#next();
      eventId = (BigInt(this.localNodeId) << 32n) | (msgId & 0xffff_ffffn);
    } while (inst?.retained.has(eventId));
    const m: EvtExecMessage = {
      kind: 'event', instance: parseInstanceKey(open.instance), eventId, msgId, priority: r.priority, retentionNs: r.retentionNs,
      publishTimeNs: r.publishTimeNs, publisherName: r.publisherName, patterns: r.patterns, data: r.data,
    };
    const sent = this.#sendRaw(m, req);
    if (!sent.ok) return this.#refused(req, sent);
    this.stats.published++;
    answer(req, SA_AIS_OK, { kind: 'publish', eventId });
  }

  #clear(req: LibRequest, c: LocalConn, r: Extract<EvtLibRequest, { kind: 'clear' }>): void {
    if (r.eventId <= EVT_EVENT_ID_RESERVED_MAX) return answer(req, SA_AIS_ERR_INVALID_PARAM);
    const open = c.opens.get(r.channel);
    if (open === undefined) return answer(req, SA_AIS_ERR_BAD_HANDLE);
    this.#sendFor(req, { kind: 'clear', instance: parseInstanceKey(open.instance), eventId: r.eventId });
  }

  #listing(): Extract<EvtLibResponseBody, { kind: 'channels' }>['channels'] {
    return [...this.table.instances()]
      .sort((a, b) => (a.nameKey < b.nameKey ? -1 : a.nameKey > b.nameKey ? 1 : Number(a.unlinked) - Number(b.unlinked)))
      .map((i) => ({ name: i.name, instanceId: i.key, unlinked: i.unlinked, opens: this.table.totalOpens(i), retained: i.retained.size }));
  }

  /** A message answered when it comes back; a ring that cannot take it now holds the request. */
  #sendFor(req: LibRequest, m: EvtExecMessage): void {
    const sent = this.#sendRaw(m, req);
    if (!sent.ok) this.#refused(req, sent);
  }

  #refused(req: LibRequest, sent: Exclude<ExecSendResult, { ok: true }>): void {
    if (sent.code === 'CS_ERR_TRY_AGAIN' && req.retryLater()) return;
    answer(req, SA_AIS_ERRORS[`SA_AIS_ERR_${sent.code.slice('CS_ERR_'.length)}` as keyof typeof SA_AIS_ERRORS] ?? SA_AIS_ERR_LIBRARY);
  }

  #sendRaw(m: EvtExecMessage, request?: LibRequest): ExecSendResult {
    if (this.#api === undefined) return { ok: false, code: 'CS_ERR_LIBRARY', detail: 'evt service stopped' };
    return this.#api.send(EvtMessageId[m.kind], encodeEvtExec(m), request ? { request } : {});
  }

  /** Sends without a client: taken even past a full ring or a sync (it records something that happened). */
  #send(m: EvtExecMessage): ExecSendResult {
    return this.#sendRaw(m);
  }

  /** For sync: a send that may be refused (TRY_AGAIN: call again later). */
  sendSync(m: EvtExecMessage): ExecSendResult {
    return this.#sendRaw(m);
  }

  // ---- executive messages, in agreed order ----------------------------------------------------

  readonly execHandlers: readonly ExecHandler<EvtExecMessage>[] = EVT_EXEC_KINDS.map((kind) => ({
    name: kind,
    sync: EVT_SYNC_KINDS.has(kind),
    decode: (body: Uint8Array) => {
      const r = decodeEvtExec(kind, body);
      return r.ok ? r : { ok: false, code: r.error.code, detail: r.error.detail };
    },
    apply: (m: EvtExecMessage, meta: ExecMeta) => this.#apply(m, meta),
  }));

  #apply(m: EvtExecMessage, meta: ExecMeta): void {
    switch (m.kind) {
      case 'event': return this.#applyEvent(m, meta.from);
      case 'open': return this.#applyOpen(m, meta);
      case 'close': {
        const inst = this.table.get(m.instance);
        if (inst !== undefined) this.table.addOpen(inst, meta.from, -1);
        if (meta.local) decrement(this.closing, instanceKey(m.instance));
        return;
      }
      case 'unlink': {
        const inst = this.table.active(m.name);
        if (inst !== undefined) for (const r of this.table.unlink(inst)) this.#cancelTimer(r);
        if (meta.request) answer(meta.request, inst === undefined ? SA_AIS_ERR_NOT_EXIST : SA_AIS_OK);
        return;
      }
      case 'clear': {
        const inst = this.table.get(m.instance);
        const ret = inst?.retained.get(m.eventId);
        if (inst !== undefined && ret !== undefined) {
          inst.retained.delete(m.eventId);
          this.#cancelTimer(ret);
          this.table.tombClear(m.eventId, ret.expiresAtMs);
        }
        if (meta.request) answer(meta.request, ret === undefined ? SA_AIS_ERR_NOT_EXIST : SA_AIS_OK);
        return;
      }
      default:
        return this.#sync.gather(m, meta.from);
    }
  }

  #applyOpen(m: Extract<EvtExecMessage, { kind: 'open' }>, meta: ExecMeta): void {
    let inst = this.table.active(m.name);
    if (inst === undefined && m.create && this.table.get(m.instance) === undefined) inst = this.table.add(m.name, [instanceKey(m.instance)], false);
    if (inst === undefined) {
      // Unlinked between the local check and now.
      if (meta.request) answer(meta.request, SA_AIS_ERR_NOT_EXIST);
      return;
    }
    this.table.addOpen(inst, meta.from, 1);
    if (!meta.local) return;
    const c = meta.request ? this.#conns.get(meta.request.conn.id) : undefined;
    if (c === undefined || meta.request === undefined) {
      // The client went away while its open was on the ring: undo it (nobody holds the handle).
      this.stats.closesForDeadOpens++;
      return this.#sendClose(inst.key);
    }
    const flags = decodeEvtLibRequest(meta.request.messageId, meta.request.payload);
    const open = c.addOpen(inst.key, flags.ok && flags.value.kind === 'open' ? flags.value.flags : 0, this.#o.filterRule);
    answer(meta.request, SA_AIS_OK, { kind: 'open', channel: open.handle });
  }

  #applyEvent(m: Extract<EvtExecMessage, { kind: 'event' }>, from: number): void {
    const last = this.hw.get(from);
    if (last !== undefined && m.msgId <= last) {
      this.stats.duplicatesDropped++;
      return;
    }
    this.hw.set(from, m.msgId);
    const above = this.recoveredAbove.get(from);
    if (above !== undefined) for (const id of above) if (id <= m.msgId) above.delete(id);
    const inst = this.table.get(m.instance);
    if (inst === undefined) {
      this.stats.eventsForUnknownChannel++;
      return;
    }
    this.stats.eventsApplied++;
    const ret = m.retentionNs > 0n ? this.retain(inst, m, from, m.retentionNs) : undefined;
    this.deliver(inst, m, from, ret);
  }

  /** Retains an event for `remainingNs` from now on this node's clock. */
  retain(inst: Instance, body: EventBody, publisherNode: number, remainingNs: bigint, delivered?: Set<string>): Retained {
    const ms = Number(remainingNs / MS_PER_NS) + (remainingNs % MS_PER_NS === 0n ? 0 : 1);
    const { eventId, msgId, priority, retentionNs, publishTimeNs, publisherName, patterns, data } = body;
    const kept: EventBody = { eventId, msgId, priority, retentionNs, publishTimeNs, publisherName, patterns, data };
    const ret: Retained = { instance: inst.key, publisherNode, body: kept, expiresAtMs: this.#o.clock.nowMs() + ms, delivered: delivered ?? new Set() };
    inst.retained.set(body.eventId, ret);
    this.#timers.set(ret, this.#o.clock.after(ms, () => this.#expire(ret)));
    return ret;
  }

  #expire(ret: Retained): void {
    this.#timers.delete(ret);
    const inst = this.table.get(ret.instance);
    if (inst?.retained.get(ret.body.eventId) !== ret) return;
    inst.retained.delete(ret.body.eventId);
    this.stats.retainedExpired++;
  }

  #cancelTimer(ret: Retained): void {
    this.#timers.get(ret)?.();
    this.#timers.delete(ret);
  }

  cancelAllTimers(): void {
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }

  /** One delivery per local open of the instance, to its newest matching subscription (2.3). */
  deliver(inst: Instance, body: EventBody, publisherNode: number, ret: Retained | undefined): number {
    let n = 0;
    let delivery: ReturnType<typeof toDelivery> | undefined;
    for (const c of this.#conns.values()) {
      let touched = false;
      for (const open of c.opens.values()) {
        if (open.instance !== inst.key || open.subs.size === 0) continue;
        const sub = matchingSubscription(open, body.patterns);
        if (sub === undefined) continue;
        delivery ??= toDelivery(body, publisherNode);
        c.enqueue(open, sub, delivery);
        ret?.delivered.add(open.key);
        touched = true;
        n++;
      }
      if (touched) c.pumpSoon();
    }
    return n;
  }

  // ---- sync -------------------------------------------------------------------------------------

  readonly sync: ServiceSync = {
    init: (members: readonly NodeId[], ringId: RingId, transitional: readonly NodeId[]) => this.#sync.init(members, transitional, `${ringId.rep}.${ringId.seq}`),
    process: () => this.#sync.process(),
    activate: () => this.#sync.activate(),
    abort: () => this.#sync.abort(),
  };

  // ---- lifecycle --------------------------------------------------------------------------------

  start(api: ServiceApi): void {
    this.#api = api;
    // From the clock: a restarted node's ids continue above those of its previous run.
    this.#counter = BigInt(Math.max(0, Math.floor(this.#o.clock.nowMs()))) << 20n;
  }

  stop(): void {
    this.#api = undefined;
    this.cancelAllTimers();
    this.#conns.clear();
  }

  onConfigChange(_change: ConfigChange): void {}

  /** saEvtFinalize or a dead client: every open of the connection closes, its queue goes. */
  onConnectionClosed(conn: ClientConnection): void {
    const c = this.#conns.get(conn.id);
    if (c === undefined) return;
    this.#conns.delete(conn.id);
    c.closed = true;
    for (const open of [...c.opens.values()]) this.#closeOpen(c, open);
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

function checkName(name: Uint8Array): number | undefined {
  if (name.length === 0) return SA_AIS_ERR_INVALID_PARAM;
  if (name.length > EVT_CHANNEL_NAME_MAX_BYTES) return SA_AIS_ERR_NAME_TOO_LONG;
  return undefined;
}

function toDelivery(body: EventBody, publisherNodeId: number): SharedDelivery {
  return {
    lost: false, priority: body.priority, eventId: body.eventId, retentionNs: body.retentionNs, publishTimeNs: body.publishTimeNs,
    publisherNodeId, publisherName: body.publisherName, patterns: body.patterns, data: body.data, record: undefined,
  };
}

function answer(req: LibRequest, saCode: number, body?: EvtLibResponseBody): void {
  if (req.answered) return;
  req.respond('CS_OK', encodeEvtLibResponse(saCode, saCode === SA_AIS_OK ? body : undefined));
}

export { SA_AIS_ERR_TRY_AGAIN };
