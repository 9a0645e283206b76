/**
 * The sort queue of one ring: received mcasts by sequence number, kept until every member has
 * them (then released) so they can be retransmitted. Corosync's `struct sq` with its miss counts.
 * Sequence numbers wrap at 2^32 (seq.ts); the queue's window never spans more than its capacity.
 */
import { seqDistance, seqLt, seqLte, seqNext } from './seq.js';
import type { Mcast } from './wire/types.js';

export interface StoredMcast {
  /** The frame exactly as received or sent, re-multicast verbatim on retransmission. */
  readonly frame: Uint8Array;
  readonly msg: Mcast;
}

export class MessageStore {
  private readonly items = new Map<number, StoredMcast>();
  private readonly missCounts = new Map<number, number>();
  /** Highest sequence number released; everything at or before it is gone. */
  lastReleased: number;

  /** `start`: the ring's starting sequence; its first message is the one after it. */
  constructor(start: number, private readonly capacity: number) {
    this.lastReleased = start;
  }

  /** Whether `seq` falls in the window this queue can hold (Corosync's sq_in_range). */
  inRange(seq: number): boolean {
    const ahead = seqDistance(this.lastReleased, seq);
    return ahead > 0 && ahead < this.capacity;
  }

  has(seq: number): boolean {
    return this.items.has(seq);
  }

  get(seq: number): StoredMcast | undefined {
    return this.items.get(seq);
  }

  add(seq: number, item: StoredMcast): boolean {
    if (!this.inRange(seq) || this.items.has(seq)) return false;
    this.items.set(seq, item);
    this.missCounts.delete(seq);
    return true;
  }

  /** Counts one more token visit that found `seq` missing; returns the new count. */
  miss(seq: number): number {
    const count = (this.missCounts.get(seq) ?? 0) + 1;
    this.missCounts.set(seq, count);
    return count;
  }

  releaseTo(seq: number): void {
    if (!seqLt(this.lastReleased, seq)) return;
    for (let s = seqNext(this.lastReleased); seqLte(s, seq); s = seqNext(s)) {
      this.items.delete(s);
      this.missCounts.delete(s);
    }
    this.lastReleased = seq;
  }

  get size(): number {
    return this.items.size;
  }

  highestSeq(): number {
    let max = this.lastReleased;
    for (const seq of this.items.keys()) if (seqLt(max, seq)) max = seq;
    return max;
  }

  values(): IterableIterator<StoredMcast> {
    return this.items.values();
  }
}
