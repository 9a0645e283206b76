/**
 * Byte reader and writer of the EVT library protocol (evt-lib.ts) and of the EVT service's
 * executive messages. Same contract as the CPG one: the reader never throws, records the first
 * failure, and checks every length read from the payload against the bytes present before it
 * allocates; 64-bit values (event ids, times) are bigints.
 */
import { allocBytes } from '../bytes/index.js';

export type EvtDecodeErrorCode = 'TRUNCATED' | 'TRAILING_BYTES' | 'TOO_LONG' | 'BAD_FIELD' | 'TOO_MANY_ENTRIES' | 'UNKNOWN_MESSAGE';

export interface EvtDecodeError {
  readonly code: EvtDecodeErrorCode;
  readonly detail: string;
}

export type EvtDecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: EvtDecodeError };

export class EvtReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;
  #error: EvtDecodeError | undefined;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get error(): EvtDecodeError | undefined {
    return this.#error;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  fail(code: EvtDecodeErrorCode, detail: string): void {
    this.#error ??= { code, detail };
  }

  #take(n: number, what: string): number | undefined {
    if (this.#error !== undefined) return undefined;
    if (this.remaining < n) {
      this.fail('TRUNCATED', `${what}: need ${n} bytes at offset ${this.#offset}, ${this.remaining} left`);
      return undefined;
    }
    const at = this.#offset;
    this.#offset += n;
    return at;
  }

  u8(what: string): number {
    const at = this.#take(1, what);
    return at === undefined ? 0 : this.#view.getUint8(at);
  }

  u16(what: string): number {
    const at = this.#take(2, what);
    return at === undefined ? 0 : this.#view.getUint16(at, true);
  }

  u32(what: string): number {
    const at = this.#take(4, what);
    return at === undefined ? 0 : this.#view.getUint32(at, true);
  }

  u64(what: string): bigint {
    const at = this.#take(8, what);
    return at === undefined ? 0n : this.#view.getBigUint64(at, true);
  }

  i64(what: string): bigint {
    const at = this.#take(8, what);
    return at === undefined ? 0n : this.#view.getBigInt64(at, true);
  }

  /** A copy, so a decoded value never aliases the transport's receive buffer. */
  bytes(n: number, what: string): Uint8Array {
    const at = this.#take(n, what);
    return at === undefined ? new Uint8Array(0) : this.#bytes.slice(at, at + n);
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

  rest(what: string): Uint8Array {
    return this.bytes(this.remaining, what);
  }

  /** A u16 entry count, bounded by `max` and by the bytes left (each entry at least `minEntryBytes`). */
  count(max: number, minEntryBytes: number, what: string): number {
    const n = this.u16(`${what} count`);
    if (this.#error !== undefined) return 0;
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
    if (this.#error === undefined && this.remaining !== 0) this.fail('TRAILING_BYTES', `${this.remaining} bytes after the message`);
    return this.#error === undefined ? { ok: true, value } : { ok: false, error: this.#error };
  }
}

/** Growable little-endian writer; encoders are only fed validated values. */
export class EvtWriter {
  #buf: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(capacity = 64) {
    this.#buf = allocBytes(capacity);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  #room(n: number): number {
    if (this.#length + n > this.#buf.length) {
      const next = allocBytes(Math.max(this.#buf.length * 2, this.#length + n));
      next.set(this.#buf.subarray(0, this.#length));
      this.#buf = next;
      this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    const at = this.#length;
    this.#length += n;
    return at;
  }

  u8(v: number): this {
    const at = this.#room(1);
    this.#view.setUint8(at, v);
    return this;
  }

  u16(v: number): this {
    const at = this.#room(2);
    this.#view.setUint16(at, v, true);
    return this;
  }

  u32(v: number): this {
    const at = this.#room(4);
    this.#view.setUint32(at, v, true);
    return this;
  }

  u64(v: bigint): this {
    const at = this.#room(8);
    this.#view.setBigUint64(at, BigInt.asUintN(64, v), true);
    return this;
  }

  i64(v: bigint): this {
    const at = this.#room(8);
    this.#view.setBigInt64(at, BigInt.asIntN(64, v), true);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.#room(b.length);
    this.#buf.set(b, at);
    return this;
  }

  /** u16 length + bytes; over 65535 bytes is a programmer error (callers validate first). */
  blob(b: Uint8Array): this {
    if (b.length > 0xffff) throw new RangeError(`blob of ${b.length} bytes > 65535`);
    return this.u16(b.length).bytes(b);
  }

  get length(): number {
    return this.#length;
  }

  finish(): Uint8Array {
    return this.#length === this.#buf.length ? this.#buf : this.#buf.subarray(0, this.#length);
  }
}
