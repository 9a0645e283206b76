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

/** What a planned stop waits for, and how long. */
export interface DrainOptions {
  /** Longest wait in ms (the scheduler's clock); then the node leaves anyway. */
  readonly timeoutMs: number;
  /**
   * Messages accepted above the ring that have not come back yet without being counted here:
   * the executive's own messages deferred until sync completes, requests it holds. The drain
   * waits until this is 0 too. Read after every step whose events reached the listener.
   */
  readonly heldAbove?: () => number;
  /**
   * Submits stay open during the drain (default false: they fail with SHUTTING_DOWN). The daemon
   * sets it: its clients are already stopped at its edge, while its executive must still finish
   * a synchronization and send what it accepted before the stop.
   */
  readonly acceptSubmits?: boolean;
  /** Announce the leave (default true), as leave() does. */
  readonly announce?: boolean;
}

export interface DrainResult {
  /** Own messages handed to the ring that were not delivered here when the node left. */
  readonly undelivered: number;
  /** Own messages not yet delivered when the drain began (what it had to wait for). */
  readonly undeliveredAtStart: number;
  /** heldAbove() when the node left. */
  readonly heldAbove: number;
  /** The bound ran out before everything came back. */
  readonly timedOut: boolean;
  readonly waitedMs: number;
  /** Regular configurations this node installed during the drain (0: no ring formed meanwhile). */
  readonly ringsFormed: number;
  /** Its membership state when it left (operational: it was in a working ring). */
  readonly stateAtEnd: string;
}

/**
 * The default bound on a planned stop's drain (totem.shutdown_drain_timeout): long enough for the
 * ring to notice a failure and re-form (token timeout plus consensus), twice, so a stop that
 * lands during a gather or recovery still sees its messages ordered.
 */
export function defaultDrainTimeoutMs(config: Pick<TotemConfig, 'tokenTimeoutMs' | 'consensusMs'>): number {
  return 2 * (config.tokenTimeoutMs + config.consensusMs);
}

/** A submit the driver refused because a planned stop is draining the node. */
export const SHUTTING_DOWN = 'SHUTTING_DOWN';

export type DriverSubmitResult = SubmitResult | { readonly ok: false; readonly code: typeof SHUTTING_DOWN; readonly detail: string };

interface Drain {
  readonly options: DrainOptions;
  readonly startedAt: number;
  readonly done: (result: DrainResult) => void;
  expired: boolean;
  cancelTimer: () => void;
  ringsFormed: number;
  readonly undeliveredAtStart: number;
}

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
  readonly #nodeId: number;
  /** Own messages the ring accepted, and own messages delivered to the listener (FIFO: a prefix). */
  #ownAccepted = 0;
  #ownDelivered = 0;
  #drain: Drain | undefined;

  constructor(options: RingDriverOptions) {
    this.#store = options.store;
    this.#transport = options.transport;
    this.#scheduler = options.scheduler;
    this.#onEvent = options.onEvent;
    this.#nodeId = options.nodeId;
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

  /**
   * Queues a message for agreed (or safe) delivery to every member, this node included. During a
   * planned stop's drain it fails with SHUTTING_DOWN (unless the drain accepts submits).
   */
  submit(data: Uint8Array, options: SubmitOptions = {}): DriverSubmitResult {
    if (this.#drain && !this.#drain.options.acceptSubmits) {
      return { ok: false, code: SHUTTING_DOWN, detail: 'the ring node is shutting down: it takes no new messages' };
    }
    if (this.#state !== 'running') return { ok: false, code: 'NOT_RUNNING', detail: 'the ring node is not running' };
    const result = this.group.submit(data, options, this.#scheduler.now());
    if (result.ok) this.#ownAccepted++;
    this.#flush();
    return result;
  }

  /** Own messages accepted and not yet delivered here. */
  get ownUndelivered(): number {
    return this.#ownAccepted - this.#ownDelivered;
  }

  get draining(): boolean {
    return this.#drain !== undefined;
  }

  /**
   * A planned stop: takes no new messages (see DrainOptions.acceptSubmits), keeps running the
   * ring until every message this node accepted has been delivered here, in order (and
   * `heldAbove` is 0), then leaves as leave() does and calls `done`. The wait is bounded: when
   * `timeoutMs` runs out the node leaves anyway and `done` hears how many were abandoned. The
   * ring keeps re-forming meanwhile, so a stop that lands while the ring is gathering or
   * recovering still sees its messages ordered in the next ring (or in a ring of its own).
   */
  drain(options: DrainOptions, done: (result: DrainResult) => void): void {
    if (this.#drain) throw new Error('drain() called twice');
    if (!this.running) {
      done({ undelivered: this.ownUndelivered, undeliveredAtStart: this.ownUndelivered, heldAbove: options.heldAbove?.() ?? 0, timedOut: false, waitedMs: 0, ringsFormed: 0, stateAtEnd: this.group.status().state });
      return;
    }
    const drain: Drain = { options, startedAt: this.#scheduler.now(), done, expired: false, cancelTimer: () => {}, ringsFormed: 0, undeliveredAtStart: this.ownUndelivered };
    this.#drain = drain;
    drain.cancelTimer = this.#scheduler.timer(drain.startedAt + options.timeoutMs, () => {
      if (this.#drain !== drain) return;
      drain.expired = true;
      // A paused process cannot act on its deadline: resume() ends the drain.
      if (this.#state === 'running') this.#finishDrain(true);
    });
    this.#checkDrain();
  }

  /** Leaves once nothing accepted is still on its way back (called after events reach the listener). */
  #checkDrain(): void {
    const drain = this.#drain;
    if (!drain || this.#state !== 'running' || this.#emitting) return;
    if (this.#pending.length > 0 || this.ownUndelivered > 0 || (drain.options.heldAbove?.() ?? 0) > 0) return;
    this.#finishDrain(false);
  }

  #finishDrain(timedOut: boolean): void {
    const drain = this.#drain!;
    const stateAtEnd = this.group.status().state;
    // Cleared first: leave() runs a step, whose flush must not end the drain a second time.
    this.#drain = undefined;
    drain.cancelTimer();
    this.leave({ announce: drain.options.announce });
    const result: DrainResult = {
      undelivered: this.ownUndelivered,
      undeliveredAtStart: drain.undeliveredAtStart,
      heldAbove: drain.options.heldAbove?.() ?? 0,
      timedOut,
      waitedMs: this.#scheduler.now() - drain.startedAt,
      ringsFormed: drain.ringsFormed,
      stateAtEnd,
    };
    drain.done(result);
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
    this.#drain?.cancelTimer();
    this.#drain = undefined;
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
    if (this.#drain?.expired && this.#state === 'running') this.#finishDrain(true);
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
    // A step with no events can end a drain too: `heldAbove` may have fallen meanwhile.
    if (this.#drain && this.#pending.length === 0) this.#checkDrain();
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
          if (event.kind === 'deliver' && event.from === this.#nodeId) this.#ownDelivered++;
          else if (event.kind === 'config' && event.type === 'regular' && this.#drain) this.#drain.ringsFormed++;
          this.#onEvent(event);
        }
      }
    } finally {
      this.#emitting = false;
      this.#emitScheduled = false;
    }
    this.#checkDrain();
  };
}
