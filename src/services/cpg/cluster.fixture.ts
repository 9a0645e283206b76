/**
 * Test fixture: N CpgNode replicas fed the same agreed sequence per component, as an executive on
 * top of Totem would feed them. Library calls queue their executive messages in the sender's
 * component; `drain` delivers the queue to every member in order (the agreed order); a
 * configuration change first drains (old-ring messages are delivered before the change), then runs
 * syncInit on every member, and `finishSync` runs syncProcess, delivers the joinlists and activates.
 * Every callback lands in one log per node, in emission order.
 */
import assert from 'node:assert/strict';
import { encodeCpgMessage } from './encode.js';
import type { CpgExecMessage } from './messages.js';
import type { NodeId } from '../../protocol/cpg/vocabulary.js';
import type { HandleCallback, HandleId } from './handles.js';
import { CpgNode, type CpgNodeOptions, type LibResult } from './node.js';

interface Component {
  members: NodeId[];
  queue: { sender: NodeId; msg: CpgExecMessage }[];
  syncing: boolean;
}

export class CpgCluster {
  readonly nodes = new Map<NodeId, CpgNode>();
  readonly logs = new Map<NodeId, HandleCallback[]>();
  #components: Component[] = [];
  #ringSeq = 0;
  /** Encode and decode every message on the way, so the codecs sit in the loop. */
  readonly #viaBytes: boolean;

  constructor(nodeIds: readonly NodeId[], options: { viaBytes?: boolean; node?: Partial<CpgNodeOptions> } = {}) {
    this.#viaBytes = options.viaBytes ?? true;
    for (const id of nodeIds) this.#addNode(id, options.node ?? {});
    this.reconfigure([[...nodeIds]]);
    this.finishSync();
  }

  #addNode(id: NodeId, options: Partial<CpgNodeOptions>): void {
    this.nodes.set(id, new CpgNode({ ...options, localNodeId: id }));
    this.logs.set(id, []);
  }

  node(id: NodeId): CpgNode {
    const n = this.nodes.get(id);
    assert.ok(n, `node ${id} exists`);
    return n;
  }

  componentOf(id: NodeId): Component {
    const c = this.#components.find((x) => x.members.includes(id));
    assert.ok(c, `node ${id} is in a component`);
    return c;
  }

  /** True while some component has not activated its sync yet. */
  syncing(): boolean {
    return this.#components.some((c) => c.syncing);
  }

  components(): NodeId[][] {
    return this.#components.map((c) => [...c.members]);
  }

  /** Runs a library call on a node and queues what it multicasts. */
  lib(id: NodeId, call: (n: CpgNode) => LibResult): LibResult {
    const r = call(this.node(id));
    if (r.ok) this.#queue(id, r.send);
    return r;
  }

  connect(id: NodeId, handle: HandleId, pid: number): void {
    assert.equal(this.lib(id, (n) => n.connect(handle, pid)).ok, true);
  }

  disconnect(id: NodeId, handle: HandleId): void {
    this.#queue(id, this.node(id).disconnect(handle));
  }

  #queue(id: NodeId, msgs: readonly CpgExecMessage[]): void {
    const c = this.componentOf(id);
    for (const msg of msgs) c.queue.push({ sender: id, msg });
  }

  #deliver(to: NodeId, sender: NodeId, msg: CpgExecMessage): void {
    const n = this.node(to);
    let out: HandleCallback[];
    if (this.#viaBytes) {
      const r = n.deliverBytes(sender, encodeCpgMessage(msg));
      assert.equal(r.ok, true, 'every message we send decodes');
      out = r.ok ? r.callbacks : [];
    } else out = n.deliver(sender, msg);
    this.logs.get(to)!.push(...out);
  }

  /** Delivers every queued message of every component to its members, in queue order. */
  drain(): void {
    for (const c of this.#components) {
      while (c.queue.length > 0) {
        const { sender, msg } = c.queue.shift()!;
        for (const m of c.members) this.#deliver(m, sender, msg);
      }
    }
  }

  /**
   * A configuration change to `groups` (a partition of some nodes). Old-ring messages are
   * delivered first; each node's transitional list is its previous component within its new one.
   * A sync already running is aborted by the new syncInit.
   */
  reconfigure(groups: readonly (readonly NodeId[])[]): void {
    this.drain();
    const previous = new Map<NodeId, NodeId[]>();
    for (const c of this.#components) for (const m of c.members) previous.set(m, c.members);
    this.#components = groups.map((g) => ({ members: [...g].sort((a, b) => a - b), queue: [], syncing: true }));
    for (const c of this.#components) {
      const ringId = { nodeId: c.members[0]!, seq: (this.#ringSeq += 4) };
      for (const m of c.members) {
        const trans = (previous.get(m) ?? [m]).filter((x) => c.members.includes(x));
        this.logs.get(m)!.push(...this.node(m).syncInit(trans, c.members, ringId));
      }
    }
  }

  /** syncProcess on every syncing member, deliver (joinlists and anything held), activate. */
  finishSync(): void {
    for (const c of this.#components) {
      if (!c.syncing) continue;
      for (const m of c.members) this.#queue(m, this.node(m).syncProcess());
    }
    this.drain();
    for (const c of this.#components) {
      if (!c.syncing) continue;
      c.syncing = false;
      for (const m of c.members) this.logs.get(m)!.push(...this.node(m).syncActivate());
    }
  }

  /** The node's daemon dies: its state is gone; it comes back empty in a component of its own. */
  crash(id: NodeId): void {
    this.drain();
    const rest = this.#components.map((c) => c.members.filter((m) => m !== id)).filter((g) => g.length > 0);
    this.#addNode(id, {});
    this.#components = this.#components.filter((c) => c.members.some((m) => m !== id));
    for (const c of this.#components) c.members = c.members.filter((m) => m !== id);
    this.reconfigure([...rest, [id]]);
  }
}
