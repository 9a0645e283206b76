/**
 * The service handler: the one structure every service of the executive implements, after
 * Corosync's `struct corosync_service_engine` (exec/service.h, include/corosync/coroapi.h):
 *
 *   Corosync                               ringcast
 *   id, name                               id, name
 *   lib_engine[] (corosync_lib_handler)    libHandlers[messageId]
 *   exec_engine[] (corosync_exec_handler)  execHandlers[messageId]
 *   confchg_fn                             onConfigChange(change)
 *   sync_init/process/activate/abort       sync.init / process / activate / abort
 *   lib_exit_fn                            onConnectionClosed(conn)
 *   exec_init_fn / exec_exit_fn            start(api) / stop()
 *
 * Local clients are an abstract `ClientConnection`; the Unix-socket IPC implements it. Nothing
 * here reads a clock or opens a socket: services are deterministic state machines fed by the
 * executive, so they run unchanged under the simulator.
 */
import type { ConfigChange } from '../totem/state.js';
import type { NodeId, RingId } from '../totem/wire/types.js';
import type { CsStatus, ExecSendResult } from './status.js';

/** One local client connection to one service (a libqb connection in Corosync). */
export interface ClientConnection {
  /** Unique among this daemon's connections; never reused while the daemon runs. */
  readonly id: number;
  /** The client's process id (CPG members are (node id, pid) pairs). */
  readonly pid: number;
  /** The answer to request `requestId`. Called exactly once per request. */
  respond(requestId: number, status: CsStatus, payload: Uint8Array): void;
  /**
   * An unsolicited message to the client (a callback: a delivery, a configuration change). Its
   * payload is `payload` followed by `tail`, if given; the tail is written without a copy, so it
   * must not change afterwards.
   */
  sendEvent(messageId: number, payload: Uint8Array, tail?: Uint8Array): void;
  /**
   * Stop (true) or resume (false) handing this connection's further requests to the executive:
   * one of its requests is held until the ring can take it (LibRequest.retryLater), and the ones
   * behind it must not overtake it. The IPC host stops reading the socket, so they wait in the
   * client's bounded queue, not here. A connection without this method cannot hold: its
   * refused requests are answered CS_ERR_TRY_AGAIN.
   */
  holdRequests?(held: boolean): void;
}

/** A request from a local client, as a library handler receives it. */
export interface LibRequest {
  readonly conn: ClientConnection;
  readonly requestId: number;
  readonly messageId: number;
  readonly payload: Uint8Array;
  /** Whether respond() was called. */
  readonly answered: boolean;
  /** Answers the client; a second call is ignored and counted (`stats.duplicateAnswers`). */
  respond(status: CsStatus, payload?: Uint8Array): void;
  /**
   * Instead of answering CS_ERR_TRY_AGAIN (the ring's queue is full, too many own messages in
   * flight, a synchronization in progress), keep this request: the executive hands it to the
   * handler again once sending may succeed, and the connection's later requests wait behind it,
   * so one client's requests are never reordered (per-sender FIFO with many in flight). The
   * handler must have undone what the refused attempt changed. Returns false when the request
   * cannot be held (the connection cannot pause, the executive stopped): answer it then.
   */
  retryLater(): boolean;
}

export interface LibHandler {
  readonly name: string;
  /**
   * Validates and decodes the request, then either answers at once (a local read) or multicasts
   * an executive message with `api.send(id, body, { request })` and answers when it comes back
   * (ExecMeta.request). If the send fails, answer with its code.
   */
  handle(request: LibRequest): void;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: string; readonly detail: string };

/** What an executive handler learns about the message besides its content. */
export interface ExecMeta {
  /** The node that multicast it (Corosync's nodeid argument of exec_handler_fn). */
  readonly from: NodeId;
  /** This node sourced it. */
  readonly local: boolean;
  /**
   * The client request it was sent for, on the sourcing node only: that node answers its client
   * (Corosync's message_source_is_local + the conn pointer in mar_message_source_t).
   */
  readonly request: LibRequest | undefined;
  /** The ring the message was ordered in. */
  readonly ringId: RingId;
}

export interface ExecHandler<T = unknown> {
  readonly name: string;
  /**
   * A synchronization message (the state a service's sync step multicasts): applied only while
   * this configuration's sync runs, never held back. Ordinary messages (the default) are applied
   * only once the service's sync activated in the configuration they were ordered in.
   */
  readonly sync?: boolean;
  /**
   * Instead of `sync`, when one message id serves both (Corosync's cmap MCAST: reason SYNC in
   * sync_process, NEW_CONFIG_VERSION at any time): whether this message is a synchronization
   * message, from its body (after the 16-byte header). Must not throw.
   */
  readonly isSyncMessage?: (body: Uint8Array) => boolean;
  /**
   * Strict decoder; never throws. `body` is the message after the 16-byte header; `message` is
   * the whole message, for layouts that count offsets from the header as Corosync's structs do.
   */
  decode(body: Uint8Array, message: Uint8Array): DecodeResult<T>;
  /** Applies the message, on every node, in agreed order. Must be deterministic. */
  apply(value: T, meta: ExecMeta): void;
}

/**
 * Corosync's sync_init / sync_process / sync_activate / sync_abort. After every regular
 * configuration the executive calls init on every service, then runs the services one at a time
 * in service id order: process() until it returns true, then a barrier; activate() once every
 * member's barrier arrived. A configuration change before that calls abort() instead. Every init
 * is followed by exactly one activate or abort.
 */
export interface ServiceSync {
  /**
   * A new configuration. `transitional`: the members that were in this node's previous
   * configuration too (Corosync's trans_list, filtered by the new member list).
   */
  init(members: readonly NodeId[], ringId: RingId, transitional: readonly NodeId[]): void;
  /** Multicasts this node's part of the state; true when done, false to be called again later. */
  process(): boolean;
  /** Every member's state arrived (all barriers): install the merged state. */
  activate(): void;
  /** The configuration changed before activation: drop what was gathered. */
  abort(): void;
}

export interface SendOptions {
  /** Safe delivery (every member has the message before anyone delivers it). */
  readonly safe?: boolean;
  /**
   * The client request this message serves. Its handler gets it back in ExecMeta.request on this
   * node. While a synchronization is in progress such sends fail with CS_ERR_TRY_AGAIN, as
   * Corosync's sending_allowed refuses flow-controlled requests during sync.
   */
  readonly request?: LibRequest;
  /**
   * `body` is the whole message with EXEC_HEADER_BYTES of room at its start, which the executive
   * fills in (no copy of the body); the buffer becomes the ring's and must not change afterwards.
   */
  readonly headerRoom?: boolean;
}

/** What the executive gives a service at start. */
export interface ServiceApi {
  readonly localNodeId: NodeId;
  /** Multicasts an executive message of this service (header added by the executive). */
  send(messageId: number, body: Uint8Array, options?: SendOptions): ExecSendResult;
  /** A synchronization is in progress (between a configuration change and the last activation). */
  syncInProcess(): boolean;
  /**
   * Whether this partition may act: votequorum's last announced decision when the daemon runs
   * with `quorum { provider: corosync_votequorum }`, else always true (Corosync's quorum service
   * without a provider). Corosync refuses requests of services that need quorum; here each
   * service decides.
   */
  quorate(): boolean;
}

export interface Service {
  /** 0..SERVICES_COUNT_MAX-1; Corosync's id where the service exists there. */
  readonly id: number;
  readonly name: string;
  /** Indexed by the request's message id; a hole answers CS_ERR_INVALID_PARAM. */
  readonly libHandlers: readonly (LibHandler | undefined)[];
  /** Indexed by the executive message id; a hole is counted and dropped. */
  readonly execHandlers: readonly (ExecHandler<any> | undefined)[];
  /** Absent: nothing to rebuild; the service is active from each regular configuration on. */
  readonly sync?: ServiceSync;
  start(api: ServiceApi): void;
  stop(): void;
  /** Every transitional and regular configuration, in order with the messages, before sync. */
  onConfigChange(change: ConfigChange): void;
  /** A local client went away (CPG turns this into procdown for its groups). */
  onConnectionClosed(conn: ClientConnection): void;
}
