/**
 * OpenAIS's EVT test program (test/testevt.c), call for call, through the SA-style layer against
 * an in-process daemon: initialize and versions, channels and subscription ids, open-async with
 * the selection object and dispatch ONE, event attributes and data rules, delivery through the
 * deliver callback, the multi-channel cases, retention and clear, unlink. Plus the SA rules of
 * the design note's error table and a reader that never dispatches (bounded, lost notice).
 * Every call that may meet a synchronization is retried on TRY_AGAIN, as testevt.c does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, waitFor, type TestDaemon } from '../daemon/testing.js';
import { SA_AIS_ERROR } from '../protocol/sa-errors.js';
import { SA_DISPATCH_ALL, SA_DISPATCH_BLOCKING, SA_DISPATCH_ONE, SA_TIME_END, type SaVersion } from './sa-clm.js';
import {
  SA_EVT_CHANNEL_CREATE, SA_EVT_CHANNEL_PUBLISHER, SA_EVT_CHANNEL_SUBSCRIBER, SA_EVT_EVENTID_LOST, SA_EVT_EXACT_FILTER, SA_EVT_PASS_ALL_FILTER,
  SA_EVT_PREFIX_FILTER, SA_EVT_SUFFIX_FILTER, SA_TIME_UNKNOWN,
  saEvtChannelClose, saEvtChannelOpen, saEvtChannelOpenAsync, saEvtChannelUnlink, saEvtDispatch, saEvtEventAllocate, saEvtEventAttributesGet,
  saEvtEventAttributesSet, saEvtEventDataGet, saEvtEventFree, saEvtEventPublish, saEvtEventRetentionTimeClear, saEvtEventSubscribe,
  saEvtEventUnsubscribe, saEvtFinalize, saEvtInitialize, saEvtPendingCallbacks, saEvtSelectionObjectGet,
  type SaEvtCallbacks, type SaEvtEventAttributesOut, type SaEvtEventFilterArray, type SaEvtEventPatternArray, type SaEvtInitializeOptions,
  type SaSelectionObject,
} from './sa-evt.js';

const {
  SA_AIS_OK, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_VERSION, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INIT,
  SA_AIS_ERR_TIMEOUT, SA_AIS_ERR_NO_SPACE, SA_AIS_ERR_EXIST, SA_AIS_ERR_ACCESS, SA_AIS_ERR_TOO_BIG, SA_AIS_ERR_TRY_AGAIN,
} = SA_AIS_ERROR;

const ALL = SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER | SA_EVT_CHANNEL_SUBSCRIBER;
const b = (s: string) => new TextEncoder().encode(s);
const str = (u: Uint8Array | undefined) => new TextDecoder().decode(u);
const v111 = (): SaVersion => ({ releaseCode: 'B', majorVersion: 1, minorVersion: 1 });

/** As testevt.c: a call answered TRY_AGAIN is tried again. */
async function again(call: () => Promise<number>): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const r = await call();
    if (r !== SA_AIS_ERR_TRY_AGAIN) return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return SA_AIS_ERR_TRY_AGAIN;
}

function patterns(...ps: string[]): SaEvtEventPatternArray {
  return { allocatedNumber: ps.length, patternsNumber: ps.length, patterns: ps.map((p) => ({ allocatedSize: p.length, patternSize: p.length, pattern: b(p) })) };
}

function filters(...fs: [number, string][]): SaEvtEventFilterArray {
  return { filtersNumber: fs.length, filters: fs.map(([filterType, p]) => ({ filterType, filter: { allocatedSize: p.length, patternSize: p.length, pattern: b(p) } })) };
}

interface Delivered {
  subscriptionId: number;
  eventHandle: number;
  size: number;
}

async function setup(t: { after(fn: () => Promise<unknown>): void }, evt?: Record<string, number>): Promise<TestDaemon> {
  const d = await startTestDaemon(evt ? { overrides: { evt } } : {});
  t.after(() => d.stop());
  return d;
}

async function init(d: TestDaemon, callbacks: SaEvtCallbacks | null, options: SaEvtInitializeOptions = {}): Promise<number> {
  const out: { handle?: number } = {};
  assert.equal(await saEvtInitialize(out, callbacks, v111(), { stateDir: d.stateDir, ...options }), SA_AIS_OK);
  return out.handle!;
}

async function open(h: number, name: string, flags = ALL): Promise<number> {
  const out: { channelHandle?: number } = {};
  assert.equal(await again(() => saEvtChannelOpen(h, name, flags, SA_TIME_END, out)), SA_AIS_OK);
  return out.channelHandle!;
}

async function publish(ch: number, attrs: { patterns?: string[]; priority?: number; retentionNs?: bigint; publisher?: string; data?: Uint8Array } = {}): Promise<bigint> {
  const ev: { eventHandle?: number } = {};
  assert.equal(await saEvtEventAllocate(ch, ev), SA_AIS_OK);
  assert.equal(await saEvtEventAttributesSet(ev.eventHandle!, patterns(...(attrs.patterns ?? [])), attrs.priority ?? 3, attrs.retentionNs ?? 0n, attrs.publisher ?? null), SA_AIS_OK);
  const id: { eventId?: bigint } = {};
  const data = attrs.data ?? new Uint8Array(0);
  assert.equal(await again(() => saEvtEventPublish(ev.eventHandle!, data, data.length, id)), SA_AIS_OK);
  assert.equal(await saEvtEventFree(ev.eventHandle!), SA_AIS_OK);
  return id.eventId!;
}

/** Waits until `n` callbacks are pending (the selection object's count), then dispatches them all. */
async function dispatchN(h: number, n: number): Promise<void> {
  const sel: { selectionObject?: SaSelectionObject } = {};
  assert.equal(await saEvtSelectionObjectGet(h, sel), SA_AIS_OK);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([sel.selectionObject!.readable(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`not readable in 10 s (${n} wanted)`)), 10_000)))]);
  clearTimeout(timer);
  await waitFor(`${n} callbacks pending`, () => sel.selectionObject!.pending >= n);
  assert.equal(await saEvtDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
}

test('testevt.c test_initialize: B.1.1 and B.1.255 OK, A.1.1, B.2.1, C.255.255 VERSION, NULL version INVALID_PARAM', async (t) => {
  const d = await setup(t);
  for (const [releaseCode, majorVersion, minorVersion, want] of [['B', 1, 1, SA_AIS_OK], ['A', 1, 1, SA_AIS_ERR_VERSION], ['B', 2, 1, SA_AIS_ERR_VERSION],
    ['B', 1, 255, SA_AIS_OK], ['C', 255, 255, SA_AIS_ERR_VERSION]] as const) {
    const out: { handle?: number } = {};
    const version: SaVersion = { releaseCode, majorVersion, minorVersion };
    assert.equal(await saEvtInitialize(out, null, version, { stateDir: d.stateDir }), want, `${releaseCode}.${majorVersion}.${minorVersion}`);
    if (want === SA_AIS_OK) assert.equal(await saEvtFinalize(out.handle!), SA_AIS_OK);
  }
  assert.equal(await saEvtInitialize({}, null, null, { stateDir: d.stateDir }), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtInitialize(null, null, v111(), { stateDir: d.stateDir }), SA_AIS_ERR_INVALID_PARAM);
});

test('testevt.c test_channel: open/close/finalize, subscription ids (EXIST, NOT_EXIST), open-async through the selection object and dispatch ONE, close inside the callback', async (t) => {
  const d = await setup(t);
  const opened: { invocation: number; channel: number; error: number }[] = [];
  const h = await init(d, {
    saEvtChannelOpenCallback: (invocation, channel, error) => {
      opened.push({ invocation, channel, error });
      // Closing the channel from inside its open callback works.
      void saEvtChannelClose(channel).then((r) => opened.push({ invocation: -1, channel, error: r }));
    },
    saEvtEventDeliverCallback: () => {},
  });
  const ch = await open(h, 'TESTEVT_CHANNEL');
  assert.equal(await saEvtChannelClose(ch), SA_AIS_OK);
  assert.equal(await saEvtChannelClose(ch), SA_AIS_ERR_BAD_HANDLE);
  const ch2 = await open(h, 'TESTEVT_CHANNEL');
  assert.equal(await saEvtEventSubscribe(ch2, filters([SA_EVT_PREFIX_FILTER, 'Test']), 0xfedcba98), SA_AIS_OK);
  assert.equal(await saEvtEventUnsubscribe(ch2, 0xfedcba98), SA_AIS_OK);
  assert.equal(await saEvtEventSubscribe(ch2, filters([SA_EVT_PREFIX_FILTER, 'Test']), 0x1111), SA_AIS_OK);
  assert.equal(await saEvtEventSubscribe(ch2, filters([SA_EVT_PREFIX_FILTER, 'Test']), 0x2222), SA_AIS_OK);
  assert.equal(await saEvtEventSubscribe(ch2, filters([SA_EVT_PREFIX_FILTER, 'Test']), 0x2222), SA_AIS_ERR_EXIST);
  assert.equal(await saEvtEventUnsubscribe(ch2, 0x3333), SA_AIS_ERR_NOT_EXIST);
  // Open-async: OK now, the selection object becomes readable, dispatch ONE runs the callback.
  const sel: { selectionObject?: SaSelectionObject } = {};
  assert.equal(await saEvtSelectionObjectGet(h, sel), SA_AIS_OK);
  assert.equal(await saEvtChannelOpenAsync(h, 0xaa55cc33, 'TESTEVT_CHANNEL', ALL), SA_AIS_OK);
  await Promise.race([sel.selectionObject!.readable(), new Promise((_, reject) => setTimeout(() => reject(new Error('not readable in 5 s')), 5000))]);
  assert.equal(sel.selectionObject!.pending, 1);
  assert.equal(await saEvtDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
  assert.equal(opened[0]!.invocation, 0xaa55cc33);
  assert.equal(opened[0]!.error, SA_AIS_OK);
  await waitFor('the close inside the callback answered', () => opened.length === 2);
  assert.equal(opened[1]!.error, SA_AIS_OK);
  assert.equal(await saEvtDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK, 'ONE with nothing pending returns at once');
  // Finalize with an open channel and live subscriptions.
  assert.equal(await saEvtFinalize(h), SA_AIS_OK);
  assert.equal(await saEvtFinalize(h), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saEvtEventSubscribe(ch2, filters([SA_EVT_PASS_ALL_FILTER, '']), 9), SA_AIS_ERR_BAD_HANDLE, 'channel handles die with their handle');
});

test('testevt.c test_event: defaults, attributes set/get, data get on an allocated event, deliveries (OpenAIS filter rule) with patterns, priority, retention, publisher, id and data', async (t) => {
  const d = await setup(t);
  const got: Delivered[] = [];
  const h = await init(d, { saEvtEventDeliverCallback: (subscriptionId, eventHandle, size) => got.push({ subscriptionId, eventHandle, size }) }, { filterRule: 'openais' });
  const ch = await open(h, 'TESTEVT_CHANNEL');
  const ev: { eventHandle?: number } = {};
  assert.equal(await saEvtEventAllocate(ch, ev), SA_AIS_OK);
  const e = ev.eventHandle!;
  assert.equal(await saEvtEventAttributesGet(e, null, null), SA_AIS_OK, 'all NULL out pointers');
  const pa: SaEvtEventPatternArray = { allocatedNumber: 0, patternsNumber: 99, patterns: null };
  const attrs: SaEvtEventAttributesOut = { priority: -1, retentionTime: -1n, publisherName: b('x'), publishTime: 0n, eventId: 99n };
  assert.equal(await saEvtEventAttributesGet(e, pa, attrs), SA_AIS_OK);
  assert.deepEqual([pa.patternsNumber, attrs.priority, attrs.retentionTime, attrs.publisherName!.length, attrs.eventId, attrs.publishTime], [0, 3, 0n, 0, 0n, SA_TIME_UNKNOWN]);
  const four = ['Test1', 'Test2', 'Test3', 'Test4'];
  assert.equal(await saEvtEventAttributesSet(e, patterns(...four), 2, 30_000_000_000n, 'Test Pub Name'), SA_AIS_OK);
  const back: SaEvtEventPatternArray = { allocatedNumber: 0, patternsNumber: 0, patterns: null };
  assert.equal(await saEvtEventAttributesGet(e, back, attrs), SA_AIS_OK);
  assert.deepEqual(back.patterns!.map((p) => str(p.pattern!)), four);
  assert.deepEqual([attrs.priority, attrs.retentionTime, str(attrs.publisherName), attrs.eventId], [2, 30_000_000_000n, 'Test Pub Name', 0n]);
  // Data get on an allocated (not delivered) event.
  const buf = new Uint8Array(1000);
  assert.equal(await saEvtEventDataGet(e, null, { value: 0 }), SA_AIS_ERR_NO_SPACE);
  assert.equal(await saEvtEventDataGet(e, buf, { value: 0 }), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saEvtEventDataGet(e, null, { value: 1000 }), SA_AIS_ERR_NO_SPACE);
  assert.equal(await saEvtEventDataGet(e, buf, { value: 1000 }), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saEvtEventDataGet(e, buf, { value: 1 }), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saEvtEventDataGet(e, buf, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtEventFree(e), SA_AIS_OK);
  assert.equal(await saEvtEventFree(e), SA_AIS_ERR_BAD_HANDLE);

  // A four-filter subscription; an event with no patterns and no data reaches it (OpenAIS's rule).
  const four4 = filters([SA_EVT_PREFIX_FILTER, 'Test'], [SA_EVT_SUFFIX_FILTER, '2'], [SA_EVT_EXACT_FILTER, 'Test3'], [SA_EVT_PASS_ALL_FILTER, '']);
  assert.equal(await saEvtEventSubscribe(ch, four4, 0xabcdef), SA_AIS_OK);
  const bare = await publish(ch);
  await dispatchN(h, 1);
  assert.deepEqual([got[0]!.subscriptionId, got[0]!.size], [0xabcdef, 0]);
  const np: SaEvtEventPatternArray = { allocatedNumber: 0, patternsNumber: 0, patterns: null };
  const bareAttrs: SaEvtEventAttributesOut = { eventId: 0n };
  assert.equal(await saEvtEventAttributesGet(got[0]!.eventHandle, np, bareAttrs), SA_AIS_OK);
  assert.deepEqual([np.patternsNumber, bareAttrs.eventId], [0, bare]);
  // Four patterns and 2048 bytes of data: every attribute and the data arrive as published.
  const data = Uint8Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) & 0xff);
  const id = await publish(ch, { patterns: four, priority: 2, retentionNs: 30_000_000_000n, publisher: 'Test Pub Name', data });
  await dispatchN(h, 1);
  const del = got[1]!;
  assert.deepEqual([del.subscriptionId, del.size], [0xabcdef, 2048]);
  const dp: SaEvtEventPatternArray = { allocatedNumber: 4, patternsNumber: 0, patterns: four.map(() => ({ allocatedSize: 64, patternSize: 0, pattern: new Uint8Array(64) })) };
  const da: SaEvtEventAttributesOut = { priority: 0, retentionTime: 0n, publisherName: new Uint8Array(0), publishTime: 0n, eventId: 0n };
  assert.equal(await saEvtEventAttributesGet(del.eventHandle, dp, da), SA_AIS_OK);
  assert.deepEqual(dp.patterns!.map((p) => str(p.pattern!.subarray(0, p.patternSize))), four);
  assert.deepEqual([da.priority, da.retentionTime, str(da.publisherName), da.eventId], [2, 30_000_000_000n, 'Test Pub Name', id]);
  assert.ok(da.publishTime! > 0n);
  const out = new Uint8Array(4096);
  const size = { value: out.length };
  assert.equal(await saEvtEventDataGet(del.eventHandle, out, size), SA_AIS_OK);
  assert.equal(size.value, 2048);
  assert.deepEqual(out.subarray(0, 2048), data);
  // A delivered event is read-only; too small a buffer is NO_SPACE with the real size.
  assert.equal(await saEvtEventAttributesSet(del.eventHandle, null, 1, 0n, null), SA_AIS_ERR_ACCESS);
  const small = { value: 10 };
  assert.equal(await saEvtEventDataGet(del.eventHandle, new Uint8Array(10), small), SA_AIS_ERR_NO_SPACE);
  assert.equal(small.value, 2048);
  // Too few pattern entries or too little room: NO_SPACE, the real counts said.
  const tight: SaEvtEventPatternArray = { allocatedNumber: 2, patternsNumber: 0, patterns: [0, 1].map(() => ({ allocatedSize: 4, patternSize: 0, pattern: new Uint8Array(4) })) };
  assert.equal(await saEvtEventAttributesGet(del.eventHandle, tight, null), SA_AIS_ERR_NO_SPACE);
  assert.deepEqual([tight.patternsNumber, tight.patterns![0]!.patternSize, str(tight.patterns![0]!.pattern!)], [4, 5, 'Test']);
  assert.equal(await saEvtFinalize(h), SA_AIS_OK);
  assert.equal(await saEvtEventDataGet(del.eventHandle, out, size), SA_AIS_ERR_BAD_HANDLE, 'event handles die with their handle');
});

test('testevt.c test_multi_channel1-3: one delivery per open with the newest matching subscription; two opens two deliveries; two channels each their own', async (t) => {
  const d = await setup(t);
  const got: Delivered[] = [];
  const h = await init(d, { saEvtEventDeliverCallback: (subscriptionId, eventHandle, size) => got.push({ subscriptionId, eventHandle, size }) });
  // 1: one open, sub1 EXACT ChanPat1, sub2 EXACT ChanPat2; ChanPat3 reaches nobody.
  const ch = await open(h, 'MC1');
  assert.equal(await saEvtEventSubscribe(ch, filters([SA_EVT_EXACT_FILTER, 'ChanPat1']), 1), SA_AIS_OK);
  assert.equal(await saEvtEventSubscribe(ch, filters([SA_EVT_EXACT_FILTER, 'ChanPat2']), 2), SA_AIS_OK);
  for (const p of ['ChanPat1', 'ChanPat2', 'ChanPat3']) await publish(ch, { patterns: [p] });
  const marker = await saEvtEventSubscribe(ch, filters([SA_EVT_EXACT_FILTER, 'marker']), 3);
  assert.equal(marker, SA_AIS_OK);
  await publish(ch, { patterns: ['marker'] });
  await dispatchN(h, 3);
  assert.deepEqual(got.map((g) => g.subscriptionId), [1, 2, 3], 'ChanPat3 matched nothing; the marker came after it');
  // 2: the same channel opened twice, each subscribed: two deliveries.
  got.length = 0;
  const a = await open(h, 'MC2');
  const b2 = await open(h, 'MC2');
  assert.equal(await saEvtEventSubscribe(a, filters([SA_EVT_EXACT_FILTER, 'ChanPat1']), 11), SA_AIS_OK);
  assert.equal(await saEvtEventSubscribe(b2, filters([SA_EVT_EXACT_FILTER, 'ChanPat1']), 12), SA_AIS_OK);
  await publish(a, { patterns: ['ChanPat1'] });
  await dispatchN(h, 2);
  assert.deepEqual(got.map((g) => g.subscriptionId).sort(), [11, 12]);
  // 3: two channels, PREFIX ChanPat on each; one event on each reaches its own subscription.
  got.length = 0;
  const c1 = await open(h, 'TESTEVT_CHANNEL');
  const c2 = await open(h, 'TESTEVT_CHANNEL_1');
  assert.equal(await saEvtEventSubscribe(c1, filters([SA_EVT_PREFIX_FILTER, 'ChanPat']), 21), SA_AIS_OK);
  assert.equal(await saEvtEventSubscribe(c2, filters([SA_EVT_PREFIX_FILTER, 'ChanPat']), 22), SA_AIS_OK);
  await publish(c1, { patterns: ['ChanPat1'] });
  await publish(c2, { patterns: ['ChanPat2'] });
  await dispatchN(h, 2);
  assert.deepEqual(got.map((g) => g.subscriptionId), [21, 22]);
  assert.equal(await saEvtFinalize(h), SA_AIS_OK);
});

test('testevt.c test_retention and test_unlink_channel: a retained event reaches a later subscriber; cleared it does not; unlink keeps existing opens', async (t) => {
  const d = await setup(t);
  const got: Delivered[] = [];
  const h = await init(d, { saEvtEventDeliverCallback: (subscriptionId, eventHandle, size) => got.push({ subscriptionId, eventHandle, size }) });
  const ch = await open(h, 'RET');
  const kept = await publish(ch, { patterns: ['r'], retentionNs: 10_000_000_000n });
  assert.equal(await saEvtEventSubscribe(ch, filters([SA_EVT_PREFIX_FILTER, 'r']), 1), SA_AIS_OK);
  await dispatchN(h, 1);
  const id: SaEvtEventAttributesOut = { eventId: 0n };
  assert.equal(await saEvtEventAttributesGet(got[0]!.eventHandle, null, id), SA_AIS_OK);
  assert.equal(id.eventId, kept);
  assert.equal(await saEvtEventUnsubscribe(ch, 1), SA_AIS_OK);
  assert.equal(await again(() => saEvtEventRetentionTimeClear(ch, kept)), SA_AIS_OK);
  assert.equal(await again(() => saEvtEventRetentionTimeClear(ch, kept)), SA_AIS_ERR_NOT_EXIST);
  assert.equal(await saEvtEventRetentionTimeClear(ch, 1000n), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtEventSubscribe(ch, filters([SA_EVT_PREFIX_FILTER, 'r']), 1), SA_AIS_OK);
  const marker = await publish(ch, { patterns: ['r-marker'] });
  await dispatchN(h, 1);
  assert.equal(await saEvtEventAttributesGet(got[1]!.eventHandle, null, id), SA_AIS_OK);
  assert.equal(id.eventId, marker, 'the cleared event was not replayed before the marker');
  // Unlink: unknown NOT_EXIST; an existing open still publishes and receives; open without CREATE NOT_EXIST.
  assert.equal(await again(() => saEvtChannelUnlink(h, 'never')), SA_AIS_ERR_NOT_EXIST);
  assert.equal(await again(() => saEvtChannelUnlink(h, 'RET')), SA_AIS_OK);
  const out: { channelHandle?: number } = {};
  assert.equal(await again(() => saEvtChannelOpen(h, 'RET', SA_EVT_CHANNEL_SUBSCRIBER, SA_TIME_END, out)), SA_AIS_ERR_NOT_EXIST);
  const after = await publish(ch, { patterns: ['r-after'] });
  await dispatchN(h, 1);
  assert.equal(await saEvtEventAttributesGet(got[2]!.eventHandle, null, id), SA_AIS_OK);
  assert.equal(id.eventId, after);
  assert.equal(await saEvtFinalize(h), SA_AIS_OK);
});

test('SA rules: NULL arguments, bad flags, TIMEOUT 0, INIT without callbacks, ACCESS, TOO_BIG, INVALID_PARAM priority, bad handles, dispatch flags, open-async errors in the callback', async (t) => {
  const d = await setup(t);
  const opened: number[] = [];
  const bare = await init(d, null);
  const h = await init(d, { saEvtChannelOpenCallback: (_inv, _ch, error) => opened.push(error), saEvtEventDeliverCallback: () => {} });
  const out: { channelHandle?: number } = {};
  assert.equal(await saEvtChannelOpen(h, null, ALL, SA_TIME_END, out), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtChannelOpen(h, 'x', ALL, SA_TIME_END, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtChannelOpen(h, 'x', 0x8, SA_TIME_END, out), SA_AIS_ERR_BAD_FLAGS);
  assert.equal(await saEvtChannelOpen(h, 'x', ALL, 0n, out), SA_AIS_ERR_TIMEOUT);
  assert.equal(await saEvtChannelOpen(9999, 'x', ALL, SA_TIME_END, out), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saEvtChannelOpenAsync(bare, 1, 'x', ALL), SA_AIS_ERR_INIT);
  // The specification's rule: NOT_EXIST of an open-async comes through the callback.
  assert.equal(await saEvtChannelOpenAsync(h, 1, 'absent', SA_EVT_CHANNEL_SUBSCRIBER), SA_AIS_OK);
  await dispatchN(h, 1);
  assert.deepEqual(opened, [SA_AIS_ERR_NOT_EXIST]);
  const pubOnly = await open(h, 'RULES', SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER);
  const subOnly = await open(h, 'RULES', SA_EVT_CHANNEL_SUBSCRIBER);
  const bareCh = await open(bare, 'RULES', SA_EVT_CHANNEL_SUBSCRIBER);
  assert.equal(await saEvtEventSubscribe(pubOnly, filters([SA_EVT_PASS_ALL_FILTER, '']), 1), SA_AIS_ERR_ACCESS);
  assert.equal(await saEvtEventSubscribe(bareCh, filters([SA_EVT_PASS_ALL_FILTER, '']), 1), SA_AIS_ERR_INIT);
  assert.equal(await saEvtEventSubscribe(subOnly, null, 1), SA_AIS_ERR_INVALID_PARAM);
  const ev: { eventHandle?: number } = {};
  assert.equal(await saEvtEventAllocate(subOnly, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtEventAllocate(subOnly, ev), SA_AIS_OK);
  assert.equal(await saEvtEventAttributesSet(ev.eventHandle!, null, 4, 0n, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtEventAttributesSet(424242, null, 4, 0n, null), SA_AIS_ERR_INVALID_PARAM, 'priority before the handle');
  assert.equal(await saEvtEventAttributesSet(424242, null, 1, 0n, null), SA_AIS_ERR_BAD_HANDLE);
  const id: { eventId?: bigint } = {};
  assert.equal(await saEvtEventPublish(ev.eventHandle!, null, 0, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtEventPublish(ev.eventHandle!, new Uint8Array(65537), 65537, id), SA_AIS_ERR_TOO_BIG);
  assert.equal(await saEvtEventPublish(ev.eventHandle!, null, 0, id), SA_AIS_ERR_ACCESS, 'not opened as publisher');
  assert.equal(await saEvtEventRetentionTimeClear(subOnly, 1n), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtEventRetentionTimeClear(424242, 5000n), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saEvtDispatch(h, 0), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtDispatch(424242, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
  assert.equal(await saEvtSelectionObjectGet(h, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtChannelUnlink(h, null), SA_AIS_ERR_INVALID_PARAM);
  assert.equal(await saEvtChannelClose(424242), SA_AIS_ERR_BAD_HANDLE);
  // A blocking dispatch returns OK once the handle is finalized.
  const blocking = saEvtDispatch(h, SA_DISPATCH_BLOCKING);
  assert.equal(await saEvtFinalize(h), SA_AIS_OK);
  assert.equal(await blocking, SA_AIS_OK);
  assert.equal(await saEvtFinalize(bare), SA_AIS_OK);
});

test('a handle that never dispatches: at most its credit window waits in the library, the daemon\'s bound gives one lost notice, dispatch then catches up', async (t) => {
  const d = await setup(t, { deliveryQueueSize: 8, deliveryQueueResume: 4 });
  const got: Delivered[] = [];
  const reader = await init(d, { saEvtEventDeliverCallback: (subscriptionId, eventHandle, size) => got.push({ subscriptionId, eventHandle, size }) }, { creditWindow: 4 });
  const writer = await init(d, null);
  const rch = await open(reader, 'SLOW', SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_SUBSCRIBER);
  assert.equal(await saEvtEventSubscribe(rch, filters([SA_EVT_PASS_ALL_FILTER, '']), 7), SA_AIS_OK);
  const wch = await open(writer, 'SLOW', SA_EVT_CHANNEL_PUBLISHER);
  for (let i = 0; i < 30; i++) await publish(wch, { patterns: ['s'], priority: 3, data: b(`e${i}`) });
  await waitFor('the credit window is full', () => saEvtPendingCallbacks(reader) === 4);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(saEvtPendingCallbacks(reader), 4, 'no more than the credit window waits here');
  // Dispatching gives credits back: the notice comes first, then what the daemon's bound kept.
  const lostAt: number[] = [];
  for (let round = 0; round < 10 && got.length < 4 + 1 + 8; round++) {
    await dispatchN(reader, 1);
  }
  for (const [i, g] of got.entries()) {
    const a: SaEvtEventAttributesOut = { eventId: 0n };
    assert.equal(await saEvtEventAttributesGet(g.eventHandle, null, a), SA_AIS_OK);
    if (a.eventId === SA_EVT_EVENTID_LOST) lostAt.push(i);
  }
  assert.deepEqual(lostAt, [4], 'one lost notice, right after the four the library held');
  assert.equal(got.length, 4 + 1 + 8);
  assert.equal(await saEvtFinalize(reader), SA_AIS_OK);
  assert.equal(await saEvtFinalize(writer), SA_AIS_OK);
});
