/**
 * Incremental frame splitter for a byte stream: push chunks as the socket delivers them, pull
 * whole frame bodies with next(). In the spirit of nats.js's parser, it is a small state machine
 * tested by feeding bytes in every chunking. It never allocates from the length prefix: a length
 * over maxFrameBytes is an error as soon as the 4 prefix bytes are in, and a body is only copied
 * (or viewed in place, when one chunk holds it) once all its bytes have arrived, so memory held is
 * at most the bytes actually received. After an error the parser stays failed.
 */
import { FRAME_PREFIX_BYTES } from './frame.js';

export type ParseErrorCode = 'OVERSIZE' | 'EMPTY_FRAME';
export type ParseStep =
  | { readonly kind: 'frame'; readonly body: Uint8Array }
  | { readonly kind: 'need-more' }
  | { readonly kind: 'error'; readonly code: ParseErrorCode; readonly detail: string };

const NEED_MORE: ParseStep = { kind: 'need-more' };
/** Compact the chunk list once this many consumed entries sit at its head. */
const COMPACT_AFTER_CHUNKS = 256;

export class FrameParser {
  #maxFrameBytes: number;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #headOffset = 0;
  #buffered = 0;
  /** Body length read from the current prefix, or -1 while the prefix is still incomplete. */
  #bodyBytes = -1;
  #failed: ParseStep | undefined;

  /** @param maxFrameBytes bound on the length prefix (the body bytes after it). */
  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = checkBound(maxFrameBytes);
  }

  /** Narrows (or widens) the bound after a handshake; applies from the next prefix read. */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.#maxFrameBytes = checkBound(maxFrameBytes);
  }

  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  push(chunk: Uint8Array): void {
    if (this.#failed || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  next(): ParseStep {
    if (this.#failed) return this.#failed;
    if (this.#bodyBytes < 0) {
      if (this.#buffered < FRAME_PREFIX_BYTES) return NEED_MORE;
      const prefix = this.#take(FRAME_PREFIX_BYTES);
      const length = (prefix[0]! | (prefix[1]! << 8) | (prefix[2]! << 16) | (prefix[3]! << 24)) >>> 0;
      if (length === 0) return this.#fail('EMPTY_FRAME', 'length prefix 0');
      if (length > this.#maxFrameBytes) {
        return this.#fail('OVERSIZE', `length prefix ${length} exceeds maxFrameBytes ${this.#maxFrameBytes}`);
      }
      this.#bodyBytes = length;
    }
    if (this.#buffered < this.#bodyBytes) return NEED_MORE;
    const body = this.#take(this.#bodyBytes);
    this.#bodyBytes = -1;
    return { kind: 'frame', body };
  }

  #fail(code: ParseErrorCode, detail: string): ParseStep {
    this.#failed = { kind: 'error', code, detail };
    this.#chunks = [];
    this.#head = 0;
    this.#headOffset = 0;
    this.#buffered = 0;
    return this.#failed;
  }

  /** Removes n buffered bytes (n <= buffered): a view when one chunk holds them, else a copy. */
  #take(n: number): Uint8Array {
    const first = this.#chunks[this.#head]!;
    const available = first.length - this.#headOffset;
    let out: Uint8Array;
    if (available >= n) {
      out = first.subarray(this.#headOffset, this.#headOffset + n);
      this.#advance(n);
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.#chunks[this.#head]!;
        const count = Math.min(n - filled, chunk.length - this.#headOffset);
        out.set(chunk.subarray(this.#headOffset, this.#headOffset + count), filled);
        filled += count;
        this.#advance(count);
      }
    }
    return out;
  }

  /** Consumes count bytes, all from the head chunk. */
  #advance(count: number): void {
    this.#headOffset += count;
    this.#buffered -= count;
    if (this.#headOffset === this.#chunks[this.#head]!.length) {
      this.#chunks[this.#head] = EMPTY;
      this.#head++;
      this.#headOffset = 0;
      if (this.#head === this.#chunks.length) {
        this.#chunks = [];
        this.#head = 0;
      } else if (this.#head >= COMPACT_AFTER_CHUNKS) {
        this.#chunks = this.#chunks.slice(this.#head);
        this.#head = 0;
      }
    }
  }
}

const EMPTY = new Uint8Array(0);

function checkBound(maxFrameBytes: number): number {
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > 0xffffffff) {
    throw new RangeError(`maxFrameBytes ${maxFrameBytes} is not an integer in 1..2^32-1`);
  }
  return maxFrameBytes;
}
