/**
 * The totempg packet: what an mcast carries (exec/totempg.c, struct totempg_mcast).
 *
 *   @0 header.version i16 (0)   @2 header.type i16 (0)
 *   @4 fragmented u8            @5 continuation u8        @6 msg_count u16
 *   @8 msg_len[msg_count] u16, then the messages' bytes back to back.
 *
 * struct totempg_mcast is not packed but every field is naturally aligned: 8 bytes, no padding.
 * `fragmented` != 0 says the last message continues in the sender's next packet and numbers that
 * fragment; `continuation` != 0 says the first message continues the fragment so numbered.
 * Fields are in the sender's byte order, like the mcast around them (totempg_deliver_fn swaps
 * msg_count and msg_len when the mcast's magic said so).
 */
import { readU16, writeU16 } from '../../bytes/index.js';
import { FRAME_SIZE_MAX, MCAST_SIZE } from '../wire/layout.js';

export const PG_HEADER_SIZE = 8;
/** Each message costs a u16 length in front of the data. */
export const PG_LEN_SIZE = 2;
/** msg_count and msg_len are u16. */
export const PG_MSG_COUNT_MAX = 0xffff;
export const PG_PIECE_BYTES_MAX = 0xffff;
/** A packet always rides in an mcast frame, itself bounded by FRAME_SIZE_MAX. */
export const PG_PACKET_BYTES_MAX = FRAME_SIZE_MAX - MCAST_SIZE;

/** A decoded packet; `messages` are the packed messages or fragments, as views of the packet. */
export interface PgPacket {
  readonly fragmented: number;
  readonly continuation: number;
  readonly messages: readonly Uint8Array[];
}

export type PgCodecErrorCode = 'TRUNCATED' | 'BAD_VERSION' | 'BAD_FIELD' | 'TOO_MANY_ENTRIES' | 'TRAILING_BYTES' | 'OVERSIZED';

export interface PgCodecError {
  readonly code: PgCodecErrorCode;
  readonly detail: string;
}

export type PgDecodeResult = { readonly ok: true; readonly value: PgPacket } | { readonly ok: false; readonly error: PgCodecError };
export type PgEncodeResult = { readonly ok: true; readonly value: Uint8Array } | { readonly ok: false; readonly error: PgCodecError };

function fail(code: PgCodecErrorCode, detail: string): { ok: false; error: PgCodecError } {
  return { ok: false, error: { code, detail } };
}

/** Little-endian encoding of a packet; typed error, never a throw, for what the format cannot carry. */
export function encodePgPacket(packet: PgPacket): PgEncodeResult {
  const { fragmented, continuation, messages } = packet;
  const count = messages.length;
  if (!isU8(fragmented) || !isU8(continuation)) return fail('BAD_FIELD', `fragmented ${fragmented} / continuation ${continuation} must be u8`);
  if (count === 0) return fail('BAD_FIELD', 'a packet carries at least one message');
  if (count > PG_MSG_COUNT_MAX) return fail('TOO_MANY_ENTRIES', `${count} messages > ${PG_MSG_COUNT_MAX}`);
  let data = 0;
  for (const m of messages) {
    if (m.length > PG_PIECE_BYTES_MAX) return fail('OVERSIZED', `a ${m.length}-byte piece exceeds the u16 msg_len`);
    data += m.length;
  }
  const size = PG_HEADER_SIZE + PG_LEN_SIZE * count + data;
  if (size > PG_PACKET_BYTES_MAX) return fail('OVERSIZED', `${size}-byte packet exceeds ${PG_PACKET_BYTES_MAX}`);
  const out = new Uint8Array(size);
  writeHeader(out, fragmented, continuation, count);
  let lenAt = PG_HEADER_SIZE;
  let dataAt = PG_HEADER_SIZE + PG_LEN_SIZE * count;
  for (const m of messages) {
    writeU16(out, lenAt, m.length);
    out.set(m, dataAt);
    lenAt += PG_LEN_SIZE;
    dataAt += m.length;
  }
  return { ok: true, value: out };
}

/** version and type are written 0 by every Corosync sender (mcast_msg, callback_token_received_fn). */
export function writeHeader(out: Uint8Array, fragmented: number, continuation: number, count: number): void {
  out[0] = 0;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out[4] = fragmented;
  out[5] = continuation;
  writeU16(out, 6, count);
}

function isU8(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xff;
}

/**
 * Strict decode. Corosync rejects a packet shorter than its header or whose lengths do not add up
 * to the frame exactly (totempg_deliver_fn); we also reject a non-zero version/type and an empty
 * packet, which no Corosync sender produces. Never throws.
 */
export function decodePgPacket(packet: Uint8Array, bigEndian = false): PgDecodeResult {
  const len = packet.length;
  if (len < PG_HEADER_SIZE) return fail('TRUNCATED', `${len}-byte packet is shorter than the ${PG_HEADER_SIZE}-byte header`);
  if (len > PG_PACKET_BYTES_MAX) return fail('OVERSIZED', `${len}-byte packet exceeds ${PG_PACKET_BYTES_MAX}`);
  if ((packet[0]! | packet[1]!) !== 0) return fail('BAD_VERSION', `totempg header version ${readU16(packet, 0, bigEndian)} is not 0`);
  if ((packet[2]! | packet[3]!) !== 0) return fail('BAD_FIELD', `totempg header type ${readU16(packet, 2, bigEndian)} is not 0`);
  const count = readU16(packet, 6, bigEndian);
  if (count === 0) return fail('BAD_FIELD', 'msg_count is 0');
  let dataAt = PG_HEADER_SIZE + PG_LEN_SIZE * count;
  if (dataAt > len) return fail('TRUNCATED', `${count} lengths need ${dataAt} bytes, packet has ${len}`);
  let expected = dataAt;
  for (let i = 0, o = PG_HEADER_SIZE; i < count; i++, o += PG_LEN_SIZE) expected += readU16(packet, o, bigEndian);
  if (expected > len) return fail('TRUNCATED', `lengths add up to ${expected} bytes, packet has ${len}`);
  if (expected < len) return fail('TRAILING_BYTES', `${len - expected} bytes after the last message`);
  const messages = new Array<Uint8Array>(count);
  for (let i = 0, o = PG_HEADER_SIZE; i < count; i++, o += PG_LEN_SIZE) {
    const n = readU16(packet, o, bigEndian);
    messages[i] = new Uint8Array(packet.buffer, packet.byteOffset + dataAt, n);
    dataAt += n;
  }
  return { ok: true, value: { fragmented: packet[4]!, continuation: packet[5]!, messages } };
}
