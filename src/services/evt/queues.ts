/**
 * One client connection's pending deliveries (design note 2.4): four FIFO queues, one per
 * priority, emptied highest priority first. A reader that falls behind does not grow the
 * daemon's memory: at `sizeMax` queued events (or `bytesMax` queued bytes) the connection is
 * blocked and one lost-event notice is queued at the highest priority; while blocked, a new
 * event of priority p gets in only by evicting the newest event of the lowest-priority non-empty
 * queue that is strictly less urgent than p, else it is dropped. The block lifts when the count
 * falls below `resumeAt`; a later overflow produces a new notice.
 */
import type { EvtPriority } from '../../protocol/evt-lib.js';

export interface Pending {
  readonly priority: EvtPriority;
  readonly bytes: number;
  readonly lost: boolean;
}

export interface QueueLimits {
  readonly sizeMax: number;
  readonly resumeAt: number;
  readonly bytesMax: number;
}

export interface QueueStats {
  lostNotices: number;
  dropped: number;
  evicted: number;
}

/**
 * A FIFO that takes from the front by moving an index (Array#shift copies the rest of a long
 * array: a queue of thousands of deliveries paid for it on every delivery sent).
 */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  first(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Emptied, or the taken front is the larger half: drop it (amortised O(1) per item).
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The newest item, taken (eviction). */
  pop(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items.pop();
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return item;
  }

  /** Keeps the items `keep` selects; returns the ones removed. */
  retain(keep: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i] as T;
      (keep(item) ? kept : removed).push(item);
    }
    this.#items = kept;
    this.#head = 0;
    return removed;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }
}

export class PriorityQueues<T extends Pending> {
  readonly #queues: Fifo<T>[] = [new Fifo(), new Fifo(), new Fifo(), new Fifo()];
  readonly #limits: QueueLimits;
  readonly stats: QueueStats = { lostNotices: 0, dropped: 0, evicted: 0 };
  #count = 0;
  #bytes = 0;
  #blocked = false;

  constructor(limits: QueueLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  /** Whether a push of an item of `bytes` would overflow now (start a block and a lost notice). */
  wouldOverflow(bytes: number): boolean {
    const blocked = this.#blocked && this.#count >= this.#limits.resumeAt;
    return !blocked && (this.#count >= this.#limits.sizeMax || this.#bytes + bytes > this.#limits.bytesMax);
  }

  /**
   * Queues `item`; `lostNotice` builds the notice (from the item) when this push overflows. Returns whether the
   * item itself was queued.
   */
  push(item: T, lostNotice: (overflowing: T) => T): boolean {
    this.#checkResume();
    if (!this.#blocked && (this.#count >= this.#limits.sizeMax || this.#bytes + item.bytes > this.#limits.bytesMax)) {
      this.#blocked = true;
      this.stats.lostNotices++;
      this.#add(lostNotice(item));
    }
    if (!this.#blocked) {
      this.#add(item);
      return true;
    }
    for (let p = 3; p > item.priority; p--) {
      const q = this.#queues[p]!;
      // Never evict a lost notice (they sit at priority 0, so p > 0 never holds one).
      if (q.length === 0) continue;
      const evicted = q.pop()!;
      this.#count--;
      this.#bytes -= evicted.bytes;
      this.stats.evicted++;
      this.#add(item);
      return true;
    }
    this.stats.dropped++;
    return false;
  }

  /** The item shift() would return next, left in place. */
  peek(): T | undefined {
    for (const q of this.#queues) if (q.length > 0) return q.first();
    return undefined;
  }

  /** The most urgent pending item, or undefined. */
  shift(): T | undefined {
    for (const q of this.#queues) {
      const item = q.shift();
      if (item === undefined) continue;
      this.#count--;
      this.#bytes -= item.bytes;
      this.#checkResume();
      return item;
    }
    return undefined;
  }

  /** Removes the items `drop` selects (a closed channel, an ended subscription); returns how many. */
  filter(keep: (item: T) => boolean): number {
    let removed = 0;
    for (const q of this.#queues) {
      for (const item of q.retain(keep)) {
        this.#bytes -= item.bytes;
        removed++;
      }
    }
    this.#count -= removed;
    this.#checkResume();
    return removed;
  }

  /** Every item, most urgent first (for re-labelling after an unsubscribe). */
  *items(): IterableIterator<T> {
    for (const q of this.#queues) yield* q;
  }

  #add(item: T): void {
    this.#queues[item.priority]!.push(item);
    this.#count++;
    this.#bytes += item.bytes;
  }

  #checkResume(): void {
    if (this.#blocked && this.#count < this.#limits.resumeAt) this.#blocked = false;
  }
}
