/**
 * The votequorum library protocol: what a client (src/client/quorum.ts, `ringcast quorum`) and
 * ringcastd's votequorum service (src/services/votequorum) say to each other inside the IPC
 * transport's frames (the transport carries the message id and the cs_error_t status).
 *
 * Ids follow Corosync's ipc_votequorum.h (requests 0..4, events 3..5) so a trace reads the same
 * numbers; `state` (16) is ringcast's own: everything `ringcast quorum` prints, in one answer, so
 * the text is one consistent snapshot. Payloads carry Corosync's fields without its 24-byte
 * header and padding, little-endian; decoders are strict (exact length, counts bounded and
 * checked against the bytes present) and never throw.
 *
 * Requests (client → daemon):
 * | id | request     | payload                      | CS_OK answer                     | errors |
 * |----|-------------|------------------------------|----------------------------------|--------|
 * |  0 | getinfo     | u32 nodeId (0: this node)    | info (below)                     | NOT_EXIST (node never heard of) |
 * |  1 | setexpected | u32 expectedVotes            | empty, once the change is applied in agreed order | INVALID_PARAM (below the total votes, or would lose quorum) |
 * |  2 | setvotes    | u32 votes, u32 nodeId (0: this node) | empty, once applied      | NAME_NOT_FOUND, INVALID_PARAM |
 * |  3 | trackstart  | u32 flags (CURRENT 1, CHANGES 2, CHANGES_ONLY 4) | empty; CURRENT or CHANGES first send a nodelist and a quorum event | EXIST (already tracking, after the events) |
 * |  4 | trackstop   | empty                        | empty                            | NOT_EXIST |
 * | 16 | state       | empty                        | state (below)                    | — |
 *
 *   info   u32 nodeId, u32 state (1 member, 2 dead, 3 leaving), u32 votes, u32 expectedVotes,
 *          u32 highestExpected, u32 totalVotes, u32 quorum, u32 flags (QuorumInfoFlag)
 *   state  u8 quorate, u32 ring rep, u64 ring seq, u32 expectedVotes, u32 highestExpected,
 *          u32 totalVotes, u32 quorum, u32 flags, u32 n, n × node
 *   node   u32 nodeId, u32 state, u32 votes, u8 name length, name (UTF-8, ≤ 255 bytes)
 *          (the current configuration's members, in node id order)
 *
 * Events (daemon → tracking client):
 * | id | event         | payload |
 * |----|---------------|---------|
 * |  3 | quorum        | u8 quorate, u32 ring rep, u64 ring seq, u32 n, n × (u32 nodeId, u32 state): every node ever heard of |
 * |  4 | expectedVotes | u32 expectedVotes |
 * |  5 | nodelist      | u32 ring rep, u64 ring seq, u32 n, n × u32 nodeId: the new configuration's members |
 * After every configuration change a tracker hears nodelist (sync), then quorum (activate), as
 * Corosync sends them; a change of quorum outside a sync sends quorum alone.
 */
import { readU32, readU64Safe, writeU32, writeU64 } from '../bytes/index.js';

export const VOTEQUORUM_SERVICE_NAME = 'votequorum';
export const VotequorumRequest = { getinfo: 0, setexpected: 1, setvotes: 2, trackstart: 3, trackstop: 4, state: 16 } as const;
export const VotequorumEvent = { quorum: 3, expectedVotes: 4, nodelist: 5 } as const;
export const TrackFlag = { current: 1, changes: 2, changesOnly: 4 } as const;
/** getinfo flags (votequorum.h VOTEQUORUM_INFO_*). WAIT_FOR_ALL etc. name the options, not their status. */
export const QuorumInfoFlag = { twoNode: 1, quorate: 2, waitForAll: 4, lastManStanding: 8, autoTieBreaker: 16, allowDownscale: 32 } as const;
/** Bound on node lists in events and answers (node ids come from the nodelist; Corosync keeps 386 slots). */
export const QUORUM_NODES_MAX = 4096;
const NAME_BYTES_MAX = 255;

export interface QuorumRingId { readonly rep: number; readonly seq: number }

export interface QuorumInfo {
  readonly nodeId: number;
  readonly state: number;
  readonly votes: number;
  readonly expectedVotes: number;
  readonly highestExpected: number;
  readonly totalVotes: number;
  readonly quorum: number;
  readonly flags: number;
}

export interface QuorumStateNode { readonly nodeId: number; readonly state: number; readonly votes: number; readonly name: string }

export interface QuorumStateAnswer {
  readonly quorate: boolean;
  readonly ringId: QuorumRingId;
  readonly expectedVotes: number;
  readonly highestExpected: number;
  readonly totalVotes: number;
  readonly quorum: number;
  readonly flags: number;
  readonly nodes: readonly QuorumStateNode[];
}

export type VotequorumEventValue =
  | { readonly type: 'quorum'; readonly quorate: boolean; readonly ringId: QuorumRingId; readonly nodes: readonly { readonly nodeId: number; readonly state: number }[] }
  | { readonly type: 'expectedVotes'; readonly expectedVotes: number }
  | { readonly type: 'nodelist'; readonly ringId: QuorumRingId; readonly members: readonly number[] };

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly detail: string };
const fail = (code: string, detail: string): { ok: false; code: string; detail: string } => ({ ok: false, code, detail });

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Requests with fixed u32 fields: getinfo (1), setexpected (1), setvotes (2), trackstart (1). */
export function encodeU32s(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  values.forEach((v, i) => writeU32(out, 4 * i, v));
  return out;
}

export function decodeU32s(payload: Uint8Array, count: number): Decoded<number[]> {
  if (payload.length !== 4 * count) return fail('BAD_LENGTH', `${payload.length} bytes, expected ${4 * count}`);
  return { ok: true, value: Array.from({ length: count }, (_, i) => readU32(payload, 4 * i, false)) };
}

const INFO_FIELDS = ['nodeId', 'state', 'votes', 'expectedVotes', 'highestExpected', 'totalVotes', 'quorum', 'flags'] as const;

export function encodeInfo(info: QuorumInfo): Uint8Array {
  return encodeU32s(...INFO_FIELDS.map((f) => info[f]));
}

export function decodeInfo(payload: Uint8Array): Decoded<QuorumInfo> {
  const r = decodeU32s(payload, INFO_FIELDS.length);
  if (!r.ok) return r;
  return { ok: true, value: Object.fromEntries(INFO_FIELDS.map((f, i) => [f, r.value[i]!])) as unknown as QuorumInfo };
}

/** A small cursor over a payload; every read checks the bytes present. */
class Reader {
  o = 0;
  constructor(readonly b: Uint8Array) {}
  has(n: number): boolean {
    return this.o + n <= this.b.length;
  }
  u8(): number {
    return this.b[this.o++]!;
  }
  u32(): number {
    const v = readU32(this.b, this.o, false);
    this.o += 4;
    return v;
  }
  u64(): number {
    const v = readU64Safe(this.b, this.o, false);
    this.o += 8;
    return v;
  }
}

function nameBytes(name: string): Uint8Array {
  let bytes = utf8.encode(name);
  // Cut on a character boundary: a name longer than 255 bytes is shown shortened.
  while (bytes.length > NAME_BYTES_MAX) bytes = utf8.encode((name = name.slice(0, -1)));
  return bytes;
}

export function encodeState(s: QuorumStateAnswer): Uint8Array {
  const names = s.nodes.map((n) => nameBytes(n.name));
  const size = 1 + 4 + 8 + 5 * 4 + 4 + s.nodes.reduce((sum, _n, i) => sum + 13 + names[i]!.length, 0);
  const out = new Uint8Array(size);
  let o = 0;
  out[o++] = s.quorate ? 1 : 0;
  writeU32(out, o, s.ringId.rep); o += 4;
  writeU64(out, o, s.ringId.seq); o += 8;
  for (const v of [s.expectedVotes, s.highestExpected, s.totalVotes, s.quorum, s.flags, s.nodes.length]) {
    writeU32(out, o, v); o += 4;
  }
  s.nodes.forEach((n, i) => {
    writeU32(out, o, n.nodeId); writeU32(out, o + 4, n.state); writeU32(out, o + 8, n.votes);
    out[o + 12] = names[i]!.length;
    out.set(names[i]!, o + 13);
    o += 13 + names[i]!.length;
  });
  return out;
}

export function decodeState(payload: Uint8Array): Decoded<QuorumStateAnswer> {
  const r = new Reader(payload);
  if (!r.has(37)) return fail('SHORT', `state answer of ${payload.length} bytes`);
  const quorate = r.u8();
  if (quorate > 1) return fail('BAD_VALUE', `quorate ${quorate}`);
  const ringId = { rep: r.u32(), seq: r.u64() };
  const [expectedVotes, highestExpected, totalVotes, quorum, flags, n] = [r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()];
  if (n! > QUORUM_NODES_MAX) return fail('TOO_MANY', `${n} nodes, at most ${QUORUM_NODES_MAX}`);
  const nodes: QuorumStateNode[] = [];
  for (let i = 0; i < n!; i++) {
    if (!r.has(13)) return fail('SHORT', `node ${i} cut off`);
    const nodeId = r.u32(); const state = r.u32(); const votes = r.u32(); const len = r.u8();
    if (!r.has(len)) return fail('SHORT', `name of node ${nodeId} cut off`);
    let name: string;
    try {
      name = strictUtf8.decode(payload.subarray(r.o, r.o + len));
    } catch {
      return fail('BAD_UTF8', `name of node ${nodeId}`);
    }
    r.o += len;
    nodes.push({ nodeId, state, votes, name });
  }
  if (r.o !== payload.length) return fail('TRAILING', `${payload.length - r.o} bytes after the last node`);
  return { ok: true, value: { quorate: quorate === 1, ringId, expectedVotes: expectedVotes!, highestExpected: highestExpected!, totalVotes: totalVotes!, quorum: quorum!, flags: flags!, nodes } };
}

export function encodeEvent(e: VotequorumEventValue): { messageId: number; payload: Uint8Array } {
  switch (e.type) {
    case 'expectedVotes':
      return { messageId: VotequorumEvent.expectedVotes, payload: encodeU32s(e.expectedVotes) };
    case 'nodelist': {
      const out = new Uint8Array(16 + 4 * e.members.length);
      writeU32(out, 0, e.ringId.rep); writeU64(out, 4, e.ringId.seq); writeU32(out, 12, e.members.length);
      e.members.forEach((id, i) => writeU32(out, 16 + 4 * i, id));
      return { messageId: VotequorumEvent.nodelist, payload: out };
    }
    case 'quorum': {
      const out = new Uint8Array(17 + 8 * e.nodes.length);
      out[0] = e.quorate ? 1 : 0;
      writeU32(out, 1, e.ringId.rep); writeU64(out, 5, e.ringId.seq); writeU32(out, 13, e.nodes.length);
      e.nodes.forEach((n, i) => { writeU32(out, 17 + 8 * i, n.nodeId); writeU32(out, 21 + 8 * i, n.state); });
      return { messageId: VotequorumEvent.quorum, payload: out };
    }
  }
}

export function decodeEvent(messageId: number, p: Uint8Array): Decoded<VotequorumEventValue> {
  switch (messageId) {
    case VotequorumEvent.expectedVotes: {
      const r = decodeU32s(p, 1);
      return r.ok ? { ok: true, value: { type: 'expectedVotes', expectedVotes: r.value[0]! } } : r;
    }
    case VotequorumEvent.nodelist: {
      if (p.length < 16) return fail('SHORT', `nodelist event of ${p.length} bytes`);
      const n = readU32(p, 12, false);
      if (n > QUORUM_NODES_MAX || p.length !== 16 + 4 * n) return fail('BAD_LENGTH', `nodelist event: ${n} members in ${p.length} bytes`);
      return { ok: true, value: { type: 'nodelist', ringId: { rep: readU32(p, 0, false), seq: readU64Safe(p, 4, false) }, members: Array.from({ length: n }, (_, i) => readU32(p, 16 + 4 * i, false)) } };
    }
    case VotequorumEvent.quorum: {
      if (p.length < 17 || p[0]! > 1) return fail('SHORT', `quorum event of ${p.length} bytes`);
      const n = readU32(p, 13, false);
      if (n > QUORUM_NODES_MAX || p.length !== 17 + 8 * n) return fail('BAD_LENGTH', `quorum event: ${n} nodes in ${p.length} bytes`);
      return {
        ok: true,
        value: {
          type: 'quorum', quorate: p[0] === 1, ringId: { rep: readU32(p, 1, false), seq: readU64Safe(p, 5, false) },
          nodes: Array.from({ length: n }, (_, i) => ({ nodeId: readU32(p, 17 + 8 * i, false), state: readU32(p, 21 + 8 * i, false) })),
        },
      };
    }
    default:
      return fail('UNKNOWN_EVENT', `event id ${messageId}`);
  }
}

/** corosync-quorumtool's flag words, in its order (the Qdevice word never applies here). */
export function quorumFlagWords(flags: number): string[] {
  const words: [number, string][] = [
    [QuorumInfoFlag.twoNode, '2Node'], [QuorumInfoFlag.quorate, 'Quorate'], [QuorumInfoFlag.waitForAll, 'WaitForAll'],
    [QuorumInfoFlag.lastManStanding, 'LastManStanding'], [QuorumInfoFlag.autoTieBreaker, 'AutoTieBreaker'],
    [QuorumInfoFlag.allowDownscale, 'AllowDownscale'],
  ];
  return words.filter(([bit]) => flags & bit).map(([, word]) => word);
}

/** The one operator ring-id formatter (ring-id.ts), re-exported for the quorum client and tool. */
export { corosyncRingId } from './ring-id.js';
