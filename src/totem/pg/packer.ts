/**
 * PgPacker: the sending half of totempg. Application messages queue here (bounded) and leave as
 * totempg packets when the core holds the token and asks for one.
 *
 * Packing rule (takePacket), Corosync's mcast_msg rule: packets leave full.
 * - whole messages are packed in FIFO order while they fit;
 * - the next message, if it does not fit the space left, starts there as a fragment and goes on
 *   in the next packet; its last fragment may be followed by whole messages in the same packet.
 *   Full packets matter: with 1 KiB messages and a 1,382-byte packet, leaving the rest empty
 *   would carry a quarter fewer bytes per token visit, and max_messages counts packets.
 * - one exception: a message that would fit an empty packet is split only when the space left
 *   is worth it: at least MIN_FRAGMENT_BYTES and an eighth of the packet. Every split costs the
 *   receivers a reassembly copy; filling the last few percent of a packet does not pay for it
 *   (64-byte messages, or 1 KiB messages in 64 KiB frames, are never split).
 * Fragments are numbered 1..255 (then 1 again) per message in `fragmented`; the next packet names
 * the number it continues in `continuation`, which is what Corosync's receiver checks
 * (totempg_deliver_fn compares continuation with the sender's last fragment number).
 */
import { writeU16 } from '../../bytes/index.js';
import { MESSAGE_SIZE_MAX } from '../wire/layout.js';
import { PG_HEADER_SIZE, PG_LEN_SIZE, PG_MSG_COUNT_MAX, PG_PACKET_BYTES_MAX, PG_PIECE_BYTES_MAX, writeHeader } from './packet.js';

export interface PgPackerOptions {
  /** Largest application message accepted (Corosync's MESSAGE_SIZE_MAX, 1 MiB, by default). */
  readonly maxMessageBytes?: number;
  /** Bound on queued, not yet sent, message bytes. */
  readonly maxQueuedBytes?: number;
  /** Bound on queued messages (empty messages cost no bytes but still need a slot). */
  readonly maxQueuedMessages?: number;
}

export const PG_DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
export const PG_DEFAULT_MAX_QUEUED_MESSAGES = 65536;

export type PgEnqueueResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'QUEUE_FULL' | 'MESSAGE_TOO_LARGE'; readonly detail: string };

/** Smallest first fragment of a message that would fit an empty packet whole. */
export const MIN_FRAGMENT_BYTES = 32;
/** ... and the smallest share of the packet's room that first fragment must fill. */
const MIN_FRAGMENT_SHARE = 1 / 8;

/** Compact the queue array once this many consumed slots sit in front of it. */
const COMPACT_AFTER = 1024;

export class PgPacker {
  readonly maxMessageBytes: number;
  readonly maxQueuedBytes: number;
  readonly maxQueuedMessages: number;
  private queue: (Uint8Array | undefined)[] = [];
  /** The group header sent in front of queue[i] (totempg's group_len and names), if any. */
  private prefixes: (Uint8Array | undefined)[] = [];
  private head = 0;
  /** Bytes of queue[head] already sent in fragments. */
  private offset = 0;
  /** `fragmented` number of the last fragment of queue[head] sent; 0 when none. */
  private lastFrag = 0;
  private bytes = 0;

  constructor(options: PgPackerOptions = {}) {
    this.maxMessageBytes = positive(options.maxMessageBytes ?? MESSAGE_SIZE_MAX, 'maxMessageBytes');
    this.maxQueuedBytes = positive(options.maxQueuedBytes ?? PG_DEFAULT_MAX_QUEUED_BYTES, 'maxQueuedBytes');
    this.maxQueuedMessages = positive(options.maxQueuedMessages ?? PG_DEFAULT_MAX_QUEUED_MESSAGES, 'maxQueuedMessages');
  }

  /** Messages not yet completely sent, the one being fragmented included. */
  get pendingMessages(): number {
    return this.queue.length - this.head;
  }

  /** Message bytes not yet sent (a fragmented message counts only its unsent rest). */
  get pendingBytes(): number {
    return this.bytes;
  }

  get isEmpty(): boolean {
    return this.head === this.queue.length;
  }

  /**
   * Queues `data`: a copy, so the caller may reuse its buffer, unless `transfer` says the caller
   * hands it over and will not write to it again (saves a copy of every message). Never throws.
   */
  enqueue(data: Uint8Array, transfer = false, prefix?: Uint8Array): PgEnqueueResult {
    const length = data.length + (prefix?.length ?? 0);
    if (length > this.maxMessageBytes) {
      return { ok: false, code: 'MESSAGE_TOO_LARGE', detail: `${length}-byte message exceeds ${this.maxMessageBytes}` };
    }
    if (this.bytes + length > this.maxQueuedBytes) {
      return { ok: false, code: 'QUEUE_FULL', detail: `${this.bytes} bytes queued, ${length} more would exceed ${this.maxQueuedBytes}` };
    }
    if (this.pendingMessages >= this.maxQueuedMessages) {
      return { ok: false, code: 'QUEUE_FULL', detail: `${this.pendingMessages} messages queued, the bound is ${this.maxQueuedMessages}` };
    }
    if (transfer) {
      // The prefix (a shared, never written, group header) travels beside the message: no copy.
      this.queue.push(data);
      this.prefixes.push(prefix);
    } else {
      const copy = new Uint8Array(length);
      if (prefix) copy.set(prefix);
      copy.set(data, length - data.length);
      this.queue.push(copy);
      this.prefixes.push(undefined);
    }
    this.bytes += length;
    return { ok: true };
  }

  /**
   * The next packet of at most `maxPacketBytes` bytes, or undefined when the queue is empty or the
   * bound leaves no room for progress (a non-empty message needs at least 11 bytes: header,
   * one length, one data byte).
   */
  takePacket(maxPacketBytes: number): Uint8Array | undefined {
    if (this.isEmpty) return undefined;
    const limit = Math.min(Math.floor(maxPacketBytes), PG_PACKET_BYTES_MAX);
    if (!(limit >= PG_HEADER_SIZE + PG_LEN_SIZE)) return undefined;
    const plan = this.plan(limit - PG_HEADER_SIZE);
    if (plan.count === 0) return undefined;
    const out = this.write(plan);
    this.consume(plan);
    return out;
  }

  /**
   * Rewinds a partly sent message so it is sent again whole, from a fresh start. The group calls
   * this when the ring changes: receivers drop partial messages at the configuration change, so
   * the rest alone could never be assembled (all-or-nothing).
   */
  restartPartial(): boolean {
    if (this.offset === 0) return false;
    this.bytes += this.offset;
    this.offset = 0;
    this.lastFrag = 0;
    return true;
  }

  /** Decides what the packet holds; `room` is the space for lengths and data. */
  private plan(room: number): Plan {
    let space = room;
    let count = 0;
    let data = 0;
    let fragLen = 0;
    for (let i = this.head; i < this.queue.length && count < PG_MSG_COUNT_MAX; i++) {
      const rest = this.lengthOf(i) - (i === this.head ? this.offset : 0);
      if (PG_LEN_SIZE + rest <= space && rest <= PG_PIECE_BYTES_MAX) {
        space -= PG_LEN_SIZE + rest;
        data += rest;
        count++;
        continue;
      }
      const fitsEmptyPacket = PG_LEN_SIZE + rest <= room && rest <= PG_PIECE_BYTES_MAX;
      const worthSplitting = space - PG_LEN_SIZE >= (fitsEmptyPacket ? Math.max(MIN_FRAGMENT_BYTES, room * MIN_FRAGMENT_SHARE) : 1);
      if (worthSplitting) {
        fragLen = Math.min(space - PG_LEN_SIZE, PG_PIECE_BYTES_MAX);
        data += fragLen;
        count++;
      }
      break;
    }
    return { count, data, fragLen };
  }

  private write(plan: Plan): Uint8Array {
    const { count, data, fragLen } = plan;
    const out = new Uint8Array(PG_HEADER_SIZE + PG_LEN_SIZE * count + data);
    const continuation = this.offset > 0 ? this.lastFrag : 0;
    writeHeader(out, fragLen > 0 ? this.nextFragNumber(count) : 0, continuation, count);
    let lenAt = PG_HEADER_SIZE;
    let dataAt = PG_HEADER_SIZE + PG_LEN_SIZE * count;
    for (let k = 0; k < count; k++) {
      const i = this.head + k;
      const start = k === 0 ? this.offset : 0;
      const n = k === count - 1 && fragLen > 0 ? fragLen : this.lengthOf(i) - start;
      writeU16(out, lenAt, n);
      this.copyOut(i, start, n, out, dataAt);
      lenAt += PG_LEN_SIZE;
      dataAt += n;
    }
    return out;
  }

  /** Bytes of queue[i] with its group header. */
  private lengthOf(i: number): number {
    return this.queue[i]!.length + (this.prefixes[i]?.length ?? 0);
  }

  /** Copies bytes [start, start + n) of queue[i] with its header in front into `out` at `at`. */
  private copyOut(i: number, start: number, n: number, out: Uint8Array, at: number): void {
    const prefix = this.prefixes[i];
    const data = this.queue[i]!;
    const p = prefix?.length ?? 0;
    if (prefix && start < p) {
      const k = Math.min(n, p - start);
      out.set(prefix.subarray(start, start + k), at);
      at += k;
      n -= k;
      start = p;
    }
    if (n > 0) out.set(data.subarray(start - p, start - p + n), at);
  }

  /** Number for a fragment ending this packet: the next in the current message, or 1 for a new one. */
  private nextFragNumber(count: number): number {
    const continuesHead = count === 1 && this.offset > 0;
    return continuesHead ? (this.lastFrag % 255) + 1 : 1;
  }

  private consume(plan: Plan): void {
    const { count, data, fragLen } = plan;
    const whole = fragLen > 0 ? count - 1 : count;
    const fragNumber = fragLen > 0 ? this.nextFragNumber(count) : 0;
    for (let k = 0; k < whole; k++) {
      this.queue[this.head + k] = undefined;
      this.prefixes[this.head + k] = undefined;
    }
    if (whole > 0) {
      this.head += whole;
      this.offset = 0;
      this.lastFrag = 0;
    }
    if (fragLen > 0) {
      this.offset += fragLen;
      this.lastFrag = fragNumber;
    }
    this.bytes -= data;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.prefixes = this.prefixes.slice(this.head);
      this.head = 0;
    }
  }
}

interface Plan {
  /** Pieces in the packet (whole messages, plus a final fragment when fragLen > 0). */
  readonly count: number;
  readonly data: number;
  readonly fragLen: number;
}

function positive(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`PgPacker: ${what} must be a positive integer, got ${v}`);
  return v;
}
