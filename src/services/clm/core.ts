/**
 * The CLM service's pure core (no I/O, no clock): the replicated node table, the view number, and
 * the tracking registrations of local clients, after OpenAIS's services/clm.c with the choices of
 * the design note (see design.md here):
 *
 * - Every member multicasts its own node record in the sync step of every regular configuration;
 *   at activation the table becomes exactly the records of the new configuration's members, so
 *   every member holds the same record for every member (OpenAIS kept the first record it saw of
 *   a node and never updated it).
 * - The view number is the regular configuration's ring sequence number: the same on every member,
 *   growing with every configuration this node installs.
 * - Changes are computed once per activated configuration, old table against new: one
 *   notification per view listing every JOINED, LEFT and RECONFIGURED node (a merge is one
 *   notification with all the other side's nodes JOINED), none when nothing changed.
 */
import type { NodeId } from '../../totem/wire/types.js';
import {
  SA_TRACK_CHANGES,
  SA_TRACK_CHANGES_ONLY,
  SA_TRACK_CURRENT,
  SA_CLM_LOCAL_NODE_ID,
  type ClmNodeRecord,
  type ClmNotification,
  type ClmNotificationItem,
} from '../../protocol/clm-protocol.js';
import type { SaAisErrorName } from '../../protocol/sa-errors.js';

export type HandleId = number;
export type TrackMode = 'changes' | 'changesOnly';

export interface ClmCoreOptions {
  readonly localNodeId: NodeId;
  /** This node's record as configured (its initialViewNumber is stamped at its first regular configuration). */
  readonly local: Omit<ClmNodeRecord, 'nodeId' | 'initialViewNumber'>;
  /** Connections tracking changes at once; the next one is refused SA_AIS_ERR_NO_RESOURCES. Default 1024. */
  readonly maxTrackers?: number;
}

export interface ClmCoreStats {
  /** Records applied during a sync round. */
  recordsApplied: number;
  /** Records outside a round, from a non-member, or naming another node than their sender: ignored alike everywhere. */
  recordsIgnored: number;
  /** Members whose record had not arrived at activation (cannot happen with the executive's barrier; counted, never silent). */
  recordsMissing: number;
  viewsInstalled: number;
  notifications: number;
  trackersRefused: number;
}

export interface ClmCallback {
  readonly handle: HandleId;
  readonly notification: ClmNotification;
}

export type ClmResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SaAisErrorName };

interface Round {
  readonly members: ReadonlySet<NodeId>;
  readonly view: number;
  readonly records: Map<NodeId, ClmNodeRecord>;
}

export const DEFAULT_MAX_TRACKERS = 1024;

export function sameRecord(a: ClmNodeRecord, b: ClmNodeRecord): boolean {
  return a.nodeId === b.nodeId && a.name === b.name && a.address.family === b.address.family && a.address.text === b.address.text &&
    a.bootTimestamp === b.bootTimestamp && a.initialViewNumber === b.initialViewNumber;
}

export class ClmCore {
  readonly stats: ClmCoreStats = { recordsApplied: 0, recordsIgnored: 0, recordsMissing: 0, viewsInstalled: 0, notifications: 0, trackersRefused: 0 };
  readonly localNodeId: NodeId;
  readonly #maxTrackers: number;
  #local: ClmNodeRecord;
  /** 0 until the first regular configuration is activated. */
  #view = 0;
  /** The activated table, in node id order. */
  #members: ClmNodeRecord[] = [];
  #round: Round | undefined;
  readonly #trackers = new Map<HandleId, TrackMode>();

  constructor(options: ClmCoreOptions) {
    this.localNodeId = options.localNodeId;
    this.#maxTrackers = options.maxTrackers ?? DEFAULT_MAX_TRACKERS;
    this.#local = { nodeId: options.localNodeId, ...options.local, initialViewNumber: 0 };
  }

  get viewNumber(): number {
    return this.#view;
  }

  get localRecord(): ClmNodeRecord {
    return this.#local;
  }

  get trackers(): number {
    return this.#trackers.size;
  }

  /** The activated members' records, in node id order. */
  members(): readonly ClmNodeRecord[] {
    return this.#members;
  }

  /** TRACK_CURRENT: every member, NO_CHANGE. */
  currentView(): ClmNotification {
    return {
      viewNumber: this.#view,
      numberOfMembers: this.#members.length,
      items: this.#members.map((node) => ({ node, member: true, change: 'NO_CHANGE' })),
    };
  }

  // ---- sync ----------------------------------------------------------------------------------

  /** A regular configuration: gather the members' records for view `ringSeq`. */
  syncInit(members: readonly NodeId[], ringSeq: number): void {
    // The design note's fix of OpenAIS's quirk: the local record carries its initial view number
    // from the first regular configuration on, in the local table as in everyone else's.
    if (this.#local.initialViewNumber === 0) this.#local = { ...this.#local, initialViewNumber: ringSeq };
    this.#round = { members: new Set(members), view: ringSeq, records: new Map() };
  }

  /** What this node multicasts in its sync step: its own record. */
  ownRecord(): ClmNodeRecord {
    return this.#local;
  }

  /** A record multicast by `from` in the running round (agreed order, every member alike). */
  applyRecord(from: NodeId, record: ClmNodeRecord): void {
    const round = this.#round;
    if (round === undefined || !round.members.has(from) || record.nodeId !== from) {
      this.stats.recordsIgnored++;
      return;
    }
    round.records.set(from, record);
    this.stats.recordsApplied++;
  }

  /** Every member's record arrived: install the view and tell the trackers what changed. */
  syncActivate(): ClmCallback[] {
    const round = this.#round;
    this.#round = undefined;
    if (round === undefined) return [];
    const before = new Map(this.#members.map((r) => [r.nodeId, r]));
    const next: ClmNodeRecord[] = [];
    for (const id of [...round.members].sort((a, b) => a - b)) {
      const record = round.records.get(id) ?? before.get(id);
      if (round.records.get(id) === undefined) this.stats.recordsMissing++;
      if (record !== undefined) next.push(record);
    }
    const all: ClmNotificationItem[] = [];
    const changed: ClmNotificationItem[] = [];
    for (const node of next) {
      const old = before.get(node.nodeId);
      const change = old === undefined ? 'JOINED' : sameRecord(old, node) ? 'NO_CHANGE' : 'RECONFIGURED';
      const item: ClmNotificationItem = { node, member: true, change };
      all.push(item);
      if (change !== 'NO_CHANGE') changed.push(item);
    }
    const nextIds = new Set(next.map((r) => r.nodeId));
    for (const old of this.#members) {
      if (nextIds.has(old.nodeId)) continue;
      const item: ClmNotificationItem = { node: old, member: false, change: 'LEFT' };
      all.push(item);
      changed.push(item);
    }
    this.#members = next;
    this.#view = round.view;
    this.stats.viewsInstalled++;
    // No callback when no node was affected (OpenAIS's rule), even though the view number moved.
    if (changed.length === 0) return [];
    const full: ClmNotification = { viewNumber: this.#view, numberOfMembers: next.length, items: all };
    const only: ClmNotification = { viewNumber: this.#view, numberOfMembers: next.length, items: changed };
    const out: ClmCallback[] = [];
    for (const [handle, mode] of this.#trackers) out.push({ handle, notification: mode === 'changes' ? full : only });
    this.stats.notifications += out.length;
    return out;
  }

  /** The configuration changed before activation: what was gathered is dropped. */
  syncAbort(): void {
    this.#round = undefined;
  }

  // ---- library requests ------------------------------------------------------------------------

  /**
   * saClmClusterTrack. Flags: CHANGES and CHANGES_ONLY together, unknown bits, or none at all are
   * SA_AIS_ERR_BAD_FLAGS (the design note's choice for 0, where OpenAIS accepted it and did
   * nothing). CHANGES/CHANGES_ONLY register (or re-register) the handle; CURRENT answers the
   * current view, SA_AIS_ERR_TRY_AGAIN before the first view is installed.
   */
  track(handle: HandleId, flags: number): ClmResult<ClmNotification | undefined> {
    const known = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
    if ((flags & SA_TRACK_CHANGES) !== 0 && (flags & SA_TRACK_CHANGES_ONLY) !== 0) return { ok: false, error: 'SA_AIS_ERR_BAD_FLAGS' };
    if ((flags & ~known) !== 0 || flags === 0) return { ok: false, error: 'SA_AIS_ERR_BAD_FLAGS' };
    const current = (flags & SA_TRACK_CURRENT) !== 0;
    if (current && this.#view === 0) return { ok: false, error: 'SA_AIS_ERR_TRY_AGAIN' };
    const mode: TrackMode | undefined = (flags & SA_TRACK_CHANGES) !== 0 ? 'changes' : (flags & SA_TRACK_CHANGES_ONLY) !== 0 ? 'changesOnly' : undefined;
    if (mode !== undefined) {
      if (!this.#trackers.has(handle) && this.#trackers.size >= this.#maxTrackers) {
        this.stats.trackersRefused++;
        return { ok: false, error: 'SA_AIS_ERR_NO_RESOURCES' };
      }
      this.#trackers.set(handle, mode);
    }
    return { ok: true, value: current ? this.currentView() : undefined };
  }

  /** saClmClusterTrackStop: SA_AIS_ERR_NOT_EXIST when the handle does not track changes. */
  trackStop(handle: HandleId): ClmResult<void> {
    if (!this.#trackers.delete(handle)) return { ok: false, error: 'SA_AIS_ERR_NOT_EXIST' };
    return { ok: true, value: undefined };
  }

  /**
   * saClmClusterNodeGet, answered from the local table: SA_CLM_LOCAL_NODE_ID or this node's id is
   * the local record (always known, as OpenAIS's entry 0); another member's id its record; any other
   * id SA_AIS_ERR_NOT_EXIST (OpenAIS answered OK with an undefined record).
   */
  nodeGet(nodeId: number): ClmResult<ClmNodeRecord> {
    if (nodeId === SA_CLM_LOCAL_NODE_ID || nodeId === this.localNodeId) return { ok: true, value: this.#local };
    const record = this.#members.find((r) => r.nodeId === nodeId);
    return record === undefined ? { ok: false, error: 'SA_AIS_ERR_NOT_EXIST' } : { ok: true, value: record };
  }

  /** The client went away: its tracking ends. */
  disconnect(handle: HandleId): void {
    this.#trackers.delete(handle);
  }
}
