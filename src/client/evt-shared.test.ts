/**
 * Shared deliveries (EVT library protocol version 3) against a real daemon through the client
 * library: several channel opens on one handle, each event sent once per connection with its
 * targets and fanned out by the handle: every open gets every event exactly once, in order; a
 * reader that falls behind meets the queue bound (one slot per target) and the lost notice; a
 * version-2 daemon (no request 10) is read as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../daemon/testing.js';
import type { EvtEvent, EvtHandle, EvtSubscription } from './index.js';
import { take } from './testing/wait.js';
import { withEvtDaemon } from './testing/evt-daemon.js';

const str = (b: Uint8Array) => new TextDecoder().decode(b);

const withDaemon = withEvtDaemon;

/** `n` opens of `name` on `h`, each with its own pass-all subscription. */
async function opens(h: EvtHandle, name: string, n: number): Promise<EvtSubscription[]> {
  const subs: EvtSubscription[] = [];
  for (let i = 0; i < n; i++) subs.push(await (await h.openChannel(name, { create: true, subscriber: true })).subscribe());
  return subs;
}

test('five opens on one handle: every event once per open, in publish order, one decoded copy per event shared by the five', async (t) => {
  const { client } = await withDaemon(t);
  const shared = await client.evt({ creditWindow: 4096 });
  const unshared = await client.evt({ creditWindow: 4096, shareDeliveries: false });
  const sharedSubs = await opens(shared, 'SHARE', 5);
  const unsharedSubs = await opens(unshared, 'SHARE', 5);
  const pubHandle = await client.evt();
  const pub = await pubHandle.openChannel('SHARE', { create: true, publisher: true });
  const N = 300;
  // Published without waiting, so many events reach the subscribers in one turn of the daemon.
  const ids = await Promise.all(Array.from({ length: N }, (_, i) => pub.publish({ patterns: ['s'], priority: 2, data: `e${i}`.padEnd(512, '.') })));
  const got = await Promise.all([...sharedSubs, ...unsharedSubs].map((s) => take(s[Symbol.asyncIterator](), N)));
  for (const [k, events] of got.entries()) {
    const sub = [...sharedSubs, ...unsharedSubs][k]!;
    assert.deepEqual(events.map((e) => e.eventId), ids, `subscription ${k}: each event once, in publish order`);
    assert.ok(events.every((e) => e.subscriptionId === sub.id && !e.lost && str(e.patterns[0]!) === 's'));
    assert.deepEqual(events.map((e) => str(e.data).split('.')[0]), ids.map((_, i) => `e${i}`));
  }
  // Each subscriber has its own delivery object; the shared bytes are the same view.
  const first = got.slice(0, 5).map((events) => events[0]!);
  assert.equal(new Set(first).size, 5);
  assert.equal(new Set(first.map((e) => e.data)).size, 1, 'one data view for the five opens');
  assert.ok(shared.stats.shared > 0 && shared.stats.shared < N * 5, `${shared.stats.shared} shared entries for ${N * 5} deliveries`);
  assert.equal(unshared.stats.shared, 0, 'nothing shared with a handle that did not ask');
  assert.equal(shared.stats.badEvents + unshared.stats.badEvents + shared.stats.orphanEvents, 0);
});

test('a sharing reader with three opens that falls behind: the bound counts targets, one lost notice, then each open resumes in order', async (t) => {
  const { d, client } = await withDaemon(t, { deliveryQueueSize: 8, deliveryQueueResume: 4 });
  const evt = await client.evt({ creditWindow: 2 });
  const subs = await opens(evt, 'SLOWSHARE', 3);
  const pubHandle = await client.evt();
  const pub = await pubHandle.openChannel('SLOWSHARE', { create: true, publisher: true });
  const svc = d.daemon.host.evt;
  const conn = () => [...svc.localConns()].find((c) => c.opens.size === 3)!;
  // Nobody reads: 2 deliveries fill the window; 8 targets (not 8 events) fill the daemon's queue.
  for (let i = 0; i < 20; i++) await pub.publish({ data: `x${i}` });
  await waitFor('the sharing connection to block', () => conn().queue.blocked);
  assert.ok(conn().queue.size <= 8 + 1, `queued ${conn().queue.size} targets`);
  assert.equal(conn().share, 1024, 'the handle asked for shared deliveries');
  // Every open reads; once the queue is through (block lifted), one more event reaches all three.
  const reading = subs.map((s) => collect(s));
  await waitFor('the queue to drain', () => conn().queue.size === 0 && !conn().queue.blocked);
  const after = await pub.publish({ data: 'after' });
  const seen = await Promise.all(reading.map((r) => r.until(after)));
  assert.equal(evt.stats.lostNotices, 1, 'one notice for the connection');
  const notice = seen.flat().find((e) => e.lost)!;
  assert.equal(notice.eventId, 1n);
  assert.equal(str(notice.patterns[0]!), 'SA_EVT_LOST_EVENT_PATTERN\0');
  for (const list of seen) assert.equal(list.at(-1)!.eventId, after, 'every open resumes');
  assert.equal(conn().queue.blocked, false);
});

/** Reads `sub` from now on; until(id): what it yielded up to and including event `id`. */
function collect(sub: EvtSubscription): { until(id: bigint): Promise<EvtEvent[]> } {
  const got: EvtEvent[] = [];
  void (async () => {
    for await (const e of sub) got.push(e);
  })();
  return { until: async (id) => (await waitFor(`event ${id}`, () => got.some((e) => e.eventId === id)), got) };
}

test('across a fall-behind, what each open of a sharing handle gets is in publish order and never twice', async (t) => {
  const { d, client } = await withDaemon(t, { deliveryQueueSize: 30, deliveryQueueResume: 10 });
  const svc = d.daemon.host.evt;
  const evt = await client.evt({ creditWindow: 8 });
  const subs = await opens(evt, 'ORDER', 4);
  const pubHandle = await client.evt();
  const pub = await pubHandle.openChannel('ORDER', { create: true, publisher: true });
  // Published at once, read only afterwards: 800 targets against a 30-target queue.
  const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => pub.publish({ data: `o${i}` })));
  const readers = subs.map((s) => collect(s));
  const conn = () => [...svc.localConns()].find((c) => c.opens.size === 4)!;
  await waitFor('the queue to drain', () => conn().queue.size === 0 && !conn().queue.blocked);
  const end = await pub.publish({ data: 'end' });
  const lists = await Promise.all(readers.map((r) => r.until(end)));
  const order = new Map([...ids, end].map((id, i) => [id, i]));
  for (const list of lists) {
    const real = list.filter((e) => !e.lost).map((e) => order.get(e.eventId));
    assert.ok(real.every((i) => i !== undefined), 'only published events');
    assert.ok(real.every((i, k) => k === 0 || i! > real[k - 1]!), 'in publish order, none twice');
    assert.equal(list.at(-1)!.eventId, end);
  }
  assert.ok(evt.stats.lostNotices >= 1, 'the burst overflowed the queue');
  assert.equal(lists.flat().filter((e) => e.lost).length, evt.stats.lostNotices);
});

test('a version-2 daemon (no request 10): the handle reads batches of one copy per open, the same events', async (t) => {
  const { d, client } = await withDaemon(t);
  const svc = d.daemon.host.evt;
  // The executive answers an unknown request CS_ERR_INVALID_PARAM: exactly what a version-2 daemon does with request 10.
  Object.defineProperty(svc, 'libHandlers', { value: svc.libHandlers.slice(0, 10) });
  const evt = await client.evt();
  const subs = await opens(evt, 'OLD', 3);
  assert.equal([...svc.localConns()].find((c) => c.opens.size === 3)!.share, undefined);
  const pubHandle = await client.evt();
  const pub = await pubHandle.openChannel('OLD', { create: true, publisher: true });
  const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => pub.publish({ data: `v${i}` })));
  for (const s of subs) assert.deepEqual((await take(s[Symbol.asyncIterator](), 50)).map((e) => e.eventId), ids);
  assert.equal(evt.stats.shared, 0);
  assert.ok(evt.stats.batches > 0, 'still batched');
});
