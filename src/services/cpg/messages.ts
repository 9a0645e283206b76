/**
 * Typed CPG executive messages (what Corosync 3.1.7's cpg service multicasts on the ring). Byte
 * layouts live in layout.ts; the words they share with the library protocol (node ids, group
 * names, reasons) in src/protocol/cpg/vocabulary.ts.
 */
import type { CpgReasonCode, GroupName, NodeId, PartialTypeCode } from '../../protocol/cpg/vocabulary.js';

/**
 * mar_message_source_t: the sourcing node and its opaque local connection (a pointer in
 * Corosync, our local handle id here). Only the sourcing node can interpret `conn`.
 */
export interface MessageSource {
  readonly nodeId: NodeId;
  /** u64 on the wire. */
  readonly conn: bigint;
}

/** req_exec_cpg_procjoin with id MESSAGE_REQ_EXEC_CPG_PROCJOIN; reason is JOIN when Corosync sends it. */
export interface ProcJoinMessage {
  readonly kind: 'procjoin';
  readonly group: GroupName;
  readonly pid: number;
  readonly reason: CpgReasonCode;
}

/** The same struct with id MESSAGE_REQ_EXEC_CPG_PROCLEAVE; reason LEAVE or PROCDOWN. */
export interface ProcLeaveMessage {
  readonly kind: 'procleave';
  readonly group: GroupName;
  readonly pid: number;
  readonly reason: CpgReasonCode;
}

/** One struct join_list_entry: a process of the sending node and a group it belongs to. */
export interface JoinListEntry {
  readonly pid: number;
  readonly group: GroupName;
}

/** The joinlist a node multicasts during sync: every (pid, group) of its own processes. */
export interface JoinListMessage {
  readonly kind: 'joinlist';
  readonly entries: readonly JoinListEntry[];
}

/** req_exec_cpg_mcast followed by msglen bytes of application data. */
export interface McastMessage {
  readonly kind: 'mcast';
  readonly group: GroupName;
  readonly pid: number;
  readonly source: MessageSource;
  readonly data: Uint8Array;
}

/** req_exec_cpg_partial_mcast: one fragment of a message too large for one mcast. */
export interface PartialMcastMessage {
  readonly kind: 'partial_mcast';
  readonly group: GroupName;
  readonly pid: number;
  /** Length of the whole message the fragment belongs to (msglen). */
  readonly totalBytes: number;
  readonly type: PartialTypeCode;
  readonly source: MessageSource;
  /** The fragment itself (fraglen bytes). */
  readonly data: Uint8Array;
}

/** req_exec_cpg_downlist_old (pre-2.0 peers); Corosync 3 only logs it. */
export interface DownlistOldMessage {
  readonly kind: 'downlist_old';
  readonly leftNodes: readonly NodeId[];
}

/** req_exec_cpg_downlist: the nodes the sender saw leave, and how many members it had before. */
export interface DownlistMessage {
  readonly kind: 'downlist';
  readonly oldMembers: number;
  readonly leftNodes: readonly NodeId[];
}

export type CpgExecMessage =
  | ProcJoinMessage
  | ProcLeaveMessage
  | JoinListMessage
  | McastMessage
  | PartialMcastMessage
  | DownlistOldMessage
  | DownlistMessage;

/** Why a CPG executive message was rejected. Stable codes: counters and logs key on them. */
export type CpgDecodeErrorCode =
  | 'TRUNCATED'
  | 'SIZE_MISMATCH'
  | 'WRONG_SERVICE'
  | 'UNKNOWN_MESSAGE'
  | 'NAME_TOO_LONG'
  | 'BAD_FIELD'
  | 'TOO_MANY_ENTRIES'
  | 'LENGTH_MISMATCH';

export interface CpgDecodeError {
  readonly code: CpgDecodeErrorCode;
  readonly detail: string;
}

export type CpgDecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CpgDecodeError };
