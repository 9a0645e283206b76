/**
 * The outcome of an EVT sync: the channel table every member installs at activation, computed
 * from what the members announced (the same messages in the same order on every node, so every
 * node computes the same table). OpenAIS's recovery (design note 2.8) with its gaps closed:
 *
 * - Channels: each member announces its local opens of every instance it knows (a recovery node,
 *   one per former partition, also announces instances without local opens, so the namespace is
 *   the union of both sides). Announcements that share an instance id are one instance; active
 *   instances of one name created independently on two sides merge into one (the union the
 *   OpenAIS namespace had).
 * - Unlinks hold: recovery nodes announce the ids of instances unlinked on their side; an
 *   instance whose id was unlinked anywhere is unlinked after the merge (its opens keep it, as
 *   existing opens keep an unlinked instance), and the retained events the other side kept on it
 *   are dropped, as the unlink dropped them on its own side. Events a side retained on an
 *   instance it already knew to be unlinked (published after the unlink) stay.
 * - Clears hold: cleared event ids travel too, and a cleared event is not retained again.
 * - Retention travels as the remaining duration at the sender; several copies: the shortest.
 */
import type { EvtExecMessage, InstanceKey } from './messages.js';
import { compareInstanceKeys, instanceKey } from './messages.js';
import { nameKey, type NameKey } from './table.js';

type SyncChannel = Extract<EvtExecMessage, { kind: 'syncChannel' }>;
type SyncTombs = Extract<EvtExecMessage, { kind: 'syncTombs' }>;
type SyncEvent = Extract<EvtExecMessage, { kind: 'syncEvent' }>;

export interface Gathered {
  readonly channels: { readonly from: number; readonly msg: SyncChannel }[];
  readonly tombs: SyncTombs[];
  readonly events: { readonly from: number; readonly msg: SyncEvent }[];
}

export interface PlannedInstance {
  readonly ids: InstanceKey[];
  readonly name: Uint8Array;
  readonly nameKey: NameKey;
  readonly unlinked: boolean;
  readonly opens: Map<number, number>;
}

export interface PlannedEvent {
  /** The key (smallest id) of the instance it belongs to. */
  readonly instance: InstanceKey;
  readonly msg: SyncEvent;
  readonly remainingNs: bigint;
}

export interface MergePlan {
  readonly instances: PlannedInstance[];
  readonly events: PlannedEvent[];
  readonly unlinked: Set<InstanceKey>;
  readonly cleared: Map<bigint, bigint>;
  /** Retained copies dropped because an unlink or a clear of the other side holds. */
  readonly droppedByTombstone: number;
}

class UnionFind {
  readonly #parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    for (let p = this.#parent.get(root); p !== undefined && p !== root; p = this.#parent.get(root)) root = p;
    if (!this.#parent.has(root)) this.#parent.set(root, root);
    // Path compression: everything on the way points at the root.
    for (let y = x; y !== root; ) {
      const next = this.#parent.get(y)!;
      this.#parent.set(y, root);
      y = next;
    }
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent.set(compareInstanceKeys(ra, rb) < 0 ? rb : ra, compareInstanceKeys(ra, rb) < 0 ? ra : rb);
  }
}

export function planMerge(g: Gathered): MergePlan {
  const unlinked = new Set<InstanceKey>();
  const cleared = new Map<bigint, bigint>();
  for (const t of g.tombs) {
    for (const id of t.unlinked) unlinked.add(instanceKey(id));
    for (const c of t.cleared) {
      const prev = cleared.get(c.eventId);
      if (prev === undefined || c.remainingNs < prev) cleared.set(c.eventId, c.remainingNs);
    }
  }
  const announced = g.channels.map(({ from, msg }) => {
    const ids = msg.ids.map(instanceKey);
    return { from, msg, ids, gone: msg.unlinked || ids.some((id) => unlinked.has(id)) };
  });

  // Instances that share an id are one; a component is unlinked if any side unlinked it.
  const uf = new UnionFind();
  for (const a of announced) for (const id of a.ids) uf.union(a.ids[0]!, id);
  const goneRoots = new Set<string>();
  for (const a of announced) if (a.gone) goneRoots.add(uf.find(a.ids[0]!));
  // Active instances of one name made independently on two sides become one.
  const activeByName = new Map<NameKey, string>();
  for (const a of announced) {
    const root = uf.find(a.ids[0]!);
    if (goneRoots.has(root)) continue;
    const nk = nameKey(a.msg.name);
    const other = activeByName.get(nk);
    if (other === undefined) activeByName.set(nk, root);
    else uf.union(other, root);
  }

  const byRoot = new Map<string, PlannedInstance>();
  const rootGone = (root: string): boolean => [...goneRoots].some((r) => uf.find(r) === root);
  for (const a of announced) {
    const root = uf.find(a.ids[0]!);
    let inst = byRoot.get(root);
    if (inst === undefined) {
      inst = { ids: [], name: a.msg.name, nameKey: nameKey(a.msg.name), unlinked: rootGone(root), opens: new Map() };
      byRoot.set(root, inst);
    }
    for (const id of a.ids) if (!inst.ids.includes(id)) inst.ids.push(id);
    if (a.msg.localOpens > 0) inst.opens.set(a.from, (inst.opens.get(a.from) ?? 0) + a.msg.localOpens);
  }
  const instances = [...byRoot.values()].filter((i) => !i.unlinked || i.opens.size > 0);
  for (const i of instances) i.ids.sort(compareInstanceKeys);
  instances.sort((a, b) => compareInstanceKeys(a.ids[0]!, b.ids[0]!));
  const keyOf = new Map<InstanceKey, PlannedInstance>();
  for (const i of instances) for (const id of i.ids) keyOf.set(id, i);

  // What each sender believed of each instance id: an event it kept on an instance it thought
  // active dies with an unlink made elsewhere.
  const senderSawUnlinked = new Map<string, boolean>();
  for (const a of announced) for (const id of a.ids) senderSawUnlinked.set(`${a.from}/${id}`, a.msg.unlinked);

  let droppedByTombstone = 0;
  const events = new Map<string, PlannedEvent>();
  for (const { from, msg } of g.events) {
    const id = instanceKey(msg.instance);
    const inst = keyOf.get(id);
    if (inst === undefined || msg.remainingNs <= 0n) continue;
    if (cleared.has(msg.eventId) || (inst.unlinked && senderSawUnlinked.get(`${from}/${id}`) !== true)) {
      droppedByTombstone++;
      continue;
    }
    const key = `${inst.ids[0]}/${msg.eventId}`;
    const prev = events.get(key);
    if (prev === undefined || msg.remainingNs < prev.remainingNs) events.set(key, { instance: inst.ids[0]!, msg, remainingNs: msg.remainingNs });
  }
  const ordered = [...events.values()].sort((a, b) =>
    compareInstanceKeys(a.instance, b.instance) || a.msg.publisherNode - b.msg.publisherNode || (a.msg.msgId < b.msg.msgId ? -1 : a.msg.msgId > b.msg.msgId ? 1 : 0));
  return { instances, events: ordered, unlinked, cleared, droppedByTombstone };
}
