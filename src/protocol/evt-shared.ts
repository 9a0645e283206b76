/**
 * Shared EVT deliveries (EVT library protocol version 3, see evt-lib.ts). One connection may
 * hold many channel opens of the same channel (one application process serving many
 * subscribers through one saEvtInitialize). An event then reaches several opens of that one
 * connection, and a batch (evt-batch.ts) still carried its bytes once per open: a copy of the
 * record on the daemon, a decode and a publisher-name decode per open on the client. So:
 *
 * - A client that asked for it (request 10 `share`, after request 9 `batch`) gets event 2
 *   `deliver-shared` instead of event 1: each entry is one event's record once, with the list of
 *   (channel handle, subscription id) targets of this connection it is for, in the order the
 *   client must hand them out.
 * - Everything else is as with batches: a target is one delivery (one credit, one slot of the
 *   connection's delivery queue); the frame holds at most the batch's agreed deliveries (targets)
 *   and bytes, except that a frame always holds at least one entry with one target; a record
 *   alone over the byte bound goes as event 0, one per target.
 *
 * Event 2 payload: u16 entry count (1..EVT_BATCH_DELIVERIES_MAX), then per entry: u16 target count
 * n (>= 1), n x (u32 channel handle, u32 subscription id), u32 body bytes, body. A body is event
 * 0's payload without its first 8 bytes (the two ids). The targets of a whole frame number at most
 * EVT_BATCH_DELIVERIES_MAX.
 *
 * Request 10 payload: u16 max targets per entry (0: off). The daemon answers with the value it
 * will use (clamped to 1..EVT_BATCH_DELIVERIES_MAX, 0 stays 0). A version-2 daemon answers
 * request 10 with transport status CS_ERR_INVALID_PARAM (unknown request); a version-3 daemon
 * answers SA_AIS_ERR_INVALID_PARAM when the connection has no batch agreement. Either way the
 * client keeps reading event 1 or event 0.
 */
import type { EvtDecodeErrorCode, EvtDecodeResult } from './evt-lib.js';
import { EVT_BATCH_DELIVERIES_MAX, faultCode, readDeliveryBody, type EvtDeliveryBody } from './evt-batch.js';

export const EVT_EVENT_DELIVER_SHARED = 2;

/** u16 entry count. */
export const EVT_SHARED_HEAD_BYTES = 2;
/** An entry's fixed bytes: u16 target count, u32 body length. */
export const EVT_SHARED_ENTRY_BYTES = 6;
export const EVT_SHARED_TARGET_BYTES = 8;
/** The record (encodeEvtDeliveryRecord) starts with the two ids, which the entry's targets replace. */
const RECORD_IDS_BYTES = 8;

/** Request 10's value, clamped (0: off). */
export function clampShare(maxTargets: number): number {
  return Math.min(EVT_BATCH_DELIVERIES_MAX, Math.max(0, Math.floor(maxTargets)));
}

/** Payload bytes of a frame of `entries` entries holding `targets` targets and records of `recordBytes` bytes (with their ids) in all. */
export function evtSharedBytes(entries: number, targets: number, recordBytes: number): number {
  return EVT_SHARED_HEAD_BYTES + entries * (EVT_SHARED_ENTRY_BYTES - RECORD_IDS_BYTES) + targets * EVT_SHARED_TARGET_BYTES + recordBytes;
}

/**
 * Writes event 2's payload, sized in advance: `entry(record, n)` then `target` n times, per entry.
 * The record is encodeEvtDeliveryRecord's (its two leading id bytes are left out).
 */
export class EvtSharedWriter {
  readonly #out: Uint8Array;
  readonly #view: DataView;
  #at = EVT_SHARED_HEAD_BYTES;
  #entriesLeft: number;
  #targetsLeft: number;
  /** Targets still owed by the entry being written, and where its body ends. */
  #owed = 0;
  #bodyEnd = 0;

  constructor(entries: number, targets: number, recordBytes: number) {
    if (entries < 1 || entries > EVT_BATCH_DELIVERIES_MAX || targets < entries || targets > EVT_BATCH_DELIVERIES_MAX) {
      throw new RangeError(`a shared frame of ${entries} entries and ${targets} targets (1..${EVT_BATCH_DELIVERIES_MAX}, at least one target per entry)`);
    }
    this.#out = new Uint8Array(evtSharedBytes(entries, targets, recordBytes));
    this.#view = new DataView(this.#out.buffer);
    this.#view.setUint16(0, entries, true);
    this.#entriesLeft = entries;
    this.#targetsLeft = targets;
  }

  entry(record: Uint8Array, targets: number): void {
    const body = record.length - RECORD_IDS_BYTES;
    if (this.#owed !== 0 || this.#entriesLeft === 0 || targets < 1 || targets > this.#targetsLeft || body < 0 ||
      this.#at + EVT_SHARED_ENTRY_BYTES + targets * EVT_SHARED_TARGET_BYTES + body > this.#out.length) {
      throw new RangeError('an entry the shared frame was not sized for');
    }
    this.#entriesLeft--;
    this.#targetsLeft -= targets;
    this.#owed = targets;
    this.#view.setUint16(this.#at, targets, true);
    this.#at += 2;
    // The body goes after the targets: written now, the targets fill the gap.
    const bodyAt = this.#at + targets * EVT_SHARED_TARGET_BYTES;
    this.#view.setUint32(bodyAt, body, true);
    this.#out.set(record.subarray(RECORD_IDS_BYTES), bodyAt + 4);
    this.#bodyEnd = bodyAt + 4 + body;
  }

  target(channel: number, subscriptionId: number): void {
    if (this.#owed === 0) throw new RangeError('a target without an entry');
    this.#view.setUint32(this.#at, channel, true);
    this.#view.setUint32(this.#at + 4, subscriptionId, true);
    this.#at += EVT_SHARED_TARGET_BYTES;
    if (--this.#owed === 0) this.#at = this.#bodyEnd;
  }

  finish(): Uint8Array {
    if (this.#owed !== 0 || this.#entriesLeft !== 0 || this.#targetsLeft !== 0 || this.#at !== this.#out.length) {
      throw new RangeError(`${this.#entriesLeft} entries and ${this.#targetsLeft + this.#owed} targets missing from the shared frame`);
    }
    return this.#out;
  }
}

export interface EvtSharedTarget {
  readonly channel: number;
  readonly subscriptionId: number;
}

export interface EvtSharedEntry {
  readonly record: Uint8Array;
  readonly targets: readonly EvtSharedTarget[];
}

/** Event 2's payload from whole entries (tests, tools; the daemon writes with EvtSharedWriter directly). */
export function encodeEvtDeliveryShared(entries: readonly EvtSharedEntry[]): Uint8Array {
  let targets = 0;
  let recordBytes = 0;
  for (const e of entries) {
    targets += e.targets.length;
    recordBytes += e.record.length;
  }
  const w = new EvtSharedWriter(entries.length, targets, recordBytes);
  for (const e of entries) {
    w.entry(e.record, e.targets.length);
    for (const t of e.targets) w.target(t.channel, t.subscriptionId);
  }
  return w.finish();
}

/** One decoded entry: the body (views of the frame), targets flat as [channel, subscription id, ...]. */
export interface EvtSharedDelivery {
  readonly body: EvtDeliveryBody;
  readonly targets: readonly number[];
}

/**
 * Strict decoder of event 2: counts bounded before anything is allocated for them, each body
 * checked as event 0's decoder checks it; names, patterns and data are views of `payload`.
 */
export function decodeEvtDeliveryShared(payload: Uint8Array): EvtDecodeResult<EvtSharedDelivery[]> {
  const p = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const fail = (code: EvtDecodeErrorCode, detail: string): EvtDecodeResult<EvtSharedDelivery[]> => ({ ok: false, error: { code, detail } });
  if (p.length < EVT_SHARED_HEAD_BYTES) return fail('TRUNCATED', `a shared delivery frame of ${p.length} bytes`);
  const n = v.getUint16(0, true);
  if (n === 0) return fail('BAD_FIELD', 'a shared delivery frame without entries');
  if (n > EVT_BATCH_DELIVERIES_MAX) return fail('TOO_MANY_ENTRIES', `${n} entries > ${EVT_BATCH_DELIVERIES_MAX}`);
  const out: EvtSharedDelivery[] = new Array(n);
  let at = EVT_SHARED_HEAD_BYTES;
  let targetsSeen = 0;
  for (let i = 0; i < n; i++) {
    if (at + 2 > p.length) return fail('TRUNCATED', `entry ${i}: no target count`);
    const count = v.getUint16(at, true);
    at += 2;
    if (count === 0) return fail('BAD_FIELD', `entry ${i} without targets`);
    targetsSeen += count;
    if (targetsSeen > EVT_BATCH_DELIVERIES_MAX) return fail('TOO_MANY_ENTRIES', `more than ${EVT_BATCH_DELIVERIES_MAX} targets in one frame`);
    if (at + count * EVT_SHARED_TARGET_BYTES + 4 > p.length) return fail('TRUNCATED', `entry ${i}: ${count} targets`);
    const targets: number[] = new Array(2 * count);
    for (let k = 0; k < count; k++) {
      targets[2 * k] = v.getUint32(at, true);
      targets[2 * k + 1] = v.getUint32(at + 4, true);
      at += EVT_SHARED_TARGET_BYTES;
    }
    const end = at + 4 + v.getUint32(at, true);
    at += 4;
    if (end > p.length) return fail('TRUNCATED', `entry ${i} ends at ${end}, the frame at ${p.length}`);
    const body = readDeliveryBody(p, v, at, end);
    if (typeof body === 'string') return fail(faultCode(body), `entry ${i}: ${body}`);
    out[i] = { body, targets };
    at = end;
  }
  if (at !== p.length) return fail('TRAILING_BYTES', `${p.length - at} bytes after ${n} entries`);
  return { ok: true, value: out };
}
