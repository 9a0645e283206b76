/**
 * The quorum library protocol (Corosync's libquorum, service 3): what a client
 * (src/client/quorum-service.ts) and ringcastd's quorum service (src/services/quorum) say to each
 * other inside the IPC transport's frames (the transport carries the message id and the
 * cs_error_t status).
 *
 * Ids follow Corosync's ipc_quorum.h (requests 0..4, events 3, 6, 7). Payloads carry Corosync's
 * fields without its 24-byte header and padding, little-endian; decoders are strict (exact
 * length, counts bounded and checked against the bytes present) and never throw.
 *
 * Requests (client → daemon):
 * | id | request        | payload             | CS_OK answer      | errors |
 * |----|----------------|---------------------|-------------------|--------|
 * |  0 | getquorate     | empty               | u32 quorate (0/1) | — |
 * |  1 | trackstart     | u32 flags (CURRENT 1, CHANGES 2, CHANGES_ONLY 4) | empty; CURRENT or CHANGES first send (V1) a nodelist event with no joined/left, then a quorum event | EXIST (already tracking, after the events) |
 * |  2 | trackstop      | empty               | empty             | none: CS_OK even when not tracking, as Corosync 3.1.7 |
 * |  3 | gettype        | empty               | u32 quorum type (0 QUORUM_FREE: no provider, 1 QUORUM_SET) | — |
 * |  4 | model_gettype  | u32 model (0 V0, 1 V1) | u32 quorum type; the connection's model is set | INVALID_PARAM (other model; the type is still answered) |
 *
 * Events (daemon → tracking client; a connection hears the events of its model only):
 * | id | event            | model | payload |
 * |----|------------------|-------|---------|
 * |  3 | notification     | V0    | u32 quorate, u64 ring seq, u32 n, n × u32 node id (the view list) |
 * |  6 | v1 quorum        | V1    | u32 quorate, u32 ring rep, u64 ring seq, u32 n, n × u32 node id |
 * |  7 | v1 nodelist      | V1    | u32 ring rep, u64 ring seq, u32 m, u32 j, u32 l, m members, j joined, l left (u32 each) |
 */
import { readU32, readU64Safe, writeU32, writeU64 } from '../bytes/index.js';

export const QUORUM_SERVICE_NAME = 'quorum';
export const QuorumRequest = { getquorate: 0, trackstart: 1, trackstop: 2, gettype: 3, modelGettype: 4 } as const;
export const QuorumEventId = { notification: 3, v1Quorum: 6, v1Nodelist: 7 } as const;
/** quorum.h: LIB_QUORUM_MODEL_V0 / V1. */
export const QuorumModel = { v0: 0, v1: 1 } as const;
export type QuorumModelValue = (typeof QuorumModel)[keyof typeof QuorumModel];
/** quorum.h: QUORUM_FREE (no provider: always quorate) / QUORUM_SET. */
export const QuorumType = { free: 0, set: 1 } as const;
/** Bound on every node list in an event (Corosync's PROCESSOR_COUNT_MAX is 384). */
export const QUORUM_VIEW_MAX = 4096;

export interface QuorumServiceRingId { readonly rep: number; readonly seq: number }

export type QuorumServiceEventValue =
  | { readonly type: 'notification'; readonly quorate: boolean; readonly ringSeq: number; readonly view: readonly number[] }
  | { readonly type: 'quorum'; readonly quorate: boolean; readonly ringId: QuorumServiceRingId; readonly view: readonly number[] }
  | {
    readonly type: 'nodelist'; readonly ringId: QuorumServiceRingId;
    readonly members: readonly number[]; readonly joined: readonly number[]; readonly left: readonly number[];
  };

export type QuorumDecoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly detail: string };
const fail = (code: string, detail: string): { ok: false; code: string; detail: string } => ({ ok: false, code, detail });

export function encodeU32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, 0, value);
  return out;
}

/** A request or answer of exactly one u32. */
export function decodeU32(payload: Uint8Array): QuorumDecoded<number> {
  if (payload.length !== 4) return fail('BAD_LENGTH', `${payload.length} bytes, expected 4`);
  return { ok: true, value: readU32(payload, 0, false) };
}

function writeIds(out: Uint8Array, at: number, ids: readonly number[]): number {
  ids.forEach((id, i) => writeU32(out, at + 4 * i, id));
  return at + 4 * ids.length;
}

function readIds(p: Uint8Array, at: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => readU32(p, at + 4 * i, false));
}

export function encodeQuorumServiceEvent(e: QuorumServiceEventValue): { messageId: number; payload: Uint8Array } {
  switch (e.type) {
    case 'notification': {
      const out = new Uint8Array(16 + 4 * e.view.length);
      writeU32(out, 0, e.quorate ? 1 : 0); writeU64(out, 4, e.ringSeq); writeU32(out, 12, e.view.length);
      writeIds(out, 16, e.view);
      return { messageId: QuorumEventId.notification, payload: out };
    }
    case 'quorum': {
      const out = new Uint8Array(20 + 4 * e.view.length);
      writeU32(out, 0, e.quorate ? 1 : 0); writeU32(out, 4, e.ringId.rep); writeU64(out, 8, e.ringId.seq); writeU32(out, 16, e.view.length);
      writeIds(out, 20, e.view);
      return { messageId: QuorumEventId.v1Quorum, payload: out };
    }
    case 'nodelist': {
      const out = new Uint8Array(24 + 4 * (e.members.length + e.joined.length + e.left.length));
      writeU32(out, 0, e.ringId.rep); writeU64(out, 4, e.ringId.seq);
      writeU32(out, 12, e.members.length); writeU32(out, 16, e.joined.length); writeU32(out, 20, e.left.length);
      writeIds(out, writeIds(out, writeIds(out, 24, e.members), e.joined), e.left);
      return { messageId: QuorumEventId.v1Nodelist, payload: out };
    }
  }
}

function quorateField(p: Uint8Array): QuorumDecoded<boolean> {
  const v = readU32(p, 0, false);
  return v > 1 ? fail('BAD_VALUE', `quorate ${v}`) : { ok: true, value: v === 1 };
}

export function decodeQuorumServiceEvent(messageId: number, p: Uint8Array): QuorumDecoded<QuorumServiceEventValue> {
  switch (messageId) {
    case QuorumEventId.notification: {
      if (p.length < 16) return fail('SHORT', `notification of ${p.length} bytes`);
      const q = quorateField(p);
      if (!q.ok) return q;
      const n = readU32(p, 12, false);
      if (n > QUORUM_VIEW_MAX || p.length !== 16 + 4 * n) return fail('BAD_LENGTH', `notification: ${n} nodes in ${p.length} bytes`);
      return { ok: true, value: { type: 'notification', quorate: q.value, ringSeq: readU64Safe(p, 4, false), view: readIds(p, 16, n) } };
    }
    case QuorumEventId.v1Quorum: {
      if (p.length < 20) return fail('SHORT', `quorum event of ${p.length} bytes`);
      const q = quorateField(p);
      if (!q.ok) return q;
      const n = readU32(p, 16, false);
      if (n > QUORUM_VIEW_MAX || p.length !== 20 + 4 * n) return fail('BAD_LENGTH', `quorum event: ${n} nodes in ${p.length} bytes`);
      return { ok: true, value: { type: 'quorum', quorate: q.value, ringId: { rep: readU32(p, 4, false), seq: readU64Safe(p, 8, false) }, view: readIds(p, 20, n) } };
    }
    case QuorumEventId.v1Nodelist: {
      if (p.length < 24) return fail('SHORT', `nodelist event of ${p.length} bytes`);
      const [m, j, l] = [readU32(p, 12, false), readU32(p, 16, false), readU32(p, 20, false)];
      if (m > QUORUM_VIEW_MAX || j > QUORUM_VIEW_MAX || l > QUORUM_VIEW_MAX || p.length !== 24 + 4 * (m + j + l)) {
        return fail('BAD_LENGTH', `nodelist event: ${m}+${j}+${l} nodes in ${p.length} bytes`);
      }
      return {
        ok: true,
        value: {
          type: 'nodelist', ringId: { rep: readU32(p, 0, false), seq: readU64Safe(p, 4, false) },
          members: readIds(p, 24, m), joined: readIds(p, 24 + 4 * m, j), left: readIds(p, 24 + 4 * (m + j), l),
        },
      };
    }
    default:
      return fail('UNKNOWN_EVENT', `event id ${messageId}`);
  }
}
