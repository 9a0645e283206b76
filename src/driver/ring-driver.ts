/**
 * RingDriver: the one loop that runs a Totem ring member. It feeds the pure core (TotemGroup:
 * the core with its group layer) with frames, timer expiries and messages, and carries out what
 * the core asks for, in this order after every step:
 *   1. persist the ring sequence (before any frame of the new ring can leave),
 *   2. hand the step's frames to the transport,
 *   3. arm the one timer for the core's next deadline,
 *   4. hand deliveries and configuration changes to the listener, once the step is over.
 * Corosync also delivers after it has passed the token on: the next node should not wait for
 * this one's applications.
 *
 * The driver owns no socket and no clock: a transport and a scheduler are passed in. ringcastd
 * passes UDP sockets and Node timers (src/net/ring-node.ts), the simulator its packet network
 * and virtual clock (src/sim/cluster.ts); the same code runs in both, so the daemon's stack
 * meets the simulator's seeded faults through exactly the loop it runs in production.
 */
import { TotemGroup, type GroupDelivery, type SubmitOptions, type SubmitResult } from '../totem/group.js';
import type { TotemConfig } from '../totem/config.js';
import type { TotemStatus } from '../totem/core.js';
import type { ConfigChange, OutFrame, TraceEvent } from '../totem/state.js';

/** Stable storage for the highest ring sequence used, so a restarted node never reuses a ring id. */
export interface RingSeqStore {
  load(): number;
  save(seq: number): void;
}

/** Where a step's frames go: UDP sockets in ringcastd, the packet simulator in src/sim. */
export interface RingTransport {
  /** One step's frames, in the order the core produced them. */
  send(frames: readonly OutFrame[]): void;
}

/** Time and deferred work: `performance.now()` and Node's timers, or the simulator's virtual clock. */
export interface RingScheduler {
  now(): number;
  /** Calls `fire` at time `at` (or as soon after as it can); returns a function that cancels it. */
  timer(at: number, fire: () => void): () => void;
  /** Runs `run` once the current step is over; the simulator may run it at once. */
  defer(run: () => void): void;
}

/** What listeners hear, in the ring's order. */
export type RingEvent = GroupDelivery | ConfigChange;

export interface RingDriverOptions {
  readonly nodeId: number;
  readonly config: TotemConfig;
  readonly store: RingSeqStore;
  readonly transport: RingTransport;
  readonly scheduler: RingScheduler;
  readonly onEvent: (event: RingEvent) => void;
  readonly trace?: ((event: TraceEvent) => void) | undefined;
  /** The group layer's send queue bound (TotemGroup's default when absent). */
  readonly maxQueuedBytes?: number | undefined;
}

export type DriverState = 'new' | 'running' | 'suspended' | 'stopped';

export class RingDriver {
  readonly group: TotemGroup;
  readonly #store: RingSeqStore;
  readonly #transport: RingTransport;
  readonly #scheduler: RingScheduler;
  readonly #onEvent: (event: RingEvent) => void;
  #state: DriverState = 'new';
  /** halt() drops what was not yet handed over, even mid-emission. */
  #halted = false;
  /** Deliveries and configuration changes waiting for the listener, in order. */
  #pending: RingEvent[] = [];
  #emitScheduled = false;
  #emitting = false;
  #timerAt = Infinity;
  #cancelTimer: (() => void) | undefined;

  constructor(options: RingDriverOptions) {
    this.#store = options.store;
    this.#transport = options.transport;
    this.#scheduler = options.scheduler;
    this.#onEvent = options.onEvent;
    this.group = new TotemGroup({
      nodeId: options.nodeId,
      config: options.config,
      persistedRingSeq: this.#store.load(),
      maxQueuedBytes: options.maxQueuedBytes,
      trace: options.trace,
    });
  }

  get state(): DriverState {
    return this.#state;
  }

  get running(): boolean {
    return this.#state === 'running' || this.#state === 'suspended';
  }

  start(): void {
    if (this.#state !== 'new') return;
    this.#state = 'running';
    this.group.start(this.#scheduler.now());
    this.#flush();
  }

  /** A frame from the network (already authenticated and whole). */
  receive(frame: Uint8Array): void {
    if (this.#state !== 'running') return;
    this.group.receive(frame, this.#scheduler.now());
    this.#flush();
  }

  /** Queues a message for agreed (or safe) delivery to every member, this node included. */
  submit(data: Uint8Array, options: SubmitOptions = {}): SubmitResult {
    if (this.#state !== 'running') return { ok: false, code: 'NOT_RUNNING', detail: 'the ring node is not running' };
    const result = this.group.submit(data, options, this.#scheduler.now());
    this.#flush();
    return result;
  }

  status(): TotemStatus {
    return this.group.status();
  }

  reconfigure(config: TotemConfig): (keyof TotemConfig)[] {
    return this.group.reconfigure(config);
  }

  get queuedBytes(): number {
    return this.group.queuedBytes;
  }

  /**
   * Leaves the ring: announces it (unless `announce` is false), hands the listener everything
   * that was delivered up to here, at once, and stops. Nothing is delivered after this returns.
   */
  leave(options: { readonly announce?: boolean } = {}): void {
    if (!this.running) return;
    if (options.announce !== false) {
      this.#state = 'running';
      this.group.leave(this.#scheduler.now());
      this.#flush();
    }
    this.#state = 'stopped';
    this.#disarm();
    this.#emitPending();
  }

  /** The process died: nothing more is sent, timed or delivered. */
  halt(): void {
    this.#state = 'stopped';
    this.#halted = true;
    this.#disarm();
    this.#pending = [];
  }

  /**
   * The process is paused (SIGSTOP, a long GC pause): its timers do not run and the caller keeps
   * the frames that arrive. resume() hands them over, then runs the timers that came due.
   */
  suspend(): void {
    if (this.#state === 'running') this.#state = 'suspended';
  }

  resume(waiting: readonly Uint8Array[]): void {
    if (this.#state !== 'suspended') return;
    this.#state = 'running';
    const now = this.#scheduler.now();
    for (const frame of waiting) this.group.receive(frame, now);
    this.group.timeout(now);
    this.#flush();
  }

  readonly #fire = (): void => {
    this.#timerAt = Infinity;
    this.#cancelTimer = undefined;
    if (this.#state !== 'running') return;
    this.group.timeout(this.#scheduler.now());
    this.#flush();
  };

  #flush(): void {
    if (this.#halted) return;
    const events = this.group.takeEvents();
    for (const event of events) if (event.kind === 'persistRingSeq') this.#store.save(event.seq);
    const frames = this.group.takeFrames();
    if (frames.length > 0) this.#transport.send(frames);
    for (const event of events) if (event.kind !== 'persistRingSeq') this.#pending.push(event);
    if (this.#state === 'running') this.#arm();
    if (this.#pending.length > 0 && !this.#emitScheduled) {
      this.#emitScheduled = true;
      this.#scheduler.defer(this.#emitPending);
    }
  }

  /**
   * Arms a timer only when the deadline moved earlier: a timer that fires later than needed just
   * finds nothing due and re-arms, so a busy ring does not pay for a timer per step.
   */
  #arm(): void {
    const deadline = this.group.nextDeadline();
    if (deadline === undefined || deadline >= this.#timerAt) return;
    this.#cancelTimer?.();
    const at = Math.max(deadline, this.#scheduler.now());
    this.#timerAt = at;
    this.#cancelTimer = this.#scheduler.timer(at, this.#fire);
  }

  #disarm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = Infinity;
  }

  /**
   * Hands queued events to the listener in order. A listener may submit (which runs a step and
   * queues more events): this loop takes those too, after the ones before them, never nested.
   */
  readonly #emitPending = (): void => {
    if (this.#emitting) return;
    this.#emitting = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        for (const event of batch) {
          if (this.#halted) return;
          this.#onEvent(event);
        }
      }
    } finally {
      this.#emitting = false;
      this.#emitScheduled = false;
    }
  };
}
