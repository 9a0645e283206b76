/**
 * Random runs of an idealised EVS group, for property tests of the checker: every history this
 * produces is correct, whatever the operations, so the checker must accept all of them.
 *
 * The model: each component is one ring with a log (its total order). Members deliver the log in
 * order, each at its own pace. A configuration change picks, per group of members that move on
 * together, a cut at or past the furthest member: the log up to the cut is delivered in the old
 * regular configuration, then the transitional configuration, then the rest of the log except
 * messages from senders outside the group (what Totem does after a gap), then the new regular
 * configuration. Crashed processes leave their history as it is; a stopping process either drains
 * (delivers its component's log, its own messages included, then stops) or gives up and lists
 * its own undelivered messages as abandoned, as a planned stop's bounded drain does.
 */
import { parseMessageId, type NodeId } from '../history/ids.js';
import type { HistoryRecord } from '../history/records.js';
import { NodeHistoryBuilder } from './fixtures.js';

export type RunOpKind = 'send' | 'deliver' | 'split' | 'merge' | 'crash' | 'stop' | 'restart' | 'heal';

export interface RunOp {
  readonly kind: RunOpKind;
  /** Chooses the node or component. */
  readonly a: number;
  /** Chooses a second component, a split mask, or how many messages to deliver. */
  readonly b: number;
  /** Chooses the cuts of a configuration change. */
  readonly c: number;
}

interface Component {
  readonly ring: string;
  readonly log: string[];
  readonly cursor: Map<NodeId, number>;
}

interface Proc {
  readonly builder: NodeHistoryBuilder;
  status: 'up' | 'crashed' | 'stopped';
  boots: number;
  comp: Component | undefined;
}

class RandomRun {
  private readonly procs: Proc[];
  private components: Component[] = [];
  private seq = 4;

  constructor(nodes: number) {
    this.procs = Array.from({ length: nodes }, (_, i) => ({
      builder: new NodeHistoryBuilder(i + 1), status: 'up' as const, boots: 1, comp: undefined,
    }));
    const all = this.procs.map((p) => p.builder.node);
    const comp = this.newComponent(`1.${this.seq}`, all);
    for (const p of this.procs) {
      p.builder.start(`r${p.builder.node}x1`).change(comp.ring, [p.builder.node], all);
      p.comp = comp;
    }
  }

  histories(): HistoryRecord[][] {
    return this.procs.map((p) => p.builder.records);
  }

  private newComponent(ring: string, members: NodeId[]): Component {
    const comp: Component = { ring, log: [], cursor: new Map(members.map((m) => [m, 0])) };
    this.components.push(comp);
    return comp;
  }

  private alive(comp: Component): NodeId[] {
    return [...comp.cursor.keys()].filter((n) => this.procs[n - 1]!.status === 'up' && this.procs[n - 1]!.comp === comp).sort((x, y) => x - y);
  }

  private live(): Component[] {
    this.components = this.components.filter((c) => this.alive(c).length > 0);
    return this.components;
  }

  private deliver(node: NodeId, comp: Component, upTo: number): void {
    const b = this.procs[node - 1]!.builder;
    for (let i = comp.cursor.get(node)!; i < upTo; i++) b.deliver(comp.log[i]!);
    comp.cursor.set(node, Math.max(upTo, comp.cursor.get(node)!));
  }

  /** Groups (each from one component) move on together into one new ring. */
  private reconfigure(parts: { comp: Component; group: NodeId[] }[], choice: number): void {
    const members = parts.flatMap((p) => p.group).sort((x, y) => x - y);
    const ring = `${members[0]}.${this.seq}`;
    const next = this.newComponent(ring, members);
    parts.forEach(({ comp, group }, i) => {
      const furthest = Math.max(...group.map((n) => comp.cursor.get(n)!));
      const cut = furthest + ((choice + i) % (comp.log.length - furthest + 1));
      const tail = comp.log.slice(cut).filter((id) => group.includes(parseMessageId(id)!.node));
      for (const n of group) {
        this.deliver(n, comp, cut);
        this.procs[n - 1]!.builder.transitional(ring, group).deliver(...tail).regular(ring, members);
        this.procs[n - 1]!.comp = next;
      }
    });
  }

  apply(op: RunOp): void {
    const proc = this.procs[op.a % this.procs.length]!;
    const node = proc.builder.node;
    const comps = this.live();
    switch (op.kind) {
      case 'send':
        if (proc.status === 'up') proc.comp!.log.push(proc.builder.send());
        return;
      case 'deliver':
        if (proc.status === 'up') this.deliver(node, proc.comp!, Math.min(proc.comp!.log.length, proc.comp!.cursor.get(node)! + 1 + (op.b % 4)));
        return;
      case 'crash':
      case 'stop':
        if (proc.status !== 'up') return;
        proc.status = op.kind === 'crash' ? 'crashed' : 'stopped';
        if (op.kind === 'crash') {
          proc.builder.crash();
          return;
        }
        if (op.b % 2 === 0) this.deliver(node, proc.comp!, proc.comp!.log.length);
        proc.builder.stop(proc.builder.undeliveredOwn());
        return;
      case 'restart':
        if (proc.status === 'up') return;
        proc.status = 'up';
        proc.boots++;
        this.seq += 4;
        proc.comp = this.newComponent(`${node}.${this.seq}`, [node]);
        proc.builder.start(`r${node}x${proc.boots}`).change(proc.comp.ring, [node], [node]);
        return;
      default:
        if (comps.length > 0) this.change(op, comps);
    }
  }

  private change(op: RunOp, comps: Component[]): void {
    const comp = comps[op.a % comps.length]!;
    const alive = this.alive(comp);
    if (op.kind === 'split') {
      const one = alive.filter((_, i) => (op.b >> i) & 1);
      const two = alive.filter((n) => !one.includes(n));
      if (one.length === 0 || two.length === 0) return;
      this.seq += 4;
      this.reconfigure([{ comp, group: one }], op.c);
      this.reconfigure([{ comp, group: two }], op.c + 1);
    } else if (op.kind === 'merge') {
      const other = comps[op.b % comps.length]!;
      if (other === comp) return;
      this.seq += 4;
      this.reconfigure([{ comp, group: alive }, { comp: other, group: this.alive(other) }], op.c);
    } else if (op.kind === 'heal' && alive.length < comp.cursor.size) {
      this.seq += 4;
      this.reconfigure([{ comp, group: alive }], op.c);
    }
  }

  /** Merges every live process into one ring and delivers everything: a quiesced, healed end. */
  finish(choice: number): void {
    const comps = this.live();
    if (comps.length === 0) return;
    const only = comps[0]!;
    if (comps.length > 1 || this.alive(only).length < only.cursor.size) {
      this.seq += 4;
      this.reconfigure(comps.map((comp) => ({ comp, group: this.alive(comp) })), choice);
    }
    const last = this.live()[0]!;
    for (const n of this.alive(last)) this.deliver(n, last, last.log.length);
  }
}

/** The histories of a random correct run of `nodes` nodes (ids 1..nodes) driven by `ops`. */
export function randomRun(nodes: number, ops: readonly RunOp[], finish = true): HistoryRecord[][] {
  const run = new RandomRun(nodes);
  for (const op of ops) run.apply(op);
  if (finish) run.finish(ops.length);
  return run.histories();
}
