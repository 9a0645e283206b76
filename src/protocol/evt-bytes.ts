/**
 * Byte reader and writer of the EVT library protocol (evt-lib.ts) and of the EVT service's
 * executive messages. Same contract as the CPG one: the reader never throws, records the first
 * failure, and checks every length read from the payload against the bytes present before it
 * allocates; 64-bit values (event ids, times) are bigints.
 */
import { ByteReader, ByteWriter } from '../bytes/index.js';

export type EvtDecodeErrorCode = 'TRUNCATED' | 'TRAILING_BYTES' | 'TOO_LONG' | 'BAD_FIELD' | 'TOO_MANY_ENTRIES' | 'UNKNOWN_MESSAGE';

export interface EvtDecodeError {
  readonly code: EvtDecodeErrorCode;
  readonly detail: string;
}

export type EvtDecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: EvtDecodeError };

export class EvtReader extends ByteReader<EvtDecodeErrorCode> {
  u64(what: string): bigint {
    return this.u64Big(what);
  }

  i64(what: string): bigint {
    return this.i64Big(what);
  }

  /** u16 length + bytes, at most `max`. */
  blob(max: number, what: string): Uint8Array {
    const length = this.u16(`${what} length`);
    if (length > max) {
      this.fail('TOO_LONG', `${what} of ${length} bytes > ${max}`);
      return new Uint8Array(0);
    }
    return this.bytes(length, what);
  }

  /** A u16 entry count, bounded by `max` and by the bytes left (each entry at least `minEntryBytes`). */
  count(max: number, minEntryBytes: number, what: string): number {
    const n = this.u16(`${what} count`);
    if (this.failed) return 0;
    if (n > max) {
      this.fail('TOO_MANY_ENTRIES', `${n} ${what} > ${max}`);
      return 0;
    }
    if (n * minEntryBytes > this.remaining) {
      this.fail('TOO_MANY_ENTRIES', `${n} ${what} of at least ${minEntryBytes} bytes, only ${this.remaining} bytes left`);
      return 0;
    }
    return n;
  }

  finish<T>(value: T): EvtDecodeResult<T> {
    return this.end(value);
  }
}

/** Growable little-endian writer; encoders are only fed validated values. */
export class EvtWriter extends ByteWriter {
  u64(v: bigint): this {
    return this.u64Big(v);
  }

  i64(v: bigint): this {
    return this.i64Big(v);
  }

  /** u16 length + bytes; over 65535 bytes is a programmer error (callers validate first). */
  blob(b: Uint8Array): this {
    if (b.length > 0xffff) throw new RangeError(`blob of ${b.length} bytes > 65535`);
    return this.u16(b.length).bytes(b);
  }
}
