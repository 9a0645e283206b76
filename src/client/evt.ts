/**
 * EvtHandle: one IPC connection to the daemon's 'evt' service, the SA Forum event service
 * (saEvtInitialize ... saEvtFinalize) as a promise and async-iterator API. Errors are SaAisError
 * with the SA code name; a call refused SA_AIS_ERR_TRY_AGAIN (the cluster is synchronizing) is
 * retried with backoff unless `retry: { maxAttempts: 1 }`.
 *
 * Deliveries: the daemon keeps this connection's pending events in four priority queues and sends
 * only as many as the handle has room for (`creditWindow`); room comes back as the application
 * takes events from its subscription iterators. An application that stops reading therefore
 * costs the daemon a bounded queue, and when that overflows it gets one event with `lost: true`
 * (SA_EVT_EVENTID_LOST) on the subscription whose event overflowed: events were dropped there.
 *
 * Daemon restart (option `reconnect`): the handle emits `disconnected`, reconnects with bounded
 * backoff, opens every channel again (with its original flags: a channel that no longer exists
 * and was not opened with create fails and is reported), makes every subscription again under
 * the same id, and emits `reconnected` with `mayHaveMissed: true`. Events published while the
 * handle was away are lost to it unless retained; retained events of the channel are delivered
 * to the re-made subscriptions, including ones this handle had seen before the restart.
 * Without `reconnect`, the handle closes and every iterator throws SA_AIS_ERR_LIBRARY.
 */
import { EventEmitter } from 'node:events';
import type { IpcClient, IpcDisconnect, IpcEvent } from '../ipc/client.js';
import { CS_ERROR } from '../ipc/errors.js';
import {
  decodeEvtDelivery, decodeEvtLibResponse, encodeEvtLibRequest, EVT_EVENT_DELIVER, EVT_OPEN_CREATE, EVT_OPEN_OPENAIS_FILTERS,
  EVT_OPEN_PUBLISHER, EVT_OPEN_SUBSCRIBER, EVT_SERVICE_NAME, type EvtDelivery, type EvtFilter, type EvtLibRequest, type EvtLibResponseBody,
  type EvtPriority,
} from '../protocol/evt-lib.js';
import { decodeEvtDeliveryBatch, EVT_BATCH_BYTES_MAX, EVT_BATCH_DELIVERIES_MAX, EVT_EVENT_DELIVER_BATCH } from '../protocol/evt-batch.js';
import { decodeEvtDeliveryShared, EVT_EVENT_DELIVER_SHARED, type EvtSharedDelivery } from '../protocol/evt-shared.js';
import { SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK } from '../protocol/sa-errors.js';
import { AsyncQueue } from './async-queue.js';
import { abortable, backoffDelayMs, checkBackoff, sleep, type BackoffOptions } from './backoff.js';
import { abortError, RingcastError } from './errors.js';
import { openLink, reopenLink, resolveReconnect, type LinkTarget, type ReconnectOptions } from './link.js';
import { SaAisError, saError, type SaAisErrorCode } from './sa-error.js';
import {
  EVT_VERSION, type EvtCallOptions, type EvtChannelInfo, type EvtEvent, type EvtFilterSpec, type EvtHandleEvents, type EvtHandleOptions,
  type EvtOpenFlags, type EvtPublishOptions, type EvtVersion,
} from './evt-types.js';

export { EVT_VERSION, type EvtCallOptions, type EvtChannelInfo, type EvtEvent, type EvtFilterSpec, type EvtHandleEvents, type EvtHandleOptions, type EvtOpenFlags, type EvtPublishOptions, type EvtVersion } from './evt-types.js';

const DEFAULT_RETRY: BackoffOptions = { initialDelayMs: 10, maxDelayMs: 500, maxAttempts: 60 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesOf(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? encoder.encode(v) : v;
}

const CS_NAME = new Map<number, string>(Object.entries(CS_ERROR).map(([k, v]) => [v, k]));

/** A transport failure as an SA error (same numbers); an abort stays an AbortError. */
function fromTransport(err: unknown, what: string): Error {
  if (err instanceof SaAisError) return err;
  if (err instanceof RingcastError) {
    if (err.code === 'ABORT_ERR') return err;
    const code = `SA_AIS_ERR_${err.code.slice('CS_ERR_'.length)}` as SaAisErrorCode;
    return new SaAisError(code, `${what}: ${err.message}`, { cause: err });
  }
  return new SaAisError('SA_AIS_ERR_LIBRARY', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

export class EvtSubscription implements AsyncIterable<EvtEvent> {
  /** @internal */
  readonly queue: AsyncQueue<EvtEvent>;
  /**
   * @internal Set by the SA-style layer (sa-evt.ts): deliveries go to it instead of the iterator,
   * in the handle's delivery order across subscriptions; it gives the credit back (handle.taken())
   * when the application has had the event.
   */
  sink: ((e: EvtEvent) => void) | undefined;

  /** @internal */
  constructor(
    readonly channel: EvtChannel,
    readonly id: number,
    /** @internal */ readonly filters: readonly EvtFilter[],
    taken: () => void,
  ) {
    this.queue = new AsyncQueue<EvtEvent>(taken, () => void this.unsubscribe().catch(() => {}));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EvtEvent> {
    return this.queue;
  }

  /** saEvtEventUnsubscribe: the iterator ends; pending events that match nothing else are purged. */
  async unsubscribe(options: EvtCallOptions = {}): Promise<void> {
    if (!this.channel.subscriptions.has(this.id)) return;
    this.channel.subscriptions.delete(this.id);
    for (let i = 0; i < this.queue.length; i++) this.channel.handle.taken();
    this.queue.end(undefined, true);
    if (this.channel.closed) return;
    await this.channel.handle.call({ kind: 'unsubscribe', channel: this.channel.daemonHandle, subscriptionId: this.id }, options);
  }
}

export class EvtChannel {
  /** @internal */ readonly subscriptions = new Map<number, EvtSubscription>();
  /** @internal */ daemonHandle: number;
  closed = false;

  /** @internal */
  constructor(
    /** @internal */ readonly handle: EvtHandle,
    readonly name: string,
    /** @internal */ readonly nameBytes: Uint8Array,
    /** @internal */ readonly flags: number,
    daemonHandle: number,
  ) {
    this.daemonHandle = daemonHandle;
  }

  /** saEvtEventPublish: resolves with the event id once the daemon handed the event to the ring. */
  async publish(ev: EvtPublishOptions = {}): Promise<bigint> {
    this.#live();
    const retentionNs = ev.retentionNs ?? BigInt(Math.round((ev.retentionMs ?? 0) * 1e6));
    const req: EvtLibRequest = {
      kind: 'publish', channel: this.daemonHandle, priority: ev.priority ?? 3, retentionNs,
      publishTimeNs: wallNs(), publisherName: encoder.encode(ev.publisherName ?? ''),
      patterns: (ev.patterns ?? []).map(bytesOf), data: bytesOf(ev.data ?? new Uint8Array(0)),
    };
    const body = await this.handle.call(req, ev);
    return body?.kind === 'publish' ? body.eventId : 0n;
  }

  /**
   * saEvtEventSubscribe. Retained events that match come first (at most once per channel handle),
   * then live ones. `id`: the SA subscription id (unique per handle and channel); default: the
   * next free one.
   */
  async subscribe(
    filters: readonly EvtFilterSpec[] = [{ type: 'passAll' }],
    options: EvtCallOptions & { id?: number; /** @internal */ sink?: (e: EvtEvent) => void } = {},
  ): Promise<EvtSubscription> {
    this.#live();
    const id = options.id ?? this.handle.nextSubscriptionId();
    const wire: EvtFilter[] = filters.map((f) => ({ type: f.type, pattern: f.type === 'passAll' ? new Uint8Array(0) : bytesOf(f.pattern) }));
    const sub = new EvtSubscription(this, id, wire, () => this.handle.taken());
    sub.sink = options.sink;
    // Registered before the request: the daemon sends retained events right after its answer.
    const previous = this.subscriptions.get(id);
    if (previous === undefined) this.subscriptions.set(id, sub);
    try {
      await this.handle.call({ kind: 'subscribe', channel: this.daemonHandle, subscriptionId: id, filters: wire }, options);
    } catch (err) {
      if (previous === undefined) this.subscriptions.delete(id);
      throw err;
    }
    return sub;
  }

  /** saEvtEventRetentionTimeClear: SA_AIS_ERR_NOT_EXIST when this channel retains no such event. */
  async clearRetention(eventId: bigint, options: EvtCallOptions = {}): Promise<void> {
    this.#live();
    await this.handle.call({ kind: 'clear', channel: this.daemonHandle, eventId }, options);
  }

  /** saEvtChannelClose: its subscriptions' iterators end. A second close: SA_AIS_ERR_BAD_HANDLE. */
  async close(options: EvtCallOptions = {}): Promise<void> {
    this.#live();
    this.closed = true;
    this.handle.forget(this);
    this.endSubscriptions();
    await this.handle.call({ kind: 'close', channel: this.daemonHandle }, options);
  }

  /** @internal */
  endSubscriptions(error?: unknown): void {
    for (const sub of this.subscriptions.values()) {
      for (let i = 0; i < sub.queue.length; i++) this.handle.taken();
      sub.queue.end(error, error === undefined);
    }
    this.subscriptions.clear();
  }

  #live(): void {
    if (this.closed) throw new SaAisError('SA_AIS_ERR_BAD_HANDLE', `channel "${this.name}" is closed`);
  }
}

export class EvtHandle extends EventEmitter<EvtHandleEvents> {
  readonly version: EvtVersion = EVT_VERSION;
  /**
   * batches: delivery frames that held several deliveries (protocol version 2 or 3); shared: entries
   * of shared frames (version 3), each one event's bytes for one or more of this handle's opens.
   */
  readonly stats = { tryAgain: 0, reconnects: 0, badEvents: 0, orphanEvents: 0, lostNotices: 0, batches: 0, shared: 0 };
  readonly #target: LinkTarget;
  readonly #retry: BackoffOptions;
  readonly #reconnect: ReturnType<typeof resolveReconnect>;
  readonly #window: number;
  readonly #batch: number;
  readonly #share: boolean;
  readonly #channels = new Map<number, EvtChannel>();
  #ipc: IpcClient | undefined;
  #reconnected: Promise<void> | undefined;
  #closed: SaAisError | 'closed' | undefined;
  #taken = 0;
  #nextSub = 1;

  static async open(path: string, options: EvtHandleOptions = {}): Promise<EvtHandle> {
    const v = options.version ?? EVT_VERSION;
    if (v.releaseCode !== 'B' || v.major > 1 || v.major < 1) {
      throw new SaAisError('SA_AIS_ERR_VERSION', `version ${v.releaseCode}.${v.major}.${v.minor} not supported (B.1.1)`);
    }
    const target: LinkTarget = { path, serviceName: EVT_SERVICE_NAME, ...(options.pid === undefined ? {} : { pid: options.pid }) };
    let ipc: IpcClient;
    try {
      ipc = await openLink(target, options.signal);
    } catch (err) {
      throw fromTransport(err, 'evt initialize');
    }
    const h = new EvtHandle(target, ipc, options);
    await h.call({ kind: 'take', credits: h.#window }, options);
    await h.#askBatches(ipc);
    return h;
  }

  private constructor(target: LinkTarget, ipc: IpcClient, options: EvtHandleOptions) {
    super();
    this.#target = target;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    checkBackoff('retry', this.#retry);
    this.#reconnect = resolveReconnect(options.reconnect);
    this.#window = options.creditWindow ?? 256;
    if (!Number.isInteger(this.#window) || this.#window < 2) throw new RangeError(`creditWindow ${this.#window} must be an integer >= 2`);
    this.#batch = options.batchDeliveries ?? 256;
    if (!Number.isInteger(this.#batch) || this.#batch < 0 || this.#batch > EVT_BATCH_DELIVERIES_MAX) {
      throw new RangeError(`batchDeliveries ${this.#batch} must be an integer in 0..${EVT_BATCH_DELIVERIES_MAX}`);
    }
    this.#share = options.shareDeliveries ?? true;
    this.#attach(ipc);
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** saEvtChannelOpen: resolves when this node's open came back through the ring. */
  async openChannel(name: string | Uint8Array, flags: EvtOpenFlags, options: EvtCallOptions & { timeoutMs?: number } = {}): Promise<EvtChannel> {
    const bytes = bytesOf(name);
    const wireFlags = (flags.create ? EVT_OPEN_CREATE : 0) | (flags.publisher ? EVT_OPEN_PUBLISHER : 0) |
      (flags.subscriber ? EVT_OPEN_SUBSCRIBER : 0) | (flags.filterRule === 'openais' ? EVT_OPEN_OPENAIS_FILTERS : 0);
    if (options.timeoutMs !== undefined && options.timeoutMs <= 0) throw new SaAisError('SA_AIS_ERR_TIMEOUT', 'evt open: timeout 0');
    const opening = this.call({ kind: 'open', flags: wireFlags, name: bytes }, options);
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = options.timeoutMs === undefined ? undefined : new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new SaAisError('SA_AIS_ERR_TIMEOUT', `evt open "${decoder.decode(bytes)}": no answer in ${options.timeoutMs} ms`));
      }, options.timeoutMs);
    });
    // A late completion is undone with a close, as OpenAIS's chan_open_timeout does.
    opening.then((body) => {
      if (timedOut && body?.kind === 'open') void this.call({ kind: 'close', channel: body.channel }, {}).catch(() => {});
    }, () => {});
    try {
      const body = await (timeout ? Promise.race([opening, timeout]) : opening);
      const ch = new EvtChannel(this, decoder.decode(bytes), bytes, wireFlags, body?.kind === 'open' ? body.channel : 0);
      this.#channels.set(ch.daemonHandle, ch);
      return ch;
    } finally {
      clearTimeout(timer);
    }
  }

  /** saEvtChannelUnlink: SA_AIS_ERR_NOT_EXIST when no such channel. Open handles keep working. */
  async unlinkChannel(name: string | Uint8Array, options: EvtCallOptions = {}): Promise<void> {
    await this.call({ kind: 'unlink', name: bytesOf(name) }, options);
  }

  /** Every channel instance of the cluster (active and unlinked), by name. */
  async channels(options: EvtCallOptions = {}): Promise<EvtChannelInfo[]> {
    const body = await this.call({ kind: 'channels' }, options);
    if (body?.kind !== 'channels') return [];
    return body.channels.map((c) => ({ name: decoder.decode(c.name), instanceId: c.instanceId, unlinked: c.unlinked, opens: c.opens, retained: c.retained }));
  }

  /** saEvtFinalize: every channel closes (the daemon closes them), every iterator ends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = 'closed';
    for (const ch of this.#channels.values()) {
      ch.closed = true;
      ch.endSubscriptions();
    }
    this.#channels.clear();
    const ipc = this.#ipc;
    this.#ipc = undefined;
    await ipc?.close();
    this.emit('close', undefined);
  }

  finalize(): Promise<void> {
    if (this.#closed) return Promise.reject(new SaAisError('SA_AIS_ERR_BAD_HANDLE', 'evt handle already finalized'));
    return this.close();
  }

  // ---- internals ----------------------------------------------------------------------------

  /** @internal */
  nextSubscriptionId(): number {
    return this.#nextSub++;
  }

  /** @internal A delivery left the handle's buffer: room for more, announced in batches. */
  taken(): void {
    this.#taken++;
    if (this.#taken < this.#window / 2 || !this.#ipc || this.#reconnected) return;
    const credits = this.#taken;
    this.#taken = 0;
    void this.#request(this.#ipc, { kind: 'take', credits }, undefined).catch(() => {});
  }

  /** @internal */
  forget(ch: EvtChannel): void {
    if (this.#channels.get(ch.daemonHandle) === ch) this.#channels.delete(ch.daemonHandle);
  }

  /** @internal One request, TRY_AGAIN retried; an SA error other than OK throws. */
  async call(req: EvtLibRequest, options: EvtCallOptions): Promise<EvtLibResponseBody | undefined> {
    for (let attempt = 1; ; attempt++) {
      const ipc = await this.#link(options.signal);
      try {
        return await this.#request(ipc, req, options.signal);
      } catch (err) {
        if (!(err instanceof SaAisError) || err.value !== SA_AIS_ERR_TRY_AGAIN) throw err;
        this.stats.tryAgain++;
        if (attempt >= this.#retry.maxAttempts) throw err;
        await sleep(backoffDelayMs(this.#retry, attempt), options.signal);
      }
    }
  }

  /**
   * Request 9 on a new connection. A daemon that does not know it (protocol version 1) answers
   * CS_ERR_INVALID_PARAM and keeps sending single deliveries, which this handle reads as well.
   */
  async #askBatches(ipc: IpcClient): Promise<void> {
    if (this.#batch === 0) return;
    // Under the negotiated frame bound with room for an event frame's header (5 bytes) to spare.
    const maxBytes = Math.min(EVT_BATCH_BYTES_MAX, ipc.maxFrameBytes - 64);
    try {
      await this.#request(ipc, { kind: 'batch', maxDeliveries: this.#batch, maxBytes }, undefined);
    } catch (err) {
      if (!(err instanceof SaAisError) || err.code !== 'SA_AIS_ERR_INVALID_PARAM') throw err;
      return;
    }
    if (!this.#share) return;
    // Request 10; a version-2 daemon answers CS_ERR_INVALID_PARAM and keeps sending event 1.
    try {
      await this.#request(ipc, { kind: 'share', maxTargets: EVT_BATCH_DELIVERIES_MAX }, undefined);
    } catch (err) {
      if (!(err instanceof SaAisError) || err.code !== 'SA_AIS_ERR_INVALID_PARAM') throw err;
    }
  }

  async #request(ipc: IpcClient, req: EvtLibRequest, signal: AbortSignal | undefined): Promise<EvtLibResponseBody | undefined> {
    const what = `evt ${req.kind}`;
    const frame = encodeEvtLibRequest(req);
    let res;
    try {
      res = await ipc.request(frame.messageId, frame.payload, signal ? { whenFull: 'wait', signal } : { whenFull: 'wait' });
    } catch (err) {
      throw fromTransport(err, what);
    }
    if (res.status !== CS_ERROR.CS_OK) throw saError(res.status, `${what} (${CS_NAME.get(res.status) ?? res.status})`);
    const decoded = decodeEvtLibResponse(req.kind, res.payload);
    if (!decoded.ok) throw new SaAisError('SA_AIS_ERR_LIBRARY', `${what}: undecodable answer (${decoded.error.code}: ${decoded.error.detail})`);
    if (decoded.value.saCode !== SA_AIS_OK) throw saError(decoded.value.saCode, what);
    return decoded.value.body;
  }

  async #link(signal: AbortSignal | undefined): Promise<IpcClient> {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      if (this.#closed) throw this.#closed instanceof SaAisError ? this.#closed : new SaAisError('SA_AIS_ERR_BAD_HANDLE', 'the EVT handle is finalized');
      if (this.#ipc && !this.#reconnected) return this.#ipc;
      await abortable(this.#reconnected ?? Promise.resolve(), signal).catch(() => {});
    }
  }

  #attach(ipc: IpcClient): void {
    this.#ipc = ipc;
    const onEvent = (raw: IpcEvent): void => this.#onEvent(raw);
    ipc.on('event', onEvent);
    ipc.once('disconnected', (info) => {
      ipc.off('event', onEvent);
      this.#onDisconnected(ipc, info);
    });
  }

  #onEvent(raw: IpcEvent): void {
    if (raw.messageId === EVT_EVENT_DELIVER_SHARED) {
      const frame = decodeEvtDeliveryShared(raw.payload);
      if (!frame.ok) {
        this.stats.badEvents++;
        return this.taken();
      }
      this.stats.batches++;
      for (const entry of frame.value) this.#onShared(entry);
      return;
    }
    if (raw.messageId === EVT_EVENT_DELIVER_BATCH) {
      const batch = decodeEvtDeliveryBatch(raw.payload);
      if (!batch.ok) {
        // The deliveries it held are unknown: count them as one bad event (credits come back at reconnect).
        this.stats.badEvents++;
        return this.taken();
      }
      this.stats.batches++;
      for (const d of batch.value) this.#onDelivery(d);
      return;
    }
    if (raw.messageId !== EVT_EVENT_DELIVER) return void this.stats.badEvents++;
    const decoded = decodeEvtDelivery(raw.payload);
    if (!decoded.ok) {
      this.stats.badEvents++;
      return this.taken();
    }
    this.#onDelivery(decoded.value);
  }

  /** One event for several opens: decoded once, one delivery object per target, in the frame's order. */
  #onShared(entry: EvtSharedDelivery): void {
    this.stats.shared++;
    const b = entry.body;
    const patterns = b.patterns.map(plain);
    const publisherName = b.publisherName.length === 0 ? '' : decoder.decode(b.publisherName);
    const data = plain(b.data);
    const t = entry.targets;
    for (let i = 0; i < t.length; i += 2) {
      const sub = this.#channels.get(t[i]!)?.subscriptions.get(t[i + 1]!);
      if (b.lost) this.stats.lostNotices++;
      const e: EvtEvent = {
        subscriptionId: t[i + 1]!, eventId: b.eventId, lost: b.lost, patterns, priority: b.priority, retentionNs: b.retentionNs,
        publisherName, publishTimeNs: b.publishTimeNs, publisherNodeId: b.publisherNodeId, data,
      };
      if (sub?.sink !== undefined) sub.sink(e);
      else if (sub === undefined || !sub.queue.push(e)) {
        this.stats.orphanEvents++;
        this.taken();
      }
    }
  }

  #onDelivery(d: EvtDelivery): void {
    const sub = this.#channels.get(d.channel)?.subscriptions.get(d.subscriptionId);
    if (d.lost) this.stats.lostNotices++;
    if (sub?.sink !== undefined) return sub.sink(toEvent(d));
    if (sub === undefined || !sub.queue.push(toEvent(d))) {
      this.stats.orphanEvents++;
      this.taken();
    }
  }

  #onDisconnected(ipc: IpcClient, info: IpcDisconnect): void {
    if (this.#ipc !== ipc || this.#closed) return;
    this.#ipc = undefined;
    const reconnecting = this.#reconnect !== undefined && !this.#reconnect.signal?.aborted;
    this.emit('disconnected', { reason: info.reason, detail: info.detail, reconnecting });
    const lost = new SaAisError('SA_AIS_ERR_LIBRARY', `connection to ringcastd lost: ${info.reason} (${info.detail})`);
    if (!reconnecting) return this.#fail(lost);
    this.#reconnected = this.#reconnectLoop();
    this.#reconnected.catch(() => {});
  }

  async #reconnectLoop(): Promise<void> {
    try {
      const ipc = await reopenLink(this.#target, this.#reconnect!, this.#reconnect!.signal);
      if (this.#closed) {
        await ipc.close();
        return;
      }
      this.stats.reconnects++;
      this.#attach(ipc);
      this.#taken = 0;
      await this.#request(ipc, { kind: 'take', credits: this.#window }, undefined);
      await this.#askBatches(ipc);
      const failed = await this.#reopenAll(ipc);
      this.#reconnected = undefined;
      this.emit('reconnected', { mayHaveMissed: true, failed });
    } catch (err) {
      this.#reconnected = undefined;
      this.#fail(fromTransport(err, 'reconnecting') as SaAisError);
    }
  }

  /** Channels again (same flags), subscriptions again (same ids); what fails is reported and ended. */
  async #reopenAll(ipc: IpcClient): Promise<{ channel: string; error: SaAisError }[]> {
    const failed: { channel: string; error: SaAisError }[] = [];
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    for (const ch of channels) {
      try {
        const body = await this.#retrying(() => this.#request(ipc, { kind: 'open', flags: ch.flags, name: ch.nameBytes }, undefined));
        ch.daemonHandle = body?.kind === 'open' ? body.channel : 0;
        this.#channels.set(ch.daemonHandle, ch);
        for (const sub of ch.subscriptions.values()) {
          await this.#retrying(() => this.#request(ipc, { kind: 'subscribe', channel: ch.daemonHandle, subscriptionId: sub.id, filters: sub.filters }, undefined));
        }
      } catch (err) {
        const e = fromTransport(err, `reopening channel "${ch.name}"`) as SaAisError;
        ch.closed = true;
        ch.endSubscriptions(e);
        failed.push({ channel: ch.name, error: e });
      }
    }
    return failed;
  }

  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof SaAisError) || err.value !== SA_AIS_ERR_TRY_AGAIN || attempt >= this.#retry.maxAttempts) throw err;
        await sleep(backoffDelayMs(this.#retry, attempt));
      }
    }
  }

  #fail(error: SaAisError): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const ch of this.#channels.values()) {
      ch.closed = true;
      ch.endSubscriptions(error);
    }
    this.#channels.clear();
    this.emit('close', error);
  }
}

/** SaTimeT now: the wall clock in ns, to the microsecond (Date.now() has only ms). */
function wallNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** A plain Uint8Array view (the transport hands out Buffers), without a copy. */
function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function toEvent(d: EvtDelivery): EvtEvent {
  return {
    subscriptionId: d.subscriptionId, eventId: d.eventId, lost: d.lost, patterns: d.patterns.map(plain), priority: d.priority,
    retentionNs: d.retentionNs, publisherName: d.publisherName.length === 0 ? '' : decoder.decode(d.publisherName), publishTimeNs: d.publishTimeNs,
    publisherNodeId: d.publisherNodeId, data: plain(d.data),
  };
}
