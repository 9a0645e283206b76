/**
 * ServiceHandle: one IPC connection to any service the daemon hosts, by name: the built-in
 * `orderlog`, or a service of your own (`ringcast { service }`, docs/writing-a-service.md). The
 * same idioms as CpgHandle: promises with an AbortSignal, CS_ERR_* codes, events as listeners
 * or one async iterator, and events that arrive before anyone listens kept for the first one.
 *
 *   const svc = await client.service('tally');
 *   const answer = await svc.request(0, bytes);      // the service's library handler 0; its answer's payload
 *   svc.on('event', (e) => ...);                      // e.messageId, e.data: the service's sendEvent()
 *
 * What the bytes mean is the service's to define. A request the service answers
 * CS_ERR_TRY_AGAIN (its ring send was refused) is retried with bounded backoff unless
 * `wait: false`. No reconnect: a lost daemon ends the handle (`disconnected`, then `close`).
 */
import { EventEmitter } from 'node:events';
import type { IpcClient, IpcEvent } from '../ipc/client.js';
import { CS_ERROR } from '../ipc/errors.js';
import { backoffDelayMs, sleep, type BackoffOptions } from './backoff.js';
import { RingcastError, statusError, toRingcastError } from './errors.js';
import { EventStream } from './event-stream.js';
import { openLink } from './link.js';

export interface ServiceEvent {
  readonly type: 'event';
  /** The service's event id (the first argument of its sendEvent). */
  readonly messageId: number;
  readonly data: Uint8Array;
}

export interface ServiceDisconnectedEvent {
  readonly type: 'disconnected';
  readonly reason: string;
  readonly detail: string;
}

export type ServiceHandleEvent = ServiceEvent | ServiceDisconnectedEvent;

export interface ServiceHandleEvents {
  event: [ServiceEvent];
  disconnected: [ServiceDisconnectedEvent];
  close: [RingcastError | undefined];
}

export interface ServiceHandleOptions {
  /** Waits between retries of a request answered CS_ERR_TRY_AGAIN. Default 1 ms doubling to 100 ms, 300 tries. */
  readonly retry?: Partial<BackoffOptions>;
  /** Events buffered for the iterator, and before anyone listens. Default 1024. */
  readonly maxQueuedEvents?: number;
  /** The pid declared to the daemon. Default process.pid. */
  readonly pid?: number;
  readonly signal?: AbortSignal;
}

export interface ServiceRequestOptions {
  readonly signal?: AbortSignal;
  /** true (default): CS_ERR_TRY_AGAIN is retried with backoff; false: it is thrown at once. */
  readonly wait?: boolean;
}

const DEFAULT_RETRY: BackoffOptions = { initialDelayMs: 1, maxDelayMs: 100, maxAttempts: 300 };
const EVENT_NAMES: ReadonlySet<string | symbol> = new Set(['event', 'disconnected']);

export class ServiceHandle extends EventEmitter<ServiceHandleEvents> {
  readonly serviceName: string;
  readonly stats = { tryAgain: 0, unheardDropped: 0 };
  readonly #ipc: IpcClient;
  readonly #retry: BackoffOptions;
  readonly #events: EventStream<ServiceHandleEvent>;
  readonly #maxEarly: number;
  #early: ServiceHandleEvent[] | undefined = [];
  #closed = false;

  /** Connects to service `serviceName` at the socket `path`; CS_ERR_NOT_EXIST when the daemon hosts no such service. */
  static async open(path: string, serviceName: string, options: ServiceHandleOptions = {}): Promise<ServiceHandle> {
    const ipc = await openLink({ path, serviceName, ...(options.pid === undefined ? {} : { pid: options.pid }) }, options.signal);
    return new ServiceHandle(serviceName, ipc, options);
  }

  private constructor(serviceName: string, ipc: IpcClient, options: ServiceHandleOptions) {
    super();
    this.serviceName = serviceName;
    this.#ipc = ipc;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#maxEarly = options.maxQueuedEvents ?? 1024;
    this.#events = new EventStream(this.#maxEarly);
    const untyped = this as EventEmitter;
    const onNewListener = (name: string | symbol): void => {
      if (!EVENT_NAMES.has(name)) return;
      untyped.off('newListener', onNewListener);
      queueMicrotask(() => this.#flushEarly());
    };
    untyped.on('newListener', onNewListener);
    const onEvent = (raw: IpcEvent): void => {
      this.#publish({ type: 'event', messageId: raw.messageId, data: raw.payload });
      if (!this.#events.full) return;
      ipc.holdReading(true);
      void this.#events.room()!.then(() => ipc.holdReading(false));
    };
    ipc.on('event', onEvent);
    ipc.once('disconnected', (info) => {
      ipc.off('event', onEvent);
      if (this.#closed) return;
      this.#publish({ type: 'disconnected', reason: info.reason, detail: info.detail });
      this.#closed = true;
      const error = new RingcastError('CS_ERR_LIBRARY', `connection to ringcastd lost: ${info.reason} (${info.detail})`, { reason: info.reason });
      this.#events.end(error);
      this.emit('close', error);
    });
  }

  /** The local node's id, as the daemon announced it. */
  get nodeId(): number {
    return this.#ipc.nodeId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends request `messageId` (the index of the service's library handler); resolves with its answer's payload. */
  async request(messageId: number, payload: Uint8Array = new Uint8Array(0), options: ServiceRequestOptions = {}): Promise<Uint8Array> {
    const what = `${this.serviceName} request ${messageId}`;
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new RingcastError('CS_ERR_BAD_HANDLE', `${what}: the handle is closed`, { reason: 'CLOSED' });
      let res;
      try {
        res = await this.#ipc.request(messageId, payload, options.signal ? { signal: options.signal, whenFull: 'wait' } : { whenFull: 'wait' });
      } catch (err) {
        throw toRingcastError(err, what);
      }
      if (res.status === CS_ERROR.CS_OK) return res.payload;
      const error = statusError(res.status, what);
      if (error.code !== 'CS_ERR_TRY_AGAIN') throw error;
      this.stats.tryAgain++;
      if (options.wait === false) throw error;
      if (attempt >= this.#retry.maxAttempts) throw new RingcastError(error.code, `${error.message} (still after ${attempt} tries)`, { reason: 'RETRIES_EXHAUSTED', cause: error });
      await sleep(backoffDelayMs(this.#retry, attempt), options.signal);
    }
  }

  /** Events in the order the service sent them, then `disconnected`. One iterator at a time. */
  events(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ServiceHandleEvent> {
    const iterator = this.#events.open(options.signal);
    this.#flushEarly();
    return iterator;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.end();
    await this.#ipc.close();
    this.emit('close', undefined);
  }

  #flushEarly(): void {
    const early = this.#early;
    if (early === undefined) return;
    this.#early = undefined;
    for (const ev of early) this.#publish(ev);
  }

  #publish(ev: ServiceHandleEvent): void {
    if (this.#early !== undefined) {
      if (this.#early.length < this.#maxEarly) this.#early.push(ev);
      else this.stats.unheardDropped++;
      return;
    }
    this.#events.push(ev);
    if (ev.type === 'event') this.emit('event', ev);
    else this.emit('disconnected', ev);
  }
}
