/**
 * The quorum service (id 3, Corosync's QUORUM_SERVICE, exec/vsf_quorum.c): what libquorum
 * clients (Pacemaker's "are we quorate?") talk to. It holds the last decision of the quorum
 * provider (votequorum, id 5) and tells trackers about it; without a provider the partition is
 * always quorate (quorum type QUORUM_FREE).
 *
 *   sync init       → joined and left against the previous sync membership and the
 *                     transitional list, as Corosync's quorum_sync_init
 *   sync activate   → V1 trackers hear the node list (with joined/left); without a provider,
 *                     every tracker then hears "quorate" with the new members (see below)
 *   provider's decision (votequorum's activate, or a change outside sync)
 *                   → every tracker hears a quorum notification (V0 or V1, per connection)
 *   library         → src/protocol/quorum.ts (getquorate, trackstart, trackstop, gettype, model_gettype)
 *
 * Services run their sync in id order, so a V1 tracker hears the node list (this service, 3)
 * before the quorum decision (votequorum, 5), as in Corosync. No executive messages: the
 * state is each node's own view of its provider.
 *
 * Deviation: without a provider Corosync never sends a quorum notification after the ones
 * trackstart sends (with an empty view list and ring 0); ringcast announces "quorate" with the
 * members at every activation, so an application sees the membership either way.
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type { ClientConnection, ExecHandler, LibHandler, LibRequest, Service, ServiceApi, ServiceSync } from '../../exec/index.js';
import {
  QUORUM_SERVICE_NAME, QuorumModel, QuorumRequest, QuorumType, decodeU32, encodeQuorumServiceEvent, encodeU32,
  type QuorumServiceEventValue,
} from '../../protocol/quorum.js';

/** Corosync's QUORUM_SERVICE (corodefs.h). */
export const QUORUM_SERVICE_ID = 3;
const TRACK_CURRENT = 1;
const TRACK_CHANGES = 2;
const TRACK_CHANGES_ONLY = 4;

/** What a quorum provider tells the quorum service (Corosync's quorum_api_set_quorum arguments). */
export interface QuorumDecision {
  readonly quorate: boolean;
  /** The provider's member list: this partition's Totem membership, quorate or not. */
  readonly view: readonly NodeId[];
  readonly ringId: RingId;
}

export interface QuorumProvider {
  /** Calls `listener` at every decision (every sync activation and every change outside sync). */
  onDecision(listener: (decision: QuorumDecision) => void): () => void;
}

export interface QuorumServiceOptions {
  /** votequorum when `quorum.provider` is corosync_votequorum; absent: always quorate. */
  readonly provider?: QuorumProvider;
}

export interface QuorumServiceStats {
  notificationsSent: number;
  nodelistsSent: number;
  eventErrors: number;
}

export class QuorumService implements Service {
  readonly id = QUORUM_SERVICE_ID;
  readonly name = QUORUM_SERVICE_NAME;
  readonly stats: QuorumServiceStats = { notificationsSent: 0, nodelistsSent: 0, eventErrors: 0 };
  readonly #provider: QuorumProvider | undefined;
  /** Tracking connections, by id (Corosync's lib_trackers_list). */
  readonly #trackers = new Map<number, ClientConnection>();
  /** Connections that chose V1 (model_gettype); every other one is V0. Bounded by the connections. */
  readonly #v1 = new Set<number>();
  #unsubscribe: (() => void) | undefined;
  /** primary_designated: false until the provider decides; always true without one. */
  #quorate: boolean;
  #view: readonly NodeId[] = [];
  #viewRing: RingId = { rep: 0, seq: 0 };
  #syncRing: RingId = { rep: 0, seq: 0 };
  #members: readonly NodeId[] = [];
  #oldMembers: readonly NodeId[] = [];
  #joined: readonly NodeId[] = [];
  #left: readonly NodeId[] = [];

  constructor(options: QuorumServiceOptions = {}) {
    this.#provider = options.provider;
    this.#quorate = options.provider === undefined;
  }

  /** The quorate bit clients read (getquorate). */
  get quorate(): boolean {
    return this.#quorate;
  }

  /** QUORUM_SET with a provider, QUORUM_FREE without. */
  get quorumType(): number {
    return this.#provider ? QuorumType.set : QuorumType.free;
  }

  statusSection(): Record<string, unknown> {
    return { quorate: this.#quorate, type: this.quorumType, trackers: this.#trackers.size, ...this.stats };
  }

  // ---- library handlers --------------------------------------------------------------------

  readonly libHandlers: readonly (LibHandler | undefined)[] = (() => {
    const table: (LibHandler | undefined)[] = [];
    const add = (id: number, name: string, handle: (req: LibRequest) => void): void => {
      table[id] = { name, handle };
    };
    add(QuorumRequest.getquorate, 'getquorate', (req) => {
      if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
      req.respond('CS_OK', encodeU32(this.#quorate ? 1 : 0));
    });
    add(QuorumRequest.trackstart, 'trackstart', (req) => this.#trackStart(req));
    add(QuorumRequest.trackstop, 'trackstop', (req) => {
      if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
      // Corosync 3.1.7 computes CS_ERR_NOT_EXIST when not tracking, then overwrites it with CS_OK.
      this.#trackers.delete(req.conn.id);
      req.respond('CS_OK');
    });
    add(QuorumRequest.gettype, 'gettype', (req) => {
      if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
      req.respond('CS_OK', encodeU32(this.quorumType));
    });
    add(QuorumRequest.modelGettype, 'model_gettype', (req) => {
      const model = decodeU32(req.payload);
      if (!model.ok) return req.respond('CS_ERR_INVALID_PARAM');
      if (model.value !== QuorumModel.v0 && model.value !== QuorumModel.v1) return req.respond('CS_ERR_INVALID_PARAM', encodeU32(this.quorumType));
      if (model.value === QuorumModel.v1) this.#v1.add(req.conn.id);
      else this.#v1.delete(req.conn.id);
      req.respond('CS_OK', encodeU32(this.quorumType));
    });
    return table;
  })();

  #trackStart(req: LibRequest): void {
    const flags = decodeU32(req.payload);
    if (!flags.ok || (flags.value & ~7) !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    if (flags.value & (TRACK_CURRENT | TRACK_CHANGES)) {
      // The immediate node list carries no joined/left (Corosync's send_joined_left_list = 0).
      this.#send(req.conn, this.#nodelistEvent(false));
      this.#send(req.conn, this.#quorumEvent(req.conn.id));
    }
    if (this.#trackers.has(req.conn.id)) return req.respond('CS_ERR_EXIST');
    if (flags.value & (TRACK_CHANGES | TRACK_CHANGES_ONLY)) this.#trackers.set(req.conn.id, req.conn);
    req.respond('CS_OK');
  }

  // ---- sync --------------------------------------------------------------------------------

  readonly execHandlers: readonly (ExecHandler | undefined)[] = [];

  readonly sync: ServiceSync = {
    init: (members, ringId, transitional) => {
      this.#syncRing = ringId;
      this.#members = [...members];
      const now = new Set(members);
      const trans = new Set(transitional);
      // Left: old members not in the transitional list, or (Corosync: "shouldn't really
      // happen") in it but not among the new members.
      this.#left = this.#oldMembers.filter((id) => !trans.has(id) || !now.has(id));
      const old = new Set(this.#oldMembers);
      const left = new Set(this.#left);
      // Joined: new members not in the old list, or in it and in the left list (gone and back).
      this.#joined = members.filter((id) => !old.has(id) || left.has(id));
    },
    process: () => true,
    activate: () => {
      this.#oldMembers = this.#members;
      this.#broadcast(this.#nodelistEvent(true), true);
      // Without a provider nobody decides: this partition is quorate with its members.
      if (this.#provider === undefined) this.#decided({ quorate: true, view: this.#members, ringId: this.#syncRing });
    },
    abort: () => {},
  };

  // ---- lifecycle ---------------------------------------------------------------------------

  start(_api: ServiceApi): void {
    this.#unsubscribe = this.#provider?.onDecision((d) => this.#decided(d));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#trackers.clear();
    this.#v1.clear();
  }

  onConfigChange(_change: ConfigChange): void {}

  onConnectionClosed(conn: ClientConnection): void {
    this.#trackers.delete(conn.id);
    this.#v1.delete(conn.id);
  }

  // ---- notifications -----------------------------------------------------------------------

  /** quorum_api_set_quorum: record the decision and tell every tracker. */
  #decided(d: QuorumDecision): void {
    this.#quorate = d.quorate;
    this.#view = [...d.view];
    this.#viewRing = d.ringId;
    for (const conn of this.#trackers.values()) this.#send(conn, this.#quorumEvent(conn.id));
  }

  #quorumEvent(connId: number): QuorumServiceEventValue {
    return this.#v1.has(connId)
      ? { type: 'quorum', quorate: this.#quorate, ringId: this.#viewRing, view: this.#view }
      : { type: 'notification', quorate: this.#quorate, ringSeq: this.#viewRing.seq, view: this.#view };
  }

  #nodelistEvent(withChanges: boolean): QuorumServiceEventValue {
    return { type: 'nodelist', ringId: this.#syncRing, members: this.#members, joined: withChanges ? this.#joined : [], left: withChanges ? this.#left : [] };
  }

  /** V1-only events (the node list) go to V1 connections; quorum events to every model. */
  #broadcast(e: QuorumServiceEventValue, v1Only: boolean): void {
    for (const conn of this.#trackers.values()) if (!v1Only || this.#v1.has(conn.id)) this.#send(conn, e);
  }

  #send(conn: ClientConnection, e: QuorumServiceEventValue): void {
    // A V0 connection never hears the node list (Corosync sends it to V1 only).
    if (e.type === 'nodelist' && !this.#v1.has(conn.id)) return;
    const { messageId, payload } = encodeQuorumServiceEvent(e);
    try {
      conn.sendEvent(messageId, payload);
      if (e.type === 'nodelist') this.stats.nodelistsSent++;
      else this.stats.notificationsSent++;
    } catch {
      // The connection's failure is its own (the IPC layer cuts it); the other trackers still hear.
      this.stats.eventErrors++;
    }
  }
}
