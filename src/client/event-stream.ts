/**
 * A handle's events for its one `events()` iterator, across reconnections. Bounded like the IPC
 * client's own buffer: when the iterator's queue is full, `room()` hands the pump a promise to
 * wait on, the pump stops taking events from the IPC client, whose buffer then fills and stops
 * reading the socket, so a slow consumer backs up into the daemon (its flow control and
 * SLOW_CONSUMER bound), never into this process's memory. With no iterator open, events only go
 * to the emitter and nothing is kept.
 */
import { EventQueue } from '../ipc/event-queue.js';
import { abortError } from './errors.js';

export class EventStream<T> {
  readonly #maxQueued: number;
  #queue: EventQueue<T> | undefined;
  #full = false;
  #wakeRoom: (() => void) | undefined;
  #roomPromise: Promise<void> | undefined;
  #ended: { error: unknown } | undefined;

  constructor(maxQueued: number) {
    this.#maxQueued = maxQueued;
  }

  /** The one open iterator; `signal` ends it with ABORT_ERR. */
  open(signal?: AbortSignal): AsyncIterableIterator<T> {
    if (this.#queue) throw new Error('an events() iterator is already open on this handle');
    const queue: EventQueue<T> = new EventQueue<T>(this.#maxQueued, {
      onFull: () => (this.#full = true),
      onRoom: () => this.#setRoom(),
      onDetach: () => {
        signal?.removeEventListener('abort', onAbort);
        if (this.#queue === queue) this.#queue = undefined;
        this.#setRoom();
      },
    });
    const onAbort = () => {
      queue.end(abortError(signal));
      if (this.#queue === queue) this.#queue = undefined;
      this.#setRoom();
    };
    if (this.#ended) {
      queue.end(this.#ended.error);
      return queue;
    }
    if (signal?.aborted) {
      queue.end(abortError(signal));
      return queue;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#queue = queue;
    return queue;
  }

  push(item: T): void {
    this.#queue?.push(item);
  }

  /** The open iterator's queue is full: stop taking events until room() settles. */
  get full(): boolean {
    return this.#full;
  }

  /** A promise to await before taking the next event, or undefined when there is room now. */
  room(): Promise<void> | undefined {
    if (!this.#full) return undefined;
    this.#roomPromise ??= new Promise<void>((resolve) => (this.#wakeRoom = resolve));
    return this.#roomPromise;
  }

  /** Ends the open iterator (and any opened later): cleanly, or by throwing `error` once. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = { error };
    this.#queue?.end(error);
    this.#queue = undefined;
    this.#setRoom();
  }

  #setRoom(): void {
    this.#full = false;
    const wake = this.#wakeRoom;
    this.#wakeRoom = undefined;
    this.#roomPromise = undefined;
    wake?.();
  }
}
