/**
 * Typed wire messages of the Totem single-ring protocol, field for field as Corosync 3.1 lays
 * them out (exec/totemsrp.c, include/corosync/totem/totem.h). Byte layout lives in the codecs
 * beside this file; these are the decoded shapes the core works with.
 */

/** A processor (node) identifier. Corosync 3.x's `struct srp_addr` is just this u32. */
export type NodeId = number;

/** `struct memb_ring_id`: representative node id (u32) and ring sequence (u64). */
export interface RingId {
  readonly rep: NodeId;
  /** u64 on the wire; kept as a JS number, so decoders reject values above 2^53 - 1. */
  readonly seq: number;
}

/** `enum message_type` in exec/totemsrp.c. */
export const MessageType = {
  orfToken: 0,
  mcast: 1,
  membMergeDetect: 2,
  membJoin: 3,
  membCommitToken: 4,
  tokenHoldCancel: 5,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/**
 * `enum encapsulation_type`: an mcast re-sent during recovery carries the old-ring mcast inside.
 * Corosync writes 0 in the header of every message that is not an mcast (tokens, joins, merge
 * detect, token hold cancel), so decoders accept 0 for those types.
 */
export const Encapsulation = { none: 0, encapsulated: 1, notEncapsulated: 2 } as const;
export type EncapsulationCode = (typeof Encapsulation)[keyof typeof Encapsulation];

/** Fields of `struct totem_message_header` other than magic, version and type. */
export interface HeaderFields {
  /** header.nodeid: the sending node. */
  readonly sender: NodeId;
  /** header.target_nodeid: the intended receiver of a unicast token, 0 when multicast. */
  readonly target: NodeId;
  readonly encapsulated: EncapsulationCode;
}

/** `struct rtr_item`: one retransmit request in the token. */
export interface RtrItem {
  readonly ringId: RingId;
  readonly seq: number;
}

/** `struct orf_token`: the ordering, reliability and flow control token. */
export interface OrfToken extends HeaderFields {
  readonly kind: 'orf_token';
  readonly seq: number;
  readonly tokenSeq: number;
  readonly aru: number;
  readonly aruAddr: NodeId;
  readonly ringId: RingId;
  readonly backlog: number;
  readonly fcc: number;
  readonly retransFlg: number;
  /** At most RETRANSMIT_ENTRIES_MAX (30) entries. */
  readonly rtrList: readonly RtrItem[];
}

/** `struct mcast` followed by its payload (a totempg packet, or an encapsulated mcast). */
export interface Mcast extends HeaderFields {
  readonly kind: 'mcast';
  readonly systemFrom: NodeId;
  readonly seq: number;
  readonly thisSeqno: number;
  readonly ringId: RingId;
  readonly nodeId: NodeId;
  readonly guarantee: number;
  readonly payload: Uint8Array;
}

/** `struct memb_join` followed by the proc list and the failed list. */
export interface MembJoin extends HeaderFields {
  readonly kind: 'memb_join';
  readonly systemFrom: NodeId;
  readonly procList: readonly NodeId[];
  readonly failedList: readonly NodeId[];
  readonly ringSeq: number;
}

/** `struct memb_merge_detect`. */
export interface MembMergeDetect extends HeaderFields {
  readonly kind: 'memb_merge_detect';
  readonly systemFrom: NodeId;
  readonly ringId: RingId;
}

/** `struct token_hold_cancel`. */
export interface TokenHoldCancel extends HeaderFields {
  readonly kind: 'token_hold_cancel';
  readonly ringId: RingId;
}

/** `struct memb_commit_token_memb_entry`. */
export interface CommitMembEntry {
  readonly ringId: RingId;
  readonly aru: number;
  readonly highDelivered: number;
  readonly receivedFlg: number;
}

/** `struct memb_commit_token` followed by addr[addr_entries] and memb_list[addr_entries]. */
export interface MembCommitToken extends HeaderFields {
  readonly kind: 'memb_commit_token';
  readonly tokenSeq: number;
  readonly ringId: RingId;
  readonly retransFlg: number;
  readonly membIndex: number;
  readonly addr: readonly NodeId[];
  readonly membList: readonly CommitMembEntry[];
}

export type TotemMessage = OrfToken | Mcast | MembJoin | MembMergeDetect | TokenHoldCancel | MembCommitToken;

/** Why a frame was rejected by a decoder. Stable codes: counters and logs key on them. */
export type DecodeErrorCode =
  | 'TRUNCATED'
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'UNKNOWN_TYPE'
  | 'BAD_ENCAPSULATION'
  | 'TOO_MANY_ENTRIES'
  | 'TRAILING_BYTES'
  | 'OVERSIZED'
  | 'BAD_FIELD';

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly detail: string;
}

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };
