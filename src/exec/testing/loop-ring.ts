/**
 * A hand-driven total order for unit tests of the executive: every send goes into one global
 * sequence, `pump()` delivers it to the current members in order, and `configure()` installs a
 * transitional then a regular configuration on every member, as Totem would. No Totem, no time:
 * tests decide exactly where each message and configuration falls.
 */
import type { ConfigChange } from '../../totem/state.js';
import { GROUP_EXEC } from '../../totem/pg/groups.js';
import type { RingId } from '../../totem/wire/types.js';
import { Executive, type ExecRing, type ExecTraceEvent, type RingSendResult } from '../executive.js';
import type { Service } from '../service.js';

interface Queued {
  readonly from: number;
  readonly data: Uint8Array;
  readonly groups: readonly string[];
  readonly ringId: RingId;
}

export class LoopRing {
  readonly execs = new Map<number, Executive>();
  private queue: Queued[] = [];
  private work: (() => void)[] = [];
  members: number[] = [];
  ringId: RingId = { rep: 0, seq: 0 };
  /**
   * When set, sends from these nodes fail with QUEUE_FULL. A node taken out of it hears
   * `ringDrained()` at the next pump, as the daemon's ring gate tells its executive.
   */
  readonly full = new Set<number>();
  readonly #wasFull = new Set<number>();
  readonly traces: { node: number; event: ExecTraceEvent }[] = [];

  add(nodeId: number, services: Service[], maxOwnMessages?: number): Executive {
    const ring: ExecRing = { send: (data, options) => this.send(nodeId, data, options.group) };
    const exec = new Executive({
      nodeId, ring, services, maxOwnMessages,
      schedule: (run) => this.work.push(run),
      trace: (event) => this.traces.push({ node: nodeId, event }),
    });
    exec.start();
    this.execs.set(nodeId, exec);
    return exec;
  }

  private send(from: number, data: Uint8Array, group = GROUP_EXEC): RingSendResult {
    if (this.full.has(from)) return { ok: false, code: 'QUEUE_FULL', detail: 'test queue full' };
    this.queue.push({ from, data: data.slice(), groups: [group], ringId: this.ringId });
    return { ok: true };
  }

  /** Injects raw bytes as if `from` had multicast them in `group` (the services' "a" by default). */
  inject(from: number, data: Uint8Array, group = GROUP_EXEC): void {
    this.queue.push({ from, data, groups: [group], ringId: this.ringId });
  }

  /**
   * A new ring of `members`. Messages still queued from the old ring are delivered first (in
   * the old ring, before the transitional configuration) unless `lose` drops them (the senders
   * crashed with them) or `carry` moves them to the new ring. Only members of both rings see the transitional configuration.
   */
  configure(members: number[], options: { readonly lose?: boolean; readonly carry?: boolean } = {}): void {
    // carry: the queued messages were not sent yet; they go out on the new ring instead (the
    // group layer resends a message cut by a ring change whole on the next ring).
    const carried = options.carry ? this.queue.filter((m) => members.includes(m.from)) : [];
    if (!options.lose && !options.carry) this.deliverQueued(this.queue.length);
    this.queue = [];
    const old = new Set(this.members);
    const seq = this.ringId.seq + 4;
    const ringId = { rep: Math.min(...members), seq };
    const trans = members.filter((m) => old.has(m));
    for (const m of members) {
      const exec = this.execs.get(m)!;
      if (old.has(m)) exec.configChange(change('transitional', this.ringId, trans, [], this.members.filter((x) => !trans.includes(x))));
    }
    this.ringId = ringId;
    this.members = [...members];
    for (const m of members) {
      const exec = this.execs.get(m)!;
      exec.configChange(change('regular', ringId, members, members.filter((x) => !old.has(x)), []));
    }
    // Carried messages were queued before anything sent in reaction to the new configuration.
    this.queue = [...carried.map((m) => ({ ...m, ringId })), ...this.queue];
  }

  /** Delivers up to `max` queued messages and runs scheduled work until nothing is left. */
  pump(max = Infinity): void {
    for (const id of this.#wasFull) {
      if (this.full.has(id)) continue;
      this.#wasFull.delete(id);
      this.execs.get(id)?.ringDrained();
    }
    for (const id of this.full) this.#wasFull.add(id);
    for (let rounds = 0; rounds < 10_000; rounds++) {
      const before = this.queue.length + this.work.length;
      this.deliverQueued(max);
      const work = this.work;
      this.work = [];
      for (const run of work) run();
      if (this.queue.length + this.work.length === 0 || (before === 0 && this.queue.length === 0)) return;
      if (max !== Infinity) return;
    }
  }

  private deliverQueued(max: number): void {
    let n = 0;
    while (this.queue.length > 0 && n < max) {
      const m = this.queue.shift()!;
      n++;
      for (const id of this.members) this.execs.get(id)?.deliver(m);
    }
  }

  get queued(): number {
    return this.queue.length;
  }
}

function change(type: 'transitional' | 'regular', ringId: RingId, members: number[], joined: number[], left: number[]): ConfigChange {
  return { kind: 'config', type, ringId, members, joined, left };
}
