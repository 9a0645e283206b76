/**
 * Deferred work and periodic re-checks of the daemon's host: Node's timers in ringcastd, virtual
 * time in the simulator (src/sim/daemon), so the host arms no timer of its own.
 */
export interface HostClock {
  defer(run: () => void): void;
  /** Runs `run` every `ms` until the returned function is called. */
  every(ms: number, run: () => void): () => void;
  /**
   * Wall-clock ms and one-shot timers, for services that keep time (EVT retention, publish
   * times, votequorum's last-man-standing window): `after` runs `run` once, `ms` later, unless
   * the returned function is called first. Absent: Node's clock (services fall back to their own default).
   */
  readonly nowMs?: () => number;
  readonly after?: (ms: number, run: () => void) => () => void;
}

/** Node's timers; periodic ones are unref'd so they never keep a process alive. */
export const NODE_CLOCK: HostClock = {
  defer: (run) => setImmediate(run),
  every: (ms, run) => {
    const timer = setInterval(run, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
