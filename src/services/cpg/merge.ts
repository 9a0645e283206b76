/**
 * The outcome of a CPG sync, as Corosync 3.1.7's cpg_sync_activate computes it, planned as a list
 * of group changes over the process table:
 *
 * 1. downlist_inform_clients: processes of nodes that left (old members missing from the
 *    transitional list, computed locally in cpg_sync_init) leave with reason NODEDOWN, one change
 *    per group.
 * 2. joinlist_inform_clients: every (pid, group) another node announced in its joinlist and this
 *    node did not know joins with reason NODEUP, one change per group.
 * 3. joinlist_remove_zombie_pi_entries: every process of another node that no joinlist announced
 *    leaves with reason PROCDOWN, one change per process.
 *
 * A node's own processes are never touched: it knows them first-hand. Since every node's joinlist
 * lists exactly its own rows, the table after the plan is the union of all joinlists on every node;
 * the changes differ per node because each starts from its own view.
 */
import { CpgReason, type NodeId } from '../../protocol/cpg/vocabulary.js';
import type { CpgAddress } from '../../protocol/cpg/callbacks.js';
import { compareGroupKeys, type GroupKey } from './names.js';
import { compareMembers, type ProcessEntry } from './table.js';

/** One confchg worth of change to one group. */
export interface GroupChange {
  readonly group: GroupKey;
  readonly left: readonly CpgAddress[];
  readonly joined: readonly CpgAddress[];
}

function rowKey(e: ProcessEntry): string {
  return `${e.nodeId}/${e.pid}/${e.group}`;
}

/** Groups rows by group (bytewise order), members in (nodeId, pid) order within each. */
function perGroup(rows: readonly ProcessEntry[], reason: CpgAddress['reason'], side: 'left' | 'joined'): GroupChange[] {
  const byGroup = new Map<GroupKey, CpgAddress[]>();
  for (const r of rows) {
    const list = byGroup.get(r.group) ?? [];
    list.push({ nodeId: r.nodeId, pid: r.pid, reason });
    byGroup.set(r.group, list);
  }
  return [...byGroup.keys()].sort(compareGroupKeys).map((group) => {
    const list = byGroup.get(group)!.sort(compareMembers);
    return side === 'left' ? { group, left: list, joined: [] } : { group, left: [], joined: list };
  });
}

/**
 * @param table the rows before activation, canonical order
 * @param localNodeId this node
 * @param downNodes nodes of the previous configuration that are not in the transitional one
 * @param joinlists rows announced by joinlist messages during this sync, with the sender as nodeId
 */
export function planMerge(
  table: readonly ProcessEntry[],
  localNodeId: NodeId,
  downNodes: ReadonlySet<NodeId>,
  joinlists: readonly ProcessEntry[],
): GroupChange[] {
  const down = table.filter((e) => downNodes.has(e.nodeId));
  const remaining = table.filter((e) => !downNodes.has(e.nodeId));
  const known = new Set(remaining.map(rowKey));
  // Our own joinlist only echoes what we already know first-hand (Corosync ignores it too).
  const announced = new Map<string, ProcessEntry>();
  for (const e of joinlists) if (e.nodeId !== localNodeId) announced.set(rowKey(e), e);
  const up = [...announced.values()].filter((e) => !known.has(rowKey(e)));
  const zombies = remaining.filter((e) => e.nodeId !== localNodeId && !announced.has(rowKey(e)));
  return [
    ...perGroup(down, CpgReason.nodedown, 'left'),
    ...perGroup(up, CpgReason.nodeup, 'joined'),
    ...zombies.map((z) => ({ group: z.group, left: [{ nodeId: z.nodeId, pid: z.pid, reason: CpgReason.procdown }], joined: [] })),
  ];
}
