/**
 * `--load RATE:SIZE`: synthetic multicast traffic with history ids, for tests and benchmarks
 * (Corosync has its pload service for the same purpose). Messages are paced on a 1 ms tick with
 * the fractional remainder carried over, so the long-run rate is exact. Like a client that honours
 * flow control (Corosync's cpgbench backs off on CS_ERR_TRY_AGAIN), it keeps a bounded backlog
 * in the ring's send queue, so at full load delivery latency measures the ring rather than a
 * 16 MiB queue, and queued messages do not age into the old generation of the garbage collector.
 * The bound adapts (AIMD): when the queue ran dry within a tick the ring could have taken more,
 * so it doubles; when the queue is still more than half full a tick later it shrinks by a tenth.
 * So a token visit can fill its max_messages frames (up to 64 KiB each) when the ring is fast,
 * and the queue holds about a tick's worth of messages. When the ring pushes back the tick stops
 * early and the shortfall is not made up later.
 */
export interface LoadSpec {
  readonly ratePerSec: number;
  readonly sizeBytes: number;
}

export function parseLoadSpec(text: string): { ok: true; spec: LoadSpec } | { ok: false; message: string } {
  const m = /^(\d+(?:\.\d+)?):(\d+)$/.exec(text.trim());
  if (!m) return { ok: false, message: `--load expects RATE:SIZE (messages per second : bytes), got "${text}"` };
  const ratePerSec = Number(m[1]);
  const sizeBytes = Number(m[2]);
  if (ratePerSec <= 0 || ratePerSec > 1_000_000) return { ok: false, message: `--load rate must be in (0, 1000000], got ${m[1]}` };
  if (sizeBytes < 16 || sizeBytes > 1024 * 1024) return { ok: false, message: `--load size must be 16..1048576 bytes, got ${m[2]}` };
  return { ok: true, spec: { ratePerSec, sizeBytes } };
}

export interface LoadTarget {
  /** Tries to send one message of `size` bytes; returns false when the ring pushes back. */
  send(size: number): boolean;
  /** Bytes queued and not yet sent by the ring. */
  queuedBytes(): number;
}

/** Bounds of the adaptive backlog: at least two messages, at most 4 MiB. */
export const LOAD_BACKLOG_MIN_BYTES = 64 * 1024;
export const LOAD_BACKLOG_MAX_BYTES = 4 * 1024 * 1024;

const TICK_MS = 1;

export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private last = 0;
  sent = 0;
  refused = 0;
  /** Current bound on queued bytes (adaptive, see above). */
  backlogBytes: number;
  private readonly backlogMin: number;
  /** The last tick stopped at the bound (only then does a dry queue mean the bound held the ring back). */
  private filledLastTick = false;

  constructor(private readonly spec: LoadSpec, private readonly target: LoadTarget) {
    this.backlogMin = Math.max(LOAD_BACKLOG_MIN_BYTES, 2 * spec.sizeBytes);
    this.backlogBytes = this.backlogMin;
  }

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    this.credit = Math.min(this.credit + ((now - this.last) / 1000) * this.spec.ratePerSec, this.spec.ratePerSec);
    this.last = now;
    this.adaptBacklog(this.target.queuedBytes());
    while (this.credit >= 1) {
      if (this.target.queuedBytes() + this.spec.sizeBytes > this.backlogBytes || !this.target.send(this.spec.sizeBytes)) {
        this.filledLastTick = true;
        this.refused++;
        this.credit = 0;
        return;
      }
      this.sent++;
      this.credit--;
    }
  }

  /** Called with the queue as the last tick left it, one tick later. */
  private adaptBacklog(queued: number): void {
    if (queued === 0 && this.filledLastTick) this.backlogBytes = Math.min(LOAD_BACKLOG_MAX_BYTES, this.backlogBytes * 2);
    else if (queued > this.backlogBytes / 2) this.backlogBytes = Math.max(this.backlogMin, Math.floor(this.backlogBytes * 0.9));
    this.filledLastTick = false;
  }
}
