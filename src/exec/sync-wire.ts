/**
 * The sync engine's two messages, byte for byte as exec/sync.c (Corosync 3.1.7) sends them in
 * the totempg group "sync" (GROUP_SYNC): MESSAGE_REQ_SYNC_BARRIER (0) and
 * MESSAGE_REQ_SYNC_SERVICE_BUILD (1). Whole messages, little-endian:
 *
 *   @0  i32 id (the message id itself: the sync group has no services)   @4 padding
 *   @8  i32 size (bytes of the whole message)                            @12 padding
 *   @16 memb_ring_id, packed: u32 representative, u64 seq                 @28 padding to 32
 *   barrier:        32 bytes, nothing more
 *   service build:  @32 i32 service_list_entries, @36 padding, @40 i32 service_list[128]: 552 bytes
 *
 * The ring id lets a member ignore messages of an aborted round, as sync.c does with its memcmp of
 * my_ring_id. The barrier names no service: agreed order makes it the barrier of the entry every
 * member is at (all barriers of one entry precede any of the next).
 */
import { isU64Safe, readI32, readU32, readU64Safe, writeU32, writeU64 } from '../bytes/index.js';
import type { RingId } from '../totem/wire/types.js';
import { SERVICES_COUNT_MAX } from './header.js';

export const SYNC_MSG_BARRIER = 0;
export const SYNC_MSG_SERVICE_BUILD = 1;

const OFF_ID = 0;
const OFF_SIZE = 8;
const OFF_RING = 16;
const OFF_ENTRIES = 32;
const OFF_LIST = 40;
/** sync.c's service_list[128]. */
export const SYNC_SERVICE_LIST_SLOTS = 128;
export const SYNC_BARRIER_BYTES = 32;
export const SYNC_SERVICE_BUILD_BYTES = OFF_LIST + 4 * SYNC_SERVICE_LIST_SLOTS;

export interface BarrierMessage {
  readonly kind: 'barrier';
  readonly ringId: RingId;
}

export interface ServiceBuildMessage {
  readonly kind: 'serviceBuild';
  readonly ringId: RingId;
  readonly serviceIds: readonly number[];
}

export type SyncMessage = BarrierMessage | ServiceBuildMessage;

export type SyncDecodeResult =
  | { readonly ok: true; readonly message: SyncMessage }
  | { readonly ok: false; readonly code: 'SYNC_UNKNOWN_MESSAGE' | 'SYNC_BAD_LENGTH' | 'SYNC_BAD_FIELD'; readonly detail: string };

function header(bytes: number, messageId: number, ringId: RingId): Uint8Array {
  if (!isU64Safe(ringId.seq)) throw new RangeError(`ring seq ${ringId.seq} is not a u64`);
  const out = new Uint8Array(bytes);
  writeU32(out, OFF_ID, messageId);
  writeU32(out, OFF_SIZE, bytes);
  writeU32(out, OFF_RING, ringId.rep);
  writeU64(out, OFF_RING + 4, ringId.seq);
  return out;
}

export function encodeBarrier(ringId: RingId): Uint8Array {
  return header(SYNC_BARRIER_BYTES, SYNC_MSG_BARRIER, ringId);
}

export function encodeServiceBuild(ringId: RingId, serviceIds: readonly number[]): Uint8Array {
  if (serviceIds.length > SERVICES_COUNT_MAX) throw new RangeError(`${serviceIds.length} services, at most ${SERVICES_COUNT_MAX}`);
  const out = header(SYNC_SERVICE_BUILD_BYTES, SYNC_MSG_SERVICE_BUILD, ringId);
  writeU32(out, OFF_ENTRIES, serviceIds.length);
  serviceIds.forEach((id, i) => writeU32(out, OFF_LIST + 4 * i, id));
  return out;
}

/** Decodes a whole message of the sync group. Never throws. */
export function decodeSyncMessage(message: Uint8Array): SyncDecodeResult {
  if (message.length < SYNC_BARRIER_BYTES) return { ok: false, code: 'SYNC_BAD_LENGTH', detail: `${message.length} bytes` };
  const id = readI32(message, OFF_ID, false);
  const size = readI32(message, OFF_SIZE, false);
  if (size !== message.length) return { ok: false, code: 'SYNC_BAD_LENGTH', detail: `header says ${size} bytes, ${message.length} delivered` };
  const seq = readU64Safe(message, OFF_RING + 4, false);
  if (seq < 0) return { ok: false, code: 'SYNC_BAD_FIELD', detail: 'ring seq above 2^53' };
  const ringId: RingId = { rep: readU32(message, OFF_RING, false), seq };
  if (id === SYNC_MSG_BARRIER) {
    if (message.length !== SYNC_BARRIER_BYTES) return { ok: false, code: 'SYNC_BAD_LENGTH', detail: `barrier of ${message.length} bytes, not ${SYNC_BARRIER_BYTES}` };
    return { ok: true, message: { kind: 'barrier', ringId } };
  }
  if (id !== SYNC_MSG_SERVICE_BUILD) return { ok: false, code: 'SYNC_UNKNOWN_MESSAGE', detail: `sync message id ${id}` };
  if (message.length !== SYNC_SERVICE_BUILD_BYTES) {
    return { ok: false, code: 'SYNC_BAD_LENGTH', detail: `service build of ${message.length} bytes, not ${SYNC_SERVICE_BUILD_BYTES}` };
  }
  const entries = readI32(message, OFF_ENTRIES, false);
  if (entries < 0 || entries > SYNC_SERVICE_LIST_SLOTS) return { ok: false, code: 'SYNC_BAD_FIELD', detail: `${entries} services` };
  const serviceIds: number[] = [];
  for (let i = 0; i < entries; i++) {
    const serviceId = readI32(message, OFF_LIST + 4 * i, false);
    if (serviceId < 0 || serviceId >= SERVICES_COUNT_MAX) return { ok: false, code: 'SYNC_BAD_FIELD', detail: `service id ${serviceId}` };
    serviceIds.push(serviceId);
  }
  return { ok: true, message: { kind: 'serviceBuild', ringId, serviceIds } };
}
