/**
 * The executive message header, laid out as libqb's `struct qb_ipc_request_header` that Corosync
 * puts at the start of every executive message (include/qb/qbipc_common.h, libqb 2.x):
 *
 *   offset 0  int32 id    aligned(8)   (service << 16) | message, Corosync's SERVICE_ID_MAKE
 *   offset 4  4 bytes of padding       ringcast: the source tag (see below)
 *   offset 8  int32 size  aligned(8)   bytes of the whole message, header included
 *   offset 12 4 bytes of padding       written 0, ignored on read
 *
 * 16 bytes, so a service whose structs follow Corosync's (offsets counted from the message start,
 * header included) keeps its offsets. Byte order: Corosync writes host order and the receiver
 * swaps when Totem says the sender had the other endianness (deliver_fn's
 * endian_conversion_required and each handler's exec_endian_convert_fn). ringcast always writes
 * little-endian, the x86 layout, so no conversion functions exist.
 *
 * Source tag: Corosync services embed `mar_message_source_t {nodeid, conn}` in the messages that
 * answer a client, so the sourcing node finds the connection. The executive needs the same for
 * every message it tracks (to answer or resend it), so it puts its own u32 tag in the padding
 * word after `id`; 0 means untracked. Only the sourcing node interprets it.
 *
 * decodeHeader never throws: a malformed header is a typed value the router counts and drops.
 */
import { allocBytes, readI32, readU32, writeU32 } from '../bytes/index.js';

export const EXEC_HEADER_BYTES = 16;
/** Corosync's SERVICES_COUNT_MAX (coroapi.h): the size of the service table. */
export const SERVICES_COUNT_MAX = 64;
export const MESSAGE_ID_MAX = 0xffff;

const OFF_ID = 0;
const OFF_TAG = 4;
const OFF_SIZE = 8;
const OFF_RESERVED = 12;

export interface ExecHeader {
  readonly serviceId: number;
  readonly messageId: number;
  /** Bytes of the whole message, header included. */
  readonly size: number;
  readonly sourceTag: number;
}

export type HeaderDecodeError = { readonly ok: false; readonly code: 'SHORT_MESSAGE' | 'BAD_ID' | 'SIZE_MISMATCH'; readonly detail: string };
export type HeaderDecodeResult = { readonly ok: true; readonly header: ExecHeader } | HeaderDecodeError;

/** Corosync's SERVICE_ID_MAKE(service, fn). */
export function serviceIdMake(serviceId: number, messageId: number): number {
  return ((serviceId << 16) | messageId) | 0;
}

/** A whole executive message: header then body. Programmer errors (ids out of range) throw. */
export function encodeExecMessage(serviceId: number, messageId: number, body: Uint8Array, sourceTag = 0): Uint8Array {
  if (!Number.isInteger(serviceId) || serviceId < 0 || serviceId > 0x7fff) throw new RangeError(`service id ${serviceId} out of range`);
  if (!Number.isInteger(messageId) || messageId < 0 || messageId > MESSAGE_ID_MAX) throw new RangeError(`message id ${messageId} out of range`);
  const out = allocBytes(EXEC_HEADER_BYTES + body.length);
  out.set(body, EXEC_HEADER_BYTES);
  return writeExecHeader(out, serviceId, messageId, sourceTag);
}

/**
 * Writes the header into the first EXEC_HEADER_BYTES of `message` (a whole message built with room
 * for it) and returns it: no copy of the body. Ids out of range throw, as in encodeExecMessage.
 */
export function writeExecHeader(message: Uint8Array, serviceId: number, messageId: number, sourceTag = 0): Uint8Array {
  if (!Number.isInteger(serviceId) || serviceId < 0 || serviceId > 0x7fff) throw new RangeError(`service id ${serviceId} out of range`);
  if (!Number.isInteger(messageId) || messageId < 0 || messageId > MESSAGE_ID_MAX) throw new RangeError(`message id ${messageId} out of range`);
  if (message.length < EXEC_HEADER_BYTES) throw new RangeError(`a ${message.length}-byte message has no room for the header`);
  const out = message;
  writeU32(out, OFF_ID, serviceIdMake(serviceId, messageId));
  writeU32(out, OFF_TAG, sourceTag >>> 0);
  writeU32(out, OFF_SIZE, out.length);
  writeU32(out, OFF_RESERVED, 0);
  return out;
}

export function decodeHeader(message: Uint8Array): HeaderDecodeResult {
  if (message.length < EXEC_HEADER_BYTES) {
    return { ok: false, code: 'SHORT_MESSAGE', detail: `${message.length} bytes, a header needs ${EXEC_HEADER_BYTES}` };
  }
  const id = readI32(message, OFF_ID, false);
  // Corosync reads service = id >> 16 from an int32: a negative id names no service.
  if (id < 0) return { ok: false, code: 'BAD_ID', detail: `negative id ${id}` };
  const size = readI32(message, OFF_SIZE, false);
  if (size !== message.length) {
    return { ok: false, code: 'SIZE_MISMATCH', detail: `header says ${size} bytes, ${message.length} delivered` };
  }
  return {
    ok: true,
    header: { serviceId: id >>> 16, messageId: id & 0xffff, size, sourceTag: readU32(message, OFF_TAG, false) },
  };
}

/** The body after the header (a view, not a copy). */
export function execBody(message: Uint8Array): Uint8Array {
  return message.subarray(EXEC_HEADER_BYTES);
}
