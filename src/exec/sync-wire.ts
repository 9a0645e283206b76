/**
 * The sync engine's two messages, after exec/sync.c (Corosync 3.1.7): MESSAGE_REQ_SYNC_BARRIER
 * (0) and MESSAGE_REQ_SYNC_SERVICE_BUILD (1). Corosync sends them in a totempg group of their own
 * ("sync"); ringcast has one channel, so they travel as executive messages of the reserved
 * SYNC_SERVICE_ID. Both carry the ring id of the round (struct memb_ring_id, packed: u32 nodeid,
 * u64 seq) so that messages of an aborted round are recognised and ignored, as sync.c does with
 * its memcmp of my_ring_id. The barrier also names the service it closes (Corosync's barrier
 * carries no service: total order makes it implicit; the id lets us count a mismatch instead of
 * trusting it).
 *
 *   body offset 0  u32 ring rep, 4 u64 ring seq, 12..16 padding      (memb_ring_id aligned(8))
 *   barrier:       16 u32 service id, 20..24 padding
 *   service build: 16 u32 entries, 20..24 padding, 24 + 4*i u32 service_list[i]
 */
import { isU64Safe, readU32, readU64Safe, writeU32, writeU64 } from '../bytes/index.js';
import type { RingId } from '../totem/wire/types.js';
import { SERVICES_COUNT_MAX } from './header.js';

export const SYNC_MSG_BARRIER = 0;
export const SYNC_MSG_SERVICE_BUILD = 1;

const RING_BYTES = 16;
const BARRIER_BYTES = 24;
const BUILD_FIXED_BYTES = 24;

export interface BarrierMessage {
  readonly kind: 'barrier';
  readonly ringId: RingId;
  readonly serviceId: number;
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

function writeRing(out: Uint8Array, ringId: RingId): void {
  if (!isU64Safe(ringId.seq)) throw new RangeError(`ring seq ${ringId.seq} is not a u64`);
  writeU32(out, 0, ringId.rep);
  writeU64(out, 4, ringId.seq);
}

export function encodeBarrier(ringId: RingId, serviceId: number): Uint8Array {
  const out = new Uint8Array(BARRIER_BYTES);
  writeRing(out, ringId);
  writeU32(out, RING_BYTES, serviceId);
  return out;
}

export function encodeServiceBuild(ringId: RingId, serviceIds: readonly number[]): Uint8Array {
  if (serviceIds.length > SERVICES_COUNT_MAX) throw new RangeError(`${serviceIds.length} services, at most ${SERVICES_COUNT_MAX}`);
  const out = new Uint8Array(BUILD_FIXED_BYTES + 4 * serviceIds.length);
  writeRing(out, ringId);
  writeU32(out, RING_BYTES, serviceIds.length);
  serviceIds.forEach((id, i) => writeU32(out, BUILD_FIXED_BYTES + 4 * i, id));
  return out;
}

export function decodeSyncMessage(messageId: number, body: Uint8Array): SyncDecodeResult {
  if (messageId !== SYNC_MSG_BARRIER && messageId !== SYNC_MSG_SERVICE_BUILD) {
    return { ok: false, code: 'SYNC_UNKNOWN_MESSAGE', detail: `sync message id ${messageId}` };
  }
  if (body.length < RING_BYTES + 8) return { ok: false, code: 'SYNC_BAD_LENGTH', detail: `${body.length} bytes` };
  const seq = readU64Safe(body, 4, false);
  if (seq < 0) return { ok: false, code: 'SYNC_BAD_FIELD', detail: 'ring seq above 2^53' };
  const ringId: RingId = { rep: readU32(body, 0, false), seq };
  if (messageId === SYNC_MSG_BARRIER) {
    if (body.length !== BARRIER_BYTES) return { ok: false, code: 'SYNC_BAD_LENGTH', detail: `barrier of ${body.length} bytes` };
    return { ok: true, message: { kind: 'barrier', ringId, serviceId: readU32(body, RING_BYTES, false) } };
  }
  const entries = readU32(body, RING_BYTES, false);
  if (entries > SERVICES_COUNT_MAX) return { ok: false, code: 'SYNC_BAD_FIELD', detail: `${entries} services` };
  if (body.length !== BUILD_FIXED_BYTES + 4 * entries) {
    return { ok: false, code: 'SYNC_BAD_LENGTH', detail: `service build of ${body.length} bytes for ${entries} entries` };
  }
  const serviceIds: number[] = [];
  for (let i = 0; i < entries; i++) serviceIds.push(readU32(body, BUILD_FIXED_BYTES + 4 * i, false));
  return { ok: true, message: { kind: 'serviceBuild', ringId, serviceIds } };
}
