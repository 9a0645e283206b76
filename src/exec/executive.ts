/**
 * The executive: hosts services on a ring. Inputs, in the ring's order: `deliver(message)` for
 * each ordered message and `configChange(change)` for each configuration; from local clients:
 * `request(...)` and `connectionClosed(conn)`. Output: multicasts through the abstract `ExecRing`.
 * It reads no clock and opens no socket: RingNode and the simulator both drive it.
 *
 * Delivery (Corosync's deliver_fn in exec/main.c): the header's id names service and message;
 * the message goes to services[serviceId].execHandlers[messageId]. A malformed header, an unknown
 * service or message id, or a body the handler cannot decode is counted and dropped, never thrown.
 * Unlike Corosync, ordinary messages are applied only once their service's sync activated in the
 * ring they were ordered in (see outbound.ts and design.md for why and how nothing is lost).
 */
import type { ConfigChange } from '../totem/state.js';
import type { NodeId, RingId } from '../totem/wire/types.js';
import { GROUP_EXEC, GROUP_SYNC } from '../totem/pg/groups.js';
import { decodeHeader, encodeExecMessage, execBody, writeExecHeader } from './header.js';
import { Outbound, type OwnMessage } from './outbound.js';
import { ServiceRegistry } from './registry.js';
import type { ClientConnection, ExecHandler, LibHandler, LibRequest, SendOptions, Service, ServiceApi } from './service.js';
import type { CsStatus, ExecSendError, ExecSendResult } from './status.js';
import { SyncEngine, type SyncTraceEvent } from './sync.js';
import { decodeSyncMessage } from './sync-wire.js';

/**
 * What the executive needs of a ring member: RingNode and TotemGroup both fit. After a send was
 * refused with QUEUE_FULL, the driver calls `ringDrained()` once the queue has room (the daemon's
 * ring gate does); a delivery also lets the executive try again.
 */
export interface ExecRing {
  /** `transfer`: the executive built `data` for this send and never writes to it again. */
  send(data: Uint8Array, options: { readonly safe?: boolean; readonly transfer?: boolean; readonly group?: string }): RingSendResult;
}

export type RingSendResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'QUEUE_FULL' | 'MESSAGE_TOO_LARGE' | 'NOT_RUNNING' | 'SHUTTING_DOWN'; readonly detail: string };

/** An ordered message as the ring delivers it (GroupDelivery fits). */
export interface ExecDelivery {
  readonly from: NodeId;
  /** The message after totempg's group header. */
  readonly data: Uint8Array;
  /** The groups it was sent in (absent: "a", the services' group). */
  readonly groups?: readonly string[];
  readonly ringId: RingId;
}

const EXEC_GROUPS: readonly string[] = [GROUP_EXEC];

export type DropReason =
  | 'malformedHeader'
  | 'unknownService'
  | 'unknownMessage'
  | 'malformedPayload'
  | 'malformedSync'
  | 'foreignGroup'
  | 'notActive'
  | 'staleSync';

export type ExecTraceEvent =
  | SyncTraceEvent
  | { readonly kind: 'applied'; readonly serviceId: number; readonly messageId: number; readonly from: NodeId; readonly ringId: RingId; readonly sync: boolean }
  | { readonly kind: 'dropped'; readonly reason: DropReason; readonly from: NodeId; readonly detail: string };

export interface ExecutiveOptions {
  readonly nodeId: NodeId;
  readonly ring: ExecRing;
  readonly services: readonly Service[];
  /**
   * Runs work later, outside the current input (Corosync's schedwrk): a sync process() that is
   * not done, sends the ring refused. The daemon passes setImmediate; the simulator a virtual-time
   * action. Work scheduled by a stopped executive does nothing.
   */
  readonly schedule: (run: () => void) => void;
  /** Own ordinary messages tracked at once (in flight + deferred). Default 4096. */
  readonly maxOwnMessages?: number;
  /**
   * Of those, how many client requests may have put there: beyond it a client send is refused
   * (held) until the count falls to three quarters. Default 512 (at most maxOwnMessages). It sets
   * how deep a flood from local clients queues up, hence delivery latency under flood: the ring
   * is kept busy by far fewer (50 frames per rotation), and a deeper queue only adds waiting
   * (1 KiB, three senders: 4096 gave 565 ms p50, 256 gave 38 ms, at the same rate). The rest of
   * maxOwnMessages stays for the services' own sends (a procleave must not be refused; past
   * maxOwnMessages they are not refused either, they wait).
   */
  readonly maxClientMessages?: number;
  readonly trace?: (event: ExecTraceEvent) => void;
  /**
   * Client sends refused because maxOwnMessages were tracked may go again: the count fell to
   * the low mark. The daemon turns CPG flow control off here (if the ring's queue has room).
   */
  readonly onOwnMessagesRoom?: () => void;
  /**
   * Ordered messages that carry no executive header (the daemon's synthetic load, test
   * payloads) go here instead of being dropped as malformed: the header is decoded once.
   */
  readonly onForeign?: (delivery: ExecDelivery) => void;
  /** Whether this partition may act (the daemon's votequorum service); absent: always true. */
  readonly quorate?: () => boolean;
}

export interface ExecStats {
  delivered: number;
  applied: number;
  dropped: Record<DropReason, number>;
  /** Own messages dropped as not active and queued to be sent again after sync. */
  resent: number;
  requests: number;
  unknownRequests: number;
  duplicateAnswers: number;
  configChanges: number;
  /** Requests held instead of answered CS_ERR_TRY_AGAIN (LibRequest.retryLater). */
  held: number;
  /** Times a held request was handed to its handler again. */
  heldRetries: number;
  /** Services' own sends taken beyond maxOwnMessages (they wait their turn; only client sends are refused there). */
  ownOverBound: number;
}

export const DEFAULT_MAX_OWN_MESSAGES = 4096;
export const DEFAULT_MAX_CLIENT_MESSAGES = 512;
const EMPTY = new Uint8Array(0);

/** A request waiting for the ring to take its message; its connection reads nothing meanwhile. */
interface HeldRequest {
  readonly handler: LibHandler;
  readonly req: LibRequest;
  /** The handler asked to hold it again during the current retry. */
  heldAgain: boolean;
}

export class Executive {
  readonly nodeId: NodeId;
  private readonly registry: ServiceRegistry;
  private readonly sync: SyncEngine;
  private readonly outbound: Outbound;
  private running = false;
  private flushScheduled = false;
  /** The ring refused a send with QUEUE_FULL since it last made room (a delivery, ringDrained()). */
  private ringFull = false;
  /** Work that waits for the ring to have room: deferred own messages, sync steps. */
  private roomWaiters: (() => void)[] = [];
  /**
   * At most one held request per connection (its later ones are not read), by connection id, in
   * the order they were held: memory is bounded by the connection count.
   */
  private readonly held = new Map<number, HeldRequest>();
  private retrying = false;
  /**
   * A client send was refused at maxOwnMessages: client sends stay refused until the count falls
   * to `ownLowMark`, so a pipelining client does not flip flow control on every delivery.
   */
  private ownFull = false;
  private readonly clientMax: number;
  private readonly ownLowMark: number;
  readonly stats: ExecStats = {
    delivered: 0, applied: 0, resent: 0, requests: 0, unknownRequests: 0, duplicateAnswers: 0, configChanges: 0, held: 0, heldRetries: 0, ownOverBound: 0,
    dropped: { malformedHeader: 0, unknownService: 0, unknownMessage: 0, malformedPayload: 0, malformedSync: 0, foreignGroup: 0, notActive: 0, staleSync: 0 },
  };

  constructor(private readonly options: ExecutiveOptions) {
    this.nodeId = options.nodeId;
    this.registry = new ServiceRegistry(options.services);
    this.outbound = new Outbound(options.maxOwnMessages ?? DEFAULT_MAX_OWN_MESSAGES);
    this.clientMax = Math.min(options.maxClientMessages ?? DEFAULT_MAX_CLIENT_MESSAGES, this.outbound.maxMessages);
    this.ownLowMark = Math.floor((this.clientMax * 3) / 4);
    this.sync = new SyncEngine({
      services: () => this.registry.list(),
      sendSync: (message) => this.ringSend(message, { group: GROUP_SYNC, transfer: true }).ok,
      schedule: (run) => this.whenRoom(run),
      completed: () => {
        this.flushDeferred();
        this.retryHeld();
      },
      trace: options.trace,
    });
  }

  /** Starts every service in id order (Corosync's exec_init_fn). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const service of this.registry.list()) service.start(this.apiFor(service));
  }

  /** Aborts a running sync, answers requests still waiting with CS_ERR_LIBRARY, stops services. */
  stop(): void {
    if (!this.running) return;
    this.sync.stop();
    this.running = false;
    const held = [...this.held.values()];
    this.held.clear();
    for (const { req } of held) req.respond('CS_ERR_LIBRARY');
    for (const own of this.outbound.drain()) own.request?.respond('CS_ERR_LIBRARY');
    for (const service of this.registry.list().reverse()) service.stop();
  }

  get syncInProcess(): boolean {
    return this.sync.syncInProcess;
  }

  get syncState(): string {
    return this.sync.state;
  }

  get syncStats() {
    return this.sync.stats;
  }

  /** Own ordinary messages not yet back: in flight on the ring, deferred until sync completes. */
  get ownMessages(): { readonly inFlight: number; readonly deferred: number } {
    return { inFlight: this.outbound.inFlightCount, deferred: this.outbound.deferredCount };
  }

  /** Requests held until the ring can take their messages (one per connection at most). */
  get heldRequests(): number {
    return this.held.size;
  }

  service(serviceId: number): Service | undefined {
    return this.registry.get(serviceId);
  }

  /** A configuration change from the ring: services first, then sync (Corosync's confchg_fn). */
  configChange(change: ConfigChange): void {
    if (!this.running) return;
    this.stats.configChanges++;
    for (const service of this.registry.list()) service.onConfigChange(change);
    this.sync.configChange(change);
  }

  /**
   * One ordered message from the ring. The executive joins totempg's groups "a" (services'
   * messages) and "sync" (the sync engine's), as Corosync's does; a message of another group is
   * someone else's (onForeign) or dropped.
   */
  deliver(delivery: ExecDelivery): void {
    this.retryWhenRoom();
    const groups = delivery.groups ?? EXEC_GROUPS;
    const sync = groups.includes(GROUP_SYNC);
    if (!sync && !groups.includes(GROUP_EXEC)) {
      if (this.options.onForeign) return this.options.onForeign(delivery);
      if (this.running) this.drop('foreignGroup', delivery.from, `groups ${groups.join(',')}`);
      return;
    }
    if (!this.running) return;
    this.stats.delivered++;
    if (sync) {
      const decodedSync = decodeSyncMessage(delivery.data);
      if (!decodedSync.ok) return this.drop('malformedSync', delivery.from, `${decodedSync.code}: ${decodedSync.detail}`);
      this.sync.deliver(delivery.from, decodedSync.message);
      return;
    }
    const decoded = decodeHeader(delivery.data);
    if (!decoded.ok) {
      return this.drop('malformedHeader', delivery.from, `${decoded.code}: ${decoded.detail}`);
    }
    const { serviceId, messageId, sourceTag } = decoded.header;
    const body = execBody(delivery.data);
    const service = this.registry.get(serviceId);
    if (!service) return this.drop('unknownService', delivery.from, `service ${serviceId}`);
    const handler = service.execHandlers[messageId];
    if (!handler) return this.drop('unknownMessage', delivery.from, `service ${serviceId} message ${messageId}`);
    const local = delivery.from === this.nodeId;
    const own = local && sourceTag !== 0 ? this.outbound.delivered(sourceTag, serviceId, messageId) : undefined;
    if (handler.sync) {
      if (!this.sync.acceptsSyncMessage(delivery.ringId)) return this.drop('staleSync', delivery.from, `${service.name}.${handler.name}`);
    } else if (!this.sync.isActive(serviceId, delivery.ringId)) {
      if (own) this.sendAgainAfterSync(own);
      return this.drop('notActive', delivery.from, `${service.name}.${handler.name} before its sync activated`);
    }
    this.apply(service, handler, messageId, delivery, own);
    if (own && this.ownFull && this.outbound.size <= this.ownLowMark) this.ownMessagesRoom();
  }

  /**
   * The ring's send queue has room again (the daemon's gate reopened): held requests go first,
   * before their connections are read again.
   */
  ringDrained(): void {
    this.retryWhenRoom();
    this.retryHeld();
  }

  /** A request from a local client for service `serviceId` (Corosync's lib_engine dispatch). */
  request(conn: ClientConnection, serviceId: number, messageId: number, requestId: number, payload: Uint8Array): void {
    this.stats.requests++;
    const service = this.registry.get(serviceId);
    const handler = service?.libHandlers[messageId];
    const req = this.libRequest(conn, messageId, requestId, payload, handler);
    if (!this.running) return req.respond('CS_ERR_LIBRARY');
    if (!service || !handler) {
      this.stats.unknownRequests++;
      return req.respond(service ? 'CS_ERR_INVALID_PARAM' : 'CS_ERR_NOT_EXIST');
    }
    handler.handle(req);
  }

  /** A local client went away: every service hears of it (Corosync's lib_exit_fn). */
  connectionClosed(conn: ClientConnection): void {
    if (!this.running) return;
    // Its held request goes unanswered: nobody is left to hear it, and it never reached the ring.
    this.held.delete(conn.id);
    for (const service of this.registry.list()) service.onConnectionClosed(conn);
  }

  /** Multicasts an executive message of a service (what ServiceApi.send calls). */
  send(serviceId: number, messageId: number, body: Uint8Array, options: SendOptions = {}): ExecSendResult {
    if (!this.running) return fail('CS_ERR_LIBRARY', 'the executive is stopped');
    const handler = this.registry.get(serviceId)?.execHandlers[messageId];
    if (!handler) return fail('CS_ERR_INVALID_PARAM', `no executive message ${messageId} in service ${serviceId}`);
    const safe = options.safe === true;
    const message = (tag: number): Uint8Array =>
      options.headerRoom ? writeExecHeader(body, serviceId, messageId, tag) : encodeExecMessage(serviceId, messageId, body, tag);
    if (handler.sync) return mapRingResult(this.ringSend(message(0), { safe, transfer: true }));
    // Corosync's sending_allowed: a client's request waits for the end of sync (held or retried).
    if (options.request && this.sync.syncInProcess) return fail('CS_ERR_TRY_AGAIN', 'synchronization in progress');
    if (options.request && this.ownFull) {
      if (this.outbound.size > this.ownLowMark) return fail('CS_ERR_TRY_AGAIN', `${this.outbound.size} own messages in flight (waiting for ${this.ownLowMark})`);
      this.ownFull = false;
    }
    if (options.request && this.outbound.size >= this.clientMax) {
      this.ownFull = true;
      return fail('CS_ERR_TRY_AGAIN', `${this.outbound.size} own messages already in flight (client bound ${this.clientMax})`);
    }
    const overBound = this.outbound.full;
    // A client's send is refused there (it is held or retried); a service's own send is not: it
    // records something that happened (a process left a group), and losing it would leave the
    // members' tables disagreeing. It waits its turn behind the others instead.
    if (overBound && options.request) return fail('CS_ERR_TRY_AGAIN', `${this.outbound.maxMessages} own messages already in flight`);
    const tag = this.outbound.allocateTag();
    const own: OwnMessage = { tag, serviceId, messageId, message: message(tag), safe, request: options.request };
    if (overBound) {
      this.stats.ownOverBound++;
      this.outbound.defer(own);
      this.scheduleFlush();
      return { ok: true };
    }
    if (this.sync.syncInProcess || this.outbound.deferredCount > 0) {
      this.outbound.defer(own);
      return { ok: true };
    }
    const result = this.ringSend(own.message, { safe, transfer: true });
    if (result.ok) {
      this.outbound.sent(own);
      return result;
    }
    if (result.code === 'QUEUE_FULL' && !options.request) {
      // The service has no client to tell: keep it and retry once the ring has room, as
      // Corosync's queue would.
      this.outbound.defer(own);
      this.whenRoom(() => this.scheduleFlush());
      return { ok: true };
    }
    return mapRingResult(result);
  }

  private apply(service: Service, handler: ExecHandler, messageId: number, delivery: ExecDelivery, own: OwnMessage | undefined): void {
    const value = handler.decode(execBody(delivery.data), delivery.data);
    if (!value.ok) {
      own?.request?.respond('CS_ERR_MESSAGE_ERROR');
      return this.drop('malformedPayload', delivery.from, `${service.name}.${handler.name}: ${value.code}: ${value.detail}`);
    }
    const local = delivery.from === this.nodeId;
    handler.apply(value.value, { from: delivery.from, local, request: own?.request, ringId: delivery.ringId });
    this.stats.applied++;
    this.options.trace?.({ kind: 'applied', serviceId: service.id, messageId, from: delivery.from, ringId: delivery.ringId, sync: handler.sync === true });
  }

  private ownMessagesRoom(): void {
    this.ownFull = false;
    this.options.onOwnMessagesRoom?.();
    this.retryHeld();
  }

  /**
   * Hands held requests to their handlers again, oldest first. A handler may answer the request,
   * take it without an answer yet (its message is on the ring; the answer comes when it is
   * delivered), or hold it again. Held again because the ring, the own-message bound or a sync
   * still refuses, the rest would fare the same: the pass stops, and that one goes to the back so
   * the next pass starts with another connection. Held again for a reason of its own service, the
   * pass goes on: one service's wait must not hold another's clients (an EVT request taken
   * without an answer once stopped every CPG client of its node for good).
   */
  private retryHeld(): void {
    if (this.retrying || !this.running || this.held.size === 0) return;
    this.retrying = true;
    try {
      for (const [connId, entry] of [...this.held]) {
        if (this.held.get(connId) !== entry) continue;
        this.stats.heldRetries++;
        entry.heldAgain = false;
        try {
          entry.handler.handle(entry.req);
        } catch {
          // A handler that throws is a bug; the IPC layer answers CS_ERR_LIBRARY for a first try, so do the same.
          entry.req.respond('CS_ERR_LIBRARY');
        }
        if (this.held.get(connId) !== entry) continue;
        if (!entry.heldAgain) {
          // Taken, to be answered on delivery: its connection's later requests may flow.
          this.held.delete(connId);
          entry.req.conn.holdRequests?.(false);
          continue;
        }
        this.held.delete(connId);
        this.held.set(connId, entry);
        if (this.ringFull || this.sync.syncInProcess || this.ownFull) break;
      }
    } finally {
      this.retrying = false;
    }
  }

  /** LibRequest.retryLater: keep `req` and stop its connection's later requests. */
  private hold(req: LibRequest, handler: LibHandler | undefined): boolean {
    const conn = req.conn;
    if (!this.running || handler === undefined || conn.holdRequests === undefined || req.answered) return false;
    const current = this.held.get(conn.id);
    if (current?.req === req) {
      current.heldAgain = true;
      return true;
    }
    // A second request of a held connection cannot arrive (it is not read); answer it rather than queue.
    if (current !== undefined) return false;
    this.held.set(conn.id, { handler, req, heldAgain: true });
    this.stats.held++;
    conn.holdRequests(true);
    return true;
  }

  /** An answered request no longer holds its connection. */
  private release(req: LibRequest): void {
    const current = this.held.get(req.conn.id);
    if (current?.req !== req) return;
    this.held.delete(req.conn.id);
    req.conn.holdRequests?.(false);
  }

  private sendAgainAfterSync(own: OwnMessage): void {
    this.stats.resent++;
    this.outbound.defer(own);
    if (!this.sync.syncInProcess) this.scheduleFlush();
  }

  /** Hands deferred messages to the ring in order, once sync is complete. */
  private flushDeferred(): void {
    while (this.running && !this.sync.syncInProcess) {
      const own = this.outbound.peekDeferred();
      if (!own) return;
      const result = this.ringSend(own.message, { safe: own.safe, transfer: true });
      if (!result.ok && result.code === 'QUEUE_FULL') return this.whenRoom(() => this.scheduleFlush());
      this.outbound.shiftDeferred();
      if (result.ok) this.outbound.sent(own);
      else own.request?.respond(result.code === 'MESSAGE_TOO_LARGE' ? 'CS_ERR_TOO_BIG' : 'CS_ERR_LIBRARY');
    }
  }

  /** Every send to the ring goes here, so a full queue is noticed whoever met it. */
  private ringSend(data: Uint8Array, options: { readonly safe?: boolean; readonly transfer?: boolean; readonly group?: string }): RingSendResult {
    const result = this.options.ring.send(data, { ...options, group: options.group ?? GROUP_EXEC });
    if (!result.ok && result.code === 'QUEUE_FULL') this.ringFull = true;
    return result;
  }

  /**
   * Runs `run` later: on the next turn while the ring has room, else once it made some (a
   * delivery, ringDrained()). Retrying at every turn while the queue is full would spin until it
   * drained; the simulated daemon livelocked on exactly that at one virtual instant.
   */
  private whenRoom(run: () => void): void {
    if (this.ringFull) this.roomWaiters.push(run);
    else this.later(run);
  }

  /** The ring made room (or may have): what waited for it runs on the next turn. */
  private retryWhenRoom(): void {
    if (!this.ringFull) return;
    this.ringFull = false;
    const waiting = this.roomWaiters;
    this.roomWaiters = [];
    for (const run of waiting) this.later(run);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.later(() => {
      this.flushScheduled = false;
      this.flushDeferred();
    });
  }

  private later(run: () => void): void {
    this.options.schedule(() => {
      if (this.running) run();
    });
  }

  private drop(reason: DropReason, from: NodeId, detail: string): void {
    this.stats.dropped[reason]++;
    this.options.trace?.({ kind: 'dropped', reason, from, detail });
  }

  private apiFor(service: Service): ServiceApi {
    return {
      localNodeId: this.nodeId,
      send: (messageId, body, options) => this.send(service.id, messageId, body, options),
      syncInProcess: () => this.sync.syncInProcess,
      quorate: () => this.options.quorate?.() ?? true,
    };
  }

  private libRequest(conn: ClientConnection, messageId: number, requestId: number, payload: Uint8Array, handler: LibHandler | undefined): LibRequest {
    const stats = this.stats;
    let answered = false;
    let wasHeld = false;
    const req: LibRequest = {
      conn, requestId, messageId, payload,
      get answered() {
        return answered;
      },
      respond: (status: CsStatus, body: Uint8Array = EMPTY): void => {
        if (answered) {
          stats.duplicateAnswers++;
          return;
        }
        answered = true;
        conn.respond(requestId, status, body);
        // Answer first, then let the connection's next requests in.
        if (wasHeld) this.release(req);
      },
      retryLater: (): boolean => {
        const held = this.hold(req, handler);
        wasHeld ||= held;
        return held;
      },
    };
    return req;
  }
}

function fail(code: ExecSendError['code'], detail: string): ExecSendError {
  return { ok: false, code, detail };
}

/** The ring's refusals as a client sees them. */
export function mapRingResult(result: RingSendResult): ExecSendResult {
  if (result.ok) return result;
  switch (result.code) {
    case 'QUEUE_FULL':
      return fail('CS_ERR_TRY_AGAIN', result.detail);
    case 'MESSAGE_TOO_LARGE':
      return fail('CS_ERR_TOO_BIG', result.detail);
    case 'NOT_RUNNING':
    case 'SHUTTING_DOWN':
      return fail('CS_ERR_LIBRARY', result.detail);
  }
}
