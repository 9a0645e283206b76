/**
 * The callbacks a CPG client receives: Corosync's res_lib_cpg_* callbacks (ipc_cpg.h), as the
 * service's state machine produces them and lib-protocol.ts carries them to the client.
 */
import type { CpgReasonCode, GroupName, Member, NodeId, PartialTypeCode } from './vocabulary.js';

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
