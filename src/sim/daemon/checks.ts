/**
 * Service-level checks of a daemon-stack run, at its quiet end: what every live node's services
 * hold must agree, and must match what the client processes did.
 *
 * CPG: every live node's group table is the same; it lists exactly the processes that are in a
 * group (joined, not left, connected, on a live node): no ghost of a dead process or a crashed
 * node, nobody missing; and each such process's own view (its last confchg) is that table.
 */
import type { SimDaemonCluster } from './cluster.js';

const decoder = new TextDecoder();

export function checkServices(cluster: SimDaemonCluster): string[] {
  return checkCpg(cluster);
}

function checkCpg(cluster: SimDaemonCluster): string[] {
  const problems: string[] = [];
  const live = cluster.liveNodes().filter((id) => cluster.stack(id) !== undefined);
  if (live.length === 0) return problems;
  const tables = live.map((id) => {
    const groups = cluster.stack(id)!.host.cpg.core.groups();
    return groups
      .map((g) => `${decoder.decode(g.group)}=[${g.members.map((m) => `${m.nodeId}/${m.pid}`).sort().join(',')}]`)
      .sort()
      .join(' ');
  });
  for (let i = 1; i < live.length; i++) {
    if (tables[i] !== tables[0]) problems.push(`cpg: node ${live[i]}'s group table differs from node ${live[0]}'s: ${tables[i]} vs ${tables[0]}`);
  }
  const table = new Map<string, string[]>();
  for (const g of cluster.stack(live[0]!)!.host.cpg.core.groups()) {
    table.set(decoder.decode(g.group), g.members.map((m) => `${m.nodeId}/${m.pid}`).sort());
  }
  const expected = new Map<string, string[]>();
  for (const id of live) {
    for (const view of cluster.stack(id)!.views()) {
      if (view.state !== 'member') continue;
      const list = expected.get(view.group) ?? [];
      list.push(`${id}/${view.pid}`);
      expected.set(view.group, list);
      const members = table.get(view.group) ?? [];
      if (view.members.join(',') !== members.join(',')) {
        problems.push(`cpg: process ${id}/${view.pid} sees ${view.group} as [${view.members.join(',')}], the table holds [${members.join(',')}]`);
      }
    }
  }
  for (const name of new Set([...table.keys(), ...expected.keys()])) {
    const want = (expected.get(name) ?? []).sort().join(',');
    const have = (table.get(name) ?? []).join(',');
    if (want !== have) problems.push(`cpg: group ${name} holds [${have}], its live member processes are [${want}]`);
  }
  return problems;
}
