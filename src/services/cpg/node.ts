/**
 * The CPG service's state on one node, pure and driven by plain calls: library requests from local
 * handles (answered at once, as Corosync's cpg lib handlers do, with the executive messages to
 * multicast), executive messages in agreed order, and the sync step after each configuration
 * change. Outputs are callbacks addressed to local handles. No I/O, no clock.
 *
 * Replicated state is the process table; every node applies the same agreed messages to it. Local
 * state is the handles and, per handle and group, Corosync's cpd_state (exec/cpg.c): joinStarted
 * (procjoin sent), joinCompleted (own join applied: receives confchgs and messages), leaveStarted
 * (procleave sent: still receives until the leave is applied).
 *
 * Messages other than joinlist/downlist that arrive between syncInit and syncActivate are held and
 * applied after the merge. Corosync never sees such messages (totempg holds the application queue
 * until sync completes), but holding them here keeps replicas identical even if an executive
 * delivers some: the table stays frozen while joinlists are built, so each joinlist equals its
 * sender's rows, whenever it is built.
 */
import { decodeCpgMessage, type CpgDecodeOptions } from './decode.js';
import { CPG_MAX_NAME_LENGTH, CpgReason, type GroupName, type Member, type NodeId } from '../../protocol/cpg/vocabulary.js';
import { JLE_SIZE, PROCESSOR_COUNT_MAX, RESPONSE_HEADER_SIZE } from './layout.js';
import type { CpgDecodeError, CpgExecMessage } from './messages.js';
import type { CpgAddress, CpgCallback, CpgRingId } from '../../protocol/cpg/callbacks.js';
import type { CpgError, CpgErrorCode, HandleCallback, HandleId } from './handles.js';
import { planMerge, type GroupChange } from './merge.js';
import { groupKey, groupNameOf, type GroupKey } from './names.js';
import { ProcessTable, type ProcessEntry } from './table.js';

export type HandleGroupState = 'joinStarted' | 'joinCompleted' | 'leaveStarted';

export interface CpgNodeOptions {
  readonly localNodeId: NodeId;
  /** Largest mcast payload a client may send; above it CS_ERR_TOO_BIG. Default 1 MiB. */
  readonly messageBytesMax?: number;
  /** Group memberships all local handles may hold together (bounds the joinlist). Default 4096. */
  readonly localJoinsMax?: number;
  /** Messages held during one sync; beyond it they are dropped (identically on every node) and counted. */
  readonly heldMessagesMax?: number;
}

export interface JoinFlags {
  /** CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF: a totem_confchg right after the handle's own join. */
  readonly deliverInitialTotemConf?: boolean;
}

export type LibResult = { readonly ok: true; readonly send: CpgExecMessage[] } | { readonly ok: false; readonly error: CpgError };

export interface CpgStats {
  heldDropped: number;
  joinlistOutsideSync: number;
  mcastFromNonMember: number;
  leaveOfNonMember: number;
  downlistsReceived: number;
}

interface Handle {
  readonly pid: number;
  readonly groups: Map<GroupKey, HandleGroupState>;
  readonly initialTotemConf: Set<GroupKey>;
}

interface SyncState {
  readonly members: readonly NodeId[];
  readonly ringId: CpgRingId;
  readonly downNodes: readonly NodeId[];
  readonly joinlists: ProcessEntry[];
  processed: boolean;
}

const MIB = 1024 * 1024;

function fail(code: CpgErrorCode, detail: string): LibResult {
  return { ok: false, error: { code, detail } };
}

export class CpgNode {
  readonly localNodeId: NodeId;
  readonly stats: CpgStats = { heldDropped: 0, joinlistOutsideSync: 0, mcastFromNonMember: 0, leaveOfNonMember: 0, downlistsReceived: 0 };
  readonly #messageBytesMax: number;
  readonly #localJoinsMax: number;
  readonly #heldMessagesMax: number;
  readonly #table = new ProcessTable();
  readonly #handles = new Map<HandleId, Handle>();
  /** my_old_member_list / last_sync_ring_id: the configuration of the last activated sync. */
  #members: readonly NodeId[] = [];
  #ringId: CpgRingId = { nodeId: 0, seq: 0 };
  #sync: SyncState | undefined;
  #held: { sender: NodeId; msg: CpgExecMessage }[] = [];

  constructor(options: CpgNodeOptions) {
    this.localNodeId = options.localNodeId;
    this.#messageBytesMax = options.messageBytesMax ?? MIB;
    this.#localJoinsMax = options.localJoinsMax ?? 4096;
    this.#heldMessagesMax = options.heldMessagesMax ?? 65536;
  }

  get syncing(): boolean {
    return this.#sync !== undefined;
  }

  // ---- library requests -------------------------------------------------------------------

  /** A client connected (cpg_lib_init_fn); `pid` is the process behind the connection. */
  connect(handle: HandleId, pid: number): LibResult {
    if (this.#handles.has(handle)) return fail('CS_ERR_EXIST', `handle ${handle} is already connected`);
    if (!Number.isInteger(pid) || pid < 0 || pid > 0xffff_ffff) return fail('CS_ERR_INVALID_PARAM', `pid ${pid} is not a u32`);
    this.#handles.set(handle, { pid, groups: new Map(), initialTotemConf: new Set() });
    return { ok: true, send: [] };
  }

  /** message_handler_req_lib_cpg_join: checks, then multicast a procjoin. */
  join(handle: HandleId, group: GroupName, flags: JoinFlags = {}): LibResult {
    const h = this.#handles.get(handle);
    if (h === undefined) return fail('CS_ERR_BAD_HANDLE', `handle ${handle} is not connected`);
    if (group.length > CPG_MAX_NAME_LENGTH) return fail('CS_ERR_NAME_TOO_LONG', `group name of ${group.length} bytes`);
    const key = groupKey(group);
    for (const other of this.#handles.values()) {
      if (other.pid === h.pid && other.groups.has(key)) return fail('CS_ERR_EXIST', `pid ${h.pid} already joined this group`);
    }
    // Our previous leave of this (pid, group) is not applied yet (Corosync answers the same).
    if (this.#table.has(key, this.localNodeId, h.pid)) return fail('CS_ERR_TRY_AGAIN', `pid ${h.pid} is still leaving this group`);
    if (this.#localJoinCount() >= this.#localJoinsMax) return fail('CS_ERR_NO_RESOURCES', `${this.#localJoinsMax} local joins already`);
    h.groups.set(key, 'joinStarted');
    if (flags.deliverInitialTotemConf === true) h.initialTotemConf.add(key);
    return { ok: true, send: [{ kind: 'procjoin', group: groupNameOf(key), pid: h.pid, reason: CpgReason.join }] };
  }

  /** message_handler_req_lib_cpg_leave. */
  leave(handle: HandleId, group: GroupName): LibResult {
    const h = this.#handles.get(handle);
    if (h === undefined) return fail('CS_ERR_BAD_HANDLE', `handle ${handle} is not connected`);
    const key = groupKey(group);
    switch (h.groups.get(key)) {
      case undefined:
      case 'leaveStarted':
        return fail('CS_ERR_NOT_EXIST', 'not a member of this group');
      case 'joinStarted':
        return fail('CS_ERR_BUSY', 'the join is not applied yet');
      case 'joinCompleted':
        h.groups.set(key, 'leaveStarted');
        return { ok: true, send: [{ kind: 'procleave', group: groupNameOf(key), pid: h.pid, reason: CpgReason.leave }] };
    }
  }

  /** message_handler_req_lib_cpg_mcast: allowed from joinStarted on, since the join precedes it in agreed order. */
  mcast(handle: HandleId, group: GroupName, data: Uint8Array): LibResult {
    const h = this.#handles.get(handle);
    if (h === undefined) return fail('CS_ERR_BAD_HANDLE', `handle ${handle} is not connected`);
    const state = h.groups.get(groupKey(group));
    if (state === undefined || state === 'leaveStarted') return fail('CS_ERR_NOT_EXIST', 'not a member of this group');
    if (data.length > this.#messageBytesMax) return fail('CS_ERR_TOO_BIG', `${data.length} bytes > ${this.#messageBytesMax}`);
    const source = { nodeId: this.localNodeId, conn: BigInt(handle) };
    return { ok: true, send: [{ kind: 'mcast', group: group.slice(), pid: h.pid, source, data }] };
  }

  /**
   * The executive refused to multicast what join() or leave() returned (flow control, sync in
   * progress): undo its local effect, so the client's retry is judged as if the first try never
   * happened. Corosync refuses such requests before its handler runs (sending_allowed); ringcast
   * learns it at send time, hence the undo.
   */
  unsend(handle: HandleId, msg: CpgExecMessage): void {
    const h = this.#handles.get(handle);
    if (h === undefined || (msg.kind !== 'procjoin' && msg.kind !== 'procleave')) return;
    const key = groupKey(msg.group);
    const state = h.groups.get(key);
    if (msg.kind === 'procjoin' && state === 'joinStarted') {
      h.groups.delete(key);
      h.initialTotemConf.delete(key);
    } else if (msg.kind === 'procleave' && msg.reason === CpgReason.leave && state === 'leaveStarted') {
      h.groups.set(key, 'joinCompleted');
    }
  }

  /**
   * The connection closed or finalized (cpg_lib_exit_fn): the handle stops receiving at once and
   * each group it joined (or was joining) gets a procleave with reason PROCDOWN.
   */
  disconnect(handle: HandleId): CpgExecMessage[] {
    const h = this.#handles.get(handle);
    if (h === undefined) return [];
    this.#handles.delete(handle);
    const send: CpgExecMessage[] = [];
    for (const [key, state] of h.groups) {
      if (state !== 'leaveStarted') send.push({ kind: 'procleave', group: groupNameOf(key), pid: h.pid, reason: CpgReason.procdown });
    }
    return send;
  }

  /** message_handler_req_lib_cpg_membership: a local read of the replicated table. */
  membership(group: GroupName): readonly Member[] {
    return this.#table.members(groupKey(group));
  }

  /** Every group with its members, in bytewise name order (cpg iteration, for tools). */
  groups(): { group: GroupName; members: readonly Member[] }[] {
    return this.#table.groups().map((k) => ({ group: groupNameOf(k), members: this.#table.members(k) }));
  }

  /** The groups a handle joined and where each join stands; undefined for an unknown handle. */
  handleGroups(handle: HandleId): Map<GroupName, HandleGroupState> | undefined {
    const h = this.#handles.get(handle);
    return h && new Map([...h.groups].map(([k, s]) => [groupNameOf(k), s]));
  }

  /** The replicated table in canonical order: equal on every node of a configuration after sync. */
  snapshot(): ProcessEntry[] {
    return this.#table.entries();
  }

  // ---- executive messages, in agreed order ------------------------------------------------

  /** Decode (see decodeCpgMessage) and deliver; a malformed message changes nothing. */
  deliverBytes(sender: NodeId, bytes: Uint8Array, options: CpgDecodeOptions = {}):
    { ok: true; callbacks: HandleCallback[] } | { ok: false; error: CpgDecodeError } {
    const r = decodeCpgMessage(bytes, options);
    return r.ok ? { ok: true, callbacks: this.deliver(sender, r.value) } : r;
  }

  /** An executive message from `sender` (the Totem node id that multicast it), in agreed order. */
  deliver(sender: NodeId, msg: CpgExecMessage): HandleCallback[] {
    switch (msg.kind) {
      case 'joinlist':
        if (this.#sync === undefined) this.stats.joinlistOutsideSync++;
        else for (const e of msg.entries) this.#sync.joinlists.push({ nodeId: sender, pid: e.pid, group: groupKey(e.group) });
        return [];
      case 'downlist':
      case 'downlist_old':
        // Corosync 3 decides from its own downlist (cpg_sync_init) and only logs these.
        this.stats.downlistsReceived++;
        return [];
      default:
        if (this.#sync === undefined) return this.#apply(sender, msg);
        if (this.#held.length >= this.#heldMessagesMax) this.stats.heldDropped++;
        else this.#held.push({ sender, msg });
        return [];
    }
  }

  #apply(sender: NodeId, msg: CpgExecMessage): HandleCallback[] {
    switch (msg.kind) {
      case 'procjoin': {
        const key = groupKey(msg.group);
        if (this.#table.has(key, sender, msg.pid)) return []; // do_proc_join: already known
        return this.#change({ group: key, left: [], joined: [{ nodeId: sender, pid: msg.pid, reason: CpgReason.join }] });
      }
      case 'procleave': {
        const key = groupKey(msg.group);
        if (!this.#table.has(key, sender, msg.pid)) {
          this.stats.leaveOfNonMember++;
          return [];
        }
        return this.#change({ group: key, left: [{ nodeId: sender, pid: msg.pid, reason: msg.reason }], joined: [] });
      }
      case 'mcast':
      case 'partial_mcast': {
        const key = groupKey(msg.group);
        if (!this.#table.has(key, sender, msg.pid)) {
          this.stats.mcastFromNonMember++;
          return [];
        }
        const base = { group: msg.group, nodeId: sender, pid: msg.pid, data: msg.data };
        const callback: CpgCallback = msg.kind === 'mcast'
          ? { kind: 'deliver', ...base }
          : { kind: 'partial_deliver', ...base, totalBytes: msg.totalBytes, type: msg.type };
        return this.#receivers(key).map((handle) => ({ handle, callback }));
      }
      default:
        return [];
    }
  }

  /** Handles that receive a group's confchgs and messages: joinCompleted or leaveStarted. */
  #receivers(key: GroupKey): HandleId[] {
    const out: HandleId[] = [];
    for (const [id, h] of this.#handles) {
      const s = h.groups.get(key);
      if (s === 'joinCompleted' || s === 'leaveStarted') out.push(id);
    }
    return out;
  }

  /** Applies one group change and fans its confchg out (notify_lib_joinlist). */
  #change(change: GroupChange): HandleCallback[] {
    const { group: key, left, joined } = change;
    for (const m of left) this.#table.remove(key, m.nodeId, m.pid);
    for (const m of joined) this.#table.add(key, m.nodeId, m.pid);
    const ownJoins = this.#localHandlesOf(key, joined);
    for (const [, h] of ownJoins) h.groups.set(key, 'joinCompleted');
    const callback: CpgCallback = { kind: 'confchg', group: groupNameOf(key), members: [...this.#table.members(key)], left, joined };
    const out: HandleCallback[] = this.#receivers(key).map((handle) => ({ handle, callback }));
    // The leaver saw its own leave above; now it stops receiving.
    for (const [, h] of this.#localHandlesOf(key, left)) h.groups.delete(key);
    for (const [id, h] of ownJoins) {
      if (h.initialTotemConf.delete(key)) out.push({ handle: id, callback: this.#totemConfchg() });
    }
    return out;
  }

  #localHandlesOf(key: GroupKey, list: readonly CpgAddress[]): [HandleId, Handle][] {
    const pids = new Set(list.filter((m) => m.nodeId === this.localNodeId).map((m) => m.pid));
    return pids.size === 0 ? [] : [...this.#handles].filter(([, h]) => pids.has(h.pid) && h.groups.has(key));
  }

  #totemConfchg(): CpgCallback {
    return { kind: 'totem_confchg', ringId: this.#ringId, nodes: [...this.#members] };
  }

  #localJoinCount(): number {
    let n = 0;
    for (const h of this.#handles.values()) n += h.groups.size;
    return n;
  }

  // ---- sync (after every configuration change) ---------------------------------------------

  /**
   * cpg_sync_init: a new configuration. `transList` is the transitional membership (old members
   * that carry on), `memberList` the new one. A sync still running is aborted first.
   */
  syncInit(transList: readonly NodeId[], memberList: readonly NodeId[], ringId: CpgRingId): HandleCallback[] {
    const aborted = this.#sync === undefined ? [] : this.syncAbort();
    const carrying = new Set(transList);
    this.#sync = {
      members: [...memberList],
      ringId: { ...ringId },
      downNodes: this.#members.filter((n) => !carrying.has(n)),
      joinlists: [],
      processed: false,
    };
    return aborted;
  }

  /**
   * cpg_sync_process: the downlist and this node's joinlist(s) to multicast, once per sync. The
   * joinlist is split when its rows would not fit one message (Corosync's handler appends
   * consecutive joinlists from one sender, so a split is read as one list); none when the node
   * has no processes, as in cpg_exec_send_joinlist.
   */
  syncProcess(): CpgExecMessage[] {
    const sync = this.#sync;
    if (sync === undefined || sync.processed) return [];
    sync.processed = true;
    const send: CpgExecMessage[] = [{
      kind: 'downlist',
      oldMembers: Math.min(this.#members.length, PROCESSOR_COUNT_MAX),
      leftNodes: sync.downNodes.slice(0, PROCESSOR_COUNT_MAX),
    }];
    const rows = this.#table.entriesOfNode(this.localNodeId).map((e) => ({ pid: e.pid, group: groupNameOf(e.group) }));
    const perMessage = Math.max(1, Math.floor((this.#messageBytesMax - RESPONSE_HEADER_SIZE) / JLE_SIZE));
    for (let i = 0; i < rows.length; i += perMessage) send.push({ kind: 'joinlist', entries: rows.slice(i, i + perMessage) });
    return send;
  }

  /**
   * cpg_sync_activate: every member of the configuration has delivered every joinlist. Applies
   * the merge (see merge.ts), tells every handle the new ring, then applies held messages.
   */
  syncActivate(): HandleCallback[] {
    const sync = this.#sync;
    if (sync === undefined) return [];
    this.#sync = undefined;
    const plan = planMerge(this.#table.entries(), this.localNodeId, new Set(sync.downNodes), sync.joinlists);
    const out: HandleCallback[] = [];
    for (const change of plan) out.push(...this.#change(change));
    this.#members = sync.members;
    this.#ringId = sync.ringId;
    const ring = this.#totemConfchg();
    for (const handle of this.#handles.keys()) out.push({ handle, callback: ring });
    out.push(...this.#flushHeld());
    return out;
  }

  /**
   * cpg_sync_abort: the configuration changed again before activation. Joinlists are dropped; held
   * messages were delivered in agreed order to every node that moves on with us, so they are
   * applied now and the next sync's joinlists carry their effect.
   */
  syncAbort(): HandleCallback[] {
    if (this.#sync === undefined) return [];
    this.#sync = undefined;
    return this.#flushHeld();
  }

  #flushHeld(): HandleCallback[] {
    const held = this.#held;
    this.#held = [];
    const out: HandleCallback[] = [];
    for (const { sender, msg } of held) out.push(...this.#apply(sender, msg));
    return out;
  }
}
