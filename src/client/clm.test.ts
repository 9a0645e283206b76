/**
 * client.clm() against in-process daemons on loopback: the current view and node records, node
 * get errors, tracking through a join and a clean leave (one notification each, CHANGES and
 * CHANGES_ONLY), iterators ended by break and by signal, the handle closed; and the OpenAIS
 * testclm.c / testclm2.c sequences on the raw library protocol (trackStop, flags, bad requests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, freeUdpPorts, waitFor, type TestDaemon } from '../daemon/testing.js';
import { connectIpc } from '../ipc/client.js';
import { CS_ERROR } from '../ipc/errors.js';
import {
  CLM_SERVICE_NAME,
  SA_CLM_LOCAL_NODE_ID,
  SA_TRACK_CHANGES,
  SA_TRACK_CHANGES_ONLY,
  SA_TRACK_CURRENT,
  decodeClmLibAnswer,
  encodeClmLibRequest,
  type ClmLibRequest,
} from '../protocol/clm-protocol.js';
import { connect, SaAisError, type ClmTrackNotification } from './index.js';

const items = (n: ClmTrackNotification): string => n.items.map((i) => `${i.nodeId}:${i.change}${i.member ? '' : '(gone)'}`).join(' ');

async function next<T>(it: AsyncIterator<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    it.next(),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  if (r.done) throw new Error(`iterator ended before ${what}`);
  return r.value;
}

test('one daemon: the current view, node records, node get errors, a closed handle', async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const client = await connect({ stateDir: d.stateDir });
  t.after(() => client.close());
  const clm = await client.clm();
  const view = await clm.nodes();
  assert.ok(view.viewNumber > 0);
  assert.equal(view.nodes.length, 1);
  const me = view.nodes[0]!;
  assert.equal(me.nodeId, 1);
  assert.equal(me.address, '127.0.0.1');
  assert.equal(me.name, '127.0.0.1', 'no nodelist name: the address text');
  assert.equal(me.addressFamily, 'inet');
  assert.equal(me.member, true);
  assert.ok(me.bootTimestamp > 1_500_000_000n * 1_000_000_000n && me.bootTimestamp % 1_000_000_000n === 0n, 'the OS boot time, whole seconds in ns');
  assert.ok(me.initialViewNumber > 0 && me.initialViewNumber <= view.viewNumber);
  assert.deepEqual(await clm.node(), me, 'no id: the local node');
  assert.deepEqual(await clm.node(SA_CLM_LOCAL_NODE_ID), me);
  assert.deepEqual(await clm.node(1), me);
  await assert.rejects(clm.node(0x6201a8c0), (e: SaAisError) => e instanceof SaAisError && e.code === 'SA_AIS_ERR_NOT_EXIST' && e.value === 12);
  await assert.rejects(clm.node(-1), (e: SaAisError) => e.code === 'SA_AIS_ERR_INVALID_PARAM');
  await clm.close();
  await assert.rejects(clm.nodes(), (e: SaAisError) => e.code === 'SA_AIS_ERR_BAD_HANDLE');
  await assert.rejects(clm.track().next(), (e: SaAisError) => e.code === 'SA_AIS_ERR_BAD_HANDLE');
});

test('no daemon: SA_AIS_ERR_LIBRARY with reason DAEMON_NOT_RUNNING', async () => {
  const { ClmHandle } = await import('./clm.js');
  await assert.rejects(ClmHandle.open('/nonexistent/ringcast.sock'), (e: SaAisError) => e.code === 'SA_AIS_ERR_LIBRARY' && e.reason === 'DAEMON_NOT_RUNNING');
});

test('two daemons: a join and a clean leave are one notification each; CHANGES lists everyone, CHANGES_ONLY the changed; records agree', { timeout: 60_000 }, async (t) => {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const a = await startTestDaemon({ nodeId: 1, nodes, waitMembers: 1, overrides: { nodeName: 'alpha' } });
  t.after(() => a.stop());
  const client = await connect({ stateDir: a.stateDir });
  t.after(() => client.close());
  const clm = await client.clm();
  const full = clm.track();
  const only = clm.track({ changesOnly: true });
  const first = await next(full, 'the current view');
  assert.equal(items(first), '1:NO_CHANGE');
  assert.equal(first.items[0]!.name, 'alpha', 'the nodelist name');

  let b: TestDaemon | undefined = await startTestDaemon({ nodeId: 2, nodes, waitMembers: 0 });
  t.after(() => b?.stop());
  const joined = await next(full, 'the join');
  assert.equal(items(joined), '1:NO_CHANGE 2:JOINED');
  assert.equal(joined.numberOfMembers, 2);
  assert.ok(joined.viewNumber > first.viewNumber);
  const joinedOnly = await next(only, 'the join (changes only)');
  assert.equal(items(joinedOnly), '2:JOINED');
  assert.equal(joinedOnly.viewNumber, joined.viewNumber);

  // Both daemons hold the same records, view number included.
  const clientB = await connect({ stateDir: b.stateDir });
  const clmB = await clientB.clm();
  await waitFor('node 2 installed the view', () => b!.daemon.host.clm.core.viewNumber === joined.viewNumber);
  const viewA = await clm.nodes();
  const viewB = await clmB.nodes();
  assert.deepEqual(viewB, viewA);
  assert.deepEqual(await clm.node(2), viewA.nodes[1]);
  await clientB.close();

  await b.stop();
  b = undefined;
  const left = await next(full, 'the leave');
  assert.equal(items(left), '1:NO_CHANGE 2:LEFT(gone)');
  assert.equal(left.numberOfMembers, 1);
  assert.ok(left.viewNumber > joined.viewNumber);
  assert.equal(items(await next(only, 'the leave (changes only)')), '2:LEFT(gone)');
  await assert.rejects(clm.node(2), (e: SaAisError) => e.code === 'SA_AIS_ERR_NOT_EXIST');

  // Ending: break closes the iterator's connection; the daemon's tracker count falls.
  await full.return!();
  const ac = new AbortController();
  const aborted = clm.track({ signal: ac.signal });
  await next(aborted, 'a third tracker\'s view');
  ac.abort();
  await assert.rejects(aborted.next(), (e: SaAisError) => e.code === 'ABORT_ERR');
  await only.return!();
  await waitFor('no tracker left at the daemon', () => a.daemon.host.clm.core.trackers === 0);
});

async function raw(d: TestDaemon) {
  const ipc = await connectIpc({ path: d.socketPath, serviceName: CLM_SERVICE_NAME });
  const events: number[] = [];
  ipc.on('event', (e: { messageId: number }) => events.push(e.messageId));
  return {
    ipc,
    events,
    async ask(req: ClmLibRequest) {
      const f = encodeClmLibRequest(req);
      const res = await ipc.request(f.messageId, f.payload);
      assert.equal(res.status, CS_ERROR.CS_OK);
      const decoded = decodeClmLibAnswer(req.kind, res.payload);
      assert.ok(decoded.ok);
      return decoded.value;
    },
  };
}

test('OpenAIS testclm.c and testclm2.c on the library protocol: node get, made-up ids, CURRENT|CHANGES, trackStop, bad requests', async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const c = await raw(d);
  t.after(() => c.ipc.close());
  // testclm.c: nodeGet(SA_CLM_LOCAL_NODE_ID) OK with the local record; made-up ids are not found.
  const local = await c.ask({ kind: 'nodeGet', nodeId: SA_CLM_LOCAL_NODE_ID });
  assert.equal(local.error, 'SA_AIS_OK');
  for (const id of [0x6201a8c0, 0x6a01a8f0]) assert.deepEqual(await c.ask({ kind: 'nodeGet', nodeId: id }), { error: 'SA_AIS_ERR_NOT_EXIST' });
  // track(CURRENT|CHANGES) returns the members and starts tracking; trackStop OK, then NOT_EXIST.
  const tracked = await c.ask({ kind: 'track', flags: SA_TRACK_CURRENT | SA_TRACK_CHANGES });
  assert.ok(tracked.error === 'SA_AIS_OK' && tracked.value.kind === 'track' && tracked.value.view?.items.length === 1);
  assert.equal(d.daemon.host.clm.core.trackers, 1);
  assert.equal((await c.ask({ kind: 'trackStop' })).error, 'SA_AIS_OK');
  assert.deepEqual(await c.ask({ kind: 'trackStop' }), { error: 'SA_AIS_ERR_NOT_EXIST' }, 'a second stop');
  // testclm2.c query mode: CURRENT alone answers the view and does not track.
  const current = await c.ask({ kind: 'track', flags: SA_TRACK_CURRENT });
  assert.ok(current.error === 'SA_AIS_OK' && current.value.kind === 'track' && current.value.view !== undefined);
  assert.deepEqual(await c.ask({ kind: 'trackStop' }), { error: 'SA_AIS_ERR_NOT_EXIST' }, 'CURRENT alone does not track');
  // Flags the SA rules refuse.
  assert.deepEqual(await c.ask({ kind: 'track', flags: SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY }), { error: 'SA_AIS_ERR_BAD_FLAGS' });
  assert.deepEqual(await c.ask({ kind: 'track', flags: 0 }), { error: 'SA_AIS_ERR_BAD_FLAGS' });
  assert.deepEqual(await c.ask({ kind: 'track', flags: 0x10 }), { error: 'SA_AIS_ERR_BAD_FLAGS' });
  // A malformed request: INVALID_PARAM for that client, the connection and others unharmed.
  const bad = await c.ipc.request(2, new Uint8Array([1, 2]));
  assert.equal(bad.status, CS_ERROR.CS_OK);
  assert.deepEqual(decodeClmLibAnswer('nodeGet', bad.payload), { ok: true, value: { error: 'SA_AIS_ERR_INVALID_PARAM' } });
  const unknown = await c.ipc.request(7, new Uint8Array(0));
  assert.equal(unknown.status, CS_ERROR.CS_ERR_INVALID_PARAM, 'an unknown request id is the executive\'s INVALID_PARAM');
  assert.equal((await c.ask({ kind: 'nodeGet', nodeId: 1 })).error, 'SA_AIS_OK');
  assert.equal(d.daemon.host.clm.stats.badRequests, 1);
  assert.deepEqual(c.events, [], 'no notification without a change');
});

test('across a daemon restart: with reconnect a track iterator yields the current view again, marked reconnected; nodes() waits for the daemon', { timeout: 60_000 }, async (t) => {
  const [port] = await freeUdpPorts(1);
  const nodes = [{ nodeId: 1, address: '127.0.0.1', port: port! }];
  let d: TestDaemon | undefined = await startTestDaemon({ nodeId: 1, nodes });
  const stateDir = d.stateDir;
  t.after(() => d?.stop());
  const client = await connect({ stateDir, reconnect: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 100 } });
  t.after(() => client.close());
  const clm = await client.clm();
  const plain = await connect({ stateDir });
  t.after(() => plain.close());
  const noReconnect = (await plain.clm()).track();
  await next(noReconnect, 'the current view without reconnect');
  const it = clm.track({ changesOnly: true });
  const before = (await clm.nodes()).nodes[0]!;
  await waitFor('both trackers registered', () => d!.daemon.host.clm.core.trackers === 2);

  await d.stop();
  await assert.rejects(noReconnect.next(), (e: SaAisError) => e.code === 'SA_AIS_ERR_LIBRARY', 'without reconnect the iterator fails');
  d = await startTestDaemon({ nodeId: 1, nodes, overrides: { stateDir } });
  const again = await next(it, 'the view after the restart', 20_000);
  assert.equal(again.reconnected, true);
  assert.equal(items(again), '1:NO_CHANGE', 'the current view, even in changes-only mode');
  assert.ok(again.items[0]!.initialViewNumber > before.initialViewNumber, 'the restarted daemon has a new initial view number');
  const now = await clm.nodes();
  const { change: _change, ...record } = again.items[0]!;
  assert.deepEqual(now.nodes[0], record);
  assert.equal(now.viewNumber, again.viewNumber);
  await it.return!();
});
