/**
 * What the simulator learns from a planned stop's drain, and the promise it checks: a drain may
 * abandon accepted messages only when the ring could not form within its bound. Every run (both
 * stacks) feeds it the core's state transitions, the fault events and each drain's result.
 */
import type { DrainResult } from '../driver/ring-driver.js';
import type { TotemConfig } from '../totem/config.js';
import type { TraceEvent } from '../totem/state.js';
import type { FaultTarget } from './faults.js';

/**
 * How long a quiet network (no loss, partition, block, clog or pause, no crash or start) surely
 * lets a ring form: the token timeout to notice a silent member, one consensus timeout that may
 * end in rings of one, and one more for the merge that follows. A drain whose window held such a
 * stretch must not abandon anything: the "nothing is abandoned where the ring could form
 * within the bound", made checkable.
 */
export function quietEnoughToFormMs(config: Pick<TotemConfig, 'tokenTimeoutMs' | 'consensusMs'>): number {
  return config.tokenTimeoutMs + 2 * config.consensusMs;
}

/** A drain that gave up: when, how much, and whether a ring formed for the node meanwhile. */
export interface AbandoningDrain {
  readonly node: number;
  readonly atMs: number;
  readonly undelivered: number;
  readonly undeliveredAtStart: number;
  readonly ringsFormed: number;
  readonly stateAtEnd: string;
  /** The longest stretch the node spent OPERATIONAL in one ring during the drain. */
  readonly longestOperationalMs: number;
  /**
   * The longest stretch of the drain without any fault: no loss, partition, one-way block or clog,
   * no node paused, and no crash, start, leave or resume beginning in it.
   */
  readonly longestQuietMs: number;
}

/** When the network was quiet: every fault event ends a stretch and says whether the next one is quiet. */
class QuietStretches {
  readonly #marks: { at: number; quiet: boolean }[] = [{ at: 0, quiet: true }];

  mark(now: number, quiet: boolean): void {
    this.#marks.push({ at: now, quiet });
  }

  longestWithin(from: number, to: number): number {
    let longest = 0;
    this.#marks.forEach((m, i) => {
      if (!m.quiet) return;
      const end = this.#marks[i + 1]?.at ?? to;
      longest = Math.max(longest, Math.min(end, to) - Math.max(m.at, from));
    });
    return longest;
  }
}

/**
 * When each node was OPERATIONAL, from the core's state transitions: a drain that abandons
 * messages although its node sat in a working ring for long is a fault of the drain, not of the
 * network (checked by the soak: see ABANDON_WHILE_OPERATIONAL_MS).
 */
class OperationalStretches {
  readonly #since = new Map<number, number>();
  readonly #past = new Map<number, [number, number][]>();

  observe(node: number, event: TraceEvent, now: number): void {
    if (event.kind !== 'state') return;
    if (event.to === 'operational' && event.from !== 'operational') this.#since.set(node, now);
    else if (event.from === 'operational' && event.to !== 'operational') this.#close(node, now);
  }

  #close(node: number, now: number): void {
    const since = this.#since.get(node);
    if (since === undefined) return;
    this.#since.delete(node);
    const list = this.#past.get(node) ?? [];
    list.push([since, now]);
    this.#past.set(node, list);
  }

  longestWithin(node: number, from: number, to: number): number {
    const stretches = [...(this.#past.get(node) ?? [])];
    const open = this.#since.get(node);
    if (open !== undefined) stretches.push([open, to]);
    let longest = 0;
    for (const [a, b] of stretches) longest = Math.max(longest, Math.min(b, to) - Math.max(a, from));
    return longest;
  }
}

/** Collects the drains that abandoned messages, with what the network and the node did meanwhile. */
export class DrainWatch {
  readonly drains: AbandoningDrain[] = [];
  readonly #operational = new OperationalStretches();
  readonly #quiet = new QuietStretches();

  constructor(
    private readonly config: Pick<TotemConfig, 'tokenTimeoutMs' | 'consensusMs'>,
    private readonly log?: (now: number, text: string) => void,
  ) {}

  observe(node: number, event: TraceEvent, now: number): void {
    this.#operational.observe(node, event, now);
  }

  /** A fault event just happened (or ended): a quiet stretch ends here, and may begin again. */
  fault(cluster: Pick<FaultTarget, 'now' | 'network' | 'liveNodes' | 'statusOf'>): void {
    const quiet = cluster.network.healthy() && cluster.liveNodes().every((id) => cluster.statusOf(id) !== 'paused');
    this.#quiet.mark(cluster.now, quiet);
  }

  drained(node: number, r: DrainResult, now: number): void {
    const from = now - r.waitedMs;
    if (r.undelivered > 0) {
      this.drains.push({
        node, atMs: Math.round(now), undelivered: r.undelivered, undeliveredAtStart: r.undeliveredAtStart,
        ringsFormed: r.ringsFormed, stateAtEnd: r.stateAtEnd,
        longestOperationalMs: Math.round(this.#operational.longestWithin(node, from, now)),
        longestQuietMs: Math.round(this.#quiet.longestWithin(from, now)),
      });
    }
    this.log?.(now, `node ${node}: left after ${r.timedOut ? 'its drain ran out' : 'draining'} (${r.waitedMs.toFixed(0)}ms, ${r.undeliveredAtStart} own messages to wait for, ${r.undelivered} abandoned, ${r.ringsFormed} rings formed meanwhile)`);
  }

  /** Abandoning drains that had a quiet stretch long enough for a ring to form: broken promises. */
  problems(): string[] {
    const enough = quietEnoughToFormMs(this.config);
    return this.drains.filter((d) => d.longestQuietMs >= enough).map((d) =>
      `node ${d.node} abandoned ${d.undelivered} message(s) at ${d.atMs}ms although its drain had ${d.longestQuietMs}ms without any fault (a ring forms within ${enough}ms)`);
  }
}
