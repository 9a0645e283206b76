/**
 * Byte layout of the CPG executive messages as GCC lays out the structs of Corosync 3.1.7
 * (exec/cpg.c, include/corosync/ipc_cpg.h, coroapi.h, libqb qbipc_common.h) on x86_64.
 *
 * Almost every member carries `__attribute__((aligned(8)))`, so each u32 occupies an 8-byte slot
 * (4 bytes of value, 4 of padding) and every struct size is a multiple of 8. Nothing is packed.
 * Offsets below are from the start of the message, i.e. including the exec header.
 */

/** `enum corosync_service_types` (corodefs.h): CPG_SERVICE = 2. */
export const CPG_SERVICE_ID = 2;

/** `enum cpg_message_req_types` (exec/cpg.c): index into cpg_exec_engine[]. */
export const CpgMessageId = {
  procjoin: 0,
  procleave: 1,
  joinlist: 2,
  mcast: 3,
  downlistOld: 4,
  downlist: 5,
  partialMcast: 6,
} as const;
export type CpgMessageIdCode = (typeof CpgMessageId)[keyof typeof CpgMessageId];

/** SERVICE_ID_MAKE(a, b) = (a << 16) | b (coroapi.h): the header id of a CPG message. */
export function cpgHeaderId(messageId: CpgMessageIdCode): number {
  return (CPG_SERVICE_ID << 16) | messageId;
}

/** CPG_MAX_NAME_LENGTH (cpg.h): the library protocol's bound, which mar_name_t's value field holds. */
export { CPG_MAX_NAME_LENGTH } from '../../protocol/cpg/vocabulary.js';
/** PROCESSOR_COUNT_MAX (corodefs.h) in a normal build; HAVE_SMALL_MEMORY_FOOTPRINT builds use 16. */
export const PROCESSOR_COUNT_MAX = 384;

/**
 * struct qb_ipc_request_header { int32 id aligned(8); int32 size aligned(8); } aligned(8):
 * id at 0, size at 8, 16 bytes. The joinlist message uses qb_ipc_response_header instead, which
 * adds int32 error at 16 (24 bytes); its first two fields sit where the request header's do, which
 * is what lets Corosync's deliver_fn read the id of either.
 */
export const HDR_ID = 0;
export const HDR_SIZE_FIELD = 8;
export const REQUEST_HEADER_SIZE = 16;
export const RES_HDR_ERROR = 16;
export const RESPONSE_HEADER_SIZE = 24;

/** mar_cpg_name_t { u32 length aligned(8); char value[128] aligned(8); }: 136 bytes. */
export const NAME_LENGTH = 0;
export const NAME_VALUE = 8;
export const NAME_SIZE = 136;

/** mar_message_source_t { u32 nodeid aligned(8); void *conn aligned(8); }: 16 bytes on LP64. */
export const SOURCE_NODEID = 0;
export const SOURCE_CONN = 8;
export const SOURCE_SIZE = 16;

/** struct req_exec_cpg_procjoin (also used for procleave): header, group_name, pid, reason. */
export const PROCJOIN_GROUP = 16;
export const PROCJOIN_PID = 152;
export const PROCJOIN_REASON = 160;
/** 164 bytes of fields rounded up to the struct's 8-byte alignment. */
export const PROCJOIN_SIZE = 168;

/** struct req_exec_cpg_mcast: header, group_name, msglen, pid, source, message[]. */
export const MCAST_GROUP = 16;
export const MCAST_MSGLEN = 152;
export const MCAST_PID = 160;
export const MCAST_SOURCE = 168;
export const MCAST_SIZE = 184;

/** struct req_exec_cpg_partial_mcast: header, group_name, msglen, fraglen, pid, type, source, message[]. */
export const PARTIAL_GROUP = 16;
export const PARTIAL_MSGLEN = 152;
export const PARTIAL_FRAGLEN = 160;
export const PARTIAL_PID = 168;
export const PARTIAL_TYPE = 176;
export const PARTIAL_SOURCE = 184;
export const PARTIAL_SIZE = 200;

/** struct req_exec_cpg_downlist_old: header, left_nodes, nodeids[PROCESSOR_COUNT_MAX] (u32, 4-byte stride). */
export const DOWNLIST_OLD_LEFT_NODES = 16;
export const DOWNLIST_OLD_NODEIDS = 24;
export const DOWNLIST_OLD_SIZE = DOWNLIST_OLD_NODEIDS + 4 * PROCESSOR_COUNT_MAX;

/** struct req_exec_cpg_downlist: header, old_members, left_nodes, nodeids[PROCESSOR_COUNT_MAX]. */
export const DOWNLIST_OLD_MEMBERS = 16;
export const DOWNLIST_LEFT_NODES = 24;
export const DOWNLIST_NODEIDS = 32;
export const DOWNLIST_SIZE = DOWNLIST_NODEIDS + 4 * PROCESSOR_COUNT_MAX;

/** Joinlist: qb_ipc_response_header then struct join_list_entry { u32 pid; mar_cpg_name_t group_name; }[]. */
export const JOINLIST_ENTRIES = RESPONSE_HEADER_SIZE;
export const JLE_PID = 0;
export const JLE_GROUP = 8;
export const JLE_SIZE = 144;
