/**
 * Integer access on byte arrays without DataView: decoders run on every frame and message, and a
 * DataView per frame is an allocation. `be` selects the sender's byte order (Corosync writes host order
 * and the receiver swaps, see *_endian_convert in exec/totemsrp.c); we always write little-endian.
 */

/** 2^32, to split and join u64 values. */
const TWO_32 = 0x1_0000_0000;
/** Largest high word of a u64 that still fits Number.MAX_SAFE_INTEGER (2^53 - 1). */
const SAFE_HIGH_MAX = 0x1f_ffff;

export function readU16(b: Uint8Array, o: number, be: boolean): number {
  return be ? (b[o]! << 8) | b[o + 1]! : b[o]! | (b[o + 1]! << 8);
}

export function readU32(b: Uint8Array, o: number, be: boolean): number {
  return be
    ? ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
    : (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

export function readI32(b: Uint8Array, o: number, be: boolean): number {
  return be
    ? (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
    : b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/** A u64 as a number, or -1 when it exceeds Number.MAX_SAFE_INTEGER (the decoder rejects those). */
export function readU64Safe(b: Uint8Array, o: number, be: boolean): number {
  const hi = be ? readU32(b, o, true) : readU32(b, o + 4, false);
  const lo = be ? readU32(b, o + 4, true) : readU32(b, o, false);
  return hi > SAFE_HIGH_MAX ? -1 : hi * TWO_32 + lo;
}

/** Writes the low 16 bits of v, little-endian. */
export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
}

/** Writes v modulo 2^32 (so an i32 like -1 becomes 0xffffffff, as C would), little-endian. */
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** Writes a non-negative safe integer as a u64, little-endian. */
export function writeU64(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  writeU32(b, o, v - hi * TWO_32);
  writeU32(b, o + 4, hi);
}

export function isU64Safe(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}
