/**
 * The EVT service's replicated state on one node: channel instances (name, cluster-unique ids,
 * unlinked or active, opens per node), their retained events, and the tombstones that make an
 * unlink or a retention clear outlive a partition. Every node applies the same agreed messages to
 * it, so the tables agree (retention expiry is the one local input: each node runs its own timer
 * over the same remaining duration). Pure: times come in as arguments.
 *
 * Channel lifetime (design note 2.6): an instance exists from the first open with create until it
 * is unlinked and its last open closed. Closing the last open of an active channel keeps it.
 * Unlinking turns the active instance of a name into an unlinked one (its opens keep working on
 * it; a new create makes a new instance) and drops its retained events.
 */
import type { EventBody, InstanceId, InstanceKey } from './messages.js';
import { compareInstanceKeys, instanceKey } from './messages.js';

export type NameKey = string & { readonly __nameKey: unique symbol };

/** Lossless key of a channel name (latin1: one char per byte, bytewise order). */
export function nameKey(name: Uint8Array): NameKey {
  let s = '';
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(name[i]!);
  return s as NameKey;
}

export interface Retained {
  readonly instance: InstanceKey;
  readonly publisherNode: number;
  readonly body: EventBody;
  /** Local clock, ms. */
  expiresAtMs: number;
  /** Local opens (connection.handle) it was already delivered to: at most once per open (2.5). */
  readonly delivered: Set<string>;
}

export interface Instance {
  /** The smallest of `ids`; the key everything local refers to. */
  readonly key: InstanceKey;
  /** Every id this instance answers to (more than one after a merge of independent creates). */
  readonly ids: InstanceKey[];
  readonly name: Uint8Array;
  readonly nameKey: NameKey;
  unlinked: boolean;
  readonly opens: Map<number, number>;
  readonly retained: Map<bigint, Retained>;
}

export interface TableLimits {
  /** Unlinked-instance tombstones kept (oldest forgotten first). */
  readonly unlinkTombstonesMax: number;
  /** Cleared-event tombstones kept (each also ends when the event's retention would have). */
  readonly clearTombstonesMax: number;
}

export interface InstanceSnapshot {
  readonly ids: readonly InstanceKey[];
  readonly name: string;
  readonly unlinked: boolean;
  readonly opens: readonly [number, number][];
  readonly retained: readonly string[];
}

export class ChannelTable {
  readonly #instances = new Map<InstanceKey, Instance>();
  readonly #alias = new Map<InstanceKey, InstanceKey>();
  readonly #active = new Map<NameKey, InstanceKey>();
  /** Ids of instances unlinked here (insertion order = age). */
  readonly unlinkTombs = new Set<InstanceKey>();
  /** Event ids cleared here, with when the event would have expired (local ms). */
  readonly clearTombs = new Map<bigint, number>();
  readonly #limits: TableLimits;

  constructor(limits: TableLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#instances.size;
  }

  instances(): IterableIterator<Instance> {
    return this.#instances.values();
  }

  get(id: InstanceId | InstanceKey): Instance | undefined {
    const key = typeof id === 'string' ? id : instanceKey(id);
    const primary = this.#alias.get(key);
    return primary === undefined ? undefined : this.#instances.get(primary);
  }

  active(name: Uint8Array | NameKey): Instance | undefined {
    const key = this.#active.get(typeof name === 'string' ? name : nameKey(name));
    return key === undefined ? undefined : this.#instances.get(key);
  }

  retainedCount(): number {
    let n = 0;
    for (const i of this.#instances.values()) n += i.retained.size;
    return n;
  }

  /** Adds an instance (its ids must be new); the active one of its name unless `unlinked`. */
  add(name: Uint8Array, ids: readonly InstanceKey[], unlinked: boolean): Instance {
    const sorted = [...new Set(ids)].sort(compareInstanceKeys);
    const inst: Instance = { key: sorted[0]!, ids: sorted, name: name.slice(), nameKey: nameKey(name), unlinked, opens: new Map(), retained: new Map() };
    this.#instances.set(inst.key, inst);
    for (const id of sorted) this.#alias.set(id, inst.key);
    if (!unlinked) this.#active.set(inst.nameKey, inst.key);
    return inst;
  }

  addOpen(inst: Instance, node: number, delta: number): void {
    const n = (inst.opens.get(node) ?? 0) + delta;
    if (n > 0) inst.opens.set(node, n);
    else inst.opens.delete(node);
    if (inst.unlinked) this.deleteIfUnused(inst);
  }

  totalOpens(inst: Instance): number {
    let n = 0;
    for (const c of inst.opens.values()) n += c;
    return n;
  }

  /** Unlinks the active instance: tombstones its ids, drops its retained events; returns what was dropped. */
  unlink(inst: Instance): Retained[] {
    const dropped = [...inst.retained.values()];
    inst.retained.clear();
    inst.unlinked = true;
    if (this.#active.get(inst.nameKey) === inst.key) this.#active.delete(inst.nameKey);
    for (const id of inst.ids) this.#tombUnlink(id);
    this.deleteIfUnused(inst);
    return dropped;
  }

  /** An unlinked instance goes with its last open (its retained events went at the unlink). */
  deleteIfUnused(inst: Instance): boolean {
    if (!inst.unlinked || this.totalOpens(inst) > 0) return false;
    this.#remove(inst);
    return true;
  }

  #remove(inst: Instance): void {
    this.#instances.delete(inst.key);
    for (const id of inst.ids) this.#alias.delete(id);
    if (this.#active.get(inst.nameKey) === inst.key) this.#active.delete(inst.nameKey);
  }

  #tombUnlink(id: InstanceKey): void {
    this.unlinkTombs.delete(id);
    this.unlinkTombs.add(id);
    while (this.unlinkTombs.size > this.#limits.unlinkTombstonesMax) this.unlinkTombs.delete(this.unlinkTombs.values().next().value!);
  }

  tombClear(eventId: bigint, untilMs: number): void {
    this.clearTombs.delete(eventId);
    this.clearTombs.set(eventId, untilMs);
    while (this.clearTombs.size > this.#limits.clearTombstonesMax) this.clearTombs.delete(this.clearTombs.keys().next().value!);
  }

  /** Forgets clear tombstones whose event would have expired by `nowMs`. */
  pruneClearTombs(nowMs: number): void {
    for (const [id, until] of this.clearTombs) if (until <= nowMs) this.clearTombs.delete(id);
  }

  /** Removes everything (sync rebuilds the table from the members' announcements). */
  clear(): void {
    this.#instances.clear();
    this.#alias.clear();
    this.#active.clear();
  }

  /** Canonical form for comparing replicas: instances by key, retained ids sorted. */
  snapshot(): InstanceSnapshot[] {
    return [...this.#instances.values()]
      .sort((a, b) => compareInstanceKeys(a.key, b.key))
      .map((i) => ({
        ids: i.ids,
        name: i.nameKey,
        unlinked: i.unlinked,
        opens: [...i.opens].sort((a, b) => a[0] - b[0]),
        retained: [...i.retained.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String),
      }));
  }
}
