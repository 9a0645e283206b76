/**
 * ringcast's byte library: integer access on byte arrays (endian.ts) and short-lived arrays cut
 * from slabs (alloc.ts). Every codec (Totem frames, executive headers, service messages, the
 * library protocol) reads and writes through it. Pure: no I/O, no clock (test/purity.test.ts).
 */
export { isU64Safe, readI32, readU16, readU32, readU64Safe, writeU16, writeU32, writeU64 } from './endian.js';
export { allocBytes } from './alloc.js';
export { ByteReader, ByteWriter, type BaseDecodeCode, type CheckedDecodeResult, type DecodeFailure } from './checked.js';
