/**
 * The CLM service of the executive (SA Forum cluster membership, OpenAIS services/clm.c): wraps
 * the pure core (core.ts) in the service handler structure.
 *
 *   library requests (clm-protocol.ts) → answered at once from the local table (no Totem traffic,
 *                                        as in OpenAIS: every CLM library handler is a local read)
 *   executive message 0 (nodeRecord)   → a member's own record, multicast in its sync step
 *   sync init/process/activate/abort   → gather the members' records; at activation install the
 *                                        view and send the trackers one notification
 *   connection closed                  → its tracking ends
 *
 * Service id 20: after CPG (2) and before EVT (21), which reads CLM records during its own sync.
 * One CLM handle per client connection (the connection id is the handle id).
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type { ClientConnection, ExecHandler, LibHandler, LibRequest, Service, ServiceApi, ServiceSync } from '../../exec/index.js';
import {
  CLM_SERVICE_NAME,
  ClmLibRequestId,
  checkRecord,
  decodeClmLibRequest,
  decodeRecord,
  encodeClmLibAnswer,
  encodeClmTrackCallback,
  encodeRecord,
  type ClmLibAnswer,
  type ClmNodeRecord,
} from '../../protocol/clm-protocol.js';
import { ClmCore, type ClmCallback, type ClmCoreOptions } from './core.js';

export const CLM_SERVICE_ID = 20;
/** Executive message ids of the CLM service (OpenAIS: MESSAGE_REQ_EXEC_CLM_NODEJOIN = 0). */
export const ClmExecMessageId = { nodeRecord: 0 } as const;

export type ClmServiceOptions = Omit<ClmCoreOptions, 'localNodeId'>;

export interface ClmServiceStats {
  eventsSent: number;
  /** A connection threw on sendEvent (closed under us, over its frame bound). */
  eventErrors: number;
  /** Requests that did not decode: answered SA_AIS_ERR_INVALID_PARAM. */
  badRequests: number;
  /** Sync sends the ring refused for a reason other than a full queue (not retried). */
  syncSendsDropped: number;
}

export class ClmService implements Service {
  readonly id = CLM_SERVICE_ID;
  readonly name = CLM_SERVICE_NAME;
  readonly stats: ClmServiceStats = { eventsSent: 0, eventErrors: 0, badRequests: 0, syncSendsDropped: 0 };
  readonly #options: ClmServiceOptions;
  #api: ServiceApi | undefined;
  #core: ClmCore | undefined;
  readonly #conns = new Map<number, ClientConnection>();
  /** This round's own record is still to be multicast (the ring refused it for now). */
  #recordPending = false;

  /**
   * Throws RangeError when this node's record cannot travel (a nodelist name over 256 bytes, an
   * address text over 64): a configuration error, reported when the daemon starts rather than at
   * its first sync.
   */
  constructor(options: ClmServiceOptions) {
    const problem = checkRecord({ ...options.local, nodeId: 0, initialViewNumber: 0 });
    if (problem !== undefined) throw new RangeError(`clm: this node's ${problem} (SA Forum CLM limits: names 256 bytes, addresses 64)`);
    this.#options = options;
  }

  /** The core, for status and tests. Only after start(). */
  get core(): ClmCore {
    if (this.#core === undefined) throw new Error('clm service used before start()');
    return this.#core;
  }

  /**
   * The internal API other services use (OpenAIS's `nodeid_saf_get`): a member's record from the
   * activated view, SA_CLM_LOCAL_NODE_ID or the local id for this node; undefined when unknown or
   * before start(). Services sync in id order, so a service with a higher id (EVT, 21) reads the
   * new view's records during its own sync.
   */
  nodeRecord(nodeId: number): ClmNodeRecord | undefined {
    const r = this.#core?.nodeGet(nodeId);
    return r?.ok ? r.value : undefined;
  }

  /** Counters and sizes for the daemon's status; safe before start(). */
  statusCounters(): Record<string, number> {
    return {
      viewNumber: this.#core?.viewNumber ?? 0,
      members: this.#core?.members().length ?? 0,
      trackers: this.#core?.trackers ?? 0,
      ...this.stats,
      ...this.#core?.stats,
    };
  }

  // ---- library handlers --------------------------------------------------------------------

  readonly libHandlers: readonly LibHandler[] = Object.keys(ClmLibRequestId).map((name) => ({
    name,
    handle: (req: LibRequest) => this.#request(req),
  }));

  #request(req: LibRequest): void {
    const decoded = decodeClmLibRequest(req.messageId, req.payload);
    if (!decoded.ok) {
      this.stats.badRequests++;
      return answer(req, { error: 'SA_AIS_ERR_INVALID_PARAM' });
    }
    const core = this.core;
    const r = decoded.value;
    switch (r.kind) {
      case 'track': {
        const result = core.track(req.conn.id, r.flags);
        if (!result.ok) return answer(req, { error: result.error });
        this.#conns.set(req.conn.id, req.conn);
        // Answered synchronously, before any later notification is written to this connection:
        // the current view and the changes after it form one unbroken sequence.
        return answer(req, { error: 'SA_AIS_OK', value: { kind: 'track', view: result.value } });
      }
      case 'trackStop': {
        const result = core.trackStop(req.conn.id);
        return answer(req, result.ok ? { error: 'SA_AIS_OK', value: { kind: 'trackStop' } } : { error: result.error });
      }
      case 'nodeGet': {
        const result = core.nodeGet(r.nodeId);
        return answer(req, result.ok ? { error: 'SA_AIS_OK', value: { kind: 'nodeGet', node: result.value } } : { error: result.error });
      }
    }
  }

  // ---- executive handlers ------------------------------------------------------------------

  readonly execHandlers: readonly ExecHandler<ClmNodeRecord>[] = [
    {
      name: 'nodeRecord',
      sync: true,
      decode: (body: Uint8Array) => {
        const r = decodeRecord(body);
        return r.ok ? { ok: true, value: r.value } : { ok: false, code: r.error.code, detail: r.error.detail };
      },
      apply: (record: ClmNodeRecord, meta: { from: NodeId }) => this.core.applyRecord(meta.from, record),
    },
  ];

  // ---- sync --------------------------------------------------------------------------------

  readonly sync: ServiceSync = {
    init: (members: readonly NodeId[], ringId: RingId) => {
      this.core.syncInit(members, ringId.seq);
      this.#recordPending = true;
    },
    process: () => {
      if (!this.#recordPending) return true;
      const sent = this.#api?.send(ClmExecMessageId.nodeRecord, encodeRecord(this.core.ownRecord()));
      // A full queue: the executive calls process() again later (OpenAIS returned the mcast result).
      if (sent !== undefined && !sent.ok && sent.code === 'CS_ERR_TRY_AGAIN') return false;
      if (sent !== undefined && !sent.ok) this.stats.syncSendsDropped++;
      this.#recordPending = false;
      return true;
    },
    activate: () => {
      this.#recordPending = false;
      this.#forward(this.core.syncActivate());
    },
    abort: () => {
      this.#recordPending = false;
      this.core.syncAbort();
    },
  };

  // ---- lifecycle ---------------------------------------------------------------------------

  start(api: ServiceApi): void {
    this.#api = api;
    this.#core = new ClmCore({ ...this.#options, localNodeId: api.localNodeId });
  }

  stop(): void {
    this.#api = undefined;
    this.#conns.clear();
  }

  /** Membership reaches CLM through sync: the records of exactly the new configuration's members. */
  onConfigChange(_change: ConfigChange): void {}

  onConnectionClosed(conn: ClientConnection): void {
    this.#conns.delete(conn.id);
    this.#core?.disconnect(conn.id);
  }

  #forward(callbacks: readonly ClmCallback[]): void {
    // CHANGES and CHANGES_ONLY trackers share one of two notification objects: encode each once.
    const frames = new Map<object, ReturnType<typeof encodeClmTrackCallback>>();
    for (const { handle, notification } of callbacks) {
      const conn = this.#conns.get(handle);
      if (conn === undefined) continue;
      let frame = frames.get(notification);
      if (frame === undefined) frames.set(notification, (frame = encodeClmTrackCallback(notification)));
      try {
        conn.sendEvent(frame.messageId, frame.payload);
        this.stats.eventsSent++;
      } catch {
        // The connection's failure is its own (the IPC layer cuts it); the other trackers still hear.
        this.stats.eventErrors++;
      }
    }
  }
}

function answer(req: LibRequest, a: ClmLibAnswer): void {
  req.respond('CS_OK', encodeClmLibAnswer(a));
}
