/**
 * CPG end to end: real ringcastd processes in network namespaces, applications through the client
 * library over each daemon's Unix socket. One member per node sends and watches; its deliveries
 * and ring configurations become a history for the EVS checker. Then the faults: a member process
 * dies (procdown), a node is killed (nodedown), a partition heals (nodeup).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor } from './lab/daemon-cluster.js';
import { checkHistories, type HistoryRecord } from '../src/check/index.js';
import { formatRingId } from '../src/history/ids.js';
import { makePayload, payloadId } from '../src/history/payload.js';
import { connect, type CpgConfchgEvent, type CpgHandle, type RingcastClient } from '../src/client/index.js';

const lab = labAvailable();
const skip = lab.ok ? false : lab.reason;
const GROUP = 'netns-group';
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');

/** One application process's view: its CPG handle, history and every confchg it saw. */
interface Member {
  readonly node: number;
  readonly boot: string;
  readonly client: RingcastClient;
  readonly cpg: CpgHandle;
  readonly history: HistoryRecord[];
  readonly confchgs: CpgConfchgEvent[];
  sent: number;
}

let c: DaemonCluster;
const members: Member[] = [];
/** One history per node (a member started again on a node appends a new `start`), for the checker. */
const historyOf = new Map<number, HistoryRecord[]>();
let boots = 0;

before(() => {
  if (!skip) c = new DaemonCluster(3, 'ringcast-cpg-');
});

after(async () => {
  for (const m of members) await m.client.close().catch(() => {});
  if (!skip) await c.destroy();
});

async function member(node: number, cluster: DaemonCluster = c, histories: Map<number, HistoryRecord[]> = historyOf): Promise<Member> {
  const client = await connect({ stateDir: cluster.members[node - 1]!.stateDir });
  const cpg = await client.cpg();
  const boot = `app${++boots}`;
  if (!histories.has(node)) histories.set(node, []);
  const history = histories.get(node)!;
  history.push({ ev: 'start', node, boot, t: Date.now() });
  const m: Member = { node, boot, client, cpg, history, confchgs: [], sent: 0 };
  cpg.on('deliver', (e) => {
    const id = payloadId(e.data);
    if (id && e.group === GROUP) m.history.push({ ev: 'deliver', id, from: e.nodeId, t: Date.now() });
  });
  let lastRing: string | undefined;
  cpg.on('totemConfchg', (e) => {
    const ring = formatRingId(e.ringId.nodeId, e.ringId.seq);
    // The initial totem confchg repeats the current ring when the join lands just as that ring
    // was announced (as WatchRecorder in src/cli/cpg-history.ts also allows for).
    if (ring === lastRing) return;
    lastRing = ring;
    m.history.push({ ev: 'config', kind: 'regular', ring, members: [...e.nodes], t: Date.now() });
  });
  cpg.on('confchg', (e) => {
    if (e.group === GROUP) m.confchgs.push(e);
  });
  await cpg.join(GROUP, { initialTotemConfchg: true });
  return m;
}

async function sendSome(m: Member, count: number, size: number): Promise<void> {
  for (let k = 0; k < count; k++) {
    const id = `${m.node}.${m.boot}:${++m.sent}`;
    m.history.push({ ev: 'send', id, t: Date.now() });
    await m.cpg.mcast(GROUP, makePayload(id, size));
  }
}

const delivered = (m: Member): number => m.history.filter((r) => r.ev === 'deliver').length;
const sawLeave = (m: Member, reason: string, node: number): boolean =>
  m.confchgs.some((e) => e.left.some((l) => l.reason === reason && l.nodeId === node));
const sawJoin = (m: Member, reason: string, node: number): boolean =>
  m.confchgs.some((e) => e.joined.some((j) => j.reason === reason && j.nodeId === node));

test('CPG across three daemons: agreed order across senders, procdown, nodedown, nodeup; histories pass the checker', { skip }, async () => {
  for (const d of c.members) c.start(d);
  await waitFor('a ring of 1,2,3', c.ringOf([1, 2, 3]), 20_000);
  for (const node of [1, 2, 3]) members.push(await member(node));
  await waitFor('every member sees three members', () => members.every((m) => m.confchgs.at(-1)?.members.length === 3), 10_000);

  // Ordering across senders: everyone sends at once, small and fragmented sizes mixed.
  await Promise.all(members.map((m, i) => sendSome(m, 150, [100, 1000, 70_000][i]!)));
  await waitFor('450 deliveries at every member', () => members.every((m) => delivered(m) === 450), 30_000);
  const orders = members.map((m) => m.history.filter((r) => r.ev === 'deliver').map((r) => (r as { id: string }).id));
  assert.deepEqual(orders[1], orders[0]);
  assert.deepEqual(orders[2], orders[0]);

  // A member process dies: the others see procdown for it.
  const watcher: ChildProcess = c.lab.spawnIn(2, process.execPath, [CLI, 'cpg', 'watch', GROUP, '--history', join(c.dir, 'watch.jsonl')],
    { env: { ...process.env, RINGCAST_STATE_DIR: c.members[1]!.stateDir }, stdio: 'ignore' });
  await waitFor('the watcher joined', () => members[0]!.confchgs.some((e) => e.joined.some((j) => j.pid === watcher.pid && j.reason === 'join')), 10_000);
  watcher.kill('SIGKILL');
  await waitFor('procdown for the watcher', () => members[0]!.confchgs.some((e) => e.left.some((l) => l.pid === watcher.pid && l.reason === 'procdown')), 10_000);

  // A node dies: its member leaves with nodedown.
  const victim = c.members[2]!;
  victim.proc!.kill('SIGKILL');
  await waitFor('nodedown for node 3 at nodes 1 and 2', () => members.slice(0, 2).every((m) => sawLeave(m, 'nodedown', 3)), 15_000);
  members[2]!.history.push({ ev: 'crash', t: Date.now() });
  await members[2]!.client.close().catch(() => {});
  members.pop();

  // It comes back, a new application joins there; then a partition of node 3 heals: nodeup.
  c.start(victim);
  await waitFor('node 3 back in the ring', c.ringOf([1, 2, 3]), 20_000);
  const back = await member(3);
  members.push(back);
  await waitFor('node 3 member joined', () => members[0]!.confchgs.some((e) => e.joined.some((j) => j.nodeId === 3 && j.reason === 'join')), 10_000);
  c.lab.partition([[1, 2], [3]]);
  await waitFor('nodedown for 3 at node 1 (partition)', () => members[0]!.confchgs.filter((e) => e.left.some((l) => l.nodeId === 3 && l.reason === 'nodedown')).length >= 2, 15_000);
  c.lab.heal();
  await waitFor('nodeup for 3 at node 1 after the heal', () => sawJoin(members[0]!, 'nodeup', 3), 20_000);
  await waitFor('node 3 sees 1 and 2 again', () => back.confchgs.some((e) => e.joined.some((j) => j.nodeId === 1 && j.reason === 'nodeup')), 10_000);

  await Promise.all(members.map((m) => sendSome(m, 20, 200)));
  const lastIds = members.map((m) => `${m.node}.${m.boot}:${m.sent}`);
  await waitFor('quiet: every member delivered every member\'s last message', () =>
    members.every((m) => lastIds.every((id) => m.history.some((r) => r.ev === 'deliver' && (r as { id: string }).id === id))), 15_000);

  const report = checkHistories([...historyOf.values()], { quiescent: true, regularOnly: true });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
});

test('CPG across five daemons: a 2|3 partition keeps both sides working, the heal merges them (nodeup); histories pass the checker', { skip }, async () => {
  // Its own subnet: the three-node cluster of this file still exists.
  const five = new DaemonCluster(5, 'ringcast-cpg5-');
  const histories = new Map<number, HistoryRecord[]>();
  const apps: Member[] = [];
  try {
    for (const d of five.members) five.start(d);
    await waitFor('a ring of five', five.ringOf([1, 2, 3, 4, 5]), 30_000);
    for (const node of [1, 2, 3, 4, 5]) apps.push(await member(node, five, histories));
    await waitFor('every member sees five members', () => apps.every((m) => m.confchgs.at(-1)?.members.length === 5), 15_000);
    await Promise.all(apps.map((m) => sendSome(m, 40, 500)));
    await waitFor('200 deliveries everywhere', () => apps.every((m) => delivered(m) === 200), 30_000);

    five.lab.partition([[1, 2], [3, 4, 5]]);
    await waitFor('each side sees the other leave (nodedown)', () =>
      sawLeave(apps[0]!, 'nodedown', 5) && sawLeave(apps[4]!, 'nodedown', 1), 20_000);
    // Both sides keep working on their own.
    await Promise.all(apps.map((m) => sendSome(m, 20, 300)));
    const sideOf = (m: Member): Member[] => (m.node <= 2 ? apps.slice(0, 2) : apps.slice(2));
    await waitFor('each side delivers its own side\'s messages', () => apps.every((m) =>
      sideOf(m).every((s) => m.history.some((r) => r.ev === 'deliver' && (r as { id: string }).id === `${s.node}.${s.boot}:${s.sent}`))), 20_000);

    five.lab.heal();
    await waitFor('nodeup across the healed partition', () => sawJoin(apps[0]!, 'nodeup', 5) && sawJoin(apps[4]!, 'nodeup', 1), 30_000);
    await Promise.all(apps.map((m) => sendSome(m, 10, 200)));
    const lastIds = apps.map((m) => `${m.node}.${m.boot}:${m.sent}`);
    await waitFor('every member delivered every member\'s last message', () =>
      apps.every((m) => lastIds.every((id) => m.history.some((r) => r.ev === 'deliver' && (r as { id: string }).id === id))), 20_000);

    const report = checkHistories([...histories.values()], { quiescent: true, regularOnly: true });
    assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  } finally {
    for (const m of apps) await m.client.close().catch(() => {});
    await five.destroy();
  }
});
