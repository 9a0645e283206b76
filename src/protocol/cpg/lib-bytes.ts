/**
 * Byte reader and writer for the CPG library protocol (lib-protocol.ts). The reader never throws:
 * every read checks the remaining length first and records the first failure, so a decoder reads
 * straight through and asks `reader.error` once at the end. Lengths read from the payload are
 * checked against the bytes that are actually there before anything is allocated.
 */
import { CPG_MAX_NAME_LENGTH } from './vocabulary.js';
import { ByteReader, ByteWriter } from '../../bytes/index.js';

/** Why a library payload was rejected. Stable codes: counters and logs key on them. */
export type CpgLibDecodeErrorCode =
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'NAME_TOO_LONG'
  | 'BAD_FIELD'
  | 'TOO_MANY_ENTRIES'
  | 'UNKNOWN_MESSAGE';

export interface CpgLibDecodeError {
  readonly code: CpgLibDecodeErrorCode;
  readonly detail: string;
}

export type CpgLibDecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CpgLibDecodeError };

export class LibReader extends ByteReader<CpgLibDecodeErrorCode> {
  /** A u64 that must fit a JS number exactly (ring sequences). */
  u64(what: string): number {
    return this.u64Number(what);
  }

  /** u8 length + bytes, at most CPG_MAX_NAME_LENGTH. */
  groupName(): Uint8Array {
    const length = this.u8('group name length');
    if (length > CPG_MAX_NAME_LENGTH) {
      this.fail('NAME_TOO_LONG', `group name of ${length} bytes > ${CPG_MAX_NAME_LENGTH}`);
      return new Uint8Array(0);
    }
    return this.bytes(length, 'group name');
  }

  /**
   * A u32 entry count, rejected before any allocation when count × entryBytes exceeds what is left,
   * so a forged count cannot make a decoder loop or allocate beyond the payload.
   */
  count(entryBytes: number, what: string): number {
    const n = this.u32(`${what} count`);
    if (this.failed) return 0;
    if (n * entryBytes > this.remaining) {
      this.fail('TOO_MANY_ENTRIES', `${n} ${what} of ${entryBytes} bytes, only ${this.remaining} bytes left`);
      return 0;
    }
    return n;
  }

  /** The decoded value, or the first error; bytes left over are an error too. */
  finish<T>(value: T): CpgLibDecodeResult<T> {
    return this.end(value);
  }
}

/** Growable little-endian writer; encoders are only fed typed, validated values. */
export class LibWriter extends ByteWriter {
  u64(v: number): this {
    return this.u64Big(BigInt(v));
  }

  /** Encoding a name over the bound is a programmer error (callers validate first). */
  groupName(name: Uint8Array): this {
    if (name.length > CPG_MAX_NAME_LENGTH) throw new RangeError(`group name of ${name.length} bytes > ${CPG_MAX_NAME_LENGTH}`);
    return this.u8(name.length).bytes(name);
  }
}
