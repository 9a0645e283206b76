/**
 * The replicated process table: which (node id, pid) is a member of which group. Corosync keeps
 * one global process_info list sorted by (nodeid, pid) (do_proc_join inserts in order "so
 * synchronization works properly"); we keep one sorted member array per group, which gives the
 * same member order in every confchg and makes equal tables compare equal.
 */
import type { Member, NodeId } from '../../protocol/cpg/vocabulary.js';
import { compareGroupKeys, type GroupKey } from './names.js';

/** One row of the table. */
export interface ProcessEntry extends Member {
  readonly group: GroupKey;
}

export function compareMembers(a: Member, b: Member): number {
  return a.nodeId - b.nodeId || a.pid - b.pid;
}

function sameMember(a: Member, nodeId: NodeId, pid: number): boolean {
  return a.nodeId === nodeId && a.pid === pid;
}

export class ProcessTable {
  readonly #groups = new Map<GroupKey, Member[]>();

  has(group: GroupKey, nodeId: NodeId, pid: number): boolean {
    return this.#groups.get(group)?.some((m) => sameMember(m, nodeId, pid)) ?? false;
  }

  /** Adds the member in (nodeId, pid) order; false when it was already there. */
  add(group: GroupKey, nodeId: NodeId, pid: number): boolean {
    const members = this.#groups.get(group) ?? [];
    const member: Member = { nodeId, pid };
    let at = members.length;
    for (let i = 0; i < members.length; i++) {
      const c = compareMembers(members[i]!, member);
      if (c === 0) return false;
      if (c > 0) {
        at = i;
        break;
      }
    }
    members.splice(at, 0, member);
    this.#groups.set(group, members);
    return true;
  }

  /** False when the member was not there. An emptied group disappears, as in Corosync. */
  remove(group: GroupKey, nodeId: NodeId, pid: number): boolean {
    const members = this.#groups.get(group);
    const i = members?.findIndex((m) => sameMember(m, nodeId, pid)) ?? -1;
    if (members === undefined || i < 0) return false;
    members.splice(i, 1);
    if (members.length === 0) this.#groups.delete(group);
    return true;
  }

  members(group: GroupKey): readonly Member[] {
    return this.#groups.get(group) ?? [];
  }

  /** Groups with at least one member, in bytewise name order. */
  groups(): GroupKey[] {
    return [...this.#groups.keys()].sort(compareGroupKeys);
  }

  /** Every row ordered by (nodeId, pid, group): the canonical form replicas compare. */
  entries(): ProcessEntry[] {
    const out: ProcessEntry[] = [];
    for (const [group, members] of this.#groups) for (const m of members) out.push({ group, nodeId: m.nodeId, pid: m.pid });
    return out.sort((a, b) => compareMembers(a, b) || compareGroupKeys(a.group, b.group));
  }

  /** Rows of one node, in canonical order. */
  entriesOfNode(nodeId: NodeId): ProcessEntry[] {
    return this.entries().filter((e) => e.nodeId === nodeId);
  }

  get size(): number {
    let n = 0;
    for (const members of this.#groups.values()) n += members.length;
    return n;
  }
}
