/**
 * Encoder for Totem frames, little-endian (the byte order of x86 Corosync, so an LE Corosync peer
 * needs no swapping). Sizes are computed first so each frame is one exact allocation.
 *
 * A message that cannot be represented (list above its Corosync bound, ring seq not a u64 safe
 * integer, frame above FRAME_SIZE_MAX) is a programmer error of the caller and throws RangeError;
 * the decoder, which faces the network, never throws. u32/i32 fields are written modulo 2^32,
 * as C assignment would.
 */
import { isU64Safe, writeU16, writeU32, writeU64 } from '../../bytes/index.js';
import * as L from './layout.js';
import type {
  MembCommitToken,
  MembJoin,
  MembMergeDetect,
  Mcast,
  NodeId,
  OrfToken,
  RingId,
  TokenHoldCancel,
  TotemMessage,
} from './types.js';

/** Bytes `encodeMessage(msg)` produces. */
export function encodedLength(msg: TotemMessage): number {
  switch (msg.kind) {
    case 'orf_token':
      return L.ORF_TOKEN_SIZE + msg.rtrList.length * L.RTR_ITEM_SIZE;
    case 'mcast':
      return L.MCAST_SIZE + msg.payload.length;
    case 'memb_join':
      return L.MEMB_JOIN_SIZE + (msg.procList.length + msg.failedList.length) * L.SRP_ADDR_SIZE;
    case 'memb_merge_detect':
      return L.MERGE_DETECT_SIZE;
    case 'token_hold_cancel':
      return L.TOKEN_HOLD_CANCEL_SIZE;
    case 'memb_commit_token':
      return L.COMMIT_TOKEN_SIZE + msg.addr.length * (L.SRP_ADDR_SIZE + L.COMMIT_MEMB_ENTRY_SIZE);
    default:
      return unreachable(msg);
  }
}

/**
 * Frames up to SLAB_ITEM_MAX bytes are carved from a shared 64 KiB slab (bump allocation, never
 * reused: a slab is freed when the last frame viewing it is), as Node's Buffer pool does: a
 * fresh ArrayBuffer per frame costs ~10x more than a view. Returned frames are plain
 * Uint8Array views, so callers must honour byteOffset (dgram and Buffer.from do).
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_ITEM_MAX = 8 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function allocFrame(size: number): Uint8Array {
  if (size > SLAB_ITEM_MAX) return new Uint8Array(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, size);
  slabUsed += (size + 7) & ~7;
  return out;
}

/** Encodes into a new exact-size frame (see allocFrame). */
export function encodeMessage(msg: TotemMessage): Uint8Array {
  const out = allocFrame(encodedLength(msg));
  encodeMessageInto(msg, out, 0);
  return out;
}

/** Writes `msg` at `out[offset]`; returns the bytes written. Throws RangeError if it does not fit. */
export function encodeMessageInto(msg: TotemMessage, out: Uint8Array, offset: number): number {
  const size = encodedLength(msg);
  if (size > L.FRAME_SIZE_MAX) throw new RangeError(`${msg.kind}: ${size}-byte frame exceeds FRAME_SIZE_MAX ${L.FRAME_SIZE_MAX}`);
  if (offset < 0 || offset + size > out.length) throw new RangeError(`${msg.kind}: ${size} bytes do not fit at offset ${offset} of ${out.length}`);
  // Encode into a view starting at the frame so every field offset is the struct offset.
  const b = offset === 0 && size === out.length ? out : out.subarray(offset, offset + size);
  switch (msg.kind) {
    case 'orf_token':
      writeOrfToken(b, msg);
      break;
    case 'mcast':
      writeMcast(b, msg);
      break;
    case 'memb_join':
      writeJoin(b, msg);
      break;
    case 'memb_merge_detect':
      writeMergeDetect(b, msg);
      break;
    case 'token_hold_cancel':
      writeTokenHoldCancel(b, msg);
      break;
    case 'memb_commit_token':
      writeCommitToken(b, msg);
      break;
    default:
      unreachable(msg);
  }
  return size;
}

function unreachable(msg: never): never {
  throw new RangeError(`unknown message kind ${(msg as { kind?: unknown }).kind}`);
}

/** struct totem_message_header (totem.h). */
function writeHeader(b: Uint8Array, type: number, msg: TotemMessage): void {
  writeU16(b, L.HDR_MAGIC, L.TOTEM_MH_MAGIC);
  b[L.HDR_VERSION] = L.TOTEM_MH_VERSION;
  b[L.HDR_TYPE] = type;
  b[L.HDR_ENCAPSULATED] = msg.encapsulated;
  writeU32(b, L.HDR_NODEID, msg.sender);
  writeU32(b, L.HDR_TARGET_NODEID, msg.target);
}

/** struct memb_ring_id (totem.h). */
function writeRingId(b: Uint8Array, o: number, ringId: RingId, what: string): void {
  if (!isU64Safe(ringId.seq)) throw new RangeError(`${what}: ring seq ${ringId.seq} is not a u64 safe integer`);
  writeU32(b, o, ringId.rep);
  writeU64(b, o + 4, ringId.seq);
}

function writeNodeIds(b: Uint8Array, o: number, ids: readonly NodeId[]): number {
  for (let i = 0; i < ids.length; i++, o += L.SRP_ADDR_SIZE) writeU32(b, o, ids[i]!);
  return o;
}

/** struct mcast (totemsrp.c) + payload. */
function writeMcast(b: Uint8Array, m: Mcast): void {
  writeHeader(b, 1, m);
  writeU32(b, L.MCAST_SYSTEM_FROM, m.systemFrom);
  writeU32(b, L.MCAST_SEQ, m.seq);
  writeU32(b, L.MCAST_THIS_SEQNO, m.thisSeqno);
  writeRingId(b, L.MCAST_RING_ID, m.ringId, 'mcast');
  writeU32(b, L.MCAST_NODE_ID, m.nodeId);
  writeU32(b, L.MCAST_GUARANTEE, m.guarantee);
  b.set(m.payload, L.MCAST_SIZE);
}

/** struct orf_token + struct rtr_item[] (totemsrp.c). */
function writeOrfToken(b: Uint8Array, t: OrfToken): void {
  const entries = t.rtrList.length;
  if (entries > L.RETRANSMIT_ENTRIES_MAX) throw new RangeError(`orf_token: ${entries} rtr entries > RETRANSMIT_ENTRIES_MAX`);
  writeHeader(b, 0, t);
  writeU32(b, L.ORF_SEQ, t.seq);
  writeU32(b, L.ORF_TOKEN_SEQ, t.tokenSeq);
  writeU32(b, L.ORF_ARU, t.aru);
  writeU32(b, L.ORF_ARU_ADDR, t.aruAddr);
  writeRingId(b, L.ORF_RING_ID, t.ringId, 'orf_token');
  writeU32(b, L.ORF_BACKLOG, t.backlog);
  writeU32(b, L.ORF_FCC, t.fcc);
  writeU32(b, L.ORF_RETRANS_FLG, t.retransFlg);
  writeU32(b, L.ORF_RTR_LIST_ENTRIES, entries);
  for (let i = 0, o = L.ORF_TOKEN_SIZE; i < entries; i++, o += L.RTR_ITEM_SIZE) {
    const item = t.rtrList[i]!;
    writeRingId(b, o, item.ringId, 'orf_token rtr_item');
    writeU32(b, o + L.RING_ID_SIZE, item.seq);
  }
}

/** struct memb_join + proc_list[] + failed_list[] (totemsrp.c). */
function writeJoin(b: Uint8Array, j: MembJoin): void {
  if (j.procList.length > L.PROCESSOR_COUNT_MAX || j.failedList.length > L.PROCESSOR_COUNT_MAX) {
    throw new RangeError(`memb_join: lists of ${j.procList.length}/${j.failedList.length} exceed PROCESSOR_COUNT_MAX`);
  }
  if (!isU64Safe(j.ringSeq)) throw new RangeError(`memb_join: ring_seq ${j.ringSeq} is not a u64 safe integer`);
  writeHeader(b, 3, j);
  writeU32(b, L.JOIN_SYSTEM_FROM, j.systemFrom);
  writeU32(b, L.JOIN_PROC_LIST_ENTRIES, j.procList.length);
  writeU32(b, L.JOIN_FAILED_LIST_ENTRIES, j.failedList.length);
  writeU64(b, L.JOIN_RING_SEQ, j.ringSeq);
  writeNodeIds(b, writeNodeIds(b, L.MEMB_JOIN_SIZE, j.procList), j.failedList);
}

/** struct memb_merge_detect (totemsrp.c). */
function writeMergeDetect(b: Uint8Array, m: MembMergeDetect): void {
  writeHeader(b, 2, m);
  writeU32(b, L.MERGE_SYSTEM_FROM, m.systemFrom);
  writeRingId(b, L.MERGE_RING_ID, m.ringId, 'memb_merge_detect');
}

/** struct token_hold_cancel (totemsrp.c). */
function writeTokenHoldCancel(b: Uint8Array, m: TokenHoldCancel): void {
  writeHeader(b, 5, m);
  writeRingId(b, L.THC_RING_ID, m.ringId, 'token_hold_cancel');
}

/** struct memb_commit_token + addr[] + memb_list[] (totemsrp.c): both arrays have addr_entries items. */
function writeCommitToken(b: Uint8Array, c: MembCommitToken): void {
  const entries = c.addr.length;
  if (entries > L.PROCESSOR_COUNT_MAX) throw new RangeError(`memb_commit_token: ${entries} entries > PROCESSOR_COUNT_MAX`);
  if (c.membList.length !== entries) throw new RangeError(`memb_commit_token: ${c.membList.length} memb entries for ${entries} addrs`);
  writeHeader(b, 4, c);
  writeU32(b, L.COMMIT_TOKEN_SEQ, c.tokenSeq);
  writeRingId(b, L.COMMIT_RING_ID, c.ringId, 'memb_commit_token');
  writeU32(b, L.COMMIT_RETRANS_FLG, c.retransFlg);
  writeU32(b, L.COMMIT_MEMB_INDEX, c.membIndex);
  writeU32(b, L.COMMIT_ADDR_ENTRIES, entries);
  let o = writeNodeIds(b, L.COMMIT_TOKEN_SIZE, c.addr);
  for (let i = 0; i < entries; i++, o += L.COMMIT_MEMB_ENTRY_SIZE) {
    const e = c.membList[i]!;
    writeRingId(b, o, e.ringId, 'memb_commit_token memb_entry');
    writeU32(b, o + 12, e.aru);
    writeU32(b, o + 16, e.highDelivered);
    writeU32(b, o + 20, e.receivedFlg);
  }
}
