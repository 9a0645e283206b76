/**
 * The CLM core on its own: record exchange rounds, view numbers, the notifications of joins,
 * leaves, merges and restarts for CHANGES and CHANGES_ONLY trackers, track flag errors, node get,
 * and the tracker bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClmCore } from './core.js';
import { SA_CLM_LOCAL_NODE_ID, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, type ClmNodeRecord, type ClmNotification } from '../../protocol/clm-protocol.js';

function core(id: number, maxTrackers?: number): ClmCore {
  return new ClmCore({
    localNodeId: id,
    local: { name: `n${id}`, address: { family: 'inet', text: `10.0.0.${id}` }, bootTimestamp: BigInt(id) * 1_000_000_000n },
    ...(maxTrackers === undefined ? {} : { maxTrackers }),
  });
}

/** One sync round on every core of `cores` for `members` (each member's core sends its own record). */
function round(cores: Map<number, ClmCore>, members: number[], seq: number, records?: Map<number, ClmNodeRecord>) {
  for (const id of members) cores.get(id)!.syncInit(members, seq);
  const sent = members.map((id) => records?.get(id) ?? cores.get(id)!.ownRecord());
  const out = new Map<number, ClmNotification[]>();
  for (const id of members) {
    for (const r of sent) cores.get(id)!.applyRecord(r.nodeId, r);
    out.set(id, cores.get(id)!.syncActivate().map((c) => c.notification));
  }
  return out;
}

const summary = (n: ClmNotification): string => n.items.map((i) => `${i.node.nodeId}:${i.change}${i.member ? '' : '(gone)'}`).join(' ');

test('a node alone: its first view is its ring sequence, its record carries it as the initial view', () => {
  const c = core(1);
  assert.deepEqual(c.track(7, SA_TRACK_CURRENT), { ok: false, error: 'SA_AIS_ERR_TRY_AGAIN' }, 'no view before the first configuration');
  const local = c.nodeGet(SA_CLM_LOCAL_NODE_ID);
  assert.ok(local.ok && local.value.initialViewNumber === 0);
  round(new Map([[1, c]]), [1], 4);
  assert.equal(c.viewNumber, 4);
  const got = c.nodeGet(SA_CLM_LOCAL_NODE_ID);
  assert.ok(got.ok);
  assert.equal(got.value.initialViewNumber, 4);
  assert.equal(got.value.name, 'n1');
  assert.deepEqual(c.nodeGet(1), got, 'the local id and SA_CLM_LOCAL_NODE_ID name the same record');
  const view = c.track(7, SA_TRACK_CURRENT);
  assert.ok(view.ok && view.value);
  assert.equal(summary(view.value), '1:NO_CHANGE');
  assert.equal(view.value.numberOfMembers, 1);
});

test('join, merge, leave: one notification per view, CHANGES lists members then the gone, CHANGES_ONLY only the changed', () => {
  const cores = new Map([1, 2, 3, 4].map((id) => [id, core(id)]));
  round(cores, [1], 4);
  round(cores, [2], 4);
  round(cores, [3, 4], 8);
  const a = cores.get(1)!;
  assert.ok(a.track(100, SA_TRACK_CHANGES).ok);
  assert.ok(a.track(101, SA_TRACK_CHANGES_ONLY | SA_TRACK_CURRENT).ok);
  const c = cores.get(3)!;
  assert.ok(c.track(300, SA_TRACK_CHANGES_ONLY).ok);

  // 1 and 2 form a ring, then merge with the {3,4} partition: each is one notification.
  let seen = round(cores, [1, 2], 12);
  assert.deepEqual(seen.get(1)!.map(summary), ['1:NO_CHANGE 2:JOINED', '2:JOINED']);
  seen = round(cores, [1, 2, 3, 4], 16);
  assert.deepEqual(seen.get(1)!.map(summary), ['1:NO_CHANGE 2:NO_CHANGE 3:JOINED 4:JOINED', '3:JOINED 4:JOINED']);
  assert.deepEqual(seen.get(3)!.map(summary), ['1:JOINED 2:JOINED'], 'the other side sees the merge as one notification too');
  assert.equal(seen.get(1)![0]!.viewNumber, 16);
  assert.equal(seen.get(1)![0]!.numberOfMembers, 4);
  // Every member holds the same records.
  const tables = [...cores.values()].map((x) => JSON.stringify(x.members(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  assert.equal(new Set(tables).size, 1);
  assert.deepEqual(cores.get(4)!.members().map((r) => r.initialViewNumber), [4, 4, 8, 8], 'initial view numbers travel with the records');

  // 2 and 4 leave at once: one notification, LEFT items last with member false, not counted.
  seen = round(cores, [1, 3], 20);
  assert.deepEqual(seen.get(1)!.map(summary), ['1:NO_CHANGE 3:NO_CHANGE 2:LEFT(gone) 4:LEFT(gone)', '2:LEFT(gone) 4:LEFT(gone)']);
  assert.equal(seen.get(1)![0]!.numberOfMembers, 2);
  assert.deepEqual(a.nodeGet(2), { ok: false, error: 'SA_AIS_ERR_NOT_EXIST' }, 'a node that left is unknown');

  // A new ring with the same members: the view number moves, nobody is told.
  seen = round(cores, [1, 3], 24);
  assert.deepEqual(seen.get(1), []);
  assert.equal(a.viewNumber, 24);
});

test('a node that comes back with another record (restarted between two views) is RECONFIGURED', () => {
  const cores = new Map([1, 2].map((id) => [id, core(id)]));
  round(cores, [1, 2], 4);
  assert.ok(cores.get(1)!.track(1, SA_TRACK_CHANGES_ONLY).ok);
  const fresh = core(2);
  fresh.syncInit([2], 9);
  fresh.syncActivate();
  cores.set(2, fresh);
  const seen = round(cores, [1, 2], 12);
  assert.deepEqual(seen.get(1)!.map(summary), ['2:RECONFIGURED']);
  const got = cores.get(1)!.nodeGet(2);
  assert.ok(got.ok && got.value.initialViewNumber === 9);
});

test('records outside a round, from non-members, or naming another node are ignored; an aborted round changes nothing', () => {
  const cores = new Map([1, 2].map((id) => [id, core(id)]));
  round(cores, [1, 2], 4);
  const a = cores.get(1)!;
  a.applyRecord(2, cores.get(2)!.ownRecord());
  assert.equal(a.stats.recordsIgnored, 1);
  a.syncInit([1, 2], 8);
  a.applyRecord(3, { ...cores.get(2)!.ownRecord(), nodeId: 3 });
  a.applyRecord(2, { ...cores.get(2)!.ownRecord(), nodeId: 1 });
  assert.equal(a.stats.recordsIgnored, 3);
  a.syncAbort();
  assert.deepEqual(a.syncActivate(), []);
  assert.equal(a.viewNumber, 4);
});

test('track flags: SA errors in the design note order; re-tracking replaces the mode; trackStop', () => {
  const c = core(1);
  round(new Map([[1, c]]), [1], 4);
  assert.deepEqual(c.track(1, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY), { ok: false, error: 'SA_AIS_ERR_BAD_FLAGS' });
  assert.deepEqual(c.track(1, 0x08), { ok: false, error: 'SA_AIS_ERR_BAD_FLAGS' });
  assert.deepEqual(c.track(1, 0), { ok: false, error: 'SA_AIS_ERR_BAD_FLAGS' });
  assert.deepEqual(c.trackStop(1), { ok: false, error: 'SA_AIS_ERR_NOT_EXIST' }, 'nothing tracked');
  assert.ok(c.track(1, SA_TRACK_CURRENT).ok);
  assert.deepEqual(c.trackStop(1), { ok: false, error: 'SA_AIS_ERR_NOT_EXIST' }, 'CURRENT alone does not track');
  assert.ok(c.track(1, SA_TRACK_CHANGES).ok);
  assert.ok(c.track(1, SA_TRACK_CHANGES_ONLY).ok);
  assert.equal(c.trackers, 1, 'one registration per handle');
  assert.deepEqual(c.trackStop(1), { ok: true, value: undefined });
  assert.deepEqual(c.trackStop(1), { ok: false, error: 'SA_AIS_ERR_NOT_EXIST' }, 'a second stop');
  assert.deepEqual(c.nodeGet(0x6201a8c0), { ok: false, error: 'SA_AIS_ERR_NOT_EXIST' });
});

test('the tracker bound: the next handle is refused NO_RESOURCES, a registered one may re-track, a freed slot is reused', () => {
  const c = core(1, 2);
  round(new Map([[1, c]]), [1], 4);
  assert.ok(c.track(1, SA_TRACK_CHANGES).ok);
  assert.ok(c.track(2, SA_TRACK_CHANGES).ok);
  assert.deepEqual(c.track(3, SA_TRACK_CHANGES), { ok: false, error: 'SA_AIS_ERR_NO_RESOURCES' });
  assert.ok(c.track(3, SA_TRACK_CURRENT).ok, 'CURRENT alone takes no slot');
  assert.ok(c.track(2, SA_TRACK_CHANGES_ONLY).ok);
  c.disconnect(1);
  assert.ok(c.track(3, SA_TRACK_CHANGES).ok);
  assert.equal(c.stats.trackersRefused, 1);
});

test('the internal API for other services: ClmService.nodeRecord reads the activated view', async () => {
  const { ClmService } = await import('./service.js');
  const service = new ClmService({ local: { name: 'a', address: { family: 'inet6', text: '::1' }, bootTimestamp: 5n } });
  assert.equal(service.nodeRecord(1), undefined, 'before start');
  service.start({ localNodeId: 1, send: () => ({ ok: true }), syncInProcess: () => false, quorate: () => true });
  service.sync!.init([1, 2], { rep: 1, seq: 8 }, [1]);
  assert.equal(service.sync!.process(), true);
  service.execHandlers[0]!.apply({ nodeId: 2, name: 'b', address: { family: 'inet', text: '10.0.0.2' }, bootTimestamp: 7n, initialViewNumber: 4 }, { from: 2, local: false, request: undefined, ringId: { rep: 1, seq: 8 } });
  service.execHandlers[0]!.apply(service.core.ownRecord(), { from: 1, local: true, request: undefined, ringId: { rep: 1, seq: 8 } });
  assert.equal(service.nodeRecord(2), undefined, 'a record gathered in sync is not readable before activation');
  service.sync!.activate();
  assert.equal(service.nodeRecord(2)?.name, 'b');
  assert.equal(service.nodeRecord(0xffffffff)?.initialViewNumber, 8);
  assert.equal(service.nodeRecord(3), undefined);
});

test('a local record over the SA limits is refused when the service is built (the daemon does not start)', async () => {
  const { ClmService } = await import('./service.js');
  const local = { name: 'n', address: { family: 'inet' as const, text: '10.0.0.1' }, bootTimestamp: 0n };
  assert.throws(() => new ClmService({ local: { ...local, name: 'x'.repeat(257) } }), /node name of 257 bytes > 256/);
  assert.throws(() => new ClmService({ local: { ...local, address: { family: 'inet', text: `${'h'.repeat(60)}.example` } } }), /node address of 68 bytes > 64/);
  assert.doesNotThrow(() => new ClmService({ local: { ...local, name: 'é'.repeat(128) } }), '256 bytes of UTF-8');
});
