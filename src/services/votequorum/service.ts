/**
 * The votequorum service (id 5, Corosync's VOTEQUORUM_SERVICE): wraps the pure arithmetic of
 * quorum-state.ts in the executive's service structure, as Corosync's exec/votequorum.c does.
 *
 *   sync init            → QuorumState.syncInit (members gone are dead; the LMS timer)
 *   sync process         → multicast NODEINFO(us) once; nodelist event to trackers
 *   NODEINFO (sync msg)  → QuorumState.nodeInfo, in agreed order
 *   sync activate        → recalculate and always announce: quorum event, listeners, log
 *   RECONFIGURE (fn 1)   → expected votes / node votes / cancel wait_for_all, in agreed order;
 *                          the node that sourced it answers its client then
 *   library requests     → src/protocol/votequorum.ts (getinfo, setexpected, setvotes,
 *                          trackstart, trackstop, state)
 *
 * The last-man-standing timer runs on the clock the host gives (`timer`), so the simulator
 * drives it in virtual time. Other services and the daemon ask `quorate` and subscribe with
 * onQuorumChange(); clients track through the library protocol.
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type { ClientConnection, ExecHandler, ExecMeta, LibHandler, LibRequest, Service, ServiceApi, ServiceSync } from '../../exec/index.js';
import {
  QuorumInfoFlag, TrackFlag, VOTEQUORUM_SERVICE_NAME, VotequorumRequest, decodeU32s, encodeEvent, encodeInfo, encodeState,
  type VotequorumEventValue,
} from '../../protocol/votequorum.js';
import { NodeState, QuorumState, type QuorumEffect, type VotequorumConfig } from './quorum-state.js';
import {
  ReconfigureParam, VOTEQUORUM_SERVICE_ID, VotequorumMessageId, decodeNodeInfo, decodeReconfigure, encodeVotequorumMessage,
  type NodeInfoMessage, type ReconfigureMessage, type VotequorumExecMessage,
} from './wire.js';

export interface VotequorumServiceOptions {
  readonly config: VotequorumConfig;
  /** Node names for tools (nodelist name, else ring0_addr); a node without one shows its id. */
  readonly names?: ReadonlyMap<number, string>;
  /** One-shot timer on the host's clock; returns a cancel function. Without it LMS never expires. */
  readonly timer?: (ms: number, run: () => void) => () => void;
  /** Corosync's quorum log lines ("This node is within the primary component…", "Members[n]: …"). */
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface VotequorumStats {
  nodeInfosSent: number;
  reconfiguresApplied: number;
  quorumChanges: number;
  eventsSent: number;
  eventErrors: number;
  lmsExpiries: number;
}

interface Tracker {
  readonly conn: ClientConnection;
  /** CHANGES or CHANGES_ONLY: keep sending. */
  changes: boolean;
}

const INFO_OPTIONS = (c: VotequorumConfig): number =>
  (c.twoNode ? QuorumInfoFlag.twoNode : 0) | (c.waitForAll ? QuorumInfoFlag.waitForAll : 0) |
  (c.lastManStanding ? QuorumInfoFlag.lastManStanding : 0) | (c.autoTieBreaker.kind !== 'none' ? QuorumInfoFlag.autoTieBreaker : 0) |
  (c.allowDownscale ? QuorumInfoFlag.allowDownscale : 0);

export class VotequorumService implements Service {
  readonly id = VOTEQUORUM_SERVICE_ID;
  readonly name = VOTEQUORUM_SERVICE_NAME;
  readonly stats: VotequorumStats = { nodeInfosSent: 0, reconfiguresApplied: 0, quorumChanges: 0, eventsSent: 0, eventErrors: 0, lmsExpiries: 0 };
  readonly #options: VotequorumServiceOptions;
  readonly #trackers = new Map<number, Tracker>();
  readonly #listeners = new Set<(quorate: boolean) => void>();
  #api: ServiceApi | undefined;
  #state: QuorumState | undefined;
  #ringId: RingId = { rep: 0, seq: 0 };
  #members: readonly NodeId[] = [];
  #nodeInfoSent = false;
  #cancelLms: (() => void) | undefined;
  /** The last quorate value announced (activate or a change outside sync). */
  #announced = false;

  constructor(options: VotequorumServiceOptions) {
    this.#options = options;
  }

  /** The arithmetic, for status and tests. Only after start(). */
  get core(): QuorumState {
    if (this.#state === undefined) throw new Error('votequorum service used before start()');
    return this.#state;
  }

  /** start() ran (the arithmetic exists) and stop() did not. */
  get started(): boolean {
    return this.#state !== undefined && this.#api !== undefined;
  }

  /** Whether this partition may act, as last announced (false before the first sync completed). */
  get quorate(): boolean {
    return this.#announced;
  }

  get ringId(): RingId {
    return this.#ringId;
  }

  /** Calls `listener` on every announced change of quorate; returns the unsubscribe function. */
  onQuorumChange(listener: (quorate: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The `quorum` section of the daemon's status. */
  statusSection(): Record<string, unknown> {
    const s = this.#state;
    return {
      quorate: this.#announced,
      ...(s ? { expectedVotes: s.expectedVotes, highestExpected: s.highestExpected, totalVotes: s.totalVotes, quorum: s.quorum } : {}),
      trackers: this.#trackers.size,
      ...this.stats,
    };
  }

  // ---- library handlers --------------------------------------------------------------------

  readonly libHandlers: readonly (LibHandler | undefined)[] = (() => {
    const table: (LibHandler | undefined)[] = [];
    const add = (id: number, name: string, handle: (req: LibRequest) => void): void => {
      table[id] = { name, handle };
    };
    add(VotequorumRequest.getinfo, 'getinfo', (req) => this.#getinfo(req));
    add(VotequorumRequest.setexpected, 'setexpected', (req) => this.#setExpected(req));
    add(VotequorumRequest.setvotes, 'setvotes', (req) => this.#setVotes(req));
    add(VotequorumRequest.trackstart, 'trackstart', (req) => this.#trackStart(req));
    add(VotequorumRequest.trackstop, 'trackstop', (req) => this.#trackStop(req));
    add(VotequorumRequest.state, 'state', (req) => this.#stateRequest(req));
    return table;
  })();

  #getinfo(req: LibRequest): void {
    const r = decodeU32s(req.payload, 1);
    if (!r.ok) return req.respond('CS_ERR_INVALID_PARAM');
    const s = this.core;
    const node = s.nodes.get(r.value[0] === 0 ? s.nodeId : r.value[0]!);
    if (node === undefined) return req.respond('CS_ERR_NOT_EXIST');
    req.respond('CS_OK', encodeInfo({
      nodeId: node.nodeId, state: node.state, votes: node.votes, expectedVotes: node.expectedVotes,
      highestExpected: s.highestExpected, totalVotes: s.totalVotes, quorum: s.quorum, flags: this.#infoFlags(),
    }));
  }

  #infoFlags(): number {
    return INFO_OPTIONS(this.#options.config) | (this.#announced ? QuorumInfoFlag.quorate : 0);
  }

  #setExpected(req: LibRequest): void {
    const r = decodeU32s(req.payload, 1);
    if (!r.ok) return req.respond('CS_ERR_INVALID_PARAM');
    const ev = r.value[0]!;
    if (ev < 1 || this.core.checkSetExpected(ev) !== 'ok') return req.respond('CS_ERR_INVALID_PARAM');
    this.#sendFor(req, { kind: 'reconfigure', nodeId: this.core.nodeId, value: ev, param: ReconfigureParam.expectedVotes });
  }

  #setVotes(req: LibRequest): void {
    const r = decodeU32s(req.payload, 2);
    if (!r.ok) return req.respond('CS_ERR_INVALID_PARAM');
    const [votes, asked] = r.value as [number, number];
    const nodeId = asked === 0 ? this.core.nodeId : asked;
    const check = this.core.checkSetVotes(nodeId, votes);
    if (check === 'not-found') return req.respond('CS_ERR_NAME_NOT_FOUND');
    if (check === 'invalid') return req.respond('CS_ERR_INVALID_PARAM');
    this.#sendFor(req, { kind: 'reconfigure', nodeId, value: votes, param: ReconfigureParam.nodeVotes });
  }

  /** Multicasts a client's RECONFIGURE; the client is answered when it comes back in order. */
  #sendFor(req: LibRequest, msg: ReconfigureMessage): void {
    const sent = this.#send(msg, req);
    if (sent.ok) return;
    if (sent.code === 'CS_ERR_TRY_AGAIN' && req.retryLater()) return;
    req.respond(sent.code);
  }

  #trackStart(req: LibRequest): void {
    const r = decodeU32s(req.payload, 1);
    if (!r.ok || (r.value[0]! & ~7) !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    const flags = r.value[0]!;
    if (flags & (TrackFlag.current | TrackFlag.changes)) {
      this.#sendEvent(req.conn, this.#nodelistEvent());
      this.#sendEvent(req.conn, this.#quorumEvent());
    }
    if (this.#trackers.has(req.conn.id)) return req.respond('CS_ERR_EXIST');
    if (flags & (TrackFlag.changes | TrackFlag.changesOnly)) this.#trackers.set(req.conn.id, { conn: req.conn, changes: true });
    req.respond('CS_OK');
  }

  #trackStop(req: LibRequest): void {
    if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    if (!this.#trackers.delete(req.conn.id)) return req.respond('CS_ERR_NOT_EXIST');
    req.respond('CS_OK');
  }

  #stateRequest(req: LibRequest): void {
    if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    const s = this.core;
    const names = this.#options.names;
    const nodes = [...this.#members].sort((a, b) => a - b).map((id) => {
      const n = s.nodes.get(id);
      return { nodeId: id, state: n?.state ?? NodeState.member, votes: n?.votes ?? 0, name: names?.get(id) ?? String(id) };
    });
    req.respond('CS_OK', encodeState({
      quorate: this.#announced, ringId: this.#ringId, expectedVotes: s.expectedVotes, highestExpected: s.highestExpected,
      totalVotes: s.totalVotes, quorum: s.quorum, flags: this.#infoFlags(), nodes,
    }));
  }

  // ---- executive handlers ------------------------------------------------------------------

  readonly execHandlers: readonly ExecHandler<VotequorumExecMessage>[] = [
    {
      name: 'nodeinfo',
      // Sent in sync_process: applied while this configuration's sync runs.
      sync: true,
      decode: (_body, message) => decodeNodeInfo(message),
      apply: (msg) => this.#applyNodeInfo(msg as NodeInfoMessage),
    },
    {
      name: 'reconfigure',
      decode: (_body, message) => decodeReconfigure(message),
      apply: (msg, meta) => this.#applyReconfigure(msg as ReconfigureMessage, meta),
    },
  ];

  #applyNodeInfo(msg: NodeInfoMessage): void {
    // Node id 0 is Corosync's quorum device, which ringcast does not implement.
    if (msg.nodeId === 0) return;
    this.#apply(this.core.nodeInfo(msg));
  }

  #applyReconfigure(msg: ReconfigureMessage, meta: ExecMeta): void {
    const s = this.core;
    this.stats.reconfiguresApplied++;
    switch (msg.param) {
      case ReconfigureParam.expectedVotes:
        this.#apply(s.reconfigureExpected(msg.value));
        break;
      case ReconfigureParam.nodeVotes:
        this.#apply(s.reconfigureVotes(msg.nodeId, msg.value));
        break;
      case ReconfigureParam.cancelWaitForAll:
        this.#apply(s.cancelWaitForAll());
        break;
    }
    if (meta.request && !meta.request.answered) meta.request.respond('CS_OK');
  }

  // ---- sync --------------------------------------------------------------------------------

  readonly sync: ServiceSync = {
    init: (members, ringId) => {
      this.#nodeInfoSent = false;
      this.#ringId = ringId;
      this.#members = [...members];
      this.#apply(this.core.syncInit(members));
    },
    process: () => {
      if (!this.#nodeInfoSent) {
        const sent = this.#send({ kind: 'nodeinfo', ...this.core.ownInfo() });
        // A full queue: the executive calls process() again later.
        if (!sent.ok && sent.code === 'CS_ERR_TRY_AGAIN') return false;
        this.#nodeInfoSent = true;
        if (sent.ok) this.stats.nodeInfosSent++;
        this.#broadcast(this.#nodelistEvent());
      }
      return true;
    },
    activate: () => {
      this.#apply(this.core.syncActivate());
    },
    abort: () => {
      this.#nodeInfoSent = false;
    },
  };

  // ---- lifecycle ---------------------------------------------------------------------------

  start(api: ServiceApi): void {
    this.#api = api;
    this.#state = new QuorumState(api.localNodeId, this.#options.config);
  }

  stop(): void {
    // Corosync's exec_exit_fn multicasts NODEINFO with LEAVING here when allow_downscale is on.
    // ringcast's executive applies NODEINFO (a sync message) only during a sync, so such a
    // notice would be dropped by every receiver: not sent; the others see this node dead at the
    // next configuration instead (docs/quorum.md, "Not implemented").
    this.#cancelLms?.();
    this.#cancelLms = undefined;
    this.#api = undefined;
    this.#trackers.clear();
  }

  /** Membership reaches votequorum through sync, as in Corosync. */
  onConfigChange(_change: ConfigChange): void {}

  onConnectionClosed(conn: ClientConnection): void {
    this.#trackers.delete(conn.id);
  }

  // ---- effects -----------------------------------------------------------------------------

  #apply(effects: readonly QuorumEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'quorum':
          this.#announce(e.quorate);
          break;
        case 'expected-votes':
          this.#broadcast({ type: 'expectedVotes', expectedVotes: e.expectedVotes });
          break;
        case 'cancel-lms':
          this.#cancelLms?.();
          this.#cancelLms = undefined;
          break;
        case 'arm-lms':
          this.#cancelLms?.();
          this.#cancelLms = this.#options.timer?.(e.afterMs, () => {
            this.#cancelLms = undefined;
            if (this.#state === undefined) return;
            this.stats.lmsExpiries++;
            this.#apply(this.#state.lastManStandingExpired());
          });
          break;
      }
    }
  }

  #announce(quorate: boolean): void {
    const changed = quorate !== this.#announced;
    this.#announced = quorate;
    if (changed) {
      this.stats.quorumChanges++;
      this.#options.log?.(quorate
        ? 'This node is within the primary component and will provide service.'
        : 'This node is within the non-primary component and will NOT provide any services.', { quorate });
    }
    this.#options.log?.(`Members[${this.#members.length}]: ${this.#members.join(' ')}`, { members: this.#members });
    this.#broadcast(this.#quorumEvent());
    if (changed) for (const l of [...this.#listeners]) l(quorate);
  }

  #nodelistEvent(): VotequorumEventValue {
    return { type: 'nodelist', ringId: this.#ringId, members: this.#members };
  }

  #quorumEvent(): VotequorumEventValue {
    const nodes = [...this.core.nodes.values()].sort((a, b) => a.nodeId - b.nodeId).map((n) => ({ nodeId: n.nodeId, state: n.state }));
    return { type: 'quorum', quorate: this.#announced, ringId: this.#ringId, nodes };
  }

  #broadcast(e: VotequorumEventValue): void {
    for (const t of this.#trackers.values()) if (t.changes) this.#sendEvent(t.conn, e);
  }

  #sendEvent(conn: ClientConnection, e: VotequorumEventValue): void {
    const { messageId, payload } = encodeEvent(e);
    try {
      conn.sendEvent(messageId, payload);
      this.stats.eventsSent++;
    } catch {
      // The connection's failure is its own (the IPC layer cuts it); other trackers still hear.
      this.stats.eventErrors++;
    }
  }

  #send(msg: VotequorumExecMessage, request?: LibRequest): ReturnType<ServiceApi['send']> {
    if (this.#api === undefined) return { ok: false, code: 'CS_ERR_LIBRARY', detail: 'votequorum service stopped' };
    const id = msg.kind === 'nodeinfo' ? VotequorumMessageId.nodeinfo : VotequorumMessageId.reconfigure;
    return this.#api.send(id, encodeVotequorumMessage(msg), { headerRoom: true, ...(request ? { request } : {}) });
  }
}
