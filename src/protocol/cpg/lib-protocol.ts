/**
 * The CPG library protocol: what a client and ringcastd's CPG service say to each other inside
 * the IPC transport's request, response and event frames (src/ipc/design.md). The transport
 * carries a u32 message id and a status; this file defines the ids and the payloads.
 *
 * Message ids follow Corosync's ipc_cpg.h where it has the message (req_cpg_types for requests,
 * res_cpg_types for callbacks), so a trace reads the same numbers; requests Corosync does not
 * have (groupsList, flowControlGet) take free ids. Reasons are CPG_REASON_* (join 1, leave 2,
 * nodedown 3, nodeup 4, procdown 5), guarantees cpg_guarantee_t (agreed 2, safe 3), flow control
 * cpg_flow_control_state_t (disabled 0, enabled 1), the join flag
 * CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF (1).
 *
 * Encoding: little-endian; `name` = u8 length (0..128) + bytes; `member` = u32 nodeId, u32 pid
 * (8 bytes); `address` = member + u32 reason (12 bytes); `count` = u32; `data` = the rest of
 * the payload. Decoders are strict (exact length, known values, counts checked against the bytes
 * present before allocating) and return a typed error, never throw.
 *
 * Requests (client → daemon; the response status is Corosync's cs_error_t number, CS_OK = 1):
 * | id | request        | request payload                           | CS_OK response payload                                         | errors besides CS_ERR_INVALID_PARAM (bad payload) |
 * |----|----------------|-------------------------------------------|----------------------------------------------------------------|---------------------------------------------------|
 * |  0 | join           | name group, u32 flags (bit 0: initial totem confchg; bit 1: do not wait; other bits 0) | empty              | EXIST, TRY_AGAIN (leave pending; flow control with "do not wait"), NAME_TOO_LONG, NO_RESOURCES |
 * |  1 | leave          | name group                                | empty                                                          | NOT_EXIST, BUSY (join not applied yet)            |
 * |  2 | mcast          | u8 guarantee (2 agreed, 3 safe; or 0x80: do not wait), name group, data | empty                              | NOT_EXIST, TOO_BIG, TRY_AGAIN (flow control, only with "do not wait") |
 * |  3 | membershipGet  | name group                                | count n, n × member (sorted by nodeId, pid; n = 0 if no group) | —                                                 |
 * |  4 | localNodeIdGet | empty                                     | u32 nodeId                                                     | —                                                 |
 * |  5 | groupsList     | empty                                     | count g, g × (name group, count n, n × member), bytewise name order | TOO_BIG (listing exceeds the frame)         |
 * |  6 | flowControlGet | empty                                     | u8 state (0 disabled, 1 enabled)                               | —                                                 |
 * join/leave/mcast are answered when the executive message is handed to the ring, not when it is
 * delivered (as Corosync does): the join takes effect when its confchg event arrives.
 *
 * Waiting (ringcast's rule, not Corosync's): when the ring cannot take the message now (its send
 * queue is full, too many of this node's messages in flight, a synchronization running) the
 * daemon does not answer CS_ERR_TRY_AGAIN; it holds the request and stops reading the connection
 * until the ring takes it, so a client may keep many mcasts in flight and they still reach the
 * ring in the order it sent them (per-sender FIFO). A join or mcast with the "do not wait" flag
 * is answered CS_ERR_TRY_AGAIN at once instead (Corosync's behaviour, for callers that would
 * rather drop or do something else).
 *
 * Events (daemon → client, in agreed order with the messages):
 * | id | event          | payload                                                                                   |
 * |----|----------------|-------------------------------------------------------------------------------------------|
 * |  4 | confchg        | name group, count m, m × member (after the change), count l, l × address, count j, j × address |
 * |  5 | deliver        | name group, u32 nodeId, u32 pid, data                                                     |
 * |  8 | flowControl    | u8 state (0 disabled, 1 enabled): sent when the state changes                             |
 * | 13 | totemConfchg   | u32 ringId.nodeId, u64 ringId.seq, count n, n × u32 nodeId                                |
 * | 17 | partialDeliver | name group, u32 nodeId, u32 pid, u32 totalBytes, u8 type (1 first, 2 continued, 3 last), data (≤ totalBytes) |
 * partialDeliver only carries fragments sent by Corosync-style peers (exec partial_mcast); the
 * client library reassembles them. ringcast clients send whole messages (the frame bound is 1 MiB+).
 */
import type {
  ConfchgCallback,
  CpgAddress,
  CpgCallback,
  DeliverCallback,
  PartialDeliverCallback,
  TotemConfchgCallback,
} from './callbacks.js';
import { LibReader, LibWriter, type CpgLibDecodeResult } from './lib-bytes.js';
import { isCpgReason, type GroupName, type Member, type NodeId, type PartialTypeCode } from './vocabulary.js';

export type { CpgLibDecodeError, CpgLibDecodeErrorCode, CpgLibDecodeResult } from './lib-bytes.js';

/** The service name a CPG client asks for in its IPC hello. */
export const CPG_SERVICE_NAME = 'cpg';

export const CpgLibRequestId = {
  join: 0,
  leave: 1,
  mcast: 2,
  membershipGet: 3,
  localNodeIdGet: 4,
  groupsList: 5,
  flowControlGet: 6,
} as const;
export type CpgLibRequestKind = keyof typeof CpgLibRequestId;

export const CpgLibEventId = {
  confchg: 4,
  deliver: 5,
  flowControl: 8,
  totemConfchg: 13,
  partialDeliver: 17,
} as const;

/** cpg_guarantee_t values on the wire. */
export const CpgGuaranteeWire = { agreed: 2, safe: 3 } as const;
export type CpgGuarantee = keyof typeof CpgGuaranteeWire;

/** CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF. */
export const CPG_JOIN_FLAG_INITIAL_TOTEM_CONF = 1;
/** Join flag: answer CS_ERR_TRY_AGAIN instead of holding the request while the ring is full. */
export const CPG_JOIN_FLAG_NO_WAIT = 2;
/** Bit of the mcast guarantee byte: answer CS_ERR_TRY_AGAIN instead of holding the request. */
export const CPG_MCAST_FLAG_NO_WAIT = 0x80;

export type CpgFlowControlState = 'disabled' | 'enabled';

export type CpgLibRequest =
  /** `wait: false` (absent: true): CS_ERR_TRY_AGAIN at once rather than held while the ring is full. */
  | { readonly kind: 'join'; readonly group: GroupName; readonly deliverInitialTotemConf: boolean; readonly wait?: boolean }
  | { readonly kind: 'leave'; readonly group: GroupName }
  | { readonly kind: 'mcast'; readonly group: GroupName; readonly guarantee: CpgGuarantee; readonly data: Uint8Array; readonly wait?: boolean }
  | { readonly kind: 'membershipGet'; readonly group: GroupName }
  | { readonly kind: 'localNodeIdGet' }
  | { readonly kind: 'groupsList' }
  | { readonly kind: 'flowControlGet' };

export interface CpgGroupListing {
  readonly group: GroupName;
  readonly members: readonly Member[];
}

/** The CS_OK answer to each request kind. */
export type CpgLibResponse =
  | { readonly kind: 'join' | 'leave' | 'mcast' }
  | { readonly kind: 'membershipGet'; readonly members: readonly Member[] }
  | { readonly kind: 'localNodeIdGet'; readonly nodeId: NodeId }
  | { readonly kind: 'groupsList'; readonly groups: readonly CpgGroupListing[] }
  | { readonly kind: 'flowControlGet'; readonly state: CpgFlowControlState };

export interface FlowControlEvent {
  readonly kind: 'flow_control';
  readonly state: CpgFlowControlState;
}

/** Every event a client can receive: the core's callbacks plus flow control. */
export type CpgLibEvent = CpgCallback | FlowControlEvent;

export interface CpgLibFrame {
  readonly messageId: number;
  readonly payload: Uint8Array;
  /** More payload after `payload`, sent as it is (a delivery's data is not copied into the event). */
  readonly tail?: Uint8Array;
}

const MEMBER_BYTES = 8;
const ADDRESS_BYTES = 12;
/** The smallest groupsList entry: an empty name and a zero count. */
const LISTING_MIN_BYTES = 5;

// ---- requests ------------------------------------------------------------------------------

export function encodeCpgLibRequest(req: CpgLibRequest): CpgLibFrame {
  const w = new LibWriter(req.kind === 'mcast' ? 2 + req.group.length + req.data.length : 64);
  switch (req.kind) {
    case 'join':
      w.groupName(req.group).u32((req.deliverInitialTotemConf ? CPG_JOIN_FLAG_INITIAL_TOTEM_CONF : 0) | (req.wait === false ? CPG_JOIN_FLAG_NO_WAIT : 0));
      break;
    case 'leave':
    case 'membershipGet':
      w.groupName(req.group);
      break;
    case 'mcast':
      w.u8(CpgGuaranteeWire[req.guarantee] | (req.wait === false ? CPG_MCAST_FLAG_NO_WAIT : 0)).groupName(req.group).bytes(req.data);
      break;
    case 'localNodeIdGet':
    case 'groupsList':
    case 'flowControlGet':
      break;
  }
  return { messageId: CpgLibRequestId[req.kind], payload: w.finish() };
}

export function decodeCpgLibRequest(messageId: number, payload: Uint8Array): CpgLibDecodeResult<CpgLibRequest> {
  const r = new LibReader(payload);
  switch (messageId) {
    case CpgLibRequestId.join: {
      const group = r.groupName();
      const flags = r.u32('join flags');
      if ((flags & ~(CPG_JOIN_FLAG_INITIAL_TOTEM_CONF | CPG_JOIN_FLAG_NO_WAIT)) !== 0) r.fail('BAD_FIELD', `unknown join flags 0x${flags.toString(16)}`);
      const deliverInitialTotemConf = (flags & CPG_JOIN_FLAG_INITIAL_TOTEM_CONF) !== 0;
      // `wait` appears only when false, so a request without the flag decodes to what was encoded.
      return r.finish({ kind: 'join', group, deliverInitialTotemConf, ...((flags & CPG_JOIN_FLAG_NO_WAIT) !== 0 ? { wait: false } : {}) });
    }
    case CpgLibRequestId.leave:
      return r.finish({ kind: 'leave', group: r.groupName() });
    case CpgLibRequestId.mcast: {
      const byte = r.u8('guarantee');
      const wire = byte & ~CPG_MCAST_FLAG_NO_WAIT;
      const guarantee: CpgGuarantee = wire === CpgGuaranteeWire.safe ? 'safe' : 'agreed';
      if (r.error === undefined && wire !== CpgGuaranteeWire.agreed && wire !== CpgGuaranteeWire.safe) {
        r.fail('BAD_FIELD', `guarantee ${byte} (agreed 2, safe 3, or 0x80 do not wait)`);
      }
      const group = r.groupName();
      const noWait = (byte & CPG_MCAST_FLAG_NO_WAIT) !== 0;
      return r.finish({ kind: 'mcast', guarantee, group, data: r.rest('data'), ...(noWait ? { wait: false } : {}) });
    }
    case CpgLibRequestId.membershipGet:
      return r.finish({ kind: 'membershipGet', group: r.groupName() });
    case CpgLibRequestId.localNodeIdGet:
      return r.finish({ kind: 'localNodeIdGet' });
    case CpgLibRequestId.groupsList:
      return r.finish({ kind: 'groupsList' });
    case CpgLibRequestId.flowControlGet:
      return r.finish({ kind: 'flowControlGet' });
    default:
      return { ok: false, error: { code: 'UNKNOWN_MESSAGE', detail: `no CPG request with id ${messageId}` } };
  }
}

// ---- responses -----------------------------------------------------------------------------

export function encodeCpgLibResponse(res: CpgLibResponse): Uint8Array {
  const w = new LibWriter();
  switch (res.kind) {
    case 'join':
    case 'leave':
    case 'mcast':
      break;
    case 'membershipGet':
      writeMembers(w, res.members);
      break;
    case 'localNodeIdGet':
      w.u32(res.nodeId);
      break;
    case 'groupsList':
      w.u32(res.groups.length);
      for (const g of res.groups) writeMembers(w.groupName(g.group), g.members);
      break;
    case 'flowControlGet':
      w.u8(res.state === 'enabled' ? 1 : 0);
      break;
  }
  return w.finish();
}

/** Decodes the CS_OK payload of a response to a request of `kind`. */
export function decodeCpgLibResponse(kind: CpgLibRequestKind, payload: Uint8Array): CpgLibDecodeResult<CpgLibResponse> {
  const r = new LibReader(payload);
  switch (kind) {
    case 'join':
    case 'leave':
    case 'mcast':
      return r.finish({ kind });
    case 'membershipGet':
      return r.finish({ kind, members: readMembers(r) });
    case 'localNodeIdGet':
      return r.finish({ kind, nodeId: r.u32('nodeId') });
    case 'groupsList': {
      const n = r.count(LISTING_MIN_BYTES, 'groups');
      const groups: CpgGroupListing[] = [];
      for (let i = 0; i < n && r.error === undefined; i++) groups.push({ group: r.groupName(), members: readMembers(r) });
      return r.finish({ kind, groups });
    }
    case 'flowControlGet':
      return r.finish({ kind, state: readFlowControlState(r) });
  }
}

// ---- events --------------------------------------------------------------------------------

const SEPARATE_TAIL_BYTES_MIN = 512;

/**
 * encodeCpgLibEvent for the daemon's hot path: a deliver event's data stays where it is (a view of
 * the received frame) and goes out as the frame's tail; the bytes on the wire are the same.
 */
export function encodeCpgLibEventParts(ev: CpgLibEvent): CpgLibFrame {
  // A small delivery is cheaper copied than written as a chunk of its own.
  if (ev.kind !== 'deliver' || ev.data.length < SEPARATE_TAIL_BYTES_MIN) return encodeCpgLibEvent(ev);
  const head = new LibWriter(9 + ev.group.length).groupName(ev.group).u32(ev.nodeId).u32(ev.pid).finish();
  return { messageId: CpgLibEventId.deliver, payload: head, tail: ev.data };
}

export function encodeCpgLibEvent(ev: CpgLibEvent): CpgLibFrame {
  const w = new LibWriter(ev.kind === 'deliver' ? 9 + ev.group.length + ev.data.length : 64);
  switch (ev.kind) {
    case 'confchg':
      writeMembers(w.groupName(ev.group), ev.members);
      writeAddresses(w, ev.left);
      writeAddresses(w, ev.joined);
      return { messageId: CpgLibEventId.confchg, payload: w.finish() };
    case 'deliver':
      w.groupName(ev.group).u32(ev.nodeId).u32(ev.pid).bytes(ev.data);
      return { messageId: CpgLibEventId.deliver, payload: w.finish() };
    case 'partial_deliver':
      w.groupName(ev.group).u32(ev.nodeId).u32(ev.pid).u32(ev.totalBytes).u8(ev.type).bytes(ev.data);
      return { messageId: CpgLibEventId.partialDeliver, payload: w.finish() };
    case 'totem_confchg':
      w.u32(ev.ringId.nodeId).u64(ev.ringId.seq).u32(ev.nodes.length);
      for (const n of ev.nodes) w.u32(n);
      return { messageId: CpgLibEventId.totemConfchg, payload: w.finish() };
    case 'flow_control':
      w.u8(ev.state === 'enabled' ? 1 : 0);
      return { messageId: CpgLibEventId.flowControl, payload: w.finish() };
  }
}

export function decodeCpgLibEvent(messageId: number, payload: Uint8Array): CpgLibDecodeResult<CpgLibEvent> {
  const r = new LibReader(payload);
  switch (messageId) {
    case CpgLibEventId.confchg: {
      const group = r.groupName();
      const members = readMembers(r);
      const left = readAddresses(r, 'left');
      const joined = readAddresses(r, 'joined');
      return r.finish<ConfchgCallback>({ kind: 'confchg', group, members, left, joined });
    }
    case CpgLibEventId.deliver: {
      const group = r.groupName();
      const nodeId = r.u32('nodeId');
      const pid = r.u32('pid');
      return r.finish<DeliverCallback>({ kind: 'deliver', group, nodeId, pid, data: r.rest('data') });
    }
    case CpgLibEventId.partialDeliver:
      return decodePartialDeliver(r);
    case CpgLibEventId.totemConfchg: {
      const ringId = { nodeId: r.u32('ringId.nodeId'), seq: r.u64('ringId.seq') };
      const n = r.count(4, 'nodes');
      const nodes: NodeId[] = [];
      for (let i = 0; i < n; i++) nodes.push(r.u32('nodeId'));
      return r.finish<TotemConfchgCallback>({ kind: 'totem_confchg', ringId, nodes });
    }
    case CpgLibEventId.flowControl:
      return r.finish<FlowControlEvent>({ kind: 'flow_control', state: readFlowControlState(r) });
    default:
      return { ok: false, error: { code: 'UNKNOWN_MESSAGE', detail: `no CPG event with id ${messageId}` } };
  }
}

function decodePartialDeliver(r: LibReader): CpgLibDecodeResult<PartialDeliverCallback> {
  const group = r.groupName();
  const nodeId = r.u32('nodeId');
  const pid = r.u32('pid');
  const totalBytes = r.u32('totalBytes');
  const type = r.u8('type');
  if (r.error === undefined && (type < 1 || type > 3)) r.fail('BAD_FIELD', `partial type ${type} (1..3)`);
  if (r.error === undefined && r.remaining > totalBytes) r.fail('BAD_FIELD', `fragment of ${r.remaining} bytes > totalBytes ${totalBytes}`);
  const data = r.rest('data');
  return r.finish({ kind: 'partial_deliver', group, nodeId, pid, totalBytes, type: type as PartialTypeCode, data });
}

// ---- shared pieces -------------------------------------------------------------------------

function writeMembers(w: LibWriter, members: readonly Member[]): void {
  w.u32(members.length);
  for (const m of members) w.u32(m.nodeId).u32(m.pid);
}

function writeAddresses(w: LibWriter, list: readonly CpgAddress[]): void {
  w.u32(list.length);
  for (const a of list) w.u32(a.nodeId).u32(a.pid).u32(a.reason);
}

function readMembers(r: LibReader): Member[] {
  const n = r.count(MEMBER_BYTES, 'members');
  const out: Member[] = [];
  for (let i = 0; i < n; i++) out.push({ nodeId: r.u32('nodeId'), pid: r.u32('pid') });
  return out;
}

function readAddresses(r: LibReader, what: string): CpgAddress[] {
  const n = r.count(ADDRESS_BYTES, what);
  const out: CpgAddress[] = [];
  for (let i = 0; i < n && r.error === undefined; i++) {
    const nodeId = r.u32('nodeId');
    const pid = r.u32('pid');
    const reason = r.u32('reason');
    if (!isCpgReason(reason)) {
      r.fail('BAD_FIELD', `${what} reason ${reason} (1..5)`);
      break;
    }
    out.push({ nodeId, pid, reason });
  }
  return out;
}

function readFlowControlState(r: LibReader): CpgFlowControlState {
  const v = r.u8('flow control state');
  if (r.error === undefined && v > 1) r.fail('BAD_FIELD', `flow control state ${v} (0 disabled, 1 enabled)`);
  return v === 1 ? 'enabled' : 'disabled';
}
