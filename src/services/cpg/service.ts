/**
 * The CPG service of the executive: wraps the pure core (CpgNode) in the service handler
 * structure, as Corosync's exec/cpg.c wraps its process list in cpg_service_engine.
 *
 *   library requests (lib-protocol.ts)  → CpgNode join/leave/mcast → executive messages multicast;
 *                                         the client is answered as soon as the ring took the
 *                                         message (Corosync answers at once too), reads at once;
 *                                         a send the ring cannot take now is held, not refused
 *                                         (see #sendLib: per-sender FIFO with many in flight)
 *   executive messages (ids 0..6)       → CpgNode.deliver in agreed order → callbacks as events
 *   sync init/process/activate/abort    → CpgNode syncInit/syncProcess/syncActivate/syncAbort
 *   connection closed                   → CpgNode.disconnect → procleave(PROCDOWN) multicast
 *
 * One CPG handle per client connection (the connection id is the handle id), created on the
 * connection's first request with the pid it declared in its IPC hello.
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type {
  ClientConnection,
  ExecHandler,
  ExecSendResult,
  LibHandler,
  LibRequest,
  Service,
  ServiceApi,
  ServiceSync,
} from '../../exec/index.js';
import type { HandleCallback, HandleId } from './handles.js';
import { decodeCpgMessage } from './decode.js';
import { encodeCpgMessage } from './encode.js';
import { CPG_SERVICE_ID, CpgMessageId, type CpgMessageIdCode } from './layout.js';
import {
  CPG_SERVICE_NAME,
  CpgLibRequestId,
  decodeCpgLibRequest,
  encodeCpgLibEvent,
  encodeCpgLibEventParts,
  encodeCpgLibResponse,
  type CpgFlowControlState,
  type CpgLibEvent,
  type CpgLibFrame,
  type CpgLibRequest,
  type CpgLibResponse,
} from '../../protocol/cpg/lib-protocol.js';
import type { CpgExecMessage } from './messages.js';
import { CpgNode, type CpgNodeOptions, type LibResult } from './node.js';

export type CpgServiceOptions = Omit<CpgNodeOptions, 'localNodeId'>;

export interface CpgServiceStats {
  eventsSent: number;
  /** A connection threw on sendEvent (closed under us, payload over its frame bound). */
  eventErrors: number;
  /** Sync messages the ring refused for a reason other than a full queue (not retried). */
  syncSendsDropped: number;
  /** Client sends the ring could not take outside sync: held, or refused CS_ERR_TRY_AGAIN ("do not wait"). */
  flowControlRefusals: number;
}

const MESSAGE_ID: Readonly<Record<CpgExecMessage['kind'], CpgMessageIdCode>> = {
  procjoin: CpgMessageId.procjoin,
  procleave: CpgMessageId.procleave,
  joinlist: CpgMessageId.joinlist,
  mcast: CpgMessageId.mcast,
  downlist_old: CpgMessageId.downlistOld,
  downlist: CpgMessageId.downlist,
  partial_mcast: CpgMessageId.partialMcast,
};

/** The sync messages: applied only while their configuration's sync runs. */
const SYNC_MESSAGES: ReadonlySet<CpgExecMessage['kind']> = new Set(['joinlist', 'downlist', 'downlist_old']);

export class CpgService implements Service {
  readonly id = CPG_SERVICE_ID;
  readonly name = CPG_SERVICE_NAME;
  readonly stats: CpgServiceStats = { eventsSent: 0, eventErrors: 0, syncSendsDropped: 0, flowControlRefusals: 0 };
  readonly #options: CpgServiceOptions;
  #api: ServiceApi | undefined;
  #node: CpgNode | undefined;
  readonly #conns = new Map<HandleId, ClientConnection>();
  /** What this node's sync process still has to multicast (the ring may refuse some for now). */
  #syncSends: CpgExecMessage[] | undefined;
  #flowControl: CpgFlowControlState = 'disabled';

  constructor(options: CpgServiceOptions = {}) {
    this.#options = options;
  }

  /** The core, for status and tests. Only after start(). */
  get core(): CpgNode {
    if (this.#node === undefined) throw new Error('cpg service used before start()');
    return this.#node;
  }

  get handles(): number {
    return this.#conns.size;
  }

  get flowControl(): CpgFlowControlState {
    return this.#flowControl;
  }

  /**
   * The daemon's view of the ring's send queue (Corosync's totempg flow control): tells every
   * handle when the state changes, as Corosync's MESSAGE_RES_CPG_FLOWCONTROL_CALLBACK does.
   */
  setFlowControl(state: CpgFlowControlState): void {
    if (state === this.#flowControl) return;
    this.#flowControl = state;
    const event: CpgLibEvent = { kind: 'flow_control', state };
    const frame = encodeCpgLibEvent(event);
    for (const conn of this.#conns.values()) this.#sendEvent(conn, frame);
  }

  /** Counters and sizes for the daemon's status; safe before start(). */
  statusCounters(): Record<string, number | string> {
    return {
      handles: this.#conns.size,
      groups: this.#node?.groups().length ?? 0,
      flowControl: this.#flowControl,
      ...this.stats,
      ...this.#node?.stats,
    };
  }

  // ---- library handlers --------------------------------------------------------------------

  readonly libHandlers: readonly LibHandler[] = Object.keys(CpgLibRequestId).map((name) => ({
    name,
    handle: (req: LibRequest) => this.#request(req),
  }));

  #request(req: LibRequest): void {
    const decoded = decodeCpgLibRequest(req.messageId, req.payload);
    if (!decoded.ok) return req.respond(decoded.error.code === 'NAME_TOO_LONG' ? 'CS_ERR_NAME_TOO_LONG' : 'CS_ERR_INVALID_PARAM');
    const node = this.core;
    const handle = req.conn.id;
    if (!this.#conns.has(handle)) {
      const connected = node.connect(handle, req.conn.pid);
      if (!connected.ok) return req.respond(connected.error.code);
      this.#conns.set(handle, req.conn);
    }
    const r = decoded.value;
    switch (r.kind) {
      case 'join':
        return this.#sendLib(req, r, node.join(handle, r.group, { deliverInitialTotemConf: r.deliverInitialTotemConf }));
      case 'leave':
        return this.#sendLib(req, r, node.leave(handle, r.group));
      case 'mcast':
        return this.#sendLib(req, r, node.mcast(handle, r.group, r.data), r.guarantee === 'safe');
      case 'membershipGet':
        return answer(req, { kind: r.kind, members: node.membership(r.group) });
      case 'localNodeIdGet':
        return answer(req, { kind: r.kind, nodeId: node.localNodeId });
      case 'groupsList':
        return answer(req, { kind: r.kind, groups: node.groups() });
      case 'flowControlGet':
        return answer(req, { kind: r.kind, state: this.#flowControl });
    }
  }

  /**
   * Multicasts what a join/leave/mcast returned and answers at once; a refused send is undone.
   *
   * The FIFO rule: a send the ring cannot take now (CS_ERR_TRY_AGAIN: queue full, own-message
   * bound, sync) is held by the executive, not answered, and the connection's later requests
   * wait unread behind it; the executive calls this handler again when the ring may take it. So
   * a client with many mcasts in flight never has one refused while a later one is accepted,
   * which a retry would turn into reordering. Only a request flagged "do not wait" (or one on a
   * connection that cannot pause) gets CS_ERR_TRY_AGAIN, at once.
   */
  #sendLib(req: LibRequest, r: CpgLibRequest & { kind: 'join' | 'leave' | 'mcast' }, result: LibResult, safe = false): void {
    if (!result.ok) return req.respond(result.error.code);
    for (const msg of result.send) {
      const sent = this.#send(msg, { safe, request: req });
      if (!sent.ok) {
        this.core.unsend(req.conn.id, msg);
        if (sent.code === 'CS_ERR_TRY_AGAIN' && !this.#api?.syncInProcess()) this.#refusedByFlowControl();
        const mayWait = r.kind === 'leave' || r.wait !== false;
        if (sent.code === 'CS_ERR_TRY_AGAIN' && mayWait && req.retryLater()) return;
        return req.respond(sent.code);
      }
    }
    // The ring took it: whatever refused earlier sends has drained.
    this.setFlowControl('disabled');
    answer(req, { kind: r.kind });
  }

  #refusedByFlowControl(): void {
    this.stats.flowControlRefusals++;
    this.setFlowControl('enabled');
  }

  #send(msg: CpgExecMessage, options: { safe?: boolean; request?: LibRequest } = {}): ExecSendResult {
    if (this.#api === undefined) return { ok: false, code: 'CS_ERR_LIBRARY', detail: 'cpg service stopped' };
    // The executive writes its own 16-byte header where Corosync's qb_ipc_request_header sits,
    // in place: the encoded message already has those bytes.
    return this.#api.send(MESSAGE_ID[msg.kind], encodeCpgMessage(msg), { ...options, headerRoom: true });
  }

  // ---- executive handlers ------------------------------------------------------------------

  readonly execHandlers: readonly ExecHandler<CpgExecMessage>[] = (Object.keys(MESSAGE_ID) as CpgExecMessage['kind'][])
    .sort((a, b) => MESSAGE_ID[a] - MESSAGE_ID[b])
    .map((kind) => ({
      name: kind,
      sync: SYNC_MESSAGES.has(kind),
      // Corosync's layouts count offsets from the header, so the whole message is decoded.
      decode: (_body: Uint8Array, message: Uint8Array) => {
        const r = decodeCpgMessage(message);
        if (!r.ok) return { ok: false, code: r.error.code, detail: r.error.detail };
        if (r.value.kind !== kind) return { ok: false, code: 'WRONG_MESSAGE', detail: `${r.value.kind} under id ${MESSAGE_ID[kind]}` };
        return { ok: true, value: r.value };
      },
      apply: (msg: CpgExecMessage, meta: { from: NodeId }) => this.#forward(this.core.deliver(meta.from, msg)),
    }));

  // ---- sync --------------------------------------------------------------------------------

  readonly sync: ServiceSync = {
    init: (members: readonly NodeId[], ringId: RingId, transitional: readonly NodeId[]) => {
      this.#syncSends = undefined;
      // CpgNode takes (trans_list, member_list, ring_id) in cpg_sync_init's order.
      this.#forward(this.core.syncInit(transitional, members, { nodeId: ringId.rep, seq: ringId.seq }));
    },
    process: () => {
      this.#syncSends ??= this.core.syncProcess();
      while (this.#syncSends.length > 0) {
        const sent = this.#send(this.#syncSends[0]!);
        // A full queue: the executive calls process() again later (Corosync's schedwrk retry).
        if (!sent.ok && sent.code === 'CS_ERR_TRY_AGAIN') return false;
        if (!sent.ok) this.stats.syncSendsDropped++;
        this.#syncSends.shift();
      }
      return true;
    },
    activate: () => {
      this.#syncSends = undefined;
      this.#forward(this.core.syncActivate());
    },
    abort: () => {
      this.#syncSends = undefined;
      this.#forward(this.core.syncAbort());
    },
  };

  // ---- lifecycle ---------------------------------------------------------------------------

  start(api: ServiceApi): void {
    this.#api = api;
    this.#node = new CpgNode({ ...this.#options, localNodeId: api.localNodeId });
  }

  stop(): void {
    this.#api = undefined;
    this.#conns.clear();
  }

  /** Corosync 3's cpg has no confchg_fn: membership reaches CPG through sync. */
  onConfigChange(_change: ConfigChange): void {}

  /** cpg_lib_exit_fn: the handle goes at once; its groups hear procdown in agreed order. */
  onConnectionClosed(conn: ClientConnection): void {
    if (!this.#conns.delete(conn.id)) return;
    // Not tied to a request: the executive queues these past a full ring or a sync.
    for (const msg of this.core.disconnect(conn.id)) this.#send(msg);
  }

  // ---- callbacks to clients ----------------------------------------------------------------

  #forward(callbacks: readonly HandleCallback[]): void {
    // One callback object goes to every receiving handle: encode it once.
    let last: { callback: HandleCallback['callback']; frame: CpgLibFrame } | undefined;
    for (const { handle, callback } of callbacks) {
      const conn = this.#conns.get(handle);
      if (conn === undefined) continue;
      if (last?.callback !== callback) last = { callback, frame: encodeCpgLibEventParts(callback) };
      this.#sendEvent(conn, last.frame);
    }
  }

  #sendEvent(conn: ClientConnection, frame: CpgLibFrame): void {
    try {
      conn.sendEvent(frame.messageId, frame.payload, frame.tail);
      this.stats.eventsSent++;
    } catch {
      // A connection's failure is its own (the IPC layer cuts it); the other handles still hear.
      this.stats.eventErrors++;
    }
  }
}

function answer(req: LibRequest, res: CpgLibResponse): void {
  req.respond('CS_OK', encodeCpgLibResponse(res));
}
