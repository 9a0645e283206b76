/**
 * Strict little-endian reader and writer for the CLM library protocol and the CLM node record
 * (clm-protocol.ts). The reader never throws: every read checks the remaining length first and
 * keeps the first failure, so a decoder reads straight through and asks once at the end.
 */

export type ClmDecodeErrorCode = 'TRUNCATED' | 'TRAILING_BYTES' | 'BAD_FIELD' | 'TOO_MANY_ENTRIES' | 'UNKNOWN_MESSAGE';

export interface ClmDecodeError {
  readonly code: ClmDecodeErrorCode;
  readonly detail: string;
}

export type ClmDecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ClmDecodeError };

export class ClmReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;
  #error: ClmDecodeError | undefined;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get failed(): boolean {
    return this.#error !== undefined;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  fail(code: ClmDecodeErrorCode, detail: string): void {
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

  /** A u64 that must fit a JS number exactly (view numbers are ring sequence numbers). */
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

  i64(what: string): bigint {
    const at = this.#take(8, what);
    return at === undefined ? 0n : this.#view.getBigInt64(at, true);
  }

  /** A copy, so a decoded value never aliases the transport's receive buffer. */
  bytes(n: number, what: string): Uint8Array {
    const at = this.#take(n, what);
    return at === undefined ? new Uint8Array(0) : this.#bytes.slice(at, at + n);
  }

  /** A u32 entry count, refused before any allocation when count × minimum entry size exceeds what is left. */
  count(minEntryBytes: number, max: number, what: string): number {
    const n = this.u32(`${what} count`);
    if (this.#error !== undefined) return 0;
    if (n > max || n * minEntryBytes > this.remaining) {
      this.fail('TOO_MANY_ENTRIES', `${n} ${what} (at most ${max}, ${this.remaining} bytes left)`);
      return 0;
    }
    return n;
  }

  finish<T>(value: T): ClmDecodeResult<T> {
    if (this.#error === undefined && this.remaining !== 0) this.fail('TRAILING_BYTES', `${this.remaining} bytes after the message`);
    return this.#error === undefined ? { ok: true, value } : { ok: false, error: this.#error };
  }
}

export class ClmWriter {
  #buf = new Uint8Array(64);
  #view = new DataView(this.#buf.buffer);
  #length = 0;

  #room(n: number): number {
    if (this.#length + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#length + n));
      next.set(this.#buf.subarray(0, this.#length));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
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

  u64(v: number): this {
    const at = this.#room(8);
    this.#view.setBigUint64(at, BigInt(v), true);
    return this;
  }

  i64(v: bigint): this {
    const at = this.#room(8);
    this.#view.setBigInt64(at, v, true);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.#room(b.length);
    this.#buf.set(b, at);
    return this;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#length);
  }
}
