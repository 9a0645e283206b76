/**
 * The mutable state of one Totem processor and the effects it produces. Every protocol module
 * takes a `Node` and changes it; only `core.ts` constructs one. Field names follow Corosync's
 * totemsrp_instance where one exists (my_aru -> aru, my_high_seq_received -> highSeqReceived ...)
 * so the two can be read side by side.
 */
import type { TotemConfig } from './config.js';
import type { NodeSet } from './sets.js';
import type { MessageStore } from './store.js';
import type { TimerTable } from './timers.js';
import type { MembCommitToken, NodeId, OrfToken, RingId } from './wire/types.js';

export type MembState = 'operational' | 'gather' | 'commit' | 'recovery';

/** Why GATHER was entered (Corosync's gather_state_from), for logs and counters. */
export type GatherReason =
  | 'startup'
  | 'token-lost-operational'
  | 'token-lost-commit'
  | 'token-lost-recovery'
  | 'consensus-timeout'
  | 'foreign-message-operational'
  | 'foreign-message-gather'
  | 'merge-detect-operational'
  | 'merge-detect-gather'
  | 'join-operational'
  | 'join-merge'
  | 'join-commit'
  | 'join-recovery'
  | 'failed-to-receive'
  | 'leave';

export interface ConfigChange {
  readonly kind: 'config';
  readonly type: 'transitional' | 'regular';
  readonly ringId: RingId;
  readonly members: readonly NodeId[];
  readonly joined: readonly NodeId[];
  readonly left: readonly NodeId[];
}

export interface Delivery {
  readonly kind: 'deliver';
  /** The processor that originated the message. */
  readonly from: NodeId;
  readonly payload: Uint8Array;
  /** Ring and sequence number the message was ordered in. */
  readonly ringId: RingId;
  readonly seq: number;
  readonly safe: boolean;
  /** The sender wrote its frame big-endian; the group layer must read its packet the same way. */
  readonly bigEndian: boolean;
}

/** The ring sequence number to persist before the ring it names is used (never reuse one). */
export interface PersistRingSeq {
  readonly kind: 'persistRingSeq';
  readonly seq: number;
}

export type TotemEvent = Delivery | ConfigChange | PersistRingSeq;

export interface OutFrame {
  /** A node id for unicast (the token), or 'all' for a multicast to every other node. */
  readonly to: NodeId | 'all';
  readonly frame: Uint8Array;
  /** A message sent again for a retransmission request (the driver may send it more cautiously). */
  readonly retransmit?: true;
}

export type TraceEvent =
  | { readonly kind: 'state'; readonly from: MembState; readonly to: MembState; readonly reason: string }
  | { readonly kind: 'tokenLost'; readonly state: MembState; readonly timeoutMs: number }
  | { readonly kind: 'retransmitRequest'; readonly seqs: readonly number[] }
  | { readonly kind: 'badFrame'; readonly code: string; readonly detail: string }
  | { readonly kind: 'ringFormed'; readonly ringId: RingId; readonly members: readonly NodeId[]; readonly joined: readonly NodeId[]; readonly left: readonly NodeId[] };

/** What the core multicasts on behalf of the layer above (the group layer's packer). */
export interface PacketSource {
  /** The next payload of at most `maxBytes`, or undefined when nothing is queued. */
  take(maxBytes: number): { readonly payload: Uint8Array; readonly safe: boolean } | undefined;
  /** Frames still queued, for the token's backlog (flow control). */
  backlogFrames(maxBytes: number): number;
  /** The old ring is over: a message partly sent on it must be sent again whole. */
  ringChanged?(): void;
}

export interface TotemStats {
  framesIn: number;
  framesOut: number;
  badFrames: number;
  mcastTx: number;
  mcastRetx: number;
  tokensReceived: number;
  tokenRetransmits: number;
  gatherEntered: number;
  commitEntered: number;
  recoveryEntered: number;
  operationalEntered: number;
  tokenLost: number;
  consensusTimeouts: number;
  foreignMessagesDropped: number;
  deliveries: number;
}

export interface Node {
  readonly me: NodeId;
  /** Timing and flow control; replaced by TotemCore.reconfigure (a reload), sizes never change. */
  cfg: TotemConfig;
  readonly timers: TimerTable;
  readonly source: PacketSource;
  readonly stats: TotemStats;
  now: number;
  /**
   * Where every new ring's message sequence starts (Corosync's SEQNO_START_MSG, config.seqStart):
   * the token starts with seq = seqStart and aru = seqStart - 1, so the first message is
   * seqStart + 1. Fixed for the processor's life; all members of a ring must agree on it.
   */
  readonly seqStart: number;

  state: MembState;
  ringId: RingId;
  /** Highest ring sequence seen anywhere; a new ring takes this + 4 (Corosync's token_ring_id_seq). */
  highestRingSeq: number;
  /** Members of the current regular configuration (my_memb_list). */
  memb: NodeSet;

  // membership algorithm (GATHER / COMMIT)
  procList: NodeSet;
  failedList: NodeSet;
  consensus: Set<NodeId>;
  failedToRecv: boolean;
  /** Processors that announced a graceful leave during this membership change. */
  leaving: Set<NodeId>;
  commitToken: MembCommitToken | undefined;
  newMemb: NodeSet;
  transMemb: NodeSet;
  // Message sequence numbers below (aru, highSeqReceived, highDelivered, lastAru, safeSeq,
  // installSeq, oldRingAru, ...) are u32 and wrap at 2^32: compare them only through seq.ts.
  /** Highest old-ring sequence any transitional member delivered (from the commit token). */
  highRingDelivered: number;
  /** Ring id of the last regular configuration installed (my_old_ring_id). */
  oldRingId: RingId;
  oldRingSaved: boolean;
  oldRingAru: number;
  oldRingHighSeqReceived: number;

  // ordering (OPERATIONAL / RECOVERY)
  regular: MessageStore;
  recovery: MessageStore;
  aru: number;
  highSeqReceived: number;
  highDelivered: number;
  /** Token aru seen at the previous visit (my_last_aru); with this visit's, bounds what is safe. */
  lastAru: number;
  safeSeq: number;
  tokenSeq: number;
  lastTokenSeqSeen: number;
  seqUnchanged: number;
  aruCount: number;
  tokenHeld: boolean;
  /** A token_hold_cancel came while the token was circulating: do not rest it on the next visit. */
  holdCancelled: boolean;
  trc: number;
  pbl: number;
  cbl: number;
  /** The last token (orf or commit) sent, with its target, for retransmission. */
  /** The last token this node sent or held; `held` is the held token itself, for a revisit. */
  lastToken: { readonly to: NodeId; readonly frame: Uint8Array; readonly held?: OrfToken } | undefined;

  // recovery
  retransQueue: Uint8Array[];
  retransFlgSet: boolean;
  retransFlgCount: number;
  installSeq: number;
  receivedFlg: boolean;
  rotationCounter: number;
  originatedOrfToken: boolean;
  orfTokenDiscard: boolean;

  // effects, drained by the driver
  readonly frames: OutFrame[];
  readonly events: TotemEvent[];
  /** Joins this node multicast, processed as if received once the current input is done. */
  readonly loopback: Uint8Array[];
  readonly trace: ((event: TraceEvent) => void) | undefined;
}

export function sameRing(a: RingId, b: RingId): boolean {
  return a.rep === b.rep && a.seq === b.seq;
}

export function ringIdString(r: RingId): string {
  return `${r.rep}.${r.seq}`;
}
