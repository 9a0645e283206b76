/**
 * Three in-process daemons on UDP loopback, one CPG client on each over real IPC: one group
 * across the nodes, every member receives every message in one order; a daemon that shuts down
 * takes its member out of the group for the others. Then a client floods one daemon over a
 * stalled ring: no request is refused (the daemon holds the one the ring cannot take and reads
 * nothing behind it), every message is delivered once, in order, and the daemon keeps serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectIpc, CS_ERROR, type IpcClient, type IpcEvent } from '../ipc/index.js';
import { decodeCpgLibEvent, encodeCpgLibRequest, type CpgLibEvent, type CpgLibRequest } from '../protocol/cpg/lib-protocol.js';
import { CpgReason } from '../protocol/cpg/vocabulary.js';
import { freeUdpPorts, startSyncedPair, startTestDaemon, waitFor, type TestDaemon } from './testing.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const G = enc.encode('g');
const COUNT = 120;

interface Client {
  readonly ipc: IpcClient;
  readonly events: CpgLibEvent[];
}

async function cpgClient(d: TestDaemon, pid: number): Promise<Client> {
  const ipc = await connectIpc({ path: d.socketPath, serviceName: 'cpg', pid });
  const events: CpgLibEvent[] = [];
  ipc.on('event', (e: IpcEvent) => {
    const r = decodeCpgLibEvent(e.messageId, e.payload);
    assert.ok(r.ok);
    events.push(r.value);
  });
  return { ipc, events };
}

async function call(c: Client, req: CpgLibRequest): Promise<number> {
  const { messageId, payload } = encodeCpgLibRequest(req);
  return (await c.ipc.request(messageId, payload, { whenFull: 'wait' })).status;
}

const delivered = (c: Client): string[] => c.events.flatMap((e) => (e.kind === 'deliver' ? [`${e.nodeId}:${dec.decode(e.data)}`] : []));
const confchgs = (c: Client) => c.events.filter((e): e is Extract<CpgLibEvent, { kind: 'confchg' }> => e.kind === 'confchg');

test('three daemons: one CPG group across them, one order; a stopped daemon leaves the group', async (t) => {
  const ports = await freeUdpPorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const daemons = await Promise.all(nodes.map((n) => startTestDaemon({ nodeId: n.nodeId, nodes, waitMembers: 0 })));
  t.after(() => Promise.all(daemons.map((d) => d.stop())));
  await waitFor('one synced ring of three', () =>
    daemons.every((d) => d.daemon.node.status().members.length === 3 && d.daemon.host.exec.syncState === 'done'), 20_000);
  const clients = await Promise.all(daemons.map((d, i) => cpgClient(d, 100 + i)));
  for (const c of clients) {
    assert.equal(await call(c, { kind: 'join', group: G, deliverInitialTotemConf: false }), CS_ERROR.CS_OK);
    await waitFor('the join reached every member', () => clients.every((x) => confchgs(x).length === 0 || confchgs(x).at(-1)!.members.length >= confchgs(c).at(-1)?.members.length!));
  }
  await waitFor('everyone sees three members', () => clients.every((c) => confchgs(c).at(-1)?.members.length === 3), 10_000);
  await Promise.all(clients.map(async (c, i) => {
    for (let k = 0; k < 20; k++) assert.equal(await call(c, { kind: 'mcast', group: G, guarantee: 'agreed', data: enc.encode(`${i}.${k}`) }), CS_ERROR.CS_OK);
  }));
  await waitFor('60 deliveries at every member', () => clients.every((c) => delivered(c).length === 60), 10_000);
  const first = delivered(clients[0]!);
  for (const c of clients) assert.deepEqual(delivered(c), first, 'one agreed order');
  for (let i = 0; i < 3; i++) {
    const own = first.filter((m) => m.startsWith(`${i + 1}:`)).map((m) => m.split(':')[1]);
    assert.deepEqual(own, Array.from({ length: 20 }, (_, k) => `${i}.${k}`), 'per-sender FIFO');
  }
  // Daemon 3 stops: its member leaves the group for the others (procdown if its procleave got
  // out before the ring leave, nodedown otherwise; both are correct).
  await daemons[2]!.stop();
  await waitFor('member 3 gone at 1 and 2', () => clients.slice(0, 2).every((c) => confchgs(c).at(-1)?.members.length === 2), 10_000);
  for (const c of clients.slice(0, 2)) {
    const left = confchgs(c).at(-1)!.left;
    assert.equal(left.length, 1);
    assert.equal(left[0]!.pid, 102);
    assert.ok(left[0]!.reason === CpgReason.procdown || left[0]!.reason === CpgReason.nodedown, `reason ${left[0]!.reason}`);
  }
  await Promise.all(clients.slice(0, 2).map((c) => c.ipc.close()));
});

test('a client flooding a stalled ring is held, then resumes: every answer is CS_OK, every message arrives once, in order', async (t) => {
  const [d, peer] = await startSyncedPair(t);
  const sender = await cpgClient(d!, 1);
  const receiver = await cpgClient(d!, 2);
  for (const c of [sender, receiver]) assert.equal(await call(c, { kind: 'join', group: G, deliverInitialTotemConf: false }), CS_ERROR.CS_OK);
  await waitFor('both joined', () => confchgs(sender).at(-1)?.members.length === 2);
  // The peer dies without a word: the ring stalls until the token timeout, and the flood fills
  // the send queue (16 MiB) long before the new ring forms.
  await peer!.daemon.node.stop({ leave: false });
  const size = 768 * 1024;
  const results = await Promise.all(Array.from({ length: COUNT }, (_, i) => {
    const data = new Uint8Array(size);
    new DataView(data.buffer).setUint32(0, i);
    return call(sender, { kind: 'mcast', group: G, guarantee: 'agreed', data });
  }));
  const accepted = results.flatMap((s, i) => (s === CS_ERROR.CS_OK ? [i] : []));
  assert.ok(results.every((s) => s === CS_ERROR.CS_OK), `statuses ${[...new Set(results)]}`);
  const ipc = d!.daemon.host.statusSections().ipc as { gateCloses: number; ringQueueFull: number };
  t.diagnostic(`${accepted.length}/${COUNT} accepted; gate closed ${ipc.gateCloses} times; ring refused ${ipc.ringQueueFull} sends; ${d!.daemon.host.exec.stats.held} held`);
  assert.ok(ipc.gateCloses > 0, 'the full queue paused the clients');
  assert.ok(d!.daemon.host.exec.stats.held > 0, 'the refused request was held, not answered');
  const seqs = () => receiver.events.flatMap((e) => (e.kind === 'deliver' ? [new DataView(e.data.buffer, e.data.byteOffset).getUint32(0)] : []));
  await waitFor('every accepted message delivered', () => seqs().length >= accepted.length, 30_000);
  assert.deepEqual(seqs(), accepted, 'each accepted message once, in send order');
  // Still serving: the gate reopened and a fresh request goes through.
  await waitFor('the gate reopened', () => !d!.daemon.host.gate.closed, 10_000);
  assert.equal(await call(receiver, { kind: 'mcast', group: G, guarantee: 'agreed', data: enc.encode('after') }), CS_ERROR.CS_OK);
  await waitFor('after delivered', () => delivered(sender).at(-1) === '1:after', 10_000);
  await Promise.all([sender.ipc.close(), receiver.ipc.close()]);
});
