/**
 * `--load RATE:SIZE`: synthetic multicast traffic with history ids, for tests and benchmarks
 * (Corosync has its pload service for the same purpose). Messages are paced on a tick of one
 * message's interval (1 ms at 1,000 messages/s and above) with the fractional remainder carried
 * over, so the long-run rate is exact: a light load wakes the daemon once per message, as a client
 * sending at that rate would, not 1,000 times a second. Like a client that honours
 * flow control (Corosync's cpgbench backs off on CS_ERR_TRY_AGAIN), it keeps at most a bounded
 * backlog in the ring's send queue: at full load the queue stays short, so delivery latency
 * measures the ring rather than a 16 MiB queue, and queued messages do not age into the old
 * generation of the garbage collector. When the ring pushes back the tick stops early and the
 * shortfall is not made up later.
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

/**
 * Backlog the generator keeps at most: 32 messages, within 64 KiB .. 2 MiB. A token visit sends
 * at most what is queued, so the bound must let a visit carry several frames (64 KiB each) for
 * large messages, while small ones, which pack many per frame, need only a little. (An adaptive
 * bound that grew whenever the queue ran dry overshot: a visit often empties the queue even when
 * the ring is the bottleneck, and 1 KiB messages then waited 50 ms.)
 */
export function loadBacklogBytes(sizeBytes: number): number {
  return Math.min(2 * 1024 * 1024, Math.max(64 * 1024, 32 * sizeBytes));
}

/** The generator's tick: one message's interval, at least 1 ms (setInterval's resolution). */
export function loadTickMs(ratePerSec: number): number {
  return Math.max(1, Math.floor(1000 / ratePerSec));
}

export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private last = 0;
  sent = 0;
  refused = 0;

  constructor(private readonly spec: LoadSpec, private readonly target: LoadTarget) {}

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), loadTickMs(this.spec.ratePerSec));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    this.credit = Math.min(this.credit + ((now - this.last) / 1000) * this.spec.ratePerSec, this.spec.ratePerSec);
    this.last = now;
    const backlogMax = loadBacklogBytes(this.spec.sizeBytes);
    while (this.credit >= 1) {
      if (this.target.queuedBytes() + this.spec.sizeBytes > backlogMax || !this.target.send(this.spec.sizeBytes)) {
        this.refused++;
        this.credit = 0;
        return;
      }
      this.sent++;
      this.credit--;
    }
  }
}
