/**
 * cmap's one executive message with Corosync 3.1.7's layout (exec/cmap.c `req_exec_cmap_mcast`
 * and `req_exec_cmap_mcast_item`, sizes and offsets from gcc on x86_64), offsets from the start
 * of the message, the executive's 16-byte header included, little-endian:
 *
 *   MCAST (fn 0, 48 bytes + items)  u8 reason @16, u8 no_items @24, u8 reserved @32, u8 reserved @40
 *   item (at 48, then each after the previous, every one padded to a multiple of 8)
 *         mar_name_t key_name @0 (u16 length @0, 256 bytes @8), u8 value_type @264,
 *         u64 value_len @272, value @280
 *
 * Reasons: 0 SYNC (sent in cmap's sync process), 1 NEW_CONFIG_VERSION (sent when
 * totem.config_version changes). Both carry the one item `totem.config_version` (u64); a key the
 * sender does not have goes with type 0 and length 0. At most 32 items (CMAP_MCAST_MAX_ITEMS).
 * Decoding is strict (sizes add up, known types with their fixed sizes) and never throws.
 */
import { allocBytes } from '../../bytes/index.js';
import { EXEC_HEADER_BYTES } from '../../exec/header.js';
import { CMAP_TYPES, FIXED_BYTES, KEY_NAME_MAX, VALUE_BYTES_MAX, typeOfCode, type CmapValue } from '../../protocol/cmap-values.js';

/** Corosync's CMAP_SERVICE (corodefs.h): kept, so mixed rings agree on message ids. */
export const CMAP_SERVICE_ID = 0;
export const CmapMessageId = { mcast: 0 } as const;
export const CmapMcastReason = { sync: 0, newConfigVersion: 1 } as const;
export type CmapMcastReasonCode = (typeof CmapMcastReason)[keyof typeof CmapMcastReason];

export const MCAST_HEADER_BYTES = 48;
export const MCAST_ITEM_HEADER_BYTES = 280;
export const MCAST_ITEMS_MAX = 32;
const MAR_NAME_BYTES = 256;

export interface CmapMcastItem {
  readonly key: string;
  /** undefined: the sender has no such key (type 0, length 0 on the wire). */
  readonly value: CmapValue | undefined;
}

export interface CmapMcastMessage {
  readonly reason: CmapMcastReasonCode;
  readonly items: readonly CmapMcastItem[];
}

type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly detail: string };
const fail = (code: string, detail: string): Decoded<never> => ({ ok: false, code, detail });

const pad8 = (n: number): number => (n + 7) & ~7;
const itemBytes = (item: CmapMcastItem): number => pad8(MCAST_ITEM_HEADER_BYTES + (item.value?.bytes.length ?? 0));

/** The whole message with room for the executive's header (SendOptions.headerRoom). */
export function encodeMcast(m: CmapMcastMessage): Uint8Array {
  if (m.items.length > MCAST_ITEMS_MAX) throw new RangeError(`${m.items.length} items, at most ${MCAST_ITEMS_MAX}`);
  const out = allocBytes(MCAST_HEADER_BYTES + m.items.reduce((s, i) => s + itemBytes(i), 0));
  out.fill(0);
  out[EXEC_HEADER_BYTES] = m.reason;
  out[EXEC_HEADER_BYTES + 8] = m.items.length;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let o = MCAST_HEADER_BYTES;
  for (const item of m.items) {
    const name = new TextEncoder().encode(item.key);
    if (name.length > KEY_NAME_MAX) throw new RangeError(`key of ${name.length} bytes`);
    view.setUint16(o, name.length, true);
    out.set(name, o + 8);
    out[o + 264] = item.value ? CMAP_TYPES[item.value.type] : 0;
    view.setBigUint64(o + 272, BigInt(item.value?.bytes.length ?? 0), true);
    if (item.value) out.set(item.value.bytes, o + MCAST_ITEM_HEADER_BYTES);
    o += itemBytes(item);
  }
  return out;
}

export function decodeMcast(message: Uint8Array): Decoded<CmapMcastMessage> {
  if (message.length < MCAST_HEADER_BYTES) return fail('SHORT', `MCAST of ${message.length} bytes, at least ${MCAST_HEADER_BYTES}`);
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const reason = message[EXEC_HEADER_BYTES]!;
  if (reason !== 0 && reason !== 1) return fail('BAD_REASON', `MCAST reason ${reason}, expected 0 or 1`);
  const count = message[EXEC_HEADER_BYTES + 8]!;
  if (count > MCAST_ITEMS_MAX) return fail('TOO_MANY', `${count} items, at most ${MCAST_ITEMS_MAX}`);
  const items: CmapMcastItem[] = [];
  let o = MCAST_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (o + MCAST_ITEM_HEADER_BYTES > message.length) return fail('SHORT', `item ${i} cut off`);
    const nameLength = view.getUint16(o, true);
    if (nameLength > MAR_NAME_BYTES) return fail('BAD_NAME', `item ${i}: name of ${nameLength} bytes`);
    // mar_name_t's length may count a terminating NUL: the name ends at the first NUL.
    let name = message.subarray(o + 8, o + 8 + nameLength);
    const nul = name.indexOf(0);
    if (nul >= 0) name = name.subarray(0, nul);
    const key = new TextDecoder('latin1').decode(name);
    const code = message[o + 264]!;
    const length = view.getBigUint64(o + 272, true);
    if (length > BigInt(VALUE_BYTES_MAX)) return fail('TOO_BIG', `item ${i}: value of ${length} bytes`);
    const len = Number(length);
    if (o + MCAST_ITEM_HEADER_BYTES + len > message.length) return fail('SHORT', `item ${i}: value cut off`);
    let value: CmapValue | undefined;
    if (code === 0) {
      if (len !== 0) return fail('BAD_TYPE', `item ${i}: type 0 with ${len} bytes`);
    } else {
      const type = typeOfCode(code);
      if (type === undefined) return fail('BAD_TYPE', `item ${i}: type ${code}`);
      const fixed = FIXED_BYTES[type];
      if (fixed !== undefined && fixed !== len) return fail('BAD_LENGTH', `item ${i}: a ${type} of ${len} bytes`);
      let bytes = message.slice(o + MCAST_ITEM_HEADER_BYTES, o + MCAST_ITEM_HEADER_BYTES + len);
      // Corosync sends strings with their NUL (value_len counts it); the map keeps them without.
      if (type === 'str' && bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes = bytes.subarray(0, bytes.length - 1);
      value = { type, bytes };
    }
    items.push({ key, value });
    o += pad8(MCAST_ITEM_HEADER_BYTES + len);
  }
  if (o !== message.length) return fail('BAD_LENGTH', `MCAST of ${message.length} bytes, items end at ${o}`);
  return { ok: true, value: { reason: reason as CmapMcastReasonCode, items } };
}
