/**
 * Timers as data: a table of named deadlines. The core arms and cancels entries; the driver
 * (runtime or simulator) asks for the earliest deadline and calls `timeout(now)` when it passes.
 */
export type TimerName =
  | 'tokenLoss'
  | 'tokenRetransmit'
  | 'tokenHoldRetransmit'
  | 'join'
  | 'consensus'
  | 'mergeDetect';

export class TimerTable {
  private readonly deadlines = new Map<TimerName, number>();

  arm(name: TimerName, at: number): void {
    this.deadlines.set(name, at);
  }

  cancel(name: TimerName): void {
    this.deadlines.delete(name);
  }

  isArmed(name: TimerName): boolean {
    return this.deadlines.has(name);
  }

  next(): number | undefined {
    let min: number | undefined;
    for (const at of this.deadlines.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  /** Removes and returns the earliest timer due at `now`, ties broken by arming order. */
  popDue(now: number): TimerName | undefined {
    let best: TimerName | undefined;
    let bestAt = Infinity;
    for (const [name, at] of this.deadlines) {
      if (at <= now && at < bestAt) {
        best = name;
        bestAt = at;
      }
    }
    if (best !== undefined) this.deadlines.delete(best);
    return best;
  }

  clear(): void {
    this.deadlines.clear();
  }
}
