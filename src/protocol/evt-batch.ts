/**
 * Batched EVT deliveries (EVT library protocol version 2, see evt-lib.ts). With many subscribers
 * a daemon sends the same event to many connections, and one IPC event frame per delivery cost
 * more than the delivery itself (a frame head, two socket writes, a parse and an emit on the
 * client each). So:
 *
 * - The daemon encodes an event's delivery record once (`encodeEvtDeliveryRecord`) and shares it
 *   across every subscription of every connection; only the channel handle and subscription id
 *   (the record's first 8 bytes) differ per delivery.
 * - A client that asked for it (request 9 `batch`) gets event 1 `deliver-batch`: the deliveries
 *   one connection has room for in one turn, in the order it must see them, in one frame.
 *
 * Event 1 payload: u16 count (1..EVT_BATCH_DELIVERIES_MAX), then count x (u32 record bytes,
 * record). A record is byte for byte the payload of event 0 `deliver` (evt-lib.ts). The payload
 * is at most the `maxBytes` agreed in request 9, except that a batch always holds at least one
 * record: a record alone over that bound goes as an event 0 instead.
 */
import { EVT_PATTERNS_MAX, EVT_PATTERNS_MAX_BYTES, isPriority, patternsBytes, type EvtDecodeErrorCode, type EvtDelivery, type EvtDecodeResult } from './evt-lib.js';

export const EVT_EVENT_DELIVER_BATCH = 1;

/** Bounds of request 9: a daemon clamps what a client asks for into them. */
export const EVT_BATCH_DELIVERIES_MAX = 1024;
export const EVT_BATCH_BYTES_MIN = 4096;
export const EVT_BATCH_BYTES_MAX = 1024 * 1024;

/** u16 count. */
export const EVT_BATCH_HEAD_BYTES = 2;
/** u32 record length before each record. */
export const EVT_BATCH_RECORD_PREFIX_BYTES = 4;

/** A delivery without its per-delivery fields: what every subscriber of one event shares. */
export type EvtDeliveryBody = Omit<EvtDelivery, 'channel' | 'subscriptionId'>;

/** The agreement of request 9, clamped into the bounds (maxDeliveries 0: batches off). */
export function clampBatch(maxDeliveries: number, maxBytes: number): { maxDeliveries: number; maxBytes: number } {
  return {
    maxDeliveries: Math.min(EVT_BATCH_DELIVERIES_MAX, Math.max(0, Math.floor(maxDeliveries))),
    maxBytes: Math.min(EVT_BATCH_BYTES_MAX, Math.max(EVT_BATCH_BYTES_MIN, Math.floor(maxBytes))),
  };
}

/**
 * The event-0 payload of `d` with channel and subscription id 0, in an array of its own (records
 * wait in delivery queues: they must not pin a shared slab). `withIds` writes the two ids.
 */
export function encodeEvtDeliveryRecord(d: EvtDeliveryBody): Uint8Array {
  // 38 fixed bytes, u16 publisher name length, u16 pattern count.
  const bytes = 42 + d.publisherName.length + patternsBytes(d.patterns) + 2 * d.patterns.length + d.data.length;
  const out = new Uint8Array(bytes);
  const v = new DataView(out.buffer);
  let at = 8;
  v.setUint8(at, d.lost ? 1 : 0);
  v.setUint8(at + 1, d.priority);
  v.setBigUint64(at + 2, BigInt.asUintN(64, d.eventId), true);
  v.setBigInt64(at + 10, BigInt.asIntN(64, d.retentionNs), true);
  v.setBigInt64(at + 18, BigInt.asIntN(64, d.publishTimeNs), true);
  v.setUint32(at + 26, d.publisherNodeId, true);
  at += 30;
  v.setUint16(at, d.publisherName.length, true);
  out.set(d.publisherName, at + 2);
  at += 2 + d.publisherName.length;
  v.setUint16(at, d.patterns.length, true);
  at += 2;
  for (const p of d.patterns) {
    v.setUint16(at, p.length, true);
    out.set(p, at + 2);
    at += 2 + p.length;
  }
  out.set(d.data, at);
  return out;
}

export interface EvtBatchItem {
  readonly record: Uint8Array;
  readonly channel: number;
  readonly subscriptionId: number;
}

/** Payload bytes of a batch holding `recordBytes` more bytes of records in `count` records. */
export function evtBatchBytes(count: number, recordBytes: number): number {
  return EVT_BATCH_HEAD_BYTES + count * EVT_BATCH_RECORD_PREFIX_BYTES + recordBytes;
}

/**
 * Writes event 1's payload of `count` records of `recordBytes` bytes in all, one `add` per
 * delivery (no object per delivery): a copy of the shared record with its two ids written in.
 */
export class EvtBatchWriter {
  readonly #out: Uint8Array;
  readonly #view: DataView;
  #at = EVT_BATCH_HEAD_BYTES;
  #left: number;

  constructor(count: number, recordBytes: number) {
    if (count < 1 || count > EVT_BATCH_DELIVERIES_MAX) throw new RangeError(`a batch of ${count} deliveries (1..${EVT_BATCH_DELIVERIES_MAX})`);
    this.#out = new Uint8Array(evtBatchBytes(count, recordBytes));
    this.#view = new DataView(this.#out.buffer);
    this.#view.setUint16(0, count, true);
    this.#left = count;
  }

  add(record: Uint8Array, channel: number, subscriptionId: number): void {
    if (this.#left === 0 || this.#at + EVT_BATCH_RECORD_PREFIX_BYTES + record.length > this.#out.length) throw new RangeError('more records than the batch was sized for');
    this.#left--;
    this.#view.setUint32(this.#at, record.length, true);
    this.#at += EVT_BATCH_RECORD_PREFIX_BYTES;
    this.#out.set(record, this.#at);
    this.#view.setUint32(this.#at, channel, true);
    this.#view.setUint32(this.#at + 4, subscriptionId, true);
    this.#at += record.length;
  }

  finish(): Uint8Array {
    if (this.#left !== 0 || this.#at !== this.#out.length) throw new RangeError(`${this.#left} records missing from the batch`);
    return this.#out;
  }
}

/** Event 1's payload: one copy of each shared record, its two ids written into the copy. */
export function encodeEvtDeliveryBatch(items: readonly EvtBatchItem[]): Uint8Array {
  let recordBytes = 0;
  for (const it of items) recordBytes += it.record.length;
  const w = new EvtBatchWriter(items.length, recordBytes);
  for (const it of items) w.add(it.record, it.channel, it.subscriptionId);
  return w.finish();
}

/** One record as an event-0 payload of its own (ids written), for a record too big to batch. */
export function withIds(record: Uint8Array, channel: number, subscriptionId: number): Uint8Array {
  const out = record.slice();
  const v = new DataView(out.buffer);
  v.setUint32(0, channel, true);
  v.setUint32(4, subscriptionId, true);
  return out;
}

/**
 * Strict decoder of event 1: each record is checked as event 0's decoder checks it (lengths
 * against the bytes present, pattern count and bytes, priority). Unlike the other decoders it
 * copies nothing: names, patterns and data are plain Uint8Array views of `payload` (the client
 * hands them to the application as they are; one frame of up to EVT_BATCH_BYTES_MAX stays in
 * memory while any of its events does).
 */
export function decodeEvtDeliveryBatch(payload: Uint8Array): EvtDecodeResult<EvtDelivery[]> {
  const p = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const fail = (code: EvtDecodeErrorCode, detail: string): EvtDecodeResult<EvtDelivery[]> => ({ ok: false, error: { code, detail } });
  if (p.length < EVT_BATCH_HEAD_BYTES) return fail('TRUNCATED', `a delivery batch of ${p.length} bytes`);
  const n = v.getUint16(0, true);
  if (n === 0) return fail('BAD_FIELD', 'an empty delivery batch');
  if (n > EVT_BATCH_DELIVERIES_MAX) return fail('TOO_MANY_ENTRIES', `${n} deliveries > ${EVT_BATCH_DELIVERIES_MAX}`);
  const out: EvtDelivery[] = new Array(n);
  let at = EVT_BATCH_HEAD_BYTES;
  for (let i = 0; i < n; i++) {
    if (at + EVT_BATCH_RECORD_PREFIX_BYTES > p.length) return fail('TRUNCATED', `record ${i}: no length`);
    const end = at + EVT_BATCH_RECORD_PREFIX_BYTES + v.getUint32(at, true);
    at += EVT_BATCH_RECORD_PREFIX_BYTES;
    if (end > p.length) return fail('TRUNCATED', `record ${i} ends at ${end}, the batch at ${p.length}`);
    if (at + 8 > end) return fail('TRUNCATED', `record ${i} of ${end - at} bytes`);
    const body = readDeliveryBody(p, v, at + 8, end);
    if (typeof body === 'string') return fail(faultCode(body), `record ${i}: ${body}`);
    out[i] = { channel: v.getUint32(at, true), subscriptionId: v.getUint32(at + 4, true), ...body };
    at = end;
  }
  if (at !== p.length) return fail('TRAILING_BYTES', `${p.length - at} bytes after ${n} records`);
  return { ok: true, value: out };
}

/** What readDeliveryBody found wrong (the caller turns it into its decode error). */
export type DeliveryBodyFault = 'truncated' | 'priority' | 'publisher name' | 'patterns' | 'pattern' | 'pattern bytes';

export function faultCode(f: DeliveryBodyFault): EvtDecodeErrorCode {
  return f === 'priority' ? 'BAD_FIELD' : f === 'patterns' ? 'TOO_MANY_ENTRIES' : f === 'pattern bytes' ? 'TOO_LONG' : 'TRUNCATED';
}

/**
 * A delivery record's body (event 0's payload after its two ids) from `at` to `end` of `p`, as
 * views of `p` (no copy), checked as event 0's decoder checks it; a fault names what is wrong.
 */
export function readDeliveryBody(p: Uint8Array, v: DataView, at: number, end: number): EvtDeliveryBody | DeliveryBodyFault {
  if (at + 34 > end) return 'truncated';
  const priority = v.getUint8(at + 1);
  if (!isPriority(priority)) return 'priority';
  const lost = (v.getUint8(at) & 1) !== 0;
  const eventId = v.getBigUint64(at + 2, true);
  const retentionNs = v.getBigInt64(at + 10, true);
  const publishTimeNs = v.getBigInt64(at + 18, true);
  const publisherNodeId = v.getUint32(at + 26, true);
  let q = at + 30;
  const nameEnd = q + 2 + v.getUint16(q, true);
  if (nameEnd + 2 > end) return 'publisher name';
  const publisherName = p.subarray(q + 2, nameEnd);
  q = nameEnd;
  const count = v.getUint16(q, true);
  q += 2;
  if (count > EVT_PATTERNS_MAX) return 'patterns';
  const patterns: Uint8Array[] = new Array(count);
  let patternBytes = 0;
  for (let k = 0; k < count; k++) {
    if (q + 2 > end) return 'pattern';
    const length = v.getUint16(q, true);
    if (q + 2 + length > end) return 'pattern';
    patterns[k] = p.subarray(q + 2, q + 2 + length);
    patternBytes += length;
    q += 2 + length;
  }
  if (patternBytes > EVT_PATTERNS_MAX_BYTES) return 'pattern bytes';
  return { lost, priority, eventId, retentionNs, publishTimeNs, publisherNodeId, publisherName, patterns, data: p.subarray(q, end) };
}
