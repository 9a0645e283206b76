/**
 * Strict decoder for CPG executive messages. Corosync's handlers trust header.size and msglen
 * (exec/cpg.c reads msglen bytes past the struct without checking the delivered length); we reject
 * any message whose sizes disagree with the bytes delivered, names above 128 bytes, counts above
 * PROCESSOR_COUNT_MAX, and enum values Corosync never sends. Padding bytes are ignored: Corosync
 * does not zero them in every message (req_exec_cpg_partial_mcast is built on the stack without a
 * memset). Never throws.
 *
 * Byte order: CPG messages carry no byte-order mark. Corosync swaps fields when Totem says the
 * sender was big-endian (deliver_fn's endian_conversion_required, from the frame magic); the caller
 * passes that as `bigEndian`.
 */
import { readI32, readU32 } from '../../bytes/index.js';
import * as L from './layout.js';
import type {
  CpgDecodeError,
  CpgDecodeErrorCode,
  CpgDecodeResult,
  CpgExecMessage,
  JoinListEntry,
  MessageSource,
} from './messages.js';
import { isCpgReason, type CpgReasonCode, type GroupName, type NodeId, type PartialTypeCode } from '../../protocol/cpg/vocabulary.js';

export interface CpgDecodeOptions {
  /** The sender was big-endian (Totem frame magic swapped). Default false. */
  readonly bigEndian?: boolean;
}

type Fail = { readonly ok: false; readonly error: CpgDecodeError };
type Result = CpgDecodeResult<CpgExecMessage>;

function fail(code: CpgDecodeErrorCode, detail: string): Fail {
  return { ok: false, error: { code, detail } };
}

/** The message id (low 16 bits of header.id) when the bytes are a CPG message, else undefined. */
export function peekCpgMessageId(b: Uint8Array, options: CpgDecodeOptions = {}): number | undefined {
  if (b.length < L.REQUEST_HEADER_SIZE) return undefined;
  const id = readU32(b, L.HDR_ID, options.bigEndian === true);
  return id >>> 16 === L.CPG_SERVICE_ID ? id & 0xffff : undefined;
}

export function decodeCpgMessage(b: Uint8Array, options: CpgDecodeOptions = {}): Result {
  const be = options.bigEndian === true;
  if (b.length < L.REQUEST_HEADER_SIZE) {
    return fail('TRUNCATED', `${b.length} bytes is shorter than the ${L.REQUEST_HEADER_SIZE}-byte header`);
  }
  const id = readU32(b, L.HDR_ID, be);
  if (id >>> 16 !== L.CPG_SERVICE_ID) return fail('WRONG_SERVICE', `service ${id >>> 16} is not CPG (${L.CPG_SERVICE_ID})`);
  // Totem delivers exactly the bytes the sender multicast, and every Corosync sender sets
  // header.size to that length, so any disagreement means a corrupt or foreign message.
  const size = readI32(b, L.HDR_SIZE_FIELD, be);
  if (size !== b.length) return fail('SIZE_MISMATCH', `header.size ${size} but ${b.length} bytes delivered`);
  const messageId = id & 0xffff;
  switch (messageId) {
    case L.CpgMessageId.procjoin:
    case L.CpgMessageId.procleave:
      return decodeProcJoin(b, be, messageId === L.CpgMessageId.procjoin ? 'procjoin' : 'procleave');
    case L.CpgMessageId.joinlist:
      return decodeJoinList(b, be);
    case L.CpgMessageId.mcast:
      return decodeMcast(b, be);
    case L.CpgMessageId.downlistOld:
      return decodeDownlistOld(b, be);
    case L.CpgMessageId.downlist:
      return decodeDownlist(b, be);
    case L.CpgMessageId.partialMcast:
      return decodePartialMcast(b, be);
    default:
      return fail('UNKNOWN_MESSAGE', `message id ${messageId} is not in enum cpg_message_req_types`);
  }
}

function exactSize(b: Uint8Array, size: number, what: string): Fail | undefined {
  return b.length === size ? undefined : fail(b.length < size ? 'TRUNCATED' : 'LENGTH_MISMATCH', `${what}: ${b.length} bytes, struct is ${size}`);
}

/** mar_cpg_name_t at o; a copy of the first `length` bytes (names become map keys, so no views). */
function readName(b: Uint8Array, o: number, be: boolean, what: string): GroupName | Fail {
  const length = readU32(b, o + L.NAME_LENGTH, be);
  if (length > L.CPG_MAX_NAME_LENGTH) return fail('NAME_TOO_LONG', `${what}: name length ${length} > ${L.CPG_MAX_NAME_LENGTH}`);
  return b.slice(o + L.NAME_VALUE, o + L.NAME_VALUE + length);
}

function isFail(x: unknown): x is Fail {
  return typeof x === 'object' && x !== null && 'ok' in x;
}

/**
 * Corosync's swab_mar_message_source_t zeroes conn for a foreign-endian sender (a pointer is only
 * meaningful on its own node); we do the same. It also means to swap nodeid but its swab32 result
 * is discarded (coroapi.h); we do swap it, since the field is informational and the sender's node
 * id comes from Totem anyway.
 */
function readSource(b: Uint8Array, o: number, be: boolean): MessageSource {
  const nodeId = readU32(b, o + L.SOURCE_NODEID, be);
  if (be) return { nodeId, conn: 0n };
  const lo = BigInt(readU32(b, o + L.SOURCE_CONN, false));
  const hi = BigInt(readU32(b, o + L.SOURCE_CONN + 4, false));
  return { nodeId, conn: (hi << 32n) | lo };
}

function readReason(b: Uint8Array, o: number, be: boolean, what: string): CpgReasonCode | Fail {
  const reason = readU32(b, o, be);
  return isCpgReason(reason) ? reason : fail('BAD_FIELD', `${what}: reason ${reason} is not a CPG reason (1..5)`);
}

function decodeProcJoin(b: Uint8Array, be: boolean, kind: 'procjoin' | 'procleave'): Result {
  const bad = exactSize(b, L.PROCJOIN_SIZE, kind);
  if (bad) return bad;
  const group = readName(b, L.PROCJOIN_GROUP, be, kind);
  if (isFail(group)) return group;
  const reason = readReason(b, L.PROCJOIN_REASON, be, kind);
  if (isFail(reason)) return reason;
  return { ok: true, value: { kind, group, pid: readU32(b, L.PROCJOIN_PID, be), reason } };
}

function decodeJoinList(b: Uint8Array, be: boolean): Result {
  if (b.length < L.RESPONSE_HEADER_SIZE) return fail('TRUNCATED', `joinlist: ${b.length} bytes, header needs ${L.RESPONSE_HEADER_SIZE}`);
  const body = b.length - L.RESPONSE_HEADER_SIZE;
  if (body % L.JLE_SIZE !== 0) return fail('LENGTH_MISMATCH', `joinlist: ${body} entry bytes is not a multiple of ${L.JLE_SIZE}`);
  // The count is bounded by the delivered length, never by a field the sender chose.
  const count = body / L.JLE_SIZE;
  const entries: JoinListEntry[] = new Array<JoinListEntry>(count);
  for (let i = 0, o = L.JOINLIST_ENTRIES; i < count; i++, o += L.JLE_SIZE) {
    const group = readName(b, o + L.JLE_GROUP, be, `joinlist[${i}]`);
    if (isFail(group)) return group;
    entries[i] = { pid: readU32(b, o + L.JLE_PID, be), group };
  }
  return { ok: true, value: { kind: 'joinlist', entries } };
}

function decodeMcast(b: Uint8Array, be: boolean): Result {
  if (b.length < L.MCAST_SIZE) return fail('TRUNCATED', `mcast: ${b.length} bytes, fixed part needs ${L.MCAST_SIZE}`);
  const msglen = readU32(b, L.MCAST_MSGLEN, be);
  if (msglen !== b.length - L.MCAST_SIZE) {
    return fail('LENGTH_MISMATCH', `mcast: msglen ${msglen} but ${b.length - L.MCAST_SIZE} data bytes`);
  }
  const group = readName(b, L.MCAST_GROUP, be, 'mcast');
  if (isFail(group)) return group;
  return {
    ok: true,
    value: {
      kind: 'mcast',
      group,
      pid: readU32(b, L.MCAST_PID, be),
      source: readSource(b, L.MCAST_SOURCE, be),
      // A zero-copy view of the application data.
      data: new Uint8Array(b.buffer, b.byteOffset + L.MCAST_SIZE, msglen),
    },
  };
}

function decodePartialMcast(b: Uint8Array, be: boolean): Result {
  if (b.length < L.PARTIAL_SIZE) return fail('TRUNCATED', `partial_mcast: ${b.length} bytes, fixed part needs ${L.PARTIAL_SIZE}`);
  const fraglen = readU32(b, L.PARTIAL_FRAGLEN, be);
  if (fraglen !== b.length - L.PARTIAL_SIZE) {
    return fail('LENGTH_MISMATCH', `partial_mcast: fraglen ${fraglen} but ${b.length - L.PARTIAL_SIZE} data bytes`);
  }
  const totalBytes = readU32(b, L.PARTIAL_MSGLEN, be);
  if (fraglen > totalBytes) return fail('BAD_FIELD', `partial_mcast: fraglen ${fraglen} > msglen ${totalBytes}`);
  const type = readU32(b, L.PARTIAL_TYPE, be);
  if (type < 1 || type > 3) return fail('BAD_FIELD', `partial_mcast: type ${type} is not FIRST/CONTINUED/LAST`);
  const group = readName(b, L.PARTIAL_GROUP, be, 'partial_mcast');
  if (isFail(group)) return group;
  return {
    ok: true,
    value: {
      kind: 'partial_mcast',
      group,
      pid: readU32(b, L.PARTIAL_PID, be),
      totalBytes,
      type: type as PartialTypeCode,
      source: readSource(b, L.PARTIAL_SOURCE, be),
      data: new Uint8Array(b.buffer, b.byteOffset + L.PARTIAL_SIZE, fraglen),
    },
  };
}

/** Entries past left_nodes are stale (Corosync reuses one static downlist struct), so they are skipped. */
function readLeftNodes(b: Uint8Array, countAt: number, idsAt: number, be: boolean, what: string): NodeId[] | Fail {
  const count = readU32(b, countAt, be);
  if (count > L.PROCESSOR_COUNT_MAX) return fail('TOO_MANY_ENTRIES', `${what}: left_nodes ${count} > ${L.PROCESSOR_COUNT_MAX}`);
  const ids: NodeId[] = new Array<NodeId>(count);
  for (let i = 0; i < count; i++) ids[i] = readU32(b, idsAt + 4 * i, be);
  return ids;
}

function decodeDownlistOld(b: Uint8Array, be: boolean): Result {
  const bad = exactSize(b, L.DOWNLIST_OLD_SIZE, 'downlist_old');
  if (bad) return bad;
  const leftNodes = readLeftNodes(b, L.DOWNLIST_OLD_LEFT_NODES, L.DOWNLIST_OLD_NODEIDS, be, 'downlist_old');
  if (isFail(leftNodes)) return leftNodes;
  return { ok: true, value: { kind: 'downlist_old', leftNodes } };
}

function decodeDownlist(b: Uint8Array, be: boolean): Result {
  const bad = exactSize(b, L.DOWNLIST_SIZE, 'downlist');
  if (bad) return bad;
  const oldMembers = readU32(b, L.DOWNLIST_OLD_MEMBERS, be);
  if (oldMembers > L.PROCESSOR_COUNT_MAX) {
    return fail('TOO_MANY_ENTRIES', `downlist: old_members ${oldMembers} > ${L.PROCESSOR_COUNT_MAX}`);
  }
  const leftNodes = readLeftNodes(b, L.DOWNLIST_LEFT_NODES, L.DOWNLIST_NODEIDS, be, 'downlist');
  if (isFail(leftNodes)) return leftNodes;
  return { ok: true, value: { kind: 'downlist', oldMembers, leftNodes } };
}
