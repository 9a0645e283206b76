/**
 * The checked little-endian reader and the growable writer under every library protocol (CPG,
 * CLM, EVT). The reader never throws: every read checks the remaining length first and keeps
 * the first failure, so a decoder reads straight through and asks once at the end (`end`); a
 * protocol's reader adds its own fields (names, counts, blobs) and error codes on top.
 */
import { allocBytes } from './alloc.js';

/** Codes the base reader itself records; a protocol's code union includes them. */
export type BaseDecodeCode = 'TRUNCATED' | 'TRAILING_BYTES' | 'BAD_FIELD';

export interface DecodeFailure<C extends string> {
  readonly code: C;
  readonly detail: string;
}

export type CheckedDecodeResult<T, C extends string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DecodeFailure<C> };

export class ByteReader<C extends string> {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;
  #error: DecodeFailure<C | BaseDecodeCode> | undefined;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get error(): DecodeFailure<C | BaseDecodeCode> | undefined {
    return this.#error;
  }

  get failed(): boolean {
    return this.#error !== undefined;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  fail(code: C | BaseDecodeCode, detail: string): void {
    this.#error ??= { code, detail };
  }

  /** Offset of the next `n` bytes, consumed; undefined (recorded) when they are not there. */
  protected take(n: number, what: string): number | undefined {
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
    const at = this.take(1, what);
    return at === undefined ? 0 : this.#view.getUint8(at);
  }

  u16(what: string): number {
    const at = this.take(2, what);
    return at === undefined ? 0 : this.#view.getUint16(at, true);
  }

  u32(what: string): number {
    const at = this.take(4, what);
    return at === undefined ? 0 : this.#view.getUint32(at, true);
  }

  /** A u64 that must fit a JS number exactly (ring sequences, view numbers). */
  u64Number(what: string): number {
    const at = this.take(8, what);
    if (at === undefined) return 0;
    const v = this.#view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail('BAD_FIELD', `${what}: ${v} exceeds 2^53-1`);
      return 0;
    }
    return Number(v);
  }

  u64Big(what: string): bigint {
    const at = this.take(8, what);
    return at === undefined ? 0n : this.#view.getBigUint64(at, true);
  }

  i64Big(what: string): bigint {
    const at = this.take(8, what);
    return at === undefined ? 0n : this.#view.getBigInt64(at, true);
  }

  /** A copy, so a decoded value never aliases the transport's receive buffer. */
  bytes(n: number, what: string): Uint8Array {
    const at = this.take(n, what);
    return at === undefined ? new Uint8Array(0) : this.#bytes.slice(at, at + n);
  }

  rest(what: string): Uint8Array {
    return this.bytes(this.remaining, what);
  }

  /** The decoded value, or the first error; bytes left over are an error too. */
  protected end<T>(value: T): CheckedDecodeResult<T, C | BaseDecodeCode> {
    if (this.#error === undefined && this.remaining !== 0) this.fail('TRAILING_BYTES', `${this.remaining} bytes after the message`);
    return this.#error === undefined ? { ok: true, value } : { ok: false, error: this.#error };
  }
}

/** Growable little-endian writer; encoders are only fed typed, validated values. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #length = 0;

  /**
   * `capacity`: the expected size. A message carrying data gives its exact size, so the bytes are
   * written once (growing from 64 by doubling cost a 1 KiB message six allocations and copies).
   */
  constructor(capacity = 64) {
    // Short-lived: an encoded request or event on its way to a socket.
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
    const at = this.#room(1); // before reading #view: #room may replace it
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

  u64Big(v: bigint): this {
    const at = this.#room(8);
    this.#view.setBigUint64(at, BigInt.asUintN(64, v), true);
    return this;
  }

  i64Big(v: bigint): this {
    const at = this.#room(8);
    this.#view.setBigInt64(at, BigInt.asIntN(64, v), true);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.#room(b.length);
    this.#buf.set(b, at);
    return this;
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes written: the buffer itself when it is exactly full (the writer is not used again). */
  finish(): Uint8Array {
    return this.#length === this.#buf.length ? this.#buf : this.#buf.subarray(0, this.#length);
  }
}
