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
  return [...checkCpg(cluster), ...checkVotequorum(cluster)];
}

/**
 * votequorum: the live nodes of one ring agree on quorate, quorum, expected and total votes,
 * and quorate is what the arithmetic says (total ≥ quorum: the simulated config has none of the
 * options that override it). Nodes are grouped by their ring, so a run that ends split checks
 * each partition on its own.
 */
function checkVotequorum(cluster: SimDaemonCluster): string[] {
  const problems: string[] = [];
  const rings = new Map<string, { id: number; view: string }[]>();
  for (const id of cluster.liveNodes()) {
    const vq = cluster.stack(id)?.host.votequorum;
    if (vq === undefined) continue;
    const s = vq.core;
    const ring = `${vq.ringId.rep}.${vq.ringId.seq}`;
    const view = `quorate=${vq.quorate} quorum=${s.quorum} highestExpected=${s.highestExpected} totalVotes=${s.totalVotes}`;
    if (vq.quorate !== (s.totalVotes >= s.quorum)) problems.push(`votequorum: node ${id} says quorate=${vq.quorate} with ${s.totalVotes} votes for quorum ${s.quorum}`);
    const list = rings.get(ring) ?? [];
    list.push({ id, view });
    rings.set(ring, list);
  }
  for (const [ring, nodes] of rings) {
    for (const n of nodes.slice(1)) {
      if (n.view !== nodes[0]!.view) problems.push(`votequorum: in ring ${ring} node ${n.id} has ${n.view}, node ${nodes[0]!.id} has ${nodes[0]!.view}`);
    }
  }
  return problems;
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
