/**
 * Words the CPG library protocol shares with the CPG service's executive messages: node ids,
 * group names and their bound, members, confchg reasons, fragment positions. They are Corosync's
 * (cpg.h, ipc_cpg.h), so the client, the service and the ring speak the same numbers.
 */

/** A Totem node id (u32). */
export type NodeId = number;

/** A group name: 0..CPG_MAX_NAME_LENGTH bytes, compared bytewise (mar_name_compare). */
export type GroupName = Uint8Array;

/** CPG_MAX_NAME_LENGTH (cpg.h). */
export const CPG_MAX_NAME_LENGTH = 128;

/** A group member: one process on one node. Two processes on one node are two members. */
export interface Member {
  readonly nodeId: NodeId;
  readonly pid: number;
}

/** `enum lib_cpg_confchg_reason` (ipc_cpg.h), the same values as cpg.h's CPG_REASON_*. */
export const CpgReason = {
  join: 1,
  leave: 2,
  nodedown: 3,
  nodeup: 4,
  procdown: 5,
} as const;
export type CpgReasonCode = (typeof CpgReason)[keyof typeof CpgReason];

export function isCpgReason(v: number): v is CpgReasonCode {
  return v >= CpgReason.join && v <= CpgReason.procdown && Number.isInteger(v);
}

/** `enum lib_cpg_partial_types` (ipc_cpg.h): where a fragment sits in its message. */
export const PartialType = { first: 1, continued: 2, last: 3 } as const;
export type PartialTypeCode = (typeof PartialType)[keyof typeof PartialType];
