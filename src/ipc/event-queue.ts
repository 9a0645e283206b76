/**
 * The client's buffer between the socket and an `events()` consumer. Bounded: at `max` items it
 * asks its owner to stop reading the socket (onFull), and when the consumer has taken it down to
 * half it asks to read again (onRoom), so a slow consumer backs up into the daemon's outbound
 * queue, where the daemon's marks apply, instead of into client memory.
 */
export interface EventQueueHooks {
  onFull(): void;
  onRoom(): void;
  /** The consumer stopped iterating (break/return). */
  onDetach(): void;
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  readonly #max: number;
  readonly #hooks: EventQueueHooks;
  #items: T[] = [];
  #head = 0;
  #full = false;
  #waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  #ended: { error: unknown } | undefined;
  #detached = false;

  constructor(max: number, hooks: EventQueueHooks) {
    this.#max = max;
    this.#hooks = hooks;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    if (this.#ended || this.#detached) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (!this.#full && this.length >= this.#max) {
      this.#full = true;
      this.#hooks.onFull();
    }
  }

  /** Ends iteration after the buffered items: cleanly, or by throwing `error` if given. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = { error };
    if (this.#waiter && this.length === 0) this.#settleEnd(this.#waiter);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.length > 0) {
      const value = this.#items[this.#head]!;
      this.#items[this.#head] = undefined as T;
      this.#head++;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (this.#full && this.length <= this.#max / 2) {
        this.#full = false;
        this.#hooks.onRoom();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#detached) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.#ended) this.#settleEnd(waiter);
      else this.#waiter = waiter;
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.#detached) {
      this.#detached = true;
      this.#items = [];
      this.#head = 0;
      this.#waiter?.resolve({ value: undefined, done: true });
      this.#waiter = undefined;
      this.#hooks.onDetach();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #settleEnd(waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void }): void {
    this.#waiter = undefined;
    const error = this.#ended?.error;
    if (error === undefined) waiter.resolve({ value: undefined, done: true });
    else {
      // Throw once, then report done, like a stream that errored.
      this.#ended = { error: undefined };
      waiter.reject(error);
    }
  }
}
