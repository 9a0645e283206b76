/**
 * What the CPG state machine hands the executive to deliver to local clients, and the errors of
 * its library requests. Callbacks mirror Corosync's res_lib_cpg_* callbacks (ipc_cpg.h).
 */
import type { CpgReasonCode, GroupName, NodeId, PartialTypeCode } from './messages.js';
import type { Member } from './table.js';

/** A local client handle, assigned by the executive (one per IPC connection in Corosync). */
export type HandleId = number;

/** mar_cpg_address_t in a left or joined list: the member and why it changed. */
export interface CpgAddress extends Member {
  readonly reason: CpgReasonCode;
}

/** Corosync's mar_cpg_ring_id_t: the ring representative and the ring sequence. */
export interface CpgRingId {
  readonly nodeId: NodeId;
  readonly seq: number;
}

/** res_lib_cpg_confchg_callback: `members` is the membership after the change. */
export interface ConfchgCallback {
  readonly kind: 'confchg';
  readonly group: GroupName;
  readonly members: readonly Member[];
  readonly left: readonly CpgAddress[];
  readonly joined: readonly CpgAddress[];
}

/** res_lib_cpg_deliver_callback. */
export interface DeliverCallback {
  readonly kind: 'deliver';
  readonly group: GroupName;
  readonly nodeId: NodeId;
  readonly pid: number;
  readonly data: Uint8Array;
}

/** res_lib_cpg_partial_deliver_callback: one fragment; the client library reassembles. */
export interface PartialDeliverCallback {
  readonly kind: 'partial_deliver';
  readonly group: GroupName;
  readonly nodeId: NodeId;
  readonly pid: number;
  readonly totalBytes: number;
  readonly type: PartialTypeCode;
  readonly data: Uint8Array;
}

/** res_lib_cpg_totem_confchg_callback: the ring configuration after a sync. */
export interface TotemConfchgCallback {
  readonly kind: 'totem_confchg';
  readonly ringId: CpgRingId;
  readonly nodes: readonly NodeId[];
}

export type CpgCallback = ConfchgCallback | DeliverCallback | PartialDeliverCallback | TotemConfchgCallback;

/** A callback addressed to one local handle. The executive forwards them in array order. */
export interface HandleCallback {
  readonly handle: HandleId;
  readonly callback: CpgCallback;
}

/** Stable error codes a library request can fail with (Corosync's cs_error_t names). */
export type CpgErrorCode =
  | 'CS_ERR_BAD_HANDLE'
  | 'CS_ERR_EXIST'
  | 'CS_ERR_NOT_EXIST'
  | 'CS_ERR_BUSY'
  | 'CS_ERR_TRY_AGAIN'
  | 'CS_ERR_NAME_TOO_LONG'
  | 'CS_ERR_INVALID_PARAM'
  | 'CS_ERR_TOO_BIG'
  | 'CS_ERR_NO_RESOURCES';

export interface CpgError {
  readonly code: CpgErrorCode;
  readonly detail: string;
}
