/**
 * Back-pressure from the ring's send queue to local clients. The executive sends through this
 * gate; when the ring refuses a message because its queue is full, the gate closes: the daemon
 * stops reading requests from every client connection (their writes back up in their sockets and
 * their own bounded queues, never in daemon memory) and CPG announces flow control, as Corosync's
 * totempg flow control does. The gate reopens once the queue has drained to half of what it held
 * when it filled, so a flood does not flap it on every message.
 *
 * The ring drains as messages are delivered, so the daemon calls `check()` on every delivery and
 * configuration change; a slow timer covers a ring that delivers nothing for a while.
 */
import type { ExecRing, RingSendResult } from '../exec/index.js';
import { NODE_CLOCK, type HostClock } from './host-clock.js';

export interface GatedRing {
  send(data: Uint8Array, options: { readonly safe?: boolean; readonly transfer?: boolean; readonly group?: string }): RingSendResult;
  readonly queuedBytes: number;
}

export interface RingGateOptions {
  /** The gate closed (true) or reopened (false). */
  readonly onChange: (closed: boolean) => void;
  /** Fallback re-check period while closed; default 100 ms. */
  readonly recheckMs?: number;
  /** Runs `run` every `ms` until cancelled; default Node's timers. */
  readonly every?: HostClock['every'];
}

export interface RingGateStats {
  /** Times the gate closed. */
  closes: number;
  /** Sends the ring refused with QUEUE_FULL. */
  queueFull: number;
}

export class RingGate implements ExecRing {
  readonly stats: RingGateStats = { closes: 0, queueFull: 0 };
  readonly #ring: GatedRing;
  readonly #options: RingGateOptions;
  #closed = false;
  #reopenAtBytes = 0;
  #cancelRecheck: (() => void) | undefined;

  constructor(ring: GatedRing, options: RingGateOptions) {
    this.#ring = ring;
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Uint8Array, options: { readonly safe?: boolean; readonly transfer?: boolean; readonly group?: string }): RingSendResult {
    const result = this.#ring.send(data, options);
    if (!result.ok && result.code === 'QUEUE_FULL') {
      this.stats.queueFull++;
      this.#close();
    }
    return result;
  }

  /** Reopens the gate if the queue drained enough. Cheap: call it on every delivery. */
  check(): void {
    if (!this.#closed || this.#ring.queuedBytes > this.#reopenAtBytes) return;
    this.#closed = false;
    this.stop();
    this.#options.onChange(false);
  }

  stop(): void {
    this.#cancelRecheck?.();
    this.#cancelRecheck = undefined;
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stats.closes++;
    this.#reopenAtBytes = Math.floor(this.#ring.queuedBytes / 2);
    this.#cancelRecheck = (this.#options.every ?? NODE_CLOCK.every)(this.#options.recheckMs ?? 100, () => this.check());
    this.#options.onChange(true);
  }
}
