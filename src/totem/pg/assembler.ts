/**
 * PgAssembler: the receiving half of totempg. Packets arrive in agreed order; per sender it
 * delivers whole messages and joins fragments (exec/totempg.c, totempg_deliver_fn).
 *
 * Per sender there is at most one open message: `partial` (being assembled) or `skip` (already
 * dropped, its remaining fragments are ignored quietly so one broken message is reported once).
 * Where Corosync's "throw away mode" also loses the whole messages that share a packet with an
 * orphan fragment, we still deliver them: every member receives the same packets, so every member
 * delivers them, and only members that missed the fragment's start (e.g. joined meanwhile) drop it.
 *
 * Delivered messages are copies: the packet may sit in the retransmit store, and an application
 * mutating a delivered message must not alter what is re-sent.
 */
import { MESSAGE_SIZE_MAX, PROCESSOR_COUNT_MAX } from '../wire/layout.js';
import type { NodeId } from '../wire/types.js';
import { decodePgPacket, type PgCodecError } from './packet.js';

export interface PgAssemblerOptions {
  /** Largest message assembled from fragments (Corosync's MESSAGE_SIZE_MAX, 1 MiB, by default). */
  readonly maxPartialBytes?: number;
  /** Senders that may have a message open at once (PROCESSOR_COUNT_MAX by default). */
  readonly maxPartialSenders?: number;
}

export type PgAssemblerErrorCode =
  /** The packet does not decode; `cause` says why. Nothing delivered, the sender's open message dropped. */
  | 'MALFORMED'
  /** The first message continues a fragment whose start we do not hold. */
  | 'CONTINUATION_WITHOUT_START'
  /** A new message started while one of this sender's was still open. */
  | 'PARTIAL_ABANDONED'
  /** The open message grew past maxPartialBytes. */
  | 'PARTIAL_TOO_LARGE'
  /** maxPartialSenders senders already have a message open. */
  | 'TOO_MANY_PARTIALS';

export interface PgAssemblerError {
  readonly code: PgAssemblerErrorCode;
  readonly detail: string;
  readonly cause?: PgCodecError;
}

/**
 * What a packet completes. On `ok: false` something was dropped, but `messages` still holds the
 * whole messages the packet carried: they are delivered by every member and must be delivered.
 */
export type PgResult =
  | { readonly ok: true; readonly messages: Uint8Array[] }
  | { readonly ok: false; readonly error: PgAssemblerError; readonly messages: Uint8Array[] };

export interface PgAssemblerStats {
  malformedPackets: number;
  orphanFragments: number;
  partialsAbandoned: number;
  partialsTooLarge: number;
  partialsRefused: number;
  /** Partial messages dropped by discard / discardAllExcept / discardAll. */
  partialsDiscarded: number;
  /** Later fragments of a message already dropped, ignored without a new error. */
  fragmentsSkipped: number;
}

interface Partial {
  kind: 'partial';
  lastFrag: number;
  buf: Uint8Array;
  len: number;
}
interface Skip {
  kind: 'skip';
  lastFrag: number;
}
type Open = Partial | Skip;

const INITIAL_CAPACITY = 4096;

export class PgAssembler {
  readonly maxPartialBytes: number;
  readonly maxPartialSenders: number;
  readonly stats: PgAssemblerStats = {
    malformedPackets: 0, orphanFragments: 0, partialsAbandoned: 0, partialsTooLarge: 0,
    partialsRefused: 0, partialsDiscarded: 0, fragmentsSkipped: 0,
  };
  private readonly open = new Map<NodeId, Open>();

  constructor(options: PgAssemblerOptions = {}) {
    this.maxPartialBytes = positive(options.maxPartialBytes ?? MESSAGE_SIZE_MAX, 'maxPartialBytes');
    this.maxPartialSenders = positive(options.maxPartialSenders ?? PROCESSOR_COUNT_MAX, 'maxPartialSenders');
  }

  /** Bytes assembled so far of `sender`'s open message (0 if none). */
  partialBytes(sender: NodeId): number {
    const o = this.open.get(sender);
    return o?.kind === 'partial' ? o.len : 0;
  }

  /** Senders with a message being assembled. */
  get partialCount(): number {
    let n = 0;
    for (const o of this.open.values()) if (o.kind === 'partial') n++;
    return n;
  }

  /**
   * Takes the next packet of `sender` in agreed order. `bigEndian` is the byte order of the mcast
   * that carried it (isBigEndianFrame). Never throws.
   */
  accept(sender: NodeId, packet: Uint8Array, bigEndian = false): PgResult {
    const decoded = decodePgPacket(packet, bigEndian);
    if (!decoded.ok) {
      // The sender's stream is broken at this point: its open message cannot be completed reliably.
      this.open.delete(sender);
      this.stats.malformedPackets++;
      const error = { code: 'MALFORMED' as const, detail: decoded.error.detail, cause: decoded.error };
      return { ok: false, error, messages: [] };
    }
    const { fragmented, continuation, messages: pieces } = decoded.value;
    const last = pieces.length - 1;
    const out: Uint8Array[] = [];
    let error: PgAssemblerError | undefined;
    const note = (e: PgAssemblerError) => (error ??= e);
    let first = 0;
    if (continuation !== 0) {
      first = 1;
      const endsHere = !(last === 0 && fragmented !== 0);
      const done = this.continueOpen(sender, pieces[0]!, continuation, endsHere ? 0 : fragmented, note);
      if (done) out.push(done);
    } else {
      const prior = this.open.get(sender);
      if (prior) {
        this.open.delete(sender);
        if (prior.kind === 'partial') {
          this.stats.partialsAbandoned++;
          note({ code: 'PARTIAL_ABANDONED', detail: `node ${sender} started a message with ${prior.len} bytes of another still open` });
        }
      }
    }
    for (let i = first; i <= last; i++) {
      if (i === last && fragmented !== 0) this.start(sender, pieces[i]!, fragmented, note);
      else out.push(pieces[i]!.slice());
    }
    return error ? { ok: false, error, messages: out } : { ok: true, messages: out };
  }

  /** Drops `sender`'s open message (a sender leaving the configuration: all-or-nothing). */
  discard(sender: NodeId): boolean {
    const o = this.open.get(sender);
    if (!o) return false;
    this.open.delete(sender);
    if (o.kind === 'partial') this.stats.partialsDiscarded++;
    return o.kind === 'partial';
  }

  /** Drops the open messages of every sender not in `members`; returns how many partials went. */
  discardAllExcept(members: Iterable<NodeId>): number {
    const keep = new Set(members);
    let n = 0;
    for (const sender of [...this.open.keys()]) if (!keep.has(sender) && this.discard(sender)) n++;
    return n;
  }

  /** Drops every open message (at a configuration change); returns how many partials went. */
  discardAll(): number {
    return this.discardAllExcept([]);
  }

  /**
   * Feeds the first piece of a packet whose `continuation` is set. `nextFrag` is the fragment
   * number it leaves open (0 if the message ends here). Returns the completed message, if any.
   */
  private continueOpen(
    sender: NodeId, piece: Uint8Array, continuation: number, nextFrag: number, note: (e: PgAssemblerError) => void,
  ): Uint8Array | undefined {
    const o = this.open.get(sender);
    if (o?.kind === 'partial' && o.lastFrag === continuation) {
      if (!this.append(o, piece)) {
        this.stats.partialsTooLarge++;
        note({ code: 'PARTIAL_TOO_LARGE', detail: `node ${sender}: message grows past ${this.maxPartialBytes} bytes` });
        this.open.delete(sender);
        if (nextFrag !== 0) this.setOpen(sender, { kind: 'skip', lastFrag: nextFrag });
        return undefined;
      }
      if (nextFrag !== 0) {
        o.lastFrag = nextFrag;
        return undefined;
      }
      this.open.delete(sender);
      return o.len === o.buf.length ? o.buf : o.buf.slice(0, o.len);
    }
    if (o?.kind === 'skip' && o.lastFrag === continuation) {
      this.stats.fragmentsSkipped++;
      if (nextFrag !== 0) o.lastFrag = nextFrag;
      else this.open.delete(sender);
      return undefined;
    }
    // Continuation of a fragment we never saw start (or of another one than we hold).
    this.stats.orphanFragments++;
    if (o?.kind === 'partial') this.stats.partialsAbandoned++;
    note({
      code: 'CONTINUATION_WITHOUT_START',
      detail: `node ${sender}: continuation ${continuation}, open fragment ${o ? `${o.kind} ${o.lastFrag}` : 'none'}`,
    });
    this.open.delete(sender);
    if (nextFrag !== 0) this.setOpen(sender, { kind: 'skip', lastFrag: nextFrag });
    return undefined;
  }

  /** Opens a new message with its first fragment. */
  private start(sender: NodeId, piece: Uint8Array, fragNumber: number, note: (e: PgAssemblerError) => void): void {
    if (piece.length > this.maxPartialBytes) {
      this.stats.partialsTooLarge++;
      note({ code: 'PARTIAL_TOO_LARGE', detail: `node ${sender}: first fragment alone exceeds ${this.maxPartialBytes} bytes` });
      this.setOpen(sender, { kind: 'skip', lastFrag: fragNumber });
      return;
    }
    const capacity = Math.min(Math.max(INITIAL_CAPACITY, piece.length * 4), this.maxPartialBytes);
    const partial: Partial = { kind: 'partial', lastFrag: fragNumber, buf: new Uint8Array(capacity), len: 0 };
    partial.buf.set(piece);
    partial.len = piece.length;
    if (!this.setOpen(sender, partial)) {
      this.stats.partialsRefused++;
      note({ code: 'TOO_MANY_PARTIALS', detail: `node ${sender}: ${this.maxPartialSenders} senders already have a message open` });
    }
  }

  /** Records an open message unless the sender bound is reached (a sender's own slot is reusable). */
  private setOpen(sender: NodeId, o: Open): boolean {
    if (!this.open.has(sender) && this.open.size >= this.maxPartialSenders) return false;
    this.open.set(sender, o);
    return true;
  }

  /** Appends into a buffer grown by doubling, capped at maxPartialBytes; false past the cap. */
  private append(p: Partial, piece: Uint8Array): boolean {
    const need = p.len + piece.length;
    if (need > this.maxPartialBytes) return false;
    if (need > p.buf.length) {
      const grown = new Uint8Array(Math.min(Math.max(p.buf.length * 2, need), this.maxPartialBytes));
      grown.set(p.buf.subarray(0, p.len));
      p.buf = grown;
    }
    p.buf.set(piece, p.len);
    p.len = need;
    return true;
  }
}

function positive(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`PgAssembler: ${what} must be a positive integer, got ${v}`);
  return v;
}
