/**
 * The EVT service against a real daemon (in-process ringcastd on loopback) through the client
 * library: every behaviour OpenAIS's test/testevt.c asserted (design note 2.9), plus the bounds
 * and bad input the issue names. Absence is asserted by order, not by waiting: the retained
 * replay precedes live events, so "nothing retained" means the first event is a marker
 * published after the subscribe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from '../daemon/testing.js';
import { connect, SaAisError, type EvtEvent, type EvtSubscription } from './index.js';
import { take } from './testing/wait.js';
import { withEvtDaemon } from './testing/evt-daemon.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

const withDaemon = withEvtDaemon;

async function rejectsSa(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SaAisError, `expected SaAisError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** The first event after subscribing is the marker: nothing retained was replayed. */
async function firstIsMarker(sub: EvtSubscription, publish: () => Promise<bigint>): Promise<void> {
  const marker = await publish();
  const [first] = await take(sub[Symbol.asyncIterator](), 1);
  assert.equal(first!.eventId, marker, 'a retained event was replayed before the marker');
}

test('initialize: B.1.1 and B.1.255 accepted (answered B.1.1); A.1.1, B.2.1, C.255.255 refused SA_AIS_ERR_VERSION', async (t) => {
  const { client } = await withDaemon(t);
  assert.deepEqual((await client.evt({ version: { releaseCode: 'B', major: 1, minor: 1 } })).version, { releaseCode: 'B', major: 1, minor: 1 });
  assert.deepEqual((await client.evt({ version: { releaseCode: 'B', major: 1, minor: 255 } })).version, { releaseCode: 'B', major: 1, minor: 1 });
  for (const v of [{ releaseCode: 'A', major: 1, minor: 1 }, { releaseCode: 'B', major: 2, minor: 1 }, { releaseCode: 'C', major: 255, minor: 255 }]) {
    await rejectsSa(client.evt({ version: v }), 'SA_AIS_ERR_VERSION');
  }
});

test('channels: open/close/finalize, subscription ids (EXIST, NOT_EXIST), double close BAD_HANDLE, open timeout 0', async (t) => {
  const { client } = await withDaemon(t);
  const evt = await client.evt();
  const ch = await evt.openChannel('TESTEVT_CHANNEL', { create: true, publisher: true, subscriber: true });
  await ch.close();
  await rejectsSa(ch.close(), 'SA_AIS_ERR_BAD_HANDLE');
  const ch2 = await evt.openChannel('TESTEVT_CHANNEL', { subscriber: true });
  const s1 = await ch2.subscribe([{ type: 'passAll' }], { id: 0x1111 });
  await s1.unsubscribe();
  await ch2.subscribe([{ type: 'passAll' }], { id: 1 });
  await ch2.subscribe([{ type: 'passAll' }], { id: 2 });
  await rejectsSa(ch2.subscribe([{ type: 'passAll' }], { id: 2 }), 'SA_AIS_ERR_EXIST');
  await rejectsSa(evt.call({ kind: 'unsubscribe', channel: 999, subscriptionId: 1 }, {}), 'SA_AIS_ERR_BAD_HANDLE');
  await rejectsSa(evt.openChannel('TESTEVT_CHANNEL', { subscriber: true }, { timeoutMs: 0 }), 'SA_AIS_ERR_TIMEOUT');
  // Finalize with an open channel and a live subscription.
  await evt.finalize();
  await rejectsSa(evt.finalize(), 'SA_AIS_ERR_BAD_HANDLE');
  await rejectsSa(evt.openChannel('x', { create: true }), 'SA_AIS_ERR_BAD_HANDLE');
});

test('events: attributes and 2 KiB of data arrive as published; no-pattern event vs four filters: SA rule drops it, OpenAIS rule delivers it', async (t) => {
  const { client } = await withDaemon(t);
  const evt = await client.evt();
  const filters = [
    { type: 'prefix', pattern: text('Filter pattern 1\0') },
    { type: 'suffix', pattern: text('Filter pattern 2\0') },
    { type: 'exact', pattern: text('Filter pattern 3\0') },
    { type: 'passAll' },
  ] as const;
  const sa = await (await evt.openChannel('TESTEVT_CHANNEL', { create: true, publisher: true, subscriber: true })).subscribe(filters, { id: 0xabcdef });
  // Subscription ids are per handle and channel instance: the OpenAIS-rule one is another handle's.
  const evt2 = await client.evt();
  const oaCh = await evt2.openChannel('TESTEVT_CHANNEL', { publisher: true, subscriber: true, filterRule: 'openais' });
  const oa = await oaCh.subscribe(filters, { id: 0xabcdef });
  const bare = await oaCh.publish();
  const [got] = await take(oa[Symbol.asyncIterator](), 1);
  assert.equal(got!.eventId, bare);
  assert.equal(got!.subscriptionId, 0xabcdef);
  assert.equal(got!.data.length, 0);
  assert.equal(got!.patterns.length, 0);
  assert.equal(got!.priority, 3);

  const patterns = ['Filter pattern 1\0', 'Filter pattern 2\0', 'Filter pattern 3\0', 'Filter pattern 4\0'].map(text);
  const data = new Uint8Array(2048).map((_, i) => (i * 31 + 7) & 0xff);
  const id = await oaCh.publish({ patterns, priority: 2, retentionMs: 30_000, publisherName: 'Test Pub Name', data });
  for (const sub of [sa, oa]) {
    const [e] = await take(sub[Symbol.asyncIterator](), 1);
    // The SA-rule subscription's first event is this one: the bare event did not reach it.
    assert.equal(e!.eventId, id);
    assert.deepEqual(e!.patterns, patterns);
    assert.equal(e!.priority, 2);
    assert.equal(e!.retentionNs, 30_000_000_000n);
    assert.equal(e!.publisherName, 'Test Pub Name');
    assert.deepEqual(e!.data, data);
    assert.equal(e!.lost, false);
    assert.equal(e!.publisherNodeId, 1);
    assert.ok(e!.eventId > 1000n);
  }
});

test('multi channel: exact filters pick one subscription each; two opens of one channel get one delivery each; two channels stay apart', async (t) => {
  const { client } = await withDaemon(t);
  const evt = await client.evt();
  // test_multi_channel1
  const ch = await evt.openChannel('MC1', { create: true, publisher: true, subscriber: true });
  const s1 = await ch.subscribe([{ type: 'exact', pattern: 'ChanPat1' }], { id: 1 });
  const s2 = await ch.subscribe([{ type: 'exact', pattern: 'ChanPat2' }], { id: 2 });
  const all = await ch.subscribe([{ type: 'prefix', pattern: 'MARK' }], { id: 3 });
  const e1 = await ch.publish({ patterns: ['ChanPat1'] });
  const e2 = await ch.publish({ patterns: ['ChanPat2'] });
  await ch.publish({ patterns: ['ChanPat3'] });
  const mark = await ch.publish({ patterns: ['MARK'] });
  assert.equal((await take(s1[Symbol.asyncIterator](), 1))[0]!.eventId, e1);
  assert.equal((await take(s2[Symbol.asyncIterator](), 1))[0]!.eventId, e2);
  assert.equal((await take(all[Symbol.asyncIterator](), 1))[0]!.eventId, mark);
  // ChanPat3 matched nobody; one delivery per open: s1/s2 saw nothing else before the next marker.
  const m2 = await ch.publish({ patterns: ['ChanPat1'] });
  assert.equal((await take(s1[Symbol.asyncIterator](), 1))[0]!.eventId, m2);

  // test_multi_channel2: the same channel opened twice by one handle.
  const a = await evt.openChannel('MC2', { create: true, publisher: true, subscriber: true });
  const b = await evt.openChannel('MC2', { subscriber: true });
  const sa = await a.subscribe([{ type: 'exact', pattern: 'ChanPat1' }], { id: 10 });
  const sb = await b.subscribe([{ type: 'exact', pattern: 'ChanPat1' }], { id: 11 });
  const id = await a.publish({ patterns: ['ChanPat1'] });
  assert.deepEqual([(await take(sa[Symbol.asyncIterator](), 1))[0]!.subscriptionId, (await take(sb[Symbol.asyncIterator](), 1))[0]!.eventId], [10, id]);
  // Two subscriptions on one open that both match: one delivery, to the newest.
  const both = await evt.openChannel('MC2', { publisher: true, subscriber: true });
  const older = await both.subscribe([{ type: 'prefix', pattern: 'Chan' }], { id: 20 });
  const newer = await both.subscribe([{ type: 'prefix', pattern: 'ChanPat' }], { id: 21 });
  const id2 = await both.publish({ patterns: ['ChanPat1'] });
  assert.equal((await take(newer[Symbol.asyncIterator](), 1))[0]!.eventId, id2);
  const id3 = await both.publish({ patterns: ['ChanOther'] });
  assert.equal((await take(older[Symbol.asyncIterator](), 1))[0]!.eventId, id3, 'the older subscription got the first event too');

  // test_multi_channel3
  const c1 = await evt.openChannel('TESTEVT_CHANNEL', { create: true, publisher: true, subscriber: true });
  const c2 = await evt.openChannel('TESTEVT_CHANNEL_1', { create: true, publisher: true, subscriber: true });
  const t1 = await c1.subscribe([{ type: 'prefix', pattern: 'ChanPat' }], { id: 1 });
  const t2 = await c2.subscribe([{ type: 'prefix', pattern: 'ChanPat' }], { id: 1 });
  const x1 = await c1.publish({ patterns: ['ChanPat1'] });
  const x2 = await c2.publish({ patterns: ['ChanPat2'] });
  assert.equal((await take(t1[Symbol.asyncIterator](), 1))[0]!.eventId, x1);
  assert.equal((await take(t2[Symbol.asyncIterator](), 1))[0]!.eventId, x2);
});

test('retention: a later subscriber gets the retained event; not after expiry; not after a clear; at most once per open', async (t) => {
  const { d, client } = await withDaemon(t);
  const evt = await client.evt();
  const ch = await evt.openChannel('RET', { create: true, publisher: true, subscriber: true });
  const kept = await ch.publish({ patterns: ['r'], retentionMs: 10_000 });
  const s = await ch.subscribe([{ type: 'prefix', pattern: 'r' }], { id: 1 });
  assert.equal((await take(s[Symbol.asyncIterator](), 1))[0]!.eventId, kept);
  await s.unsubscribe();
  // Once per open, even across unsubscribe/subscribe.
  const again = await ch.subscribe([{ type: 'prefix', pattern: 'r' }], { id: 2 });
  await firstIsMarker(again, () => ch.publish({ patterns: ['r-marker'] }));
  await again.unsubscribe();
  // A new open gets it.
  const other = await evt.openChannel('RET', { subscriber: true });
  const o = await other.subscribe([{ type: 'prefix', pattern: 'r' }]);
  assert.equal((await take(o[Symbol.asyncIterator](), 1))[0]!.eventId, kept);

  // Expiry.
  const short = await ch.publish({ patterns: ['s'], retentionMs: 50 });
  await waitFor('the short event to expire', () => ![...d.daemon.host.evt.table.instances()].some((i) => i.retained.has(short)));
  const late = await (await evt.openChannel('RET', { subscriber: true, publisher: true })).subscribe([{ type: 'prefix', pattern: 's' }]);
  await firstIsMarker(late, () => ch.publish({ patterns: ['s-marker'] }));

  // Clear: OK once, NOT_EXIST after; a new subscriber does not get it.
  await ch.clearRetention(kept);
  await rejectsSa(ch.clearRetention(kept), 'SA_AIS_ERR_NOT_EXIST');
  await rejectsSa(ch.clearRetention(1000n), 'SA_AIS_ERR_INVALID_PARAM');
  const fresh = await (await evt.openChannel('RET', { subscriber: true })).subscribe([{ type: 'prefix', pattern: 'r' }]);
  await firstIsMarker(fresh, () => ch.publish({ patterns: ['r-marker-2'] }));
});

test('unlink: NOT_EXIST for unknown; existing opens keep the unlinked instance; a new create is a new instance; last close deletes it', async (t) => {
  const { client } = await withDaemon(t);
  const evt = await client.evt();
  // 1: unlink an existing channel without opens OK, unknown NOT_EXIST.
  await (await evt.openChannel('UL1', { create: true })).close();
  await evt.unlinkChannel('UL1');
  await rejectsSa(evt.unlinkChannel('UL1'), 'SA_AIS_ERR_NOT_EXIST');
  await rejectsSa(evt.unlinkChannel('never'), 'SA_AIS_ERR_NOT_EXIST');
  // 2: create, close, open without create OK (closing the last open keeps an active channel).
  await (await evt.openChannel('UL2', { create: true })).close();
  const reopened = await evt.openChannel('UL2', { subscriber: true });
  // 3: unlink while open; open without create NOT_EXIST; the open still closes.
  await evt.unlinkChannel('UL2');
  await rejectsSa(evt.openChannel('UL2', { subscriber: true }), 'SA_AIS_ERR_NOT_EXIST');
  await reopened.close();
  // 4: create, unlink, close, open: NOT_EXIST (the unlinked instance went with its last open).
  const c4 = await evt.openChannel('UL4', { create: true });
  await evt.unlinkChannel('UL4');
  await c4.close();
  await rejectsSa(evt.openChannel('UL4', { subscriber: true }), 'SA_AIS_ERR_NOT_EXIST');
  assert.ok(!(await evt.channels()).some((c) => c.name === 'UL4'));
  // 5: create, unlink, create again: one event on each instance, each reaches only its own subscriber.
  const old = await evt.openChannel('UL5', { create: true, publisher: true, subscriber: true });
  const so = await old.subscribe([{ type: 'passAll' }], { id: 1 });
  await evt.unlinkChannel('UL5');
  const neu = await evt.openChannel('UL5', { create: true, publisher: true, subscriber: true });
  const sn = await neu.subscribe([{ type: 'passAll' }], { id: 2 });
  const onOld = await old.publish({ data: 'old' });
  const onNew = await neu.publish({ data: 'new' });
  assert.equal((await take(so[Symbol.asyncIterator](), 1))[0]!.eventId, onOld);
  assert.equal((await take(sn[Symbol.asyncIterator](), 1))[0]!.eventId, onNew);
  const marks = [await old.publish({ data: 'm' }), await neu.publish({ data: 'm' })];
  assert.equal((await take(so[Symbol.asyncIterator](), 1))[0]!.eventId, marks[0]);
  assert.equal((await take(sn[Symbol.asyncIterator](), 1))[0]!.eventId, marks[1]);
  const listed = (await evt.channels()).filter((c) => c.name === 'UL5');
  assert.deepEqual(listed.map((c) => c.unlinked).sort(), [false, true]);
});

test('bad input: oversize name, oversize data, too many patterns, wrong access, unknown handle: clear SA errors, the handle goes on', async (t) => {
  const { client } = await withDaemon(t);
  const evt = await client.evt();
  await rejectsSa(evt.openChannel('n'.repeat(257), { create: true }), 'SA_AIS_ERR_NAME_TOO_LONG');
  await rejectsSa(evt.openChannel('', { create: true }), 'SA_AIS_ERR_INVALID_PARAM');
  await rejectsSa(evt.openChannel('absent', { subscriber: true }), 'SA_AIS_ERR_NOT_EXIST');
  const pub = await evt.openChannel('n'.repeat(256), { create: true, publisher: true });
  await rejectsSa(pub.publish({ data: new Uint8Array(65537) }), 'SA_AIS_ERR_TOO_BIG');
  await rejectsSa(pub.publish({ patterns: Array.from({ length: 257 }, () => 'p') }), 'SA_AIS_ERR_INVALID_PARAM');
  await rejectsSa(pub.publish({ publisherName: 'p'.repeat(257) }), 'SA_AIS_ERR_INVALID_PARAM');
  await rejectsSa(pub.subscribe([{ type: 'passAll' }]), 'SA_AIS_ERR_ACCESS');
  const sub = await evt.openChannel('n'.repeat(256), { subscriber: true });
  await rejectsSa(sub.publish({}), 'SA_AIS_ERR_ACCESS');
  await rejectsSa(evt.call({ kind: 'publish', channel: 4242, priority: 0, retentionNs: 0n, publishTimeNs: 0n, publisherName: new Uint8Array(0), patterns: [], data: new Uint8Array(0) }, {}), 'SA_AIS_ERR_BAD_HANDLE');
  // 64 KiB of data is fine, and still works after all that.
  const s = await sub.subscribe([{ type: 'passAll' }]);
  const id = await pub.publish({ data: new Uint8Array(65536).fill(7) });
  const [e] = await take(s[Symbol.asyncIterator](), 1);
  assert.equal(e!.eventId, id);
  assert.equal(e!.data.length, 65536);
});

test('a reader that falls behind: bounded daemon queue, one lost notice, highest priority first, then delivery resumes', async (t) => {
  const { d, client } = await withDaemon(t, { deliveryQueueSize: 8, deliveryQueueResume: 4 });
  const evt = await client.evt({ creditWindow: 2 });
  const ch = await evt.openChannel('SLOW', { create: true, publisher: true, subscriber: true });
  const sub = await ch.subscribe([{ type: 'passAll' }], { id: 7 });
  const svc = d.daemon.host.evt;
  const queued = () => [...svc.localConns()].reduce((n, c) => n + c.queue.size, 0);
  // Two fill the client's window, then one low and one high priority wait in the daemon.
  const fill = [await ch.publish({ data: 'f1' }), await ch.publish({ data: 'f2' })];
  const low = await ch.publish({ data: 'low', priority: 3 });
  const high = await ch.publish({ data: 'high', priority: 0 });
  await waitFor('two events queued in the daemon', () => queued() === 2);
  const it = sub[Symbol.asyncIterator]();
  const first4 = await take(it, 4);
  assert.deepEqual(first4.map((e) => e.eventId), [...fill, high, low]);

  // Nobody reads: the daemon's queue stops at its bound and one lost notice goes out.
  for (let i = 0; i < 40; i++) await ch.publish({ data: `x${i}` });
  await waitFor('the queue to block', () => [...svc.localConns()].some((c) => c.queue.blocked));
  assert.ok(queued() <= 8 + 1, `queued ${queued()}`);
  // What the client had room for came before the block; then the notice (highest priority).
  const before: EvtEvent[] = [];
  for (;;) {
    const [e] = await take(it, 1);
    if (e!.lost) {
      assert.equal(e!.eventId, 1n);
      assert.equal(e!.subscriptionId, 7);
      assert.equal(str(e!.patterns[0]!), 'SA_EVT_LOST_EVENT_PATTERN\0');
      break;
    }
    before.push(e!);
    assert.ok(before.length <= 2, `${before.length} events before the lost notice`);
  }
  const rest: EvtEvent[] = [];
  // The rest of the queue (at most its bound) drains in publish order, then delivery resumes.
  while (queued() > 0 || rest.length === 0) rest.push(...await take(it, 1));
  assert.ok(rest.length <= 8, `${rest.length} queued events`);
  const ids = [...before, ...rest].map((e) => e.eventId);
  assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)));
  // After the notice, delivery resumes: a new event arrives.
  const after = await ch.publish({ data: 'after' });
  const tail = await take(it, 1, (e) => e.eventId === after);
  assert.equal(tail.length, 1);
  assert.equal(evt.stats.lostNotices, 1);
});

test('a client that dies with an open on the ring leaves no open behind; other handles are unharmed', async (t) => {
  const { d, client } = await withDaemon(t);
  const other = await client.evt();
  const ch = await other.openChannel('DIE', { create: true, publisher: true, subscriber: true });
  const sub = await ch.subscribe();
  const doomed = await client.evt();
  const opening = doomed.openChannel('DIE', { subscriber: true }).catch((e: unknown) => e);
  await doomed.close();
  await opening;
  const svc = d.daemon.host.evt;
  await waitFor('only the surviving open counts', () => {
    const inst = svc.table.active(text('DIE'));
    return inst !== undefined && svc.table.totalOpens(inst) === 1 && svc.closing.size === 0;
  });
  const id = await ch.publish({ data: 'still here' });
  assert.equal((await take(sub[Symbol.asyncIterator](), 1))[0]!.eventId, id);
});

test('daemon restart with reconnect: channels reopened, subscriptions re-made under their ids, reported as mayHaveMissed', { timeout: 60_000 }, async (t) => {
  const nodes = [{ nodeId: 1, address: '127.0.0.1', port: (await freeUdpPorts(1))[0]! }];
  const first = await startTestDaemon({ nodes });
  const client = await connect({ stateDir: first.stateDir, reconnect: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 100 } });
  let second: TestDaemon | undefined;
  t.after(async () => {
    await client.close();
    await second?.stop();
  });
  const evt = await client.evt();
  const ch = await evt.openChannel('RESTART', { create: true, publisher: true, subscriber: true });
  const sub = await ch.subscribe([{ type: 'passAll' }], { id: 42 });
  const it = sub[Symbol.asyncIterator]();
  const before = await ch.publish({ data: 'before' });
  assert.equal((await take(it, 1))[0]!.eventId, before);
  const disconnected = new Promise((resolve) => evt.once('disconnected', resolve));
  const reconnected = new Promise<{ mayHaveMissed: boolean; failed: unknown[] }>((resolve) => evt.once('reconnected', resolve));
  await first.stop();
  await disconnected;
  second = await startTestDaemon({ nodes, overrides: { stateDir: first.stateDir } });
  const r = await reconnected;
  assert.equal(r.mayHaveMissed, true);
  assert.deepEqual(r.failed, []);
  const after = await ch.publish({ data: 'after' });
  const [e] = await take(it, 1);
  assert.equal(e!.eventId, after);
  assert.equal(e!.subscriptionId, 42);
});

test('bounds: channels, retained events, channel handles and subscriptions per connection answer SA_AIS_ERR_NO_RESOURCES at their limit', async (t) => {
  const { client } = await withDaemon(t, { channelsMax: 2, retainedMax: 1, opensPerConnectionMax: 3, subscriptionsPerConnectionMax: 2 });
  const evt = await client.evt();
  const a = await evt.openChannel('B1', { create: true, publisher: true, subscriber: true });
  await evt.openChannel('B2', { create: true });
  await rejectsSa(evt.openChannel('B3', { create: true }), 'SA_AIS_ERR_NO_RESOURCES');
  await evt.openChannel('B1', { subscriber: true });
  await rejectsSa(evt.openChannel('B1', { subscriber: true }), 'SA_AIS_ERR_NO_RESOURCES');
  await a.publish({ retentionMs: 60_000 });
  await rejectsSa(a.publish({ retentionMs: 60_000 }), 'SA_AIS_ERR_NO_RESOURCES');
  await a.publish({ data: 'not retained still goes' });
  await a.subscribe([{ type: 'passAll' }], { id: 1 });
  await a.subscribe([{ type: 'passAll' }], { id: 2 });
  await rejectsSa(a.subscribe([{ type: 'passAll' }], { id: 3 }), 'SA_AIS_ERR_NO_RESOURCES');
  // Another connection has its own allowance.
  const other = await client.evt();
  await (await other.openChannel('B1', { subscriber: true })).subscribe();
});

test('batched deliveries: a handle gets the same events in the same order in fewer frames; batchDeliveries 0 keeps one frame per event', async (t) => {
  const { client } = await withDaemon(t);
  const pubHandle = await client.evt();
  const batched = await client.evt({ creditWindow: 1024 });
  const single = await client.evt({ creditWindow: 1024, batchDeliveries: 0 });
  const subs = await Promise.all([batched, single].map(async (h) => (await h.openChannel('BATCH', { create: true, subscriber: true })).subscribe()));
  const pub = await pubHandle.openChannel('BATCH', { create: true, publisher: true });
  const N = 600;
  // Published without waiting, so many events reach the subscribers in one turn of the daemon.
  const ids = await Promise.all(Array.from({ length: N }, (_, i) => pub.publish({ patterns: ['b'], priority: 2, data: `e${i}`.padEnd(1024, '.') })));
  const got = await Promise.all(subs.map((s) => take(s[Symbol.asyncIterator](), N)));
  for (const events of got) {
    assert.deepEqual(events.map((e) => e.eventId), ids);
    assert.deepEqual(events.map((e) => str(e.data).split('.')[0]), ids.map((_, i) => `e${i}`));
    assert.ok(events.every((e) => !e.lost && e.data.length === 1024 && str(e.patterns[0]!) === 'b'));
  }
  assert.ok(batched.stats.batches > 0 && batched.stats.batches < N, `${batched.stats.batches} batch frames for ${N} events`);
  assert.equal(single.stats.batches, 0);
  assert.equal(batched.stats.badEvents + single.stats.badEvents, 0);
});
