/**
 * Service-level checks of a daemon-stack run, at its quiet end: what every live node's services
 * hold must agree, and must match what the client processes did.
 *
 * CPG: every live node's group table is the same; it lists exactly the processes that are in a
 * group (joined, not left, connected, on a live node): no ghost of a dead process or a crashed
 * node, nobody missing; and each such process's own view (its last confchg) is that table.
 *
 * EVT (when the run exercises it): every node that activated a ring's sync installed the same
 * channel table and retained set there (checked after each merge, not only at the end); at the
 * end every live node holds the same channels and opens (when they all activated the same ring); no EVT application got one event twice
 * on one channel handle.
 */
import type { SimDaemonCluster } from './cluster.js';

const decoder = new TextDecoder();

/** `converged`: the ring settled at the end (else end-state comparisons of EVT are skipped; the run reports it). */
export function checkServices(cluster: SimDaemonCluster, converged = true): string[] {
  const problems = cluster.options.services.includes('cpg') ? checkCpg(cluster) : [];
  if (cluster.options.services.includes('evt')) problems.push(...checkEvt(cluster, converged));
  return problems;
}

function checkEvt(cluster: SimDaemonCluster, converged: boolean): string[] {
  const problems: string[] = [];
  for (const [ring, tables] of cluster.evtTables) {
    const [first, ...rest] = [...tables];
    for (const [node, table] of rest) {
      if (table !== first![1]) problems.push(`evt: ring ${ring}: node ${node} installed ${table}, node ${first![0]} installed ${first![1]}`);
    }
  }
  for (const app of cluster.evtApps) {
    if (app.stats.duplicates > 0) problems.push(`evt: node ${app.node} pid ${app.pid} got ${app.stats.duplicates} event(s) twice: ${app.duplicates.join('; ')}`);
  }
  if (!converged) return problems;
  const live = cluster.liveNodes().filter((id) => cluster.stack(id) !== undefined);
  // The end state is comparable only among nodes whose last activated ring is the same one (a
  // run may end with the ring still forming: the ring-level convergence check reports that).
  const lastRing = new Set(live.map((id) => cluster.evtLastRing.get(id)));
  if (lastRing.size !== 1) return problems;
  const channels = live.map((id) => JSON.stringify(cluster.stack(id)!.host.evt.table.snapshot().map(({ retained: _r, ...rest }) => rest)));
  for (let i = 1; i < live.length; i++) {
    if (channels[i] !== channels[0]) problems.push(`evt: at the end node ${live[i]}'s channels ${channels[i]} differ from node ${live[0]}'s ${channels[0]}`);
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
