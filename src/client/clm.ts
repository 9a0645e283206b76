/**
 * ClmHandle: the SA Forum cluster membership API (saClm* B.01.01) as promises and async
 * iterators, over IPC connections to the daemon's 'clm' service. Errors are SaAisError with the SA
 * name (`SA_AIS_ERR_NOT_EXIST`); a transport failure carries the SA code of the same value
 * (SA_AIS_ERR_LIBRARY when the daemon is gone), ABORT_ERR when a signal fired.
 *
 * - nodes(): the current view (TRACK_CURRENT), every member in node id order.
 * - node(id?): one member's record; no id (or SA_CLM_LOCAL_NODE_ID) is the local node.
 * - track({ changesOnly }): notifications as an async iterator. Each iterator has its own
 *   connection (its own SA handle, as the design note asks, so iterators of different modes do
 *   not share one registration); ending it (break, return, signal) closes that connection, which
 *   stops the tracking (saClmClusterTrackStop + finalize).
 *
 * Across a daemon restart: with `reconnect`, calls wait for the daemon to come back; a track
 * iterator reconnects, tracks again and yields the current view first with `reconnected: true`
 * (all NO_CHANGE, whatever the mode): the changes while it was away were not seen and are not
 * replayed; compare that view with the last one to learn what changed. Without `reconnect`, calls
 * and iterators fail SA_AIS_ERR_LIBRARY when the connection is lost.
 */
import type { IpcClient } from '../ipc/client.js';
import { CS_ERROR } from '../ipc/errors.js';
import { EventQueue } from '../ipc/event-queue.js';
import {
  CLM_SERVICE_NAME,
  SA_CLM_LOCAL_NODE_ID,
  SA_TRACK_CHANGES,
  SA_TRACK_CHANGES_ONLY,
  SA_TRACK_CURRENT,
  decodeClmLibAnswer,
  decodeClmLibEvent,
  encodeClmLibRequest,
  type ClmLibRequest,
  type ClmLibResponse,
  type ClmNotification,
} from '../protocol/clm-protocol.js';
import { SaAisError, saStatusName } from '../protocol/sa-errors.js';
import { backoffDelayMs, sleep, type BackoffOptions } from './backoff.js';
import { abortedError, toClmNode, toSaError, toTrackNotification, type ClmNode, type ClmTrackNotification, type ClmView } from './clm-types.js';
import { openLink, reopenLink, resolveReconnect, type LinkTarget, type ReconnectOptions } from './link.js';

export interface ClmHandleOptions {
  /** Reconnect after the daemon goes away (true: bounded defaults, about 75 s of tries). */
  readonly reconnect?: boolean | ReconnectOptions;
  /** Notifications buffered per track iterator before the connection stops being read. Default 256. */
  readonly maxQueuedNotifications?: number;
  readonly pid?: number;
  readonly signal?: AbortSignal;
}

export interface ClmCallOptions {
  readonly signal?: AbortSignal;
}

export interface ClmTrackOptions extends ClmCallOptions {
  /** CHANGES_ONLY: only the changed nodes, and no current view first. Default false (CURRENT | CHANGES). */
  readonly changesOnly?: boolean;
}

/** SA_AIS_ERR_TRY_AGAIN (the daemon has installed no view yet: its first ring is forming) is retried this way. */
const TRY_AGAIN: BackoffOptions = { initialDelayMs: 20, maxDelayMs: 500, maxAttempts: 60 };

/** One request on one connection: encode, send, map transport status and SA error to SaAisError. */
async function clmRequest(ipc: IpcClient, req: ClmLibRequest, signal: AbortSignal | undefined): Promise<ClmLibResponse> {
  const what = `clm ${req.kind}`;
  const frame = encodeClmLibRequest(req);
  let res;
  try {
    res = await ipc.request(frame.messageId, frame.payload, signal ? { signal } : {});
  } catch (err) {
    throw toSaError(err, what);
  }
  if (res.status !== CS_ERROR.CS_OK) {
    const name = saStatusName(res.status);
    throw new SaAisError(name === undefined || name === 'SA_AIS_OK' ? 'SA_AIS_ERR_LIBRARY' : name, `${what}: the daemon answered ${name ?? res.status}`);
  }
  const decoded = decodeClmLibAnswer(req.kind, res.payload);
  if (!decoded.ok) throw new SaAisError('SA_AIS_ERR_LIBRARY', `${what}: undecodable answer (${decoded.error.code}: ${decoded.error.detail})`, { reason: 'BAD_RESPONSE' });
  if (decoded.value.error !== 'SA_AIS_OK') throw new SaAisError(decoded.value.error, `${what} failed with ${decoded.value.error}`);
  return decoded.value.value;
}

/** A request retried while the daemon answers SA_AIS_ERR_TRY_AGAIN (no view yet), bounded. */
async function clmRequestRetrying(ipc: () => Promise<IpcClient>, req: ClmLibRequest, signal: AbortSignal | undefined): Promise<ClmLibResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await clmRequest(await ipc(), req, signal);
    } catch (err) {
      if (!(err instanceof SaAisError) || err.code !== 'SA_AIS_ERR_TRY_AGAIN' || attempt >= TRY_AGAIN.maxAttempts) throw err;
      try {
        await sleep(backoffDelayMs(TRY_AGAIN, attempt), signal);
      } catch {
        throw abortedError(`clm ${req.kind}`, signal);
      }
    }
  }
}

export class ClmHandle {
  readonly #target: LinkTarget;
  readonly #reconnect: ReturnType<typeof resolveReconnect>;
  readonly #maxQueued: number;
  #ipc: IpcClient;
  #reopening: Promise<IpcClient> | undefined;
  #closed = false;
  readonly #tracks = new Set<TrackSession>();

  /** Connects to the 'clm' service at `path`; rejects SA_AIS_ERR_LIBRARY (reason DAEMON_NOT_RUNNING) if nothing listens. */
  static async open(path: string, options: ClmHandleOptions = {}): Promise<ClmHandle> {
    const target: LinkTarget = { path, serviceName: CLM_SERVICE_NAME, ...(options.pid === undefined ? {} : { pid: options.pid }) };
    let ipc: IpcClient;
    try {
      ipc = await openLink(target, options.signal);
    } catch (err) {
      throw toSaError(err, 'clm open');
    }
    return new ClmHandle(target, ipc, options);
  }

  private constructor(target: LinkTarget, ipc: IpcClient, options: ClmHandleOptions) {
    this.#target = target;
    this.#ipc = ipc;
    this.#reconnect = resolveReconnect(options.reconnect);
    this.#maxQueued = options.maxQueuedNotifications ?? 256;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The local node's id, as the daemon announced it. */
  get nodeId(): number {
    return this.#ipc.nodeId;
  }

  /** The current view: its number and every member (TRACK_CURRENT). */
  async nodes(options: ClmCallOptions = {}): Promise<ClmView> {
    const res = await clmRequestRetrying(() => this.#link(options.signal), { kind: 'track', flags: SA_TRACK_CURRENT }, options.signal);
    const view = res.kind === 'track' ? res.view : undefined;
    if (view === undefined) throw new SaAisError('SA_AIS_ERR_LIBRARY', 'clm track: the answer holds no view', { reason: 'BAD_RESPONSE' });
    return { viewNumber: view.viewNumber, nodes: view.items.map((i) => toClmNode(i.node, true)) };
  }

  /** A member's record (saClmClusterNodeGet); no id: the local node. SA_AIS_ERR_NOT_EXIST for a node not in the view. */
  async node(nodeId: number = SA_CLM_LOCAL_NODE_ID, options: ClmCallOptions = {}): Promise<ClmNode> {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 0xffffffff) {
      throw new SaAisError('SA_AIS_ERR_INVALID_PARAM', `clm nodeGet: node id ${nodeId} is not a u32`);
    }
    const res = await clmRequest(await this.#link(options.signal), { kind: 'nodeGet', nodeId }, options.signal);
    if (res.kind !== 'nodeGet') throw new SaAisError('SA_AIS_ERR_LIBRARY', 'clm nodeGet: wrong answer', { reason: 'BAD_RESPONSE' });
    return toClmNode(res.node, true);
  }

  /**
   * Membership changes as they happen. Default: the current view first, then one notification per
   * change listing every member and the nodes that left (CURRENT | CHANGES); `changesOnly`: only
   * the changed nodes, no current view (CHANGES_ONLY). One notification per view the daemon
   * installs with any change: a merge is one notification with every node of the other side
   * JOINED. The iterator throws SaAisError when tracking fails (ABORT_ERR when `signal` fires).
   */
  track(options: ClmTrackOptions = {}): AsyncIterableIterator<ClmTrackNotification> {
    if (this.#closed) {
      const queue = new EventQueue<ClmTrackNotification>(1, { onFull() {}, onRoom() {}, onDetach() {} });
      queue.end(new SaAisError('SA_AIS_ERR_BAD_HANDLE', 'clm track: the handle is closed', { reason: 'CLOSED' }));
      return queue;
    }
    const session = new TrackSession(this.#target, this.#reconnect, this.#maxQueued, options, () => this.#tracks.delete(session));
    this.#tracks.add(session);
    session.start();
    return session.iterator;
  }

  /** Ends every track iterator (cleanly) and closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#tracks].map((t) => t.stop()));
    await this.#ipc.close();
  }

  async #link(signal: AbortSignal | undefined): Promise<IpcClient> {
    if (this.#closed) throw new SaAisError('SA_AIS_ERR_BAD_HANDLE', 'the CLM handle is closed', { reason: 'CLOSED' });
    if (!this.#ipc.closed) return this.#ipc;
    const lost = this.#ipc.disconnectReason;
    if (!this.#reconnect) {
      throw new SaAisError('SA_AIS_ERR_LIBRARY', `connection to ringcastd lost: ${lost?.reason} (${lost?.detail})`, { reason: lost?.reason });
    }
    // One reopen at a time; concurrent callers share it.
    this.#reopening ??= reopenLink(this.#target, this.#reconnect, undefined, true)
      .then((ipc) => (this.#ipc = ipc))
      .finally(() => (this.#reopening = undefined));
    try {
      const reopened = this.#reopening;
      return await (signal ? Promise.race([reopened, sleepForever(signal)]) : reopened);
    } catch (err) {
      throw toSaError(err, 'clm reconnect');
    }
  }
}

function sleepForever(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fire = (): void => reject(abortedError('clm', signal));
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
  });
}

/** One track iterator: its own connection, its registration, its bounded queue, its reconnects. */
class TrackSession {
  readonly iterator: EventQueue<ClmTrackNotification>;
  readonly #target: LinkTarget;
  readonly #reconnect: ReturnType<typeof resolveReconnect>;
  readonly #options: ClmTrackOptions;
  readonly #done: () => void;
  #ipc: IpcClient | undefined;
  #stopped = false;
  #onAbort: (() => void) | undefined;

  constructor(target: LinkTarget, reconnect: ReturnType<typeof resolveReconnect>, maxQueued: number, options: ClmTrackOptions, done: () => void) {
    this.#target = target;
    this.#reconnect = reconnect;
    this.#options = options;
    this.#done = done;
    this.iterator = new EventQueue<ClmTrackNotification>(maxQueued, {
      onFull: () => this.#ipc?.holdReading(true),
      onRoom: () => this.#ipc?.holdReading(false),
      onDetach: () => void this.stop(),
    });
  }

  start(): void {
    const signal = this.#options.signal;
    if (signal?.aborted) return this.#end(abortedError('clm track', signal));
    if (signal) {
      this.#onAbort = () => this.#end(abortedError('clm track', signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#run(false).catch((err) => this.#end(toSaError(err, 'clm track')));
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#end(undefined);
  }

  #end(error: SaAisError | undefined): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#onAbort) this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.iterator.end(error);
    const ipc = this.#ipc;
    this.#ipc = undefined;
    void ipc?.close();
    this.#done();
  }

  /** Connects (or reconnects), registers, and pumps notifications until the connection is lost. */
  async #run(reconnected: boolean): Promise<void> {
    const ipc = reconnected ? await reopenLink(this.#target, this.#reconnect!, this.#options.signal) : await openLink(this.#target, this.#options.signal);
    if (this.#stopped) return void ipc.close();
    this.#ipc = ipc;
    // Events written behind the answer may be parsed before the answer's promise settles: hold
    // them until the current view is queued, so the iterator sees the socket's order.
    let early: ClmNotification[] | undefined = [];
    ipc.on('event', (raw: { messageId: number; payload: Uint8Array }) => {
      const decoded = decodeClmLibEvent(raw.messageId, raw.payload);
      if (!decoded.ok) return this.#end(new SaAisError('SA_AIS_ERR_LIBRARY', `clm track: undecodable notification (${decoded.error.code})`, { reason: 'BAD_RESPONSE' }));
      if (early) early.push(decoded.value);
      else this.iterator.push(toTrackNotification(decoded.value));
    });
    ipc.once('disconnected', (info: { reason: string; detail: string }) => {
      if (this.#stopped || this.#ipc !== ipc) return;
      this.#ipc = undefined;
      if (!this.#reconnect) {
        return this.#end(new SaAisError('SA_AIS_ERR_LIBRARY', `clm track: connection to ringcastd lost: ${info.reason} (${info.detail})`, { reason: info.reason }));
      }
      this.#run(true).catch((err) => this.#end(toSaError(err, 'clm track reconnect')));
    });
    const mode = this.#options.changesOnly ? SA_TRACK_CHANGES_ONLY : SA_TRACK_CHANGES;
    // After a reconnect the current view comes first in either mode: it is what the caller resyncs from.
    const flags = mode | (this.#options.changesOnly && !reconnected ? 0 : SA_TRACK_CURRENT);
    const res = await clmRequestRetrying(async () => ipc, { kind: 'track', flags }, this.#options.signal);
    if (this.#stopped || this.#ipc !== ipc) return;
    if (res.kind === 'track' && res.view !== undefined) this.iterator.push(toTrackNotification(res.view, reconnected));
    for (const n of early) this.iterator.push(toTrackNotification(n));
    early = undefined;
  }
}
