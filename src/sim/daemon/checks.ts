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
 * cmap (always): runtime.members.<id>.status is `joined` for the final ring and `left` for the rest.
 * CLM (with --services ...,clm): every live node has finished its sync and holds the same view
 * number (the final ring's sequence) and the same records, exactly one per member of the final
 * ring, each equal to that node's own record of itself. Every tracker's view numbers grow, each
 * view it was told of is a regular configuration its daemon installed, with that configuration's
 * members; what its notifications add up to is its daemon's table (records included); and no item
 * contradicted what it held before (clm-app.ts).
 */
import type { SimDaemonCluster } from './cluster.js';
import { recordText, tableText, type ClmTrackerApp } from './clm-app.js';

const decoder = new TextDecoder();

/** `converged`: the ring settled at the end (else end-state comparisons of EVT are skipped; the run reports it). */
export function checkServices(cluster: SimDaemonCluster, converged = true): string[] {
  const problems = cluster.options.services.includes('cpg') ? checkCpg(cluster) : [];
  if (cluster.options.services.includes('clm')) problems.push(...checkClm(cluster));
  if (cluster.options.services.includes('evt')) problems.push(...checkEvt(cluster, converged));
  if (cluster.options.services.includes('votequorum')) problems.push(...checkVotequorum(cluster));
  if (converged) problems.push(...checkCmap(cluster));
  return problems;
}

/** runtime.members.<id>.status entries reading `left` on the live nodes. */
export function cmapLeftEntries(cluster: SimDaemonCluster): number {
  let n = 0;
  for (const id of cluster.liveNodes()) {
    const store = cluster.stack(id)?.host.cmap.store;
    for (const key of store?.keys('runtime.members.') ?? []) {
      if (key.endsWith('.status') && decoder.decode(store!.get(key)!.bytes) === 'left') n++;
    }
  }
  return n;
}

/**
 * cmap (always hosted), once the ring settled: on every live node that finished its sync,
 * runtime.members.<id>.status is `joined` exactly for the final ring's members and `left` for
 * every other node it ever saw; each member's config_version arrived in sync (0: no file here).
 */
function checkCmap(cluster: SimDaemonCluster): string[] {
  const problems: string[] = [];
  const live = cluster.liveNodes().filter((id) => cluster.stack(id) !== undefined);
  if (live.length === 0) return problems;
  const members = new Set(cluster.sim.group(live[0]!)!.status().members);
  for (const id of live) {
    const host = cluster.stack(id)!.host;
    if (host.exec.syncState !== 'done') continue;
    const store = host.cmap.store;
    const text = (key: string): string | undefined => {
      const v = store.get(key);
      return v && decoder.decode(v.bytes);
    };
    for (const key of store.keys('runtime.members.')) {
      const m = /^runtime\.members\.(\d+)\.status$/.exec(key);
      if (!m) continue;
      const want = members.has(Number(m[1])) ? 'joined' : 'left';
      if (text(key) !== want) problems.push(`cmap: node ${id}: ${key} is ${text(key)}, expected ${want}`);
    }
    for (const m of members) {
      if (text(`runtime.members.${m}.status`) !== 'joined') problems.push(`cmap: node ${id} has no joined entry for member ${m}`);
      if (store.get(`runtime.members.${m}.config_version`) === undefined) problems.push(`cmap: node ${id} never heard member ${m}'s config version`);
    }
  }
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

const MAX_CLM_PROBLEMS_PER_TRACKER = 5;

function checkClm(cluster: SimDaemonCluster): string[] {
  const problems: string[] = [];
  const live = cluster.liveNodes().filter((id) => cluster.stack(id) !== undefined);
  if (live.length === 0) return problems;
  const ring = cluster.sim.group(live[0]!)!.status();
  const ringMembers = [...ring.members].sort((a, b) => a - b).join(',');
  const own = new Map(live.map((id) => [id, recordText(cluster.stack(id)!.host.clm.core.localRecord)]));
  let reference: string | undefined;
  for (const id of live) {
    const stack = cluster.stack(id)!;
    const core = stack.host.clm.core;
    if (stack.host.exec.syncState !== 'done') problems.push(`clm: node ${id}'s sync is ${stack.host.exec.syncState} at the end`);
    if (core.viewNumber !== ring.ringId.seq) problems.push(`clm: node ${id} is at view ${core.viewNumber}, the ring at sequence ${ring.ringId.seq}`);
    const ids = core.members().map((r) => r.nodeId).join(',');
    if (ids !== ringMembers) problems.push(`clm: node ${id} holds records of [${ids}], the ring is [${ringMembers}]`);
    for (const r of core.members()) {
      const theirs = own.get(r.nodeId);
      if (theirs !== undefined && theirs !== recordText(r)) problems.push(`clm: node ${id}'s record of node ${r.nodeId} is ${recordText(r)}, that node's own is ${theirs}`);
    }
    const table = tableText(core.members());
    reference ??= table;
    if (table !== reference) problems.push(`clm: node ${id}'s table differs from node ${live[0]}'s`);
    for (const tracker of stack.clmTrackers) problems.push(...checkTracker(id, stack.regularRings, tracker, table));
  }
  return problems;
}

function checkTracker(
  id: number,
  rings: ReadonlyMap<number, readonly number[]>,
  tracker: ClmTrackerApp,
  table: string,
): string[] {
  const who = `clm: node ${id} tracker ${tracker.pid} (${tracker.mode})`;
  const problems = tracker.problems.slice(0, MAX_CLM_PROBLEMS_PER_TRACKER).map((p) => `clm: ${p}`);
  if (!tracker.tracking) return [...problems, `${who} is not tracking at the end`];
  let last = -1;
  for (const view of tracker.views) {
    if (view.viewNumber <= last) problems.push(`${who}: view ${view.viewNumber} after view ${last}`);
    last = view.viewNumber;
    const installed = rings.get(view.viewNumber);
    if (installed === undefined) problems.push(`${who}: view ${view.viewNumber} is no regular configuration its daemon installed`);
    else if (installed.join(',') !== view.members.join(',')) problems.push(`${who}: view ${view.viewNumber} holds [${view.members.join(',')}], that configuration [${installed.join(',')}]`);
  }
  if (tableText(tracker.records()) !== table) problems.push(`${who}: its notifications add up to ${tableText(tracker.records())}, the table is ${table}`);
  return problems.slice(0, 2 * MAX_CLM_PROBLEMS_PER_TRACKER);
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
