/**
 * The simulator's agenda: a binary min-heap of events ordered by virtual time, ties broken by
 * insertion order so runs are deterministic. Sifting moves a hole instead of swapping pairs: the
 * agenda is the simulator's hottest structure, and a swap that allocates shows in every soak.
 */
export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly orders: number[] = [];
  private readonly items: T[] = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    const order = this.counter++;
    let i = this.items.length;
    this.times.push(time);
    this.orders.push(order);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const tp = this.times[parent]!;
      if (tp < time || (tp === time && this.orders[parent]! < order)) break;
      this.place(i, parent);
      i = parent;
    }
    this.times[i] = time;
    this.orders[i] = order;
    this.items[i] = item;
  }

  peekTime(): number | undefined {
    return this.items.length > 0 ? this.times[0] : undefined;
  }

  pop(): { time: number; item: T } | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const time = this.times[0]!;
    const item = this.items[0]!;
    const lastTime = this.times.pop()!;
    const lastOrder = this.orders.pop()!;
    const lastItem = this.items.pop()!;
    if (n > 1) this.sinkFromRoot(lastTime, lastOrder, lastItem);
    return { time, item };
  }

  /** Moves the entry at `from` to `to` (the hole moves the other way). */
  private place(to: number, from: number): void {
    this.times[to] = this.times[from]!;
    this.orders[to] = this.orders[from]!;
    this.items[to] = this.items[from]!;
  }

  /** Puts (time, order, item) into the hole at the root and sinks it to its place. */
  private sinkFromRoot(time: number, order: number, item: T): void {
    const n = this.items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n) {
        const tl = this.times[l]!;
        const tr = this.times[r]!;
        if (tr < tl || (tr === tl && this.orders[r]! < this.orders[l]!)) m = r;
      }
      const tm = this.times[m]!;
      if (time < tm || (time === tm && order < this.orders[m]!)) break;
      this.place(i, m);
      i = m;
    }
    this.times[i] = time;
    this.orders[i] = order;
    this.items[i] = item;
  }
}
