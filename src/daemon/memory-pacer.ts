/**
 * Keeps the daemon's memory near what it holds, not what it has recently let go of.
 *
 * Under load every frame costs Node several buffers outside the JavaScript heap (the received
 * datagram, the decrypted frame, the sealed one, reassembly). V8 frees them only when it collects,
 * and it collects on its own thresholds: a young-generation pass once about 32 MiB of new buffers
 * accumulate, a full pass once about 64 MiB more than after the last one are held. The frames the
 * ring keeps for retransmission live for a rotation or two, long enough to survive young passes,
 * so they wait for a full one. At 80 MB/s of 64 KiB frames that left 40-70 MB of dead buffers per
 * daemon, and glibc keeps the pages they occupied: RSS went from 56 MB idle to 150 MB.
 *
 * The pacer counts the bytes the node handles (messages sent and delivered, datagrams received,
 * frames sealed: RingNodeOptions.onTraffic) and collects sooner: a young pass every
 * `minorEveryBytes` (dead datagrams and sealed frames, cheap: under a millisecond) and a full pass
 * every `majorEveryBytes` (retransmission copies that aged; a few milliseconds for a heap of a
 * few MB). Idle or lightly loaded daemons never reach either budget. Collections run on the next
 * turn of the event loop, after the frames of the current step are sent.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface GcRunner {
  minor(): void;
  major(): void;
}

export interface MemoryPacerOptions {
  /** Bytes of traffic between young-generation collections; 0 turns them off. */
  readonly minorEveryBytes: number;
  /** Bytes of traffic between full collections; 0 turns them off. */
  readonly majorEveryBytes: number;
  /** Defers a collection to after the current step (setImmediate in the daemon). */
  readonly defer?: (run: () => void) => void;
}

/**
 * Defaults (ringcast.gc_young_every, gc_full_every): 4 MiB and 32 MiB of traffic. A 64 KiB message
 * costs a sender about six buffers of its size and a receiver three, against three and two
 * counted, so a young pass comes after about 8-12 MB of new buffers, a full one after 50-100 MB
 * of traffic's buffers, most of them already freed by young passes. Measured at full load (64 KiB
 * messages, three daemons, a shared 2-core machine): peak RSS 107-117 MB instead of 143-165.
 * Tighter budgets shrink it further (2 MiB / 8 MiB: 92-98 MB) but each full pass is an atomic
 * pause of 5-25 ms that holds the token, and at 4 a second throughput fell by half.
 */
export const MEMORY_PACER_DEFAULTS: MemoryPacerOptions = {
  minorEveryBytes: 4 * 1024 * 1024,
  majorEveryBytes: 32 * 1024 * 1024,
};

export interface MemoryPacerStats {
  minorCollections: number;
  majorCollections: number;
  /** Time spent in the pacer's collections, ms. */
  collectMs: number;
}

export class MemoryPacer {
  private sinceMinor = 0;
  private sinceMajor = 0;
  private pending: 'minor' | 'major' | undefined;
  readonly stats: MemoryPacerStats = { minorCollections: 0, majorCollections: 0, collectMs: 0 };
  private readonly defer: (run: () => void) => void;

  constructor(private readonly gc: GcRunner, private readonly options: MemoryPacerOptions = MEMORY_PACER_DEFAULTS) {
    this.defer = options.defer ?? ((run) => setImmediate(run));
  }

  /** Counts `bytes` of frames handled; schedules a collection when a budget is spent. */
  readonly account = (bytes: number): void => {
    this.sinceMinor += bytes;
    this.sinceMajor += bytes;
    const { minorEveryBytes, majorEveryBytes } = this.options;
    let due: 'minor' | 'major' | undefined;
    if (majorEveryBytes > 0 && this.sinceMajor >= majorEveryBytes) due = 'major';
    else if (minorEveryBytes > 0 && this.sinceMinor >= minorEveryBytes) due = 'minor';
    if (!due || this.pending === 'major' || this.pending === due) return;
    const scheduled = this.pending !== undefined;
    this.pending = due;
    if (!scheduled) this.defer(() => this.collect());
  };

  private collect(): void {
    const kind = this.pending;
    this.pending = undefined;
    const started = performance.now();
    // A full pass collects the young generation too.
    if (kind === 'major') {
      this.gc.major();
      this.stats.majorCollections++;
      this.sinceMajor = 0;
    } else {
      this.gc.minor();
      this.stats.minorCollections++;
    }
    this.sinceMinor = 0;
    this.stats.collectMs += performance.now() - started;
  }
}

/**
 * V8's collector, reached without starting Node with --expose-gc: the flag is set at run time
 * and a fresh context gets the `gc` function it installs. Undefined if this runtime refuses.
 */
export function v8GcRunner(): GcRunner | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((options?: { type: 'minor' | 'major'; execution: 'sync' }) => void) | undefined;
    if (typeof gc !== 'function') return undefined;
    // gc() with no options is the full, synchronous collection that frees old buffers at once
    // (Node 20's { type: 'major' } left them for later).
    return { minor: () => gc({ type: 'minor', execution: 'sync' }), major: () => gc() };
  } catch {
    return undefined;
  }
}
