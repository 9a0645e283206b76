/**
 * The ordered log service (src/services/orderlog) as its clients and the daemon both speak it:
 * its name, request and event ids, and the byte layouts of its messages: little-endian, lengths before data, every length
 * bounded before anything is allocated. Decoders never throw; they return a typed error.
 *
 *   line       u32 byteLength, UTF-8 bytes (no '\n', at most ORDERLOG_LINE_MAX_BYTES)
 *   snapshot   u64 count, 32 bytes hash, u32 lines, then each line
 *   appended   u64 index, 32 bytes hash            (the answer to an append)
 *   event      u64 index, line                     (APPENDED, to tracking clients)
 */
import { readU32, readU64Safe, writeU32, writeU64 } from '../bytes/index.js';

/** The name a client asks for in its IPC hello. */
export const ORDERLOG_SERVICE_NAME = 'orderlog';
/** Library requests: APPEND line -> appended; READ u32 limit -> snapshot; TRACK -> CS_OK, then events. */
export const OrderLogRequest = { append: 0, read: 1, track: 2 } as const;
/** Events to tracking clients: APPENDED (index, line), RESET (a snapshot without lines, after sync). */
export const OrderLogEvent = { appended: 0, reset: 1 } as const;

/** Bytes of the running SHA-256 hash over every line. */
export const HASH_BYTES = 32;

export interface LogSnapshot {
  readonly count: number;
  readonly hash: Uint8Array;
  /** The last lines, oldest first; at most the log's maxLines. */
  readonly lines: readonly string[];
}

/** The executive's DecodeResult, by shape (protocol does not depend on the executive). */
export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: string; readonly detail: string };

export const ORDERLOG_LINE_MAX_BYTES = 1024;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

type Fail = { readonly ok: false; readonly code: string; readonly detail: string };
const fail = (code: string, detail: string): Fail => ({ ok: false, code, detail });

/** Checks a line a client wants to append; the same rule the decoder applies on every node. */
export function validateLine(line: string): Fail | undefined {
  if (line.includes('\n')) return fail('LINE_HAS_NEWLINE', 'a line must not contain a newline');
  const bytes = utf8.encode(line).length;
  if (bytes > ORDERLOG_LINE_MAX_BYTES) return fail('LINE_TOO_LONG', `${bytes} bytes, at most ${ORDERLOG_LINE_MAX_BYTES}`);
  return undefined;
}

class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  u32(v: number): this {
    const b = new Uint8Array(4);
    writeU32(b, 0, v);
    return this.bytes(b);
  }

  u64(v: number): this {
    const b = new Uint8Array(8);
    writeU64(b, 0, v);
    return this.bytes(b);
  }

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  line(s: string): this {
    const b = utf8.encode(s);
    return this.u32(b.length).bytes(b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** A cursor that reports the first problem instead of throwing. */
class Reader {
  at = 0;
  error: Fail | undefined;

  constructor(private readonly b: Uint8Array) {}

  private need(n: number): boolean {
    if (this.error) return false;
    if (this.at + n > this.b.length) {
      this.error = fail('TRUNCATED', `needs ${n} bytes at offset ${this.at}, message has ${this.b.length}`);
      return false;
    }
    return true;
  }

  u32(): number {
    if (!this.need(4)) return 0;
    this.at += 4;
    return readU32(this.b, this.at - 4, false);
  }

  u64(): number {
    if (!this.need(8)) return 0;
    const v = readU64Safe(this.b, this.at, false);
    this.at += 8;
    if (v < 0) this.error ??= fail('BAD_COUNT', 'count above 2^53');
    return v;
  }

  bytes(n: number): Uint8Array {
    if (!this.need(n)) return new Uint8Array(0);
    this.at += n;
    return this.b.slice(this.at - n, this.at);
  }

  line(): string {
    const n = this.u32();
    if (this.error) return '';
    if (n > ORDERLOG_LINE_MAX_BYTES) {
      this.error = fail('LINE_TOO_LONG', `${n} bytes`);
      return '';
    }
    const bytes = this.bytes(n);
    if (this.error) return '';
    let s: string;
    try {
      s = strictUtf8.decode(bytes);
    } catch {
      this.error = fail('BAD_UTF8', 'line is not valid UTF-8');
      return '';
    }
    const bad = validateLine(s);
    if (bad) this.error = bad;
    return s;
  }

  end<T>(value: T): DecodeResult<T> {
    if (!this.error && this.at !== this.b.length) this.error = fail('TRAILING_BYTES', `${this.b.length - this.at} bytes after the message`);
    return this.error ?? { ok: true, value };
  }
}

export function encodeLine(line: string): Uint8Array {
  return new Writer().line(line).finish();
}

export function decodeLine(b: Uint8Array): DecodeResult<string> {
  const r = new Reader(b);
  const line = r.line();
  return r.end(line);
}

export function encodeSnapshot(s: LogSnapshot): Uint8Array {
  const w = new Writer().u64(s.count).bytes(s.hash).u32(s.lines.length);
  for (const line of s.lines) w.line(line);
  return w.finish();
}

/** `maxLines` bounds the allocation: a snapshot never holds more than a log keeps. */
export function decodeSnapshot(b: Uint8Array, maxLines: number): DecodeResult<LogSnapshot> {
  const r = new Reader(b);
  const count = r.u64();
  const hash = r.bytes(HASH_BYTES);
  const n = r.u32();
  if (!r.error && (n > maxLines || n > count)) return fail('BAD_LINE_COUNT', `${n} lines (count ${count}, keep ${maxLines})`);
  const lines: string[] = [];
  for (let i = 0; i < n && !r.error; i++) lines.push(r.line());
  return r.end({ count, hash, lines });
}

export function encodeAppended(index: number, hash: Uint8Array): Uint8Array {
  return new Writer().u64(index).bytes(hash).finish();
}

export function decodeAppended(b: Uint8Array): DecodeResult<{ index: number; hash: Uint8Array }> {
  const r = new Reader(b);
  const index = r.u64();
  const hash = r.bytes(HASH_BYTES);
  return r.end({ index, hash });
}

export function encodeAppendedEvent(index: number, line: string): Uint8Array {
  return new Writer().u64(index).line(line).finish();
}

export function decodeAppendedEvent(b: Uint8Array): DecodeResult<{ index: number; line: string }> {
  const r = new Reader(b);
  const index = r.u64();
  const line = r.line();
  return r.end({ index, line });
}

export function encodeU32(v: number): Uint8Array {
  return new Writer().u32(v).finish();
}

export function decodeU32(b: Uint8Array): DecodeResult<number> {
  const r = new Reader(b);
  const v = r.u32();
  return r.end(v);
}
