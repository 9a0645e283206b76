/**
 * An async iterator over pushed items, with a hook for each item the consumer takes (the EVT
 * handle turns taken deliveries into credits for the daemon). Unbounded by itself: its producer
 * bounds it (the daemon sends only as many deliveries as it has credits for).
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  /** Items from #head on are waiting (taking moves the index: Array#shift copies the rest each time). */
  #items: (T | undefined)[] = [];
  #head = 0;
  #waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  #ended: { error: unknown } | undefined;

  constructor(
    private readonly onTaken: (item: T) => void,
    private readonly onReturn: () => void = () => {},
  ) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  push(item: T): boolean {
    if (this.#ended) return false;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      this.onTaken(item);
      w.resolve({ value: item, done: false });
    } else this.#items.push(item);
    return true;
  }

  /** Ends after the buffered items: cleanly, or throwing `error`. Returns the items never taken. */
  end(error?: unknown, dropBuffered = false): T[] {
    if (this.#ended) return [];
    this.#ended = { error };
    const dropped = dropBuffered ? (this.#items.slice(this.#head) as T[]) : [];
    if (dropBuffered) this.#clear();
    const w = this.#waiter;
    if (w && this.length === 0) {
      this.#waiter = undefined;
      if (error === undefined) w.resolve({ value: undefined, done: true });
      else w.reject(error);
    }
    return dropped;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as T;
      this.#items[this.#head++] = undefined;
      if (this.#head === this.#items.length) this.#clear();
      else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      this.onTaken(item);
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#ended) {
      const { error } = this.#ended;
      if (error !== undefined) {
        this.#ended = { error: undefined };
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.#waiter) return Promise.reject(new Error('next() called while another next() is pending'));
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  #clear(): void {
    this.#items.length = 0;
    this.#head = 0;
  }

  return(): Promise<IteratorResult<T>> {
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
