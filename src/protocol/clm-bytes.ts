/**
 * Strict little-endian reader and writer for the CLM library protocol and the CLM node record
 * (clm-protocol.ts). The reader never throws: every read checks the remaining length first and
 * keeps the first failure, so a decoder reads straight through and asks once at the end.
 */

import { ByteReader, ByteWriter } from '../bytes/index.js';

export type ClmDecodeErrorCode = 'TRUNCATED' | 'TRAILING_BYTES' | 'BAD_FIELD' | 'TOO_MANY_ENTRIES' | 'UNKNOWN_MESSAGE';

export interface ClmDecodeError {
  readonly code: ClmDecodeErrorCode;
  readonly detail: string;
}

export type ClmDecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ClmDecodeError };

export class ClmReader extends ByteReader<ClmDecodeErrorCode> {
  /** A u64 that must fit a JS number exactly (view numbers are ring sequence numbers). */
  u64(what: string): number {
    return this.u64Number(what);
  }

  i64(what: string): bigint {
    return this.i64Big(what);
  }

  /** A u32 entry count, refused before any allocation when count × minimum entry size exceeds what is left. */
  count(minEntryBytes: number, max: number, what: string): number {
    const n = this.u32(`${what} count`);
    if (this.failed) return 0;
    if (n > max || n * minEntryBytes > this.remaining) {
      this.fail('TOO_MANY_ENTRIES', `${n} ${what} (at most ${max}, ${this.remaining} bytes left)`);
      return 0;
    }
    return n;
  }

  finish<T>(value: T): ClmDecodeResult<T> {
    return this.end(value);
  }
}

export class ClmWriter extends ByteWriter {
  u64(v: number): this {
    return this.u64Big(BigInt(v));
  }

  i64(v: bigint): this {
    return this.i64Big(v);
  }
}
