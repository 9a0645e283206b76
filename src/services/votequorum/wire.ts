/**
 * votequorum's executive messages with Corosync 3.1.7's byte layouts (exec/votequorum.c,
 * `struct req_exec_quorum_nodeinfo` and `req_exec_quorum_reconfigure`, both packed), offsets from
 * the start of the message, the executive's 16-byte header included; little-endian, as ringcast
 * always writes (Corosync nodes on x86 write the same):
 *
 *   NODEINFO    (fn 0, 32 bytes)  u32 nodeid @16, u32 votes @20, u32 expected_votes @24, u32 flags @28
 *   RECONFIGURE (fn 1, 32 bytes)  u32 nodeid @16, u32 value @20, u8 param @24, 3 bytes padding @25,
 *                                 4 bytes of tail padding (packed, but the header's aligned(8) rounds sizeof up)
 *
 * RECONFIGURE params: 1 EXPECTED_VOTES, 2 NODE_VOTES, 3 CANCEL_WFA. Decoders are strict (exact
 * size, known param) and never throw. Corosync's quorum-device messages (fn 2, 3) are not handled:
 * a NODEINFO for node id 0 (the device) is decoded and ignored by the service.
 */
import { allocBytes, readU32, writeU32 } from '../../bytes/index.js';
import { EXEC_HEADER_BYTES } from '../../exec/header.js';

/** Corosync's VOTEQUORUM_SERVICE (corodefs.h): kept, so mixed rings agree on message ids. */
export const VOTEQUORUM_SERVICE_ID = 5;
export const VotequorumMessageId = { nodeinfo: 0, reconfigure: 1 } as const;
export const ReconfigureParam = { expectedVotes: 1, nodeVotes: 2, cancelWaitForAll: 3 } as const;
export type ReconfigureParamCode = (typeof ReconfigureParam)[keyof typeof ReconfigureParam];

export const NODEINFO_BYTES = 32;
export const RECONFIGURE_BYTES = 32;

export interface NodeInfoMessage {
  readonly kind: 'nodeinfo';
  readonly nodeId: number;
  readonly votes: number;
  readonly expectedVotes: number;
  readonly flags: number;
}

export interface ReconfigureMessage {
  readonly kind: 'reconfigure';
  readonly nodeId: number;
  readonly value: number;
  readonly param: ReconfigureParamCode;
}

export type VotequorumExecMessage = NodeInfoMessage | ReconfigureMessage;

type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly detail: string };

/** The whole message with room for the executive's header (SendOptions.headerRoom). */
export function encodeVotequorumMessage(m: VotequorumExecMessage): Uint8Array {
  const out = allocBytes(m.kind === 'nodeinfo' ? NODEINFO_BYTES : RECONFIGURE_BYTES);
  const o = EXEC_HEADER_BYTES;
  writeU32(out, o, m.nodeId);
  if (m.kind === 'nodeinfo') {
    writeU32(out, o + 4, m.votes);
    writeU32(out, o + 8, m.expectedVotes);
    writeU32(out, o + 12, m.flags);
  } else {
    writeU32(out, o + 4, m.value);
    out[o + 8] = m.param;
  }
  return out;
}

function sized(message: Uint8Array, bytes: number, what: string): Decoded<never> | undefined {
  if (message.length !== bytes) return { ok: false, code: 'BAD_LENGTH', detail: `${what} of ${message.length} bytes, expected ${bytes}` };
  return undefined;
}

export function decodeNodeInfo(message: Uint8Array): Decoded<NodeInfoMessage> {
  const bad = sized(message, NODEINFO_BYTES, 'NODEINFO');
  if (bad) return bad;
  const o = EXEC_HEADER_BYTES;
  return {
    ok: true,
    value: { kind: 'nodeinfo', nodeId: readU32(message, o, false), votes: readU32(message, o + 4, false), expectedVotes: readU32(message, o + 8, false), flags: readU32(message, o + 12, false) },
  };
}

export function decodeReconfigure(message: Uint8Array): Decoded<ReconfigureMessage> {
  const bad = sized(message, RECONFIGURE_BYTES, 'RECONFIGURE');
  if (bad) return bad;
  const o = EXEC_HEADER_BYTES;
  const param = message[o + 8]!;
  if (param !== 1 && param !== 2 && param !== 3) return { ok: false, code: 'BAD_PARAM', detail: `RECONFIGURE param ${param}, expected 1, 2 or 3` };
  return { ok: true, value: { kind: 'reconfigure', nodeId: readU32(message, o, false), value: readU32(message, o + 4, false), param } };
}
