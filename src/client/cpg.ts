/**
 * CpgHandle: one IPC connection to the daemon's 'cpg' service, Corosync's cpg_handle_t as a
 * promise and async-iterator API. Requests follow lib-protocol.ts; join/leave/mcast resolve when
 * the daemon has handed the message to the ring (as cpg_join/cpg_mcast_joined return), and take
 * effect when they come back in agreed order: your join is done when its confchg arrives.
 *
 * Reconnection (option `reconnect`): when the daemon goes away the handle emits `disconnected`,
 * reconnects with bounded backoff, re-joins the groups it had joined, and emits `reconnected`
 * with `mayHaveMissed: true`. Nothing that happened in between is replayed: messages multicast
 * and membership changes while the handle was away are lost to it, and a request that was in
 * flight when the connection broke rejects with CS_ERR_LIBRARY (it may or may not have reached
 * the ring). Calls made while reconnecting wait for the re-join (their `signal` still aborts).
 */
import { EventEmitter } from 'node:events';
import type { IpcClient, IpcDisconnect, IpcEvent } from '../ipc/client.js';
import { CPG_SERVICE_NAME, decodeCpgLibEvent, type CpgLibRequest, type CpgLibResponse } from '../protocol/cpg/lib-protocol.js';
import { abortable, backoffDelayMs, checkBackoff, type BackoffOptions } from './backoff.js';
import { keyOf, requestOn } from './cpg-request.js';
import {
  groupBytes,
  groupText,
  toCpgEvent,
  toGroupInfo,
  type CpgConfchgEvent,
  type CpgDeliverEvent,
  type CpgDisconnectedEvent,
  type CpgEvent,
  type CpgFlowControlEvent,
  type CpgFlowControlState,
  type CpgGroupInfo,
  type CpgGroupName,
  type CpgGuarantee,
  type CpgMember,
  type CpgReconnectedEvent,
  type CpgTotemConfchgEvent,
} from './cpg-types.js';
import { abortError, RingcastError, toRingcastError } from './errors.js';
import { EventStream } from './event-stream.js';
import { openLink, reopenLink, resolveReconnect, type LinkTarget, type ReconnectOptions } from './link.js';
import { Reassembler } from './reassembly.js';

export interface CpgHandleOptions {
  /** Reconnect after the daemon goes away (true: defaults, about 75 s of tries). Default false. */
  readonly reconnect?: boolean | ReconnectOptions;
  /** Waits between retries of a call refused with CS_ERR_TRY_AGAIN. Default 1 ms doubling to 100 ms, 300 tries. */
  readonly retry?: Partial<BackoffOptions>;
  /** Events buffered for the events() iterator. Default 1024. */
  readonly maxQueuedEvents?: number;
  /** The pid declared to the daemon, shown as the member's pid. Default process.pid. */
  readonly pid?: number;
  readonly signal?: AbortSignal;
}

export interface CpgCallOptions {
  readonly signal?: AbortSignal;
}

export interface CpgRetryOptions extends CpgCallOptions {
  /**
   * true (default): the daemon holds the request while the ring cannot take it (flow control,
   * sync) and the library retries CS_ERR_TRY_AGAIN it still gets (a leave still pending).
   * false: CS_ERR_TRY_AGAIN at once, without a round trip when flow control is known to be on.
   */
  readonly wait?: boolean;
}

export interface CpgJoinOptions extends CpgRetryOptions {
  /** Corosync's CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF: a totemConfchg right after your own join confchg. */
  readonly initialTotemConfchg?: boolean;
}

export interface CpgMcastOptions extends CpgRetryOptions {
  /** 'agreed' (default): total order. 'safe': delivered only once every node of the ring has it. */
  readonly guarantee?: CpgGuarantee;
}

export interface CpgHandleStats {
  /** CS_ERR_TRY_AGAIN answers received (each retried when `wait`). */
  tryAgain: number;
  reconnects: number;
  /** Events that did not decode, dropped. */
  badEvents: number;
  /** Fragments of partial deliveries dropped. */
  partialDropped: number;
  /**
   * Events that arrived before anything listened (no listener, no events() iterator) once the
   * early buffer (maxQueuedEvents) was full: dropped. A handle that never listens counts here.
   */
  unheardDropped: number;
}

/** The handle's event names that make a listener a consumer of events (close is not one). */
const EVENT_TYPES: ReadonlySet<string | symbol> = new Set(['deliver', 'confchg', 'totemConfchg', 'flowControl', 'disconnected', 'reconnected']);

export interface CpgHandleEvents {
  deliver: [CpgDeliverEvent];
  confchg: [CpgConfchgEvent];
  totemConfchg: [CpgTotemConfchgEvent];
  flowControl: [CpgFlowControlEvent];
  disconnected: [CpgDisconnectedEvent];
  reconnected: [CpgReconnectedEvent];
  /** The handle is closed for good: by close() (no error) or after the connection was lost for good. */
  close: [RingcastError | undefined];
}

interface Joined {
  readonly bytes: Uint8Array;
  readonly initialTotemConfchg: boolean;
}

const DEFAULT_RETRY: BackoffOptions = { initialDelayMs: 1, maxDelayMs: 100, maxAttempts: 300 };

export class CpgHandle extends EventEmitter<CpgHandleEvents> {
  readonly stats: CpgHandleStats = { tryAgain: 0, reconnects: 0, badEvents: 0, partialDropped: 0, unheardDropped: 0 };
  readonly #target: LinkTarget;
  readonly #reconnect: ReturnType<typeof resolveReconnect>;
  readonly #retry: BackoffOptions;
  readonly #events: EventStream<CpgEvent>;
  readonly #reassembler = new Reassembler();
  readonly #joined = new Map<string, Joined>();
  readonly #stop = new AbortController();
  #ipc: IpcClient | undefined;
  #nodeId: number;
  #closed: RingcastError | 'closed' | undefined;
  /** Settles when the handle is usable again after a disconnect (rejects if it closes instead). */
  #reconnected: Promise<void> | undefined;
  /** Settles once the latest mcast was handed to the connection (or gave up): the next one's turn. */
  #mcastTail: Promise<unknown> = Promise.resolve();
  /** Mcasts called and not yet handed to the connection (waiting for an earlier one or a slot). */
  #mcastsWaiting = 0;
  /** Mcasts handed to the connection and not yet answered: at most the daemon's in-flight window. */
  #mcastsInFlight = 0;
  /** The one mcast waiting for a slot (mcasts take turns, so there is never more than one). */
  #slotWaiter: (() => void) | undefined;
  /** The daemon's latest flow-control announcement on this connection. */
  #flowControl: CpgFlowControlState = 'disabled';
  #wakers = new Set<() => void>();
  /**
   * Events received before the application listened. The confchg of your own join can arrive
   * before `await join()` resumes your code, and a listener attached after it would miss it: so
   * until the first listener or iterator, events wait here (at most maxQueuedEvents) and are then
   * handed over in order. undefined once someone listens.
   */
  #early: CpgEvent[] | undefined = [];
  readonly #maxEarly: number;

  /** Connects to the 'cpg' service at `path`; rejects CS_ERR_LIBRARY (reason DAEMON_NOT_RUNNING) if nothing listens. */
  static async open(path: string, options: CpgHandleOptions = {}): Promise<CpgHandle> {
    const target: LinkTarget = { path, serviceName: CPG_SERVICE_NAME, ...(options.pid === undefined ? {} : { pid: options.pid }) };
    const ipc = await openLink(target, options.signal);
    return new CpgHandle(target, ipc, options);
  }

  private constructor(target: LinkTarget, ipc: IpcClient, options: CpgHandleOptions) {
    super();
    this.#target = target;
    this.#reconnect = resolveReconnect(options.reconnect);
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    checkBackoff('retry', this.#retry);
    this.#events = new EventStream(options.maxQueuedEvents ?? 1024);
    this.#maxEarly = options.maxQueuedEvents ?? 1024;
    this.#nodeId = ipc.nodeId;
    // The first listener ends the early buffer, after the current synchronous code: the usual
    // `cpg.on('deliver', ...); cpg.on('confchg', ...)` pair both hear what was kept.
    const untyped = this as EventEmitter;
    const onNewListener = (name: string | symbol): void => {
      if (!EVENT_TYPES.has(name)) return;
      untyped.off('newListener', onNewListener);
      queueMicrotask(() => this.#flushEarly());
    };
    untyped.on('newListener', onNewListener);
    this.#attach(ipc);
  }

  /** The local node's id, as the daemon announced it when this handle connected. */
  get nodeId(): number {
    return this.#nodeId;
  }

  /** Groups this handle has joined and not left (the ones a reconnect re-joins). */
  get groupNames(): string[] {
    return [...this.#joined.values()].map((j) => groupText(j.bytes));
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  async join(group: CpgGroupName, options: CpgJoinOptions = {}): Promise<void> {
    const bytes = groupBytes(group);
    const initialTotemConfchg = options.initialTotemConfchg ?? false;
    const noWait = options.wait === false ? { wait: false } : {};
    await this.#call({ kind: 'join', group: bytes, deliverInitialTotemConf: initialTotemConfchg, ...noWait }, options);
    this.#joined.set(keyOf(bytes), { bytes, initialTotemConfchg });
  }

  /** CS_ERR_BUSY (your join is not applied yet) is retried like CS_ERR_TRY_AGAIN when `wait`. */
  async leave(group: CpgGroupName, options: CpgRetryOptions = {}): Promise<void> {
    const bytes = groupBytes(group);
    await this.#call({ kind: 'leave', group: bytes }, options, true);
    this.#joined.delete(keyOf(bytes));
  }

  /**
   * Multicasts `data` to `group`, which this handle must have joined. Resolves when the daemon
   * handed it to the ring. Calls need not wait for each other: up to the daemon's in-flight
   * window (64) are pipelined on the connection, written in call order, and the daemon never
   * reorders one connection's mcasts (it holds one the ring cannot take yet, and reads nothing
   * behind it), so per-sender FIFO holds with `wait`. With `wait: false` a full ring answers
   * CS_ERR_TRY_AGAIN at once (locally when the daemon already announced flow control).
   */
  mcast(group: CpgGroupName, data: Uint8Array, options: CpgMcastOptions = {}): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = groupBytes(group);
    } catch (err) {
      return Promise.reject(err);
    }
    const wait = options.wait ?? true;
    if (!wait && this.#flowControl === 'enabled' && !this.#closed) {
      this.stats.tryAgain++;
      return Promise.reject(new RingcastError('CS_ERR_TRY_AGAIN', `cpg mcast "${groupText(bytes)}": flow control is on`, { reason: 'FLOW_CONTROL' }));
    }
    const request: CpgLibRequest = { kind: 'mcast', group: bytes, guarantee: options.guarantee ?? 'agreed', data, ...(wait ? {} : { wait: false }) };
    // The common case of a flood: no earlier mcast is still waiting for its turn, the window has
    // room and the connection is up, so this one is written now, in call order, with no chain of
    // turns (each costs promises, and a sender of small messages pays them per message).
    const ipc = this.#ipc;
    if (this.#mcastsWaiting === 0 && ipc && !this.#reconnected && !this.#closed && options.signal === undefined &&
        this.#mcastsInFlight < ipc.maxInFlightRequests) {
      this.#mcastsInFlight++;
      return this.#directMcast(ipc, request, options);
    }
    this.#mcastsWaiting++;
    const previous = this.#mcastTail;
    let resolveTurn!: () => void;
    const turn = new Promise<void>((resolve) => (resolveTurn = resolve));
    let handed = false;
    const handedOver = (): void => {
      if (handed) return;
      handed = true;
      this.#mcastsWaiting--;
      resolveTurn();
    };
    // The next mcast is written after this one, or after this one gave up (abort, closed handle).
    this.#mcastTail = previous.then(() => turn);
    return this.#pipelined(previous, request, options, handedOver);
  }

  async #pipelined(previous: Promise<unknown>, request: CpgLibRequest, options: CpgMcastOptions, handedOver: () => void): Promise<void> {
    let slot = false;
    try {
      await abortable(previous, options.signal);
      await this.#takeSlot(options.signal);
      slot = true;
      await this.#call(request, options, false, handedOver);
    } finally {
      handedOver();
      if (slot) this.#releaseSlot();
    }
  }

  /** An mcast written at once (its slot is taken); a TRY_AGAIN goes on as #call retries it. */
  async #directMcast(ipc: IpcClient, request: CpgLibRequest, options: CpgMcastOptions): Promise<void> {
    try {
      try {
        await requestOn(ipc, request, undefined, request.kind !== 'mcast' || request.wait !== false);
        return;
      } catch (err) {
        if ((err as RingcastError).code !== 'CS_ERR_TRY_AGAIN') throw err;
        this.stats.tryAgain++;
        if (options.wait === false) throw err;
        if (this.#retry.maxAttempts <= 1) {
          throw new RingcastError('CS_ERR_TRY_AGAIN', `${(err as Error).message} (still after 1 try)`, { reason: 'RETRIES_EXHAUSTED', cause: err });
        }
      }
      await this.#pause(backoffDelayMs(this.#retry, 1), undefined);
      await this.#call(request, options, false, undefined, 2);
    } finally {
      this.#releaseSlot();
    }
  }

  /** The in-flight window: the daemon reads at most this many unanswered requests per connection. */
  #takeSlot(signal: AbortSignal | undefined): Promise<void> {
    const window = this.#ipc?.maxInFlightRequests ?? 1;
    if (this.#mcastsInFlight < window) {
      this.#mcastsInFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#slotWaiter = undefined;
        reject(abortError(signal));
      };
      this.#slotWaiter = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#slotWaiter = undefined;
        this.#mcastsInFlight++;
        resolve();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaseSlot(): void {
    this.#mcastsInFlight--;
    this.#slotWaiter?.();
  }

  /** Current members of `group` (empty if nobody has joined it). */
  async membership(group: CpgGroupName, options: CpgCallOptions = {}): Promise<CpgMember[]> {
    const res = await this.#call({ kind: 'membershipGet', group: groupBytes(group) }, options);
    return res.kind === 'membershipGet' ? res.members.map(({ nodeId, pid }) => ({ nodeId, pid })) : [];
  }

  /** Every group in the cluster with its members, in bytewise name order. */
  async groups(options: CpgCallOptions = {}): Promise<CpgGroupInfo[]> {
    const res = await this.#call({ kind: 'groupsList' }, options);
    return res.kind === 'groupsList' ? res.groups.map(toGroupInfo) : [];
  }

  async localNodeId(options: CpgCallOptions = {}): Promise<number> {
    const res = await this.#call({ kind: 'localNodeIdGet' }, options);
    return res.kind === 'localNodeIdGet' ? res.nodeId : this.#nodeId;
  }

  async flowControl(options: CpgCallOptions = {}): Promise<CpgFlowControlState> {
    const res = await this.#call({ kind: 'flowControlGet' }, options);
    return res.kind === 'flowControlGet' ? res.state : 'disabled';
  }

  /**
   * Events in agreed order, including `disconnected`/`reconnected`. One iterator at a time. It
   * shares the socket with responses: a stalled iterator eventually stalls requests too, so keep
   * consuming it or end it (break, or `signal`).
   */
  events(options: CpgCallOptions = {}): AsyncIterableIterator<CpgEvent> {
    const iterator = this.#events.open(options.signal);
    this.#flushEarly();
    return iterator;
  }

  /** Hands the events kept before anyone listened to the listeners and the iterator, in order. */
  #flushEarly(): void {
    const early = this.#early;
    if (early === undefined) return;
    this.#early = undefined;
    for (const ev of early) this.#publish(ev);
  }

  /** Disconnects (the daemon reports your groups' membership as procdown); the iterator ends cleanly. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = 'closed';
    this.#stop.abort();
    const ipc = this.#ipc;
    this.#ipc = undefined;
    this.#wakeAll();
    this.#events.end();
    await ipc?.close();
    this.emit('close', undefined);
  }

  // ---- requests ----------------------------------------------------------------------------

  /**
   * One request, retried on TRY_AGAIN (and BUSY when `busyToo`) while `wait`, bounded by #retry.
   * `handedOver` runs once the request is queued on the connection (its write order is fixed).
   */
  async #call(request: CpgLibRequest, options: CpgRetryOptions, busyToo = false, handedOver?: () => void, firstAttempt = 1): Promise<CpgLibResponse> {
    const wait = options.wait ?? true;
    for (let attempt = firstAttempt; ; attempt++) {
      const ipc = await this.#link(options.signal);
      try {
        const answer = requestOn(ipc, request, options.signal, wait);
        handedOver?.();
        return await answer;
      } catch (err) {
        const e = err as RingcastError;
        const retryable = e.code === 'CS_ERR_TRY_AGAIN' || (busyToo && e.code === 'CS_ERR_BUSY');
        if (e.code === 'CS_ERR_TRY_AGAIN') this.stats.tryAgain++;
        if (!retryable || !wait) throw e;
        if (attempt >= this.#retry.maxAttempts) {
          throw new RingcastError(e.code, `${e.message} (still after ${attempt} tries)`, { reason: 'RETRIES_EXHAUSTED', cause: e });
        }
        await this.#pause(backoffDelayMs(this.#retry, attempt), options.signal);
      }
    }
  }

  /** The live connection, waiting through a reconnect if one is under way. */
  async #link(signal: AbortSignal | undefined): Promise<IpcClient> {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      if (this.#closed) throw this.#closedError();
      if (this.#ipc && !this.#reconnected) return this.#ipc;
      try {
        await abortable(this.#reconnected ?? Promise.resolve(), signal);
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        if (!this.#closed) throw err;
      }
    }
  }

  #closedError(): RingcastError {
    return this.#closed instanceof RingcastError ? this.#closed : new RingcastError('CS_ERR_BAD_HANDLE', 'the CPG handle is closed', { reason: 'CLOSED' });
  }

  /** A backoff wait that ends early when flow control turns off or the handle closes. */
  #pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#wakers.delete(done);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(abortError(signal));
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  // ---- events and the connection -------------------------------------------------------------

  #attach(ipc: IpcClient): void {
    this.#ipc = ipc;
    this.#nodeId = ipc.nodeId;
    this.#flowControl = 'disabled';
    // Events are taken as they are parsed (no promise per event: a flood delivers tens of
    // thousands a second); while the iterator's queue is full the connection is not read.
    const onEvent = (raw: IpcEvent): void => {
      this.#onRawEvent(raw.messageId, raw.payload);
      if (!this.#events.full) return;
      ipc.holdReading(true);
      void this.#events.room()!.then(() => ipc.holdReading(false));
    };
    ipc.on('event', onEvent);
    ipc.once('disconnected', (info) => {
      ipc.off('event', onEvent);
      this.#onDisconnected(ipc, info);
    });
  }

  #onRawEvent(messageId: number, payload: Uint8Array): void {
    const decoded = decodeCpgLibEvent(messageId, payload);
    if (!decoded.ok) {
      this.stats.badEvents++;
      return;
    }
    const ev = decoded.value;
    if (ev.kind === 'partial_deliver') {
      const whole = this.#reassembler.push(ev);
      this.stats.partialDropped = this.#reassembler.stats.dropped;
      if (whole) this.#publish(toCpgEvent({ kind: 'deliver', ...whole }));
      return;
    }
    if (ev.kind === 'flow_control') {
      this.#flowControl = ev.state;
      if (ev.state === 'disabled') this.#wakeAll();
    }
    this.#publish(toCpgEvent(ev));
  }

  #publish(ev: CpgEvent): void {
    if (this.#early !== undefined) {
      if (this.#early.length < this.#maxEarly) this.#early.push(ev);
      else this.stats.unheardDropped++;
      return;
    }
    this.#events.push(ev);
    (this.emit as (name: string, ev: CpgEvent) => boolean)(ev.type, ev);
  }

  #onDisconnected(ipc: IpcClient, info: IpcDisconnect): void {
    if (this.#ipc !== ipc || this.#closed) return;
    this.#ipc = undefined;
    this.#reassembler.clear();
    const reconnecting = this.#reconnect !== undefined && !this.#reconnect.signal?.aborted;
    this.#publish({ type: 'disconnected', reason: info.reason, detail: info.detail, reconnecting });
    const lost = new RingcastError('CS_ERR_LIBRARY', `connection to ringcastd lost: ${info.reason} (${info.detail})`, { reason: info.reason });
    if (!reconnecting) return this.#fail(lost);
    this.#reconnected = this.#reconnectLoop();
    this.#reconnected.catch(() => {});
  }

  async #reconnectLoop(): Promise<void> {
    const stop = new AbortController();
    const onStop = () => stop.abort();
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    this.#reconnect?.signal?.addEventListener('abort', onStop, { once: true });
    try {
      const ipc = await reopenLink(this.#target, this.#reconnect!, stop.signal);
      if (this.#closed) {
        await ipc.close();
        throw this.#closedError();
      }
      this.stats.reconnects++;
      this.#attach(ipc);
      const failed = await this.#rejoin(ipc, stop.signal);
      if (this.#ipc !== ipc) return; // lost again during the re-join: the next loop re-joins what is left
      this.#reconnected = undefined;
      this.#publish({ type: 'reconnected', groups: this.groupNames, failed, mayHaveMissed: true });
    } catch (err) {
      // reopenLink and #rejoin throw errors the library made (named already); anything else is wrapped.
      const e = err instanceof RingcastError ? err : toRingcastError(err, 'reconnecting');
      if (!this.#closed) this.#fail(e.code === 'ABORT_ERR' ? new RingcastError('CS_ERR_LIBRARY', 'reconnecting was stopped', { reason: 'RECONNECT_STOPPED', cause: e }) : e);
      throw e;
    } finally {
      this.#stop.signal.removeEventListener('abort', onStop);
      this.#reconnect?.signal?.removeEventListener('abort', onStop);
    }
  }

  /**
   * Joins every group again. TRY_AGAIN is expected when the daemon did not restart (our old
   * connection's procdown leave is still on its way round the ring) and is retried.
   */
  async #rejoin(ipc: IpcClient, signal: AbortSignal): Promise<CpgReconnectedEvent['failed']> {
    const failed: { group: string; error: RingcastError }[] = [];
    for (const [key, joined] of [...this.#joined]) {
      const request: CpgLibRequest = { kind: 'join', group: joined.bytes, deliverInitialTotemConf: joined.initialTotemConfchg };
      for (let attempt = 1; ; attempt++) {
        try {
          await requestOn(ipc, request, signal, true);
          break;
        } catch (err) {
          const e = err as RingcastError;
          if (this.#ipc !== ipc) return failed;
          if (e.code === 'CS_ERR_TRY_AGAIN' && attempt < this.#retry.maxAttempts) {
            await this.#pause(backoffDelayMs(this.#retry, attempt), signal);
            continue;
          }
          if (e.code === 'ABORT_ERR') throw e;
          this.#joined.delete(key);
          failed.push({ group: groupText(joined.bytes), error: e });
          break;
        }
      }
    }
    return failed;
  }

  /** Closed for good after the connection was lost: the iterator throws `error`, 'close' carries it. */
  #fail(error: RingcastError): void {
    if (this.#closed) return;
    this.#closed = error;
    this.#stop.abort();
    this.#wakeAll();
    this.#events.end(error);
    this.emit('close', error);
  }
}
