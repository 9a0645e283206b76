/**
 * Byte reader and writer for the CPG library protocol (lib-protocol.ts). The reader never throws:
 * every read checks the remaining length first and records the first failure, so a decoder reads
 * straight through and asks `reader.error` once at the end. Lengths read from the payload are
 * checked against the bytes that are actually there before anything is allocated.
 */
import { CPG_MAX_NAME_LENGTH } from './vocabulary.js';
import { allocBytes } from '../../bytes/index.js';

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

export class LibReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;
  #error: CpgLibDecodeError | undefined;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get error(): CpgLibDecodeError | undefined {
    return this.#error;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  fail(code: CpgLibDecodeErrorCode, detail: string): void {
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

  u32(what: string): number {
    const at = this.#take(4, what);
    return at === undefined ? 0 : this.#view.getUint32(at, true);
  }

  /** A u64 that must fit a JS number exactly (ring sequences). */
  u64(what: string): number {
    const at = this.#take(8, what);
    if (at === undefined) return 0;
    const v = this.#view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail('BAD_FIELD', `${what}: ${v} exceeds 2^53-1`);
      return 0;
    }
    return Number(v);
  }

  /** A copy, so a decoded value never aliases the transport's receive buffer. */
  bytes(n: number, what: string): Uint8Array {
    const at = this.#take(n, what);
    return at === undefined ? new Uint8Array(0) : this.#bytes.slice(at, at + n);
  }

  rest(what: string): Uint8Array {
    return this.bytes(this.remaining, what);
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
    if (this.#error !== undefined) return 0;
    if (n * entryBytes > this.remaining) {
      this.fail('TOO_MANY_ENTRIES', `${n} ${what} of ${entryBytes} bytes, only ${this.remaining} bytes left`);
      return 0;
    }
    return n;
  }

  /** The decoded value, or the first error; bytes left over are an error too. */
  finish<T>(value: T): CpgLibDecodeResult<T> {
    if (this.#error === undefined && this.remaining !== 0) this.fail('TRAILING_BYTES', `${this.remaining} bytes after the message`);
    return this.#error === undefined ? { ok: true, value } : { ok: false, error: this.#error };
  }
}

/** Growable little-endian writer; encoders are only fed typed, validated values. */
export class LibWriter {
  #buf: Uint8Array;
  #view: DataView;
  #length = 0;

  /**
   * `capacity`: the expected size. A deliver event or mcast request carrying data gives its exact
   * size, so the bytes are written once: growing from 64 by doubling cost a 1 KiB message six
   * allocations and copies, on every event to every client.
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

  u32(v: number): this {
    const at = this.#room(4);
    this.#view.setUint32(at, v, true);
    return this;
  }

  u64(v: number): this {
    const at = this.#room(8);
    this.#view.setBigUint64(at, BigInt(v), true);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.#room(b.length);
    this.#buf.set(b, at);
    return this;
  }

  /** Encoding a name over the bound is a programmer error (callers validate first). */
  groupName(name: Uint8Array): this {
    if (name.length > CPG_MAX_NAME_LENGTH) throw new RangeError(`group name of ${name.length} bytes > ${CPG_MAX_NAME_LENGTH}`);
    return this.u8(name.length).bytes(name);
  }

  /** The bytes written: the buffer itself when it is exactly full (the writer is not used again). */
  finish(): Uint8Array {
    return this.#length === this.#buf.length ? this.#buf : this.#buf.subarray(0, this.#length);
  }
}
