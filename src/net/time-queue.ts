/**
 * A FIFO of timestamps in a growable circular buffer: push and shift in O(1) (Array.shift copies
 * once a queue is long). Its length is the node's own undelivered messages, bounded by the ring's
 * send queue.
 */
export class TimeQueue {
  #buf = new Float64Array(64);
  #head = 0;
  #size = 0;

  push(t: number): void {
    if (this.#size === this.#buf.length) {
      const grown = new Float64Array(this.#buf.length * 2);
      for (let i = 0; i < this.#size; i++) grown[i] = this.#buf[(this.#head + i) % this.#buf.length]!;
      this.#buf = grown;
      this.#head = 0;
    }
    this.#buf[(this.#head + this.#size) % this.#buf.length] = t;
    this.#size++;
  }

  shift(): number | undefined {
    if (this.#size === 0) return undefined;
    const t = this.#buf[this.#head]!;
    this.#head = (this.#head + 1) % this.#buf.length;
    this.#size--;
    return t;
  }
}
