/**
 * Strict decoder for Totem frames. Corosync's check_*_sanity (exec/totemsrp.c) only rejects
 * frames that are too short; we also reject what Corosync never sends (trailing bytes, counts
 * above its array bounds, wrong encapsulation byte, ring seqs we cannot represent) so a bad frame
 * is a typed error here instead of undefined behaviour deeper in the core. Never throws.
 */
import { readI32, readU32, readU64Safe } from '../../bytes/index.js';
import * as L from './layout.js';
import type {
  CommitMembEntry,
  DecodeError,
  DecodeErrorCode,
  DecodeResult,
  EncapsulationCode,
  MembCommitToken,
  MembJoin,
  MembMergeDetect,
  Mcast,
  NodeId,
  OrfToken,
  RtrItem,
  TokenHoldCancel,
  TotemMessage,
} from './types.js';

type Result = DecodeResult<TotemMessage>;

function fail(code: DecodeErrorCode, detail: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { code, detail } };
}

/** True when the frame's magic says the sender was big-endian (see check_message_header_validity). */
export function isBigEndianFrame(frame: Uint8Array): boolean {
  return frame.length >= 2 && (frame[0]! | (frame[1]! << 8)) === L.TOTEM_MH_MAGIC_SWAPPED;
}

export function decodeMessage(frame: Uint8Array): Result {
  const len = frame.length;
  if (len < L.HEADER_SIZE) return fail('TRUNCATED', `frame of ${len} bytes is shorter than the ${L.HEADER_SIZE}-byte header`);
  if (len > L.FRAME_SIZE_MAX) return fail('OVERSIZED', `frame of ${len} bytes exceeds FRAME_SIZE_MAX ${L.FRAME_SIZE_MAX}`);
  const magic = frame[0]! | (frame[1]! << 8);
  let be: boolean;
  if (magic === L.TOTEM_MH_MAGIC) be = false;
  else if (magic === L.TOTEM_MH_MAGIC_SWAPPED) be = true;
  else return fail('BAD_MAGIC', `magic 0x${magic.toString(16)} is not 0xc070 in either byte order`);
  if (frame[L.HDR_VERSION] !== L.TOTEM_MH_VERSION) return fail('BAD_VERSION', `version ${frame[L.HDR_VERSION]} is not ${L.TOTEM_MH_VERSION}`);
  const type = frame[L.HDR_TYPE]!;
  const encap = frame[L.HDR_ENCAPSULATED]!;
  // Only mcasts carry MESSAGE_ENCAPSULATED (1) / MESSAGE_NOT_ENCAPSULATED (2); Corosync zeroes it
  // in every other message it builds (totemsrp.c: *_send functions set header.encapsulated = 0).
  if (type === 1 ? encap !== 1 && encap !== 2 : type <= 5 && encap !== 0) {
    return fail('BAD_ENCAPSULATION', `encapsulated ${encap} is invalid for message type ${type}`);
  }
  switch (type) {
    case 0:
      return decodeOrfToken(frame, be);
    case 1:
      return decodeMcast(frame, be, encap as EncapsulationCode);
    case 2:
      return decodeMergeDetect(frame, be);
    case 3:
      return decodeJoin(frame, be);
    case 4:
      return decodeCommitToken(frame, be);
    case 5:
      return decodeTokenHoldCancel(frame, be);
    default:
      return fail('UNKNOWN_TYPE', `message type ${type} is not in enum message_type`);
  }
}

/** Fixed part must be there; the variable part must match its counts exactly (no trailing bytes). */
function checkLength(len: number, fixed: number, expected: number, what: string): { ok: false; error: DecodeError } | undefined {
  if (len < fixed) return fail('TRUNCATED', `${what}: ${len} bytes, fixed part needs ${fixed}`);
  if (len < expected) return fail('TRUNCATED', `${what}: ${len} bytes, counts need ${expected}`);
  if (len > expected) return fail('TRAILING_BYTES', `${what}: ${len - expected} bytes after the last entry`);
  return undefined;
}

function badSeq(what: string): { ok: false; error: DecodeError } {
  return fail('BAD_FIELD', `${what}: ring seq exceeds Number.MAX_SAFE_INTEGER`);
}

/** struct mcast (totemsrp.c); the payload is everything after the 45-byte fixed part. */
function decodeMcast(b: Uint8Array, be: boolean, encapsulated: EncapsulationCode): Result {
  if (b.length < L.MCAST_SIZE) return fail('TRUNCATED', `mcast: ${b.length} bytes, fixed part needs ${L.MCAST_SIZE}`);
  const ringSeq = readU64Safe(b, L.MCAST_RING_ID + 4, be);
  if (ringSeq < 0) return badSeq('mcast');
  const value: Mcast = {
    kind: 'mcast',
    sender: readU32(b, L.HDR_NODEID, be),
    target: readU32(b, L.HDR_TARGET_NODEID, be),
    encapsulated,
    systemFrom: readU32(b, L.MCAST_SYSTEM_FROM, be),
    seq: readU32(b, L.MCAST_SEQ, be),
    thisSeqno: readI32(b, L.MCAST_THIS_SEQNO, be),
    ringId: { rep: readU32(b, L.MCAST_RING_ID, be), seq: ringSeq },
    nodeId: readU32(b, L.MCAST_NODE_ID, be),
    guarantee: readI32(b, L.MCAST_GUARANTEE, be),
    // A plain Uint8Array view (also when the frame is a Buffer): zero-copy.
    payload: new Uint8Array(b.buffer, b.byteOffset + L.MCAST_SIZE, b.length - L.MCAST_SIZE),
  };
  return { ok: true, value };
}

/** struct orf_token + rtr_list[rtr_list_entries] of struct rtr_item (totemsrp.c). */
function decodeOrfToken(b: Uint8Array, be: boolean): Result {
  if (b.length < L.ORF_TOKEN_SIZE) return fail('TRUNCATED', `orf_token: ${b.length} bytes, fixed part needs ${L.ORF_TOKEN_SIZE}`);
  const entries = readI32(b, L.ORF_RTR_LIST_ENTRIES, be);
  if (entries < 0) return fail('BAD_FIELD', `orf_token: rtr_list_entries ${entries} is negative`);
  if (entries > L.RETRANSMIT_ENTRIES_MAX) {
    return fail('TOO_MANY_ENTRIES', `orf_token: rtr_list_entries ${entries} > RETRANSMIT_ENTRIES_MAX ${L.RETRANSMIT_ENTRIES_MAX}`);
  }
  const bad = checkLength(b.length, L.ORF_TOKEN_SIZE, L.ORF_TOKEN_SIZE + entries * L.RTR_ITEM_SIZE, 'orf_token');
  if (bad) return bad;
  const ringSeq = readU64Safe(b, L.ORF_RING_ID + 4, be);
  if (ringSeq < 0) return badSeq('orf_token');
  const rtrList: RtrItem[] = new Array<RtrItem>(entries);
  for (let i = 0, o = L.ORF_TOKEN_SIZE; i < entries; i++, o += L.RTR_ITEM_SIZE) {
    const seq = readU64Safe(b, o + 4, be);
    if (seq < 0) return badSeq(`orf_token rtr_list[${i}]`);
    rtrList[i] = { ringId: { rep: readU32(b, o, be), seq }, seq: readU32(b, o + L.RING_ID_SIZE, be) };
  }
  const value: OrfToken = {
    kind: 'orf_token',
    sender: readU32(b, L.HDR_NODEID, be),
    target: readU32(b, L.HDR_TARGET_NODEID, be),
    encapsulated: 0,
    seq: readU32(b, L.ORF_SEQ, be),
    tokenSeq: readU32(b, L.ORF_TOKEN_SEQ, be),
    aru: readU32(b, L.ORF_ARU, be),
    aruAddr: readU32(b, L.ORF_ARU_ADDR, be),
    ringId: { rep: readU32(b, L.ORF_RING_ID, be), seq: ringSeq },
    backlog: readU32(b, L.ORF_BACKLOG, be),
    fcc: readU32(b, L.ORF_FCC, be),
    retransFlg: readI32(b, L.ORF_RETRANS_FLG, be),
    rtrList,
  };
  return { ok: true, value };
}

function readNodeIds(b: Uint8Array, o: number, count: number, be: boolean): NodeId[] {
  const out: NodeId[] = new Array<NodeId>(count);
  for (let i = 0; i < count; i++, o += L.SRP_ADDR_SIZE) out[i] = readU32(b, o, be);
  return out;
}

/** struct memb_join + proc_list[] + failed_list[] (totemsrp.c). */
function decodeJoin(b: Uint8Array, be: boolean): Result {
  if (b.length < L.MEMB_JOIN_SIZE) return fail('TRUNCATED', `memb_join: ${b.length} bytes, fixed part needs ${L.MEMB_JOIN_SIZE}`);
  const procCount = readU32(b, L.JOIN_PROC_LIST_ENTRIES, be);
  const failedCount = readU32(b, L.JOIN_FAILED_LIST_ENTRIES, be);
  if (procCount > L.PROCESSOR_COUNT_MAX || failedCount > L.PROCESSOR_COUNT_MAX) {
    return fail('TOO_MANY_ENTRIES', `memb_join: ${procCount} proc / ${failedCount} failed entries, PROCESSOR_COUNT_MAX is ${L.PROCESSOR_COUNT_MAX}`);
  }
  const bad = checkLength(b.length, L.MEMB_JOIN_SIZE, L.MEMB_JOIN_SIZE + (procCount + failedCount) * L.SRP_ADDR_SIZE, 'memb_join');
  if (bad) return bad;
  const ringSeq = readU64Safe(b, L.JOIN_RING_SEQ, be);
  if (ringSeq < 0) return badSeq('memb_join');
  const value: MembJoin = {
    kind: 'memb_join',
    sender: readU32(b, L.HDR_NODEID, be),
    target: readU32(b, L.HDR_TARGET_NODEID, be),
    encapsulated: 0,
    systemFrom: readU32(b, L.JOIN_SYSTEM_FROM, be),
    procList: readNodeIds(b, L.MEMB_JOIN_SIZE, procCount, be),
    failedList: readNodeIds(b, L.MEMB_JOIN_SIZE + procCount * L.SRP_ADDR_SIZE, failedCount, be),
    ringSeq,
  };
  return { ok: true, value };
}

/** struct memb_merge_detect (totemsrp.c). */
function decodeMergeDetect(b: Uint8Array, be: boolean): Result {
  const bad = checkLength(b.length, L.MERGE_DETECT_SIZE, L.MERGE_DETECT_SIZE, 'memb_merge_detect');
  if (bad) return bad;
  const ringSeq = readU64Safe(b, L.MERGE_RING_ID + 4, be);
  if (ringSeq < 0) return badSeq('memb_merge_detect');
  const value: MembMergeDetect = {
    kind: 'memb_merge_detect',
    sender: readU32(b, L.HDR_NODEID, be),
    target: readU32(b, L.HDR_TARGET_NODEID, be),
    encapsulated: 0,
    systemFrom: readU32(b, L.MERGE_SYSTEM_FROM, be),
    ringId: { rep: readU32(b, L.MERGE_RING_ID, be), seq: ringSeq },
  };
  return { ok: true, value };
}

/** struct token_hold_cancel (totemsrp.c). */
function decodeTokenHoldCancel(b: Uint8Array, be: boolean): Result {
  const bad = checkLength(b.length, L.TOKEN_HOLD_CANCEL_SIZE, L.TOKEN_HOLD_CANCEL_SIZE, 'token_hold_cancel');
  if (bad) return bad;
  const ringSeq = readU64Safe(b, L.THC_RING_ID + 4, be);
  if (ringSeq < 0) return badSeq('token_hold_cancel');
  const value: TokenHoldCancel = {
    kind: 'token_hold_cancel',
    sender: readU32(b, L.HDR_NODEID, be),
    target: readU32(b, L.HDR_TARGET_NODEID, be),
    encapsulated: 0,
    ringId: { rep: readU32(b, L.THC_RING_ID, be), seq: ringSeq },
  };
  return { ok: true, value };
}

/** struct memb_commit_token + addr[addr_entries] + memb_list[addr_entries] (totemsrp.c). */
function decodeCommitToken(b: Uint8Array, be: boolean): Result {
  if (b.length < L.COMMIT_TOKEN_SIZE) return fail('TRUNCATED', `memb_commit_token: ${b.length} bytes, fixed part needs ${L.COMMIT_TOKEN_SIZE}`);
  const entries = readI32(b, L.COMMIT_ADDR_ENTRIES, be);
  if (entries < 0) return fail('BAD_FIELD', `memb_commit_token: addr_entries ${entries} is negative`);
  if (entries > L.PROCESSOR_COUNT_MAX) {
    return fail('TOO_MANY_ENTRIES', `memb_commit_token: addr_entries ${entries} > PROCESSOR_COUNT_MAX ${L.PROCESSOR_COUNT_MAX}`);
  }
  const expected = L.COMMIT_TOKEN_SIZE + entries * (L.SRP_ADDR_SIZE + L.COMMIT_MEMB_ENTRY_SIZE);
  const bad = checkLength(b.length, L.COMMIT_TOKEN_SIZE, expected, 'memb_commit_token');
  if (bad) return bad;
  // memb_index indexes memb_list and reaches addr_entries after the last member's turn
  // (memb_state_commit_token_update asserts memb_index <= addr_entries).
  const membIndex = readI32(b, L.COMMIT_MEMB_INDEX, be);
  if (membIndex < 0 || membIndex > entries) return fail('BAD_FIELD', `memb_commit_token: memb_index ${membIndex} outside 0..${entries}`);
  const ringSeq = readU64Safe(b, L.COMMIT_RING_ID + 4, be);
  if (ringSeq < 0) return badSeq('memb_commit_token');
  const membList: CommitMembEntry[] = new Array<CommitMembEntry>(entries);
  for (let i = 0, o = L.COMMIT_TOKEN_SIZE + entries * L.SRP_ADDR_SIZE; i < entries; i++, o += L.COMMIT_MEMB_ENTRY_SIZE) {
    const seq = readU64Safe(b, o + 4, be);
    if (seq < 0) return badSeq(`memb_commit_token memb_list[${i}]`);
    membList[i] = {
      ringId: { rep: readU32(b, o, be), seq },
      aru: readU32(b, o + 12, be),
      highDelivered: readU32(b, o + 16, be),
      receivedFlg: readU32(b, o + 20, be),
    };
  }
  const value: MembCommitToken = {
    kind: 'memb_commit_token',
    sender: readU32(b, L.HDR_NODEID, be),
    target: readU32(b, L.HDR_TARGET_NODEID, be),
    encapsulated: 0,
    tokenSeq: readU32(b, L.COMMIT_TOKEN_SEQ, be),
    ringId: { rep: readU32(b, L.COMMIT_RING_ID, be), seq: ringSeq },
    retransFlg: readU32(b, L.COMMIT_RETRANS_FLG, be),
    membIndex,
    addr: readNodeIds(b, L.COMMIT_TOKEN_SIZE, entries, be),
    membList,
  };
  return { ok: true, value };
}
