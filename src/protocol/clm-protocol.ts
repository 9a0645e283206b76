/**
 * The CLM (SA Forum cluster membership, saClm* B.01.01) library protocol inside IPC frames, and
 * the node record both the library protocol and the service's executive message carry. The client
 * handle (src/client/clm.ts) and the service (src/services/clm) both import this file; neither
 * imports the other.
 *
 * Every response payload starts with a u32 SaAisErrorT (sa-errors.ts): the transport status stays
 * CS_OK for an SA answer, so SA codes Corosync's cs_error_t lacks (BAD_FLAGS, NO_SPACE, INIT)
 * travel too; a transport failure (daemon gone, oversize frame) is the transport's status.
 *
 * | id | request   | request payload  | response payload after the u32 SA error (OK only)      |
 * |----|-----------|------------------|--------------------------------------------------------|
 * |  0 | track     | u32 track flags  | u8 hasView, then the notification when CURRENT was set  |
 * |  1 | trackStop | (empty)          | (empty)                                                |
 * |  2 | nodeGet   | u32 node id      | the node record                                        |
 *
 * | id | event          | payload      |
 * |----|----------------|--------------|
 * |  0 | trackCallback  | notification |
 *
 * node record: u32 nodeId, u8 family (1 inet, 2 inet6), u8 address length (≤ 64), address bytes,
 *   u16 name length (≤ 256), name bytes (UTF-8), i64 bootTimestamp (ns since the epoch),
 *   u64 initialViewNumber.
 * notification: u64 viewNumber, u32 numberOfMembers, u32 item count (≤ 2 × 384), items:
 *   u8 change (1 NO_CHANGE, 2 JOINED, 3 LEFT, 4 RECONFIGURED), u8 member (0/1), node record.
 *
 * Decoders are strict: never throw, check counts against the bytes present before allocating,
 * reject unknown values and trailing bytes.
 */
import { ClmReader, ClmWriter, type ClmDecodeResult } from './clm-bytes.js';
import { SA_AIS_ERROR, saStatusName, type SaAisStatus } from './sa-errors.js';

export type { ClmDecodeError, ClmDecodeErrorCode, ClmDecodeResult } from './clm-bytes.js';

/** The name a client asks for in its IPC hello. */
export const CLM_SERVICE_NAME = 'clm';

/** SA_CLM_LOCAL_NODE_ID: nodeGet of the local node, whatever its id. */
export const SA_CLM_LOCAL_NODE_ID = 0xffffffff;
/** SA_CLM_MAX_ADDRESS_LENGTH: bytes of a node address's text. */
export const CLM_MAX_ADDRESS_BYTES = 64;
/** SA_MAX_NAME_LENGTH: bytes of a node name. */
export const CLM_MAX_NAME_BYTES = 256;
/** Totem's PROCESSOR_COUNT_MAX: members of one view. */
export const CLM_MAX_NODES = 384;
/** A notification lists the members of the new view and the nodes that left: at most twice the ring. */
export const CLM_MAX_ITEMS = 2 * CLM_MAX_NODES;

/** SaClmTrackFlags (saAis.h). */
export const SA_TRACK_CURRENT = 0x01;
export const SA_TRACK_CHANGES = 0x02;
export const SA_TRACK_CHANGES_ONLY = 0x04;

export const ClmLibRequestId = { track: 0, trackStop: 1, nodeGet: 2 } as const;
export type ClmLibRequestKind = keyof typeof ClmLibRequestId;
export const ClmLibEventId = { trackCallback: 0 } as const;

export type ClmAddressFamily = 'inet' | 'inet6';

/** SaClmClusterNodeT without `member`, which depends on the list the record is in. */
export interface ClmNodeRecord {
  readonly nodeId: number;
  readonly address: { readonly family: ClmAddressFamily; readonly text: string };
  readonly name: string;
  /** Nanoseconds since the epoch (SaTimeT). */
  readonly bootTimestamp: bigint;
  /** The view number of the first configuration this node's CLM service installed. */
  readonly initialViewNumber: number;
}

/** SaClmClusterChangesT. */
export type ClmChange = 'NO_CHANGE' | 'JOINED' | 'LEFT' | 'RECONFIGURED';
const CHANGE_WIRE: Readonly<Record<ClmChange, number>> = { NO_CHANGE: 1, JOINED: 2, LEFT: 3, RECONFIGURED: 4 };
const CHANGE_OF_WIRE: readonly (ClmChange | undefined)[] = [undefined, 'NO_CHANGE', 'JOINED', 'LEFT', 'RECONFIGURED'];

export interface ClmNotificationItem {
  readonly node: ClmNodeRecord;
  readonly member: boolean;
  readonly change: ClmChange;
}

/** SaClmClusterNotificationBufferT plus the callback's numberOfMembers. */
export interface ClmNotification {
  readonly viewNumber: number;
  /** Members of the view; LEFT items are not counted (OpenAIS counted them). CHANGES_ONLY items may list fewer. */
  readonly numberOfMembers: number;
  readonly items: readonly ClmNotificationItem[];
}

export type ClmLibRequest =
  | { readonly kind: 'track'; readonly flags: number }
  | { readonly kind: 'trackStop' }
  | { readonly kind: 'nodeGet'; readonly nodeId: number };

export type ClmLibResponse =
  | { readonly kind: 'track'; readonly view: ClmNotification | undefined }
  | { readonly kind: 'trackStop' }
  | { readonly kind: 'nodeGet'; readonly node: ClmNodeRecord };

/** An answer: the SA status, and the body when it is SA_AIS_OK. */
export type ClmLibAnswer = { readonly error: 'SA_AIS_OK'; readonly value: ClmLibResponse } | { readonly error: Exclude<SaAisStatus, 'SA_AIS_OK'> };

export interface ClmLibFrame {
  readonly messageId: number;
  readonly payload: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const RECORD_MIN_BYTES = 4 + 1 + 1 + 2 + 8 + 8;
const ITEM_MIN_BYTES = 2 + RECORD_MIN_BYTES;

/** Why a record cannot be encoded (name or address over its bound); undefined when it can. */
export function checkRecord(record: ClmNodeRecord): string | undefined {
  const name = encoder.encode(record.name).length;
  if (name > CLM_MAX_NAME_BYTES) return `node name of ${name} bytes > ${CLM_MAX_NAME_BYTES}`;
  const address = encoder.encode(record.address.text).length;
  if (address > CLM_MAX_ADDRESS_BYTES) return `node address of ${address} bytes > ${CLM_MAX_ADDRESS_BYTES}`;
  if (!Number.isInteger(record.nodeId) || record.nodeId < 0 || record.nodeId > 0xffffffff) return `node id ${record.nodeId} is not a u32`;
  if (!Number.isSafeInteger(record.initialViewNumber) || record.initialViewNumber < 0) return `initial view number ${record.initialViewNumber} is not a u64 below 2^53`;
  return undefined;
}

export function writeRecord(w: ClmWriter, record: ClmNodeRecord): void {
  const problem = checkRecord(record);
  if (problem !== undefined) throw new RangeError(problem);
  const address = encoder.encode(record.address.text);
  const name = encoder.encode(record.name);
  w.u32(record.nodeId).u8(record.address.family === 'inet' ? 1 : 2).u8(address.length).bytes(address);
  w.u16(name.length).bytes(name).i64(record.bootTimestamp).u64(record.initialViewNumber);
}

function text(r: ClmReader, n: number, what: string): string {
  const bytes = r.bytes(n, what);
  try {
    return decoder.decode(bytes);
  } catch {
    r.fail('BAD_FIELD', `${what} is not UTF-8`);
    return '';
  }
}

export function readRecord(r: ClmReader): ClmNodeRecord {
  const nodeId = r.u32('node id');
  const familyWire = r.u8('address family');
  if (!r.failed && familyWire !== 1 && familyWire !== 2) r.fail('BAD_FIELD', `address family ${familyWire}`);
  const addressLength = r.u8('address length');
  if (addressLength > CLM_MAX_ADDRESS_BYTES) r.fail('BAD_FIELD', `address of ${addressLength} bytes > ${CLM_MAX_ADDRESS_BYTES}`);
  const address = text(r, addressLength, 'address');
  const nameLength = r.u16('name length');
  if (nameLength > CLM_MAX_NAME_BYTES) r.fail('BAD_FIELD', `name of ${nameLength} bytes > ${CLM_MAX_NAME_BYTES}`);
  const name = text(r, nameLength, 'name');
  const bootTimestamp = r.i64('boot timestamp');
  const initialViewNumber = r.u64('initial view number');
  return { nodeId, address: { family: familyWire === 2 ? 'inet6' : 'inet', text: address }, name, bootTimestamp, initialViewNumber };
}

/** One record alone (the service's executive message body). */
export function encodeRecord(record: ClmNodeRecord): Uint8Array {
  const w = new ClmWriter();
  writeRecord(w, record);
  return w.finish();
}

export function decodeRecord(bytes: Uint8Array): ClmDecodeResult<ClmNodeRecord> {
  const r = new ClmReader(bytes);
  const record = readRecord(r);
  return r.finish(record);
}

function writeNotification(w: ClmWriter, n: ClmNotification): void {
  if (n.items.length > CLM_MAX_ITEMS) throw new RangeError(`${n.items.length} notification items > ${CLM_MAX_ITEMS}`);
  w.u64(n.viewNumber).u32(n.numberOfMembers).u32(n.items.length);
  for (const item of n.items) {
    w.u8(CHANGE_WIRE[item.change]).u8(item.member ? 1 : 0);
    writeRecord(w, item.node);
  }
}

function readNotification(r: ClmReader): ClmNotification {
  const viewNumber = r.u64('view number');
  const numberOfMembers = r.u32('number of members');
  const count = r.count(ITEM_MIN_BYTES, CLM_MAX_ITEMS, 'items');
  const items: ClmNotificationItem[] = [];
  for (let i = 0; i < count && !r.failed; i++) {
    const changeWire = r.u8('change');
    const change = CHANGE_OF_WIRE[changeWire];
    if (change === undefined && !r.failed) r.fail('BAD_FIELD', `change ${changeWire}`);
    const memberWire = r.u8('member');
    if (memberWire > 1) r.fail('BAD_FIELD', `member ${memberWire}`);
    const node = readRecord(r);
    items.push({ node, member: memberWire === 1, change: change ?? 'NO_CHANGE' });
  }
  // CHANGES_ONLY lists only the changed nodes, so the count is checked against the ring's bound only.
  if (!r.failed && numberOfMembers > CLM_MAX_NODES) r.fail('BAD_FIELD', `numberOfMembers ${numberOfMembers} > ${CLM_MAX_NODES}`);
  return { viewNumber, numberOfMembers, items };
}

export function encodeClmLibRequest(req: ClmLibRequest): ClmLibFrame {
  const w = new ClmWriter();
  if (req.kind === 'track') w.u32(req.flags);
  else if (req.kind === 'nodeGet') w.u32(req.nodeId);
  return { messageId: ClmLibRequestId[req.kind], payload: w.finish() };
}

export function decodeClmLibRequest(messageId: number, payload: Uint8Array): ClmDecodeResult<ClmLibRequest> {
  const r = new ClmReader(payload);
  switch (messageId) {
    case ClmLibRequestId.track:
      return r.finish({ kind: 'track', flags: r.u32('track flags') });
    case ClmLibRequestId.trackStop:
      return r.finish({ kind: 'trackStop' });
    case ClmLibRequestId.nodeGet:
      return r.finish({ kind: 'nodeGet', nodeId: r.u32('node id') });
    default:
      return { ok: false, error: { code: 'UNKNOWN_MESSAGE', detail: `request id ${messageId}` } };
  }
}

export function encodeClmLibAnswer(answer: ClmLibAnswer): Uint8Array {
  const w = new ClmWriter().u32(SA_AIS_ERROR[answer.error]);
  if (answer.error !== 'SA_AIS_OK') return w.finish();
  const res = answer.value;
  if (res.kind === 'track') {
    w.u8(res.view ? 1 : 0);
    if (res.view) writeNotification(w, res.view);
  } else if (res.kind === 'nodeGet') {
    writeRecord(w, res.node);
  }
  return w.finish();
}

export function decodeClmLibAnswer(kind: ClmLibRequestKind, payload: Uint8Array): ClmDecodeResult<ClmLibAnswer> {
  const r = new ClmReader(payload);
  const value = r.u32('SA error');
  const status = saStatusName(value);
  if (status === undefined) {
    r.fail('BAD_FIELD', `SA error ${value}`);
    return r.finish({ error: 'SA_AIS_ERR_LIBRARY' });
  }
  if (status !== 'SA_AIS_OK') return r.finish({ error: status });
  switch (kind) {
    case 'track': {
      const has = r.u8('has view');
      if (has > 1) r.fail('BAD_FIELD', `has view ${has}`);
      const view = has === 1 ? readNotification(r) : undefined;
      return r.finish({ error: 'SA_AIS_OK', value: { kind, view } });
    }
    case 'trackStop':
      return r.finish({ error: 'SA_AIS_OK', value: { kind } });
    case 'nodeGet':
      return r.finish({ error: 'SA_AIS_OK', value: { kind, node: readRecord(r) } });
  }
}

export function encodeClmTrackCallback(n: ClmNotification): ClmLibFrame {
  const w = new ClmWriter();
  writeNotification(w, n);
  return { messageId: ClmLibEventId.trackCallback, payload: w.finish() };
}

export function decodeClmLibEvent(messageId: number, payload: Uint8Array): ClmDecodeResult<ClmNotification> {
  if (messageId !== ClmLibEventId.trackCallback) return { ok: false, error: { code: 'UNKNOWN_MESSAGE', detail: `event id ${messageId}` } };
  const r = new ClmReader(payload);
  const n = readNotification(r);
  return r.finish(n);
}
