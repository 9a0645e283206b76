/**
 * Hand-built histories for tests: a small builder, and one correct four-node run with a
 * partition, a crash, a merge, a restart and a clean stop. Tests break one property at a time by
 * editing a copy of it.
 */
import { parseMessageId, type NodeId } from '../history/ids.js';
import type { HistoryRecord } from '../history/records.js';

/** Writes one node's history; `t` advances by one per record so messages can point at them. */
export class NodeHistoryBuilder {
  readonly records: HistoryRecord[] = [];
  private boot = '';
  private counter = 0;
  private t = 0;

  constructor(readonly node: NodeId) {}

  // Records are built as literals with `t` in place (as the simulator does): objects made by
  // spreading are much slower for V8 to walk, which would skew the checker's timing.
  private push(r: HistoryRecord): this {
    this.records.push(r);
    return this;
  }

  start(boot: string): this {
    this.boot = boot;
    this.counter = 0;
    return this.push({ ev: 'start', node: this.node, boot, t: this.t++ });
  }

  transitional(ring: string, members: NodeId[]): this {
    return this.push({ ev: 'config', kind: 'transitional', ring, members, t: this.t++ });
  }

  regular(ring: string, members: NodeId[]): this {
    return this.push({ ev: 'config', kind: 'regular', ring, members, t: this.t++ });
  }

  /** A configuration change: the transitional configuration, then the regular one of the same ring. */
  change(ring: string, transitional: NodeId[], regular: NodeId[]): this {
    return this.transitional(ring, transitional).regular(ring, regular);
  }

  /** Sends the next message; returns its id. */
  send(): string {
    const id = `${this.node}.${this.boot}:${++this.counter}`;
    this.push({ ev: 'send', id, t: this.t++ });
    return id;
  }

  deliver(...ids: string[]): this {
    for (const id of ids) this.push({ ev: 'deliver', id, from: parseMessageId(id)!.node, t: this.t++ });
    return this;
  }

  /** A clean stop; `abandoned` lists own messages its drain gave up on (omitted when empty). */
  stop(abandoned: readonly string[] = []): this {
    return this.push(abandoned.length > 0 ? { ev: 'stop', abandoned, t: this.t++ } : { ev: 'stop', t: this.t++ });
  }

  /** This incarnation's own messages it has not delivered yet, in send order. */
  undeliveredOwn(): string[] {
    let start = this.records.length - 1;
    while (start > 0 && this.records[start]!.ev !== 'start') start--;
    const delivered = new Set<string>();
    const sent: string[] = [];
    for (let i = start; i < this.records.length; i++) {
      const r = this.records[i]!;
      if (r.ev === 'send') sent.push(r.id);
      else if (r.ev === 'deliver') delivered.add(r.id);
    }
    return sent.filter((id) => !delivered.has(id));
  }

  crash(): this {
    return this.push({ ev: 'crash', t: this.t++ });
  }
}

export interface Scenario {
  /** Index i is node i+1's history. */
  readonly histories: HistoryRecord[][];
  /** Message ids by name, for tests that edit the run. */
  readonly ids: Record<string, string>;
}

/**
 * A correct run of nodes 1..4 (see the comments for each phase). Every property holds, including
 * convergence: nodes 1, 3 and 4 (restarted) end alive in ring 1.24 = [1,3,4].
 */
export function correctScenario(): Scenario {
  const [n1, n2, n3, n4] = [1, 2, 3, 4].map((n) => new NodeHistoryBuilder(n)) as [
    NodeHistoryBuilder, NodeHistoryBuilder, NodeHistoryBuilder, NodeHistoryBuilder,
  ];
  const all = [n1, n2, n3, n4];
  const ids: Record<string, string> = {};

  // Ring 1.4 = [1,2,3,4]; each first configuration is the pair ([self], [1,2,3,4]).
  n1.start('a1'); n2.start('a2'); n3.start('a3'); n4.start('a4');
  for (const n of all) n.change('1.4', [n.node], [1, 2, 3, 4]);
  ids.m1 = n1.send(); ids.m2 = n2.send(); ids.m3 = n3.send(); ids.m4 = n4.send();
  // 2's second message is ordered in 1.4 but reaches 1 and 2 only after a gap: they deliver it in
  // the transitional configuration. 4's second message is delivered in 1.4 by 3 and 4 only.
  ids.m2b = n2.send();
  ids.m4b = n4.send();
  for (const n of all) n.deliver(ids.m1, ids.m2, ids.m3, ids.m4);
  n3.deliver(ids.m4b); n4.deliver(ids.m4b);

  // Partition {1,2} | {3,4}.
  n1.transitional('1.8', [1, 2]).deliver(ids.m2b).regular('1.8', [1, 2]);
  n2.transitional('1.8', [1, 2]).deliver(ids.m2b).regular('1.8', [1, 2]);
  n3.change('3.8', [3, 4], [3, 4]);
  n4.change('3.8', [3, 4], [3, 4]);
  ids.m1b = n1.send();
  n1.deliver(ids.m1b); n2.deliver(ids.m1b);
  ids.m3b = n3.send();
  n3.deliver(ids.m3b); n4.deliver(ids.m3b);
  // 2 hands a message over just before the merge; it is ordered (and delivered) in the new ring.
  ids.m2c = n2.send();

  // 4 crashes after sending; 3 delivers it in the transitional configuration to 3.12 = [3].
  ids.m4c = n4.send();
  n4.crash();
  n3.transitional('3.12', [3]).deliver(ids.m4c).regular('3.12', [3]);
  ids.m3c = n3.send();
  n3.deliver(ids.m3c);

  // Merge: {1,2} from 1.8 and {3} from 3.12 form 1.16 = [1,2,3].
  n1.change('1.16', [1, 2], [1, 2, 3]);
  n2.change('1.16', [1, 2], [1, 2, 3]);
  n3.change('1.16', [3], [1, 2, 3]);
  for (const n of [n1, n2, n3]) n.deliver(ids.m2c);

  // 4 restarts as a new process (boot b4), alone in 4.18, then joins: 1.20 = [1,2,3,4].
  n4.start('b4').change('4.18', [4], [4]);
  for (const n of [n1, n2, n3]) n.change('1.20', [1, 2, 3], [1, 2, 3, 4]);
  n4.change('1.20', [4], [1, 2, 3, 4]);
  ids.m4d = n4.send();
  ids.m1c = n1.send();
  for (const n of all) n.deliver(ids.m4d, ids.m1c);

  // 2 hands over one more message, its stop's drain gives up before it is ordered (it is listed
  // as abandoned) and 2 leaves cleanly: 1.24 = [1,3,4].
  ids.m2d = n2.send();
  n2.stop([ids.m2d]);
  for (const n of [n1, n3, n4]) n.change('1.24', [1, 3, 4], [1, 3, 4]);
  ids.m3d = n3.send();
  ids.m3e = n3.send();
  for (const n of [n1, n3, n4]) n.deliver(ids.m3d, ids.m3e);

  return { histories: all.map((n) => n.records), ids };
}

/** Deep enough copy for editing: the record arrays (records themselves are replaced, not mutated). */
export function copyHistories(histories: readonly (readonly HistoryRecord[])[]): HistoryRecord[][] {
  return histories.map((h) => [...h]);
}

/** Index of the first record of `history` matching every given field (members compared as text). */
export function findRecord(history: readonly HistoryRecord[], match: Record<string, unknown>, from = 0): number {
  for (let i = from; i < history.length; i++) {
    const r = history[i] as unknown as Record<string, unknown>;
    if (Object.entries(match).every(([k, v]) => JSON.stringify(r[k]) === JSON.stringify(v))) return i;
  }
  throw new Error(`no record matches ${JSON.stringify(match)}`);
}

export interface SyntheticOptions {
  readonly nodes: number;
  /** Configuration changes; odd-numbered epochs split the ring in two halves, even ones merge it. */
  readonly epochs: number;
  /** Messages each node sends (and its component delivers) per epoch. */
  readonly messagesPerNodePerEpoch: number;
}

/**
 * A large correct run for timing the checker: nodes 1..n, alternating between one full ring and
 * a partition into two halves, every message delivered by its whole component in one
 * round-robin order.
 */
export function syntheticRun(options: SyntheticOptions): HistoryRecord[][] {
  const { nodes, epochs, messagesPerNodePerEpoch: k } = options;
  const builders = Array.from({ length: nodes }, (_, i) => new NodeHistoryBuilder(i + 1));
  const everyone = builders.map((b) => b.node);
  const half = Math.ceil(nodes / 2);
  const halves = [everyone.slice(0, half), everyone.slice(half)].filter((c) => c.length > 0);
  for (const b of builders) b.start(`s${b.node}`);
  let seq = 4;
  let components = [everyone];
  for (const b of builders) b.change(`1.${seq}`, [b.node], everyone);
  for (let epoch = 0; epoch <= epochs; epoch++) {
    for (const component of components) {
      const members = component.map((n) => builders[n - 1]!);
      const sent: string[] = [];
      for (let i = 0; i < k; i++) for (const b of members) sent.push(b.send());
      for (const b of members) for (const id of sent) b.deliver(id);
    }
    if (epoch === epochs) break;
    seq += 4;
    if (components.length === 1 && halves.length === 2) {
      for (const half of halves) for (const n of half) builders[n - 1]!.change(`${half[0]}.${seq}`, half, half);
      components = halves;
    } else {
      for (const half of components) for (const n of half) builders[n - 1]!.change(`1.${seq}`, half, everyone);
      components = [everyone];
    }
  }
  return builders.map((b) => b.records);
}
