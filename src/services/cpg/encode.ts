/**
 * Encoder for CPG executive messages, little-endian with Corosync's x86_64 struct layout, so an
 * x86 Corosync peer reads them without swapping. Padding is zero (Corosync memsets most of these
 * structs; where it does not, receivers ignore padding anyway).
 *
 * A message that cannot be represented (name above 128 bytes, a u32 field out of range, a list
 * above PROCESSOR_COUNT_MAX, a fragment longer than its message) is a programmer error of the
 * caller and throws RangeError; the decoder, which faces the network, never throws.
 */
import { allocBytes, writeU32 } from '../../bytes/index.js';
import * as L from './layout.js';
import type { CpgExecMessage, MessageSource } from './messages.js';
import type { GroupName, NodeId } from '../../protocol/cpg/vocabulary.js';

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** Bytes `encodeCpgMessage(msg)` produces. */
export function cpgEncodedLength(msg: CpgExecMessage): number {
  switch (msg.kind) {
    case 'procjoin':
    case 'procleave':
      return L.PROCJOIN_SIZE;
    case 'joinlist':
      return L.RESPONSE_HEADER_SIZE + msg.entries.length * L.JLE_SIZE;
    case 'mcast':
      return L.MCAST_SIZE + msg.data.length;
    case 'partial_mcast':
      return L.PARTIAL_SIZE + msg.data.length;
    case 'downlist_old':
      return L.DOWNLIST_OLD_SIZE;
    case 'downlist':
      return L.DOWNLIST_SIZE;
    default:
      return unreachable(msg);
  }
}

export function encodeCpgMessage(msg: CpgExecMessage): Uint8Array {
  const size = cpgEncodedLength(msg);
  if (size > 0x7fff_ffff) throw new RangeError(`CPG message of ${size} bytes does not fit header.size (i32)`);
  // Short-lived: on its way to the ring, which copies it into a frame.
  const b = allocBytes(size);
  switch (msg.kind) {
    case 'procjoin':
    case 'procleave':
      writeHeader(b, msg.kind === 'procjoin' ? L.CpgMessageId.procjoin : L.CpgMessageId.procleave, size);
      writeName(b, L.PROCJOIN_GROUP, msg.group);
      writeU32Checked(b, L.PROCJOIN_PID, msg.pid, 'pid');
      writeU32Checked(b, L.PROCJOIN_REASON, msg.reason, 'reason');
      break;
    case 'joinlist':
      writeHeader(b, L.CpgMessageId.joinlist, size);
      for (let i = 0, o = L.JOINLIST_ENTRIES; i < msg.entries.length; i++, o += L.JLE_SIZE) {
        const e = msg.entries[i]!;
        writeU32Checked(b, o + L.JLE_PID, e.pid, 'joinlist pid');
        writeName(b, o + L.JLE_GROUP, e.group);
      }
      break;
    case 'mcast':
      writeHeader(b, L.CpgMessageId.mcast, size);
      writeName(b, L.MCAST_GROUP, msg.group);
      writeU32(b, L.MCAST_MSGLEN, msg.data.length);
      writeU32Checked(b, L.MCAST_PID, msg.pid, 'pid');
      writeSource(b, L.MCAST_SOURCE, msg.source);
      b.set(msg.data, L.MCAST_SIZE);
      break;
    case 'partial_mcast':
      if (msg.data.length > msg.totalBytes) {
        throw new RangeError(`fragment of ${msg.data.length} bytes is longer than its message (${msg.totalBytes})`);
      }
      writeHeader(b, L.CpgMessageId.partialMcast, size);
      writeName(b, L.PARTIAL_GROUP, msg.group);
      writeU32Checked(b, L.PARTIAL_MSGLEN, msg.totalBytes, 'msglen');
      writeU32(b, L.PARTIAL_FRAGLEN, msg.data.length);
      writeU32Checked(b, L.PARTIAL_PID, msg.pid, 'pid');
      writeU32Checked(b, L.PARTIAL_TYPE, msg.type, 'type');
      writeSource(b, L.PARTIAL_SOURCE, msg.source);
      b.set(msg.data, L.PARTIAL_SIZE);
      break;
    case 'downlist_old':
      writeHeader(b, L.CpgMessageId.downlistOld, size);
      writeU32(b, L.DOWNLIST_OLD_LEFT_NODES, msg.leftNodes.length);
      writeNodeIds(b, L.DOWNLIST_OLD_NODEIDS, msg.leftNodes);
      break;
    case 'downlist':
      writeHeader(b, L.CpgMessageId.downlist, size);
      if (msg.oldMembers > L.PROCESSOR_COUNT_MAX) throw new RangeError(`old_members ${msg.oldMembers} > ${L.PROCESSOR_COUNT_MAX}`);
      writeU32Checked(b, L.DOWNLIST_OLD_MEMBERS, msg.oldMembers, 'old_members');
      writeU32(b, L.DOWNLIST_LEFT_NODES, msg.leftNodes.length);
      writeNodeIds(b, L.DOWNLIST_NODEIDS, msg.leftNodes);
      break;
    default:
      return unreachable(msg);
  }
  return b;
}

function writeHeader(b: Uint8Array, messageId: L.CpgMessageIdCode, size: number): void {
  writeU32(b, L.HDR_ID, L.cpgHeaderId(messageId));
  writeU32(b, L.HDR_SIZE_FIELD, size);
}

function writeName(b: Uint8Array, o: number, name: GroupName): void {
  if (name.length > L.CPG_MAX_NAME_LENGTH) {
    throw new RangeError(`group name of ${name.length} bytes exceeds CPG_MAX_NAME_LENGTH ${L.CPG_MAX_NAME_LENGTH}`);
  }
  writeU32(b, o + L.NAME_LENGTH, name.length);
  b.set(name, o + L.NAME_VALUE);
}

function writeSource(b: Uint8Array, o: number, source: MessageSource): void {
  writeU32Checked(b, o + L.SOURCE_NODEID, source.nodeId, 'source.nodeid');
  if (source.conn < 0n || source.conn > U64_MAX) throw new RangeError(`source.conn ${source.conn} is not a u64`);
  writeU32(b, o + L.SOURCE_CONN, Number(source.conn & 0xffff_ffffn));
  writeU32(b, o + L.SOURCE_CONN + 4, Number(source.conn >> 32n));
}

function writeNodeIds(b: Uint8Array, o: number, ids: readonly NodeId[]): void {
  if (ids.length > L.PROCESSOR_COUNT_MAX) {
    throw new RangeError(`downlist of ${ids.length} nodes exceeds PROCESSOR_COUNT_MAX ${L.PROCESSOR_COUNT_MAX}`);
  }
  for (let i = 0; i < ids.length; i++) writeU32Checked(b, o + 4 * i, ids[i]!, 'nodeid');
}

function writeU32Checked(b: Uint8Array, o: number, v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new RangeError(`${what} ${v} is not a u32`);
  writeU32(b, o, v);
}

function unreachable(x: never): never {
  throw new Error(`unknown CPG message ${JSON.stringify(x)}`);
}
