/**
 * The SA-style EVT layer: saEvt* calls with numeric handles and SaAisErrorT return values, after
 * the B.01.01 API OpenAIS's lib/evt.c implemented, so conformance programs (OpenAIS's testevt.c,
 * publish.c, subscription.c) can be written call for call. Every call returns a Promise of the
 * SaAisErrorT value (SA_AIS_OK = 1); out-parameters are objects the call fills. It runs on the
 * idiomatic handle (evt.ts), which applications should prefer; this layer exists for conformance.
 *
 * As in C: callbacks (channel open completions, event deliveries) wait per handle until
 * saEvtDispatch runs them; SA_DISPATCH_ONE runs at most one and never blocks, ALL runs what is
 * pending, BLOCKING runs callbacks as they come until finalize. The selection object
 * (saEvtSelectionObjectGet) stands in for the readable file descriptor: `pending` counts the
 * callbacks waiting and `readable()` resolves when there is one. A delivery's credit goes back to
 * the daemon only when its callback ran, so an application that never dispatches costs a bounded
 * buffer here (the handle's credit window) and then the daemon's queue with its lost-event notice.
 * SA_AIS_ERR_TRY_AGAIN is returned, not retried (conformance programs retry it themselves).
 *
 * Choices where the specification and OpenAIS differ: saEvtChannelOpenAsync reports every daemon
 * answer (NOT_EXIST too) through the open callback, as the specification says (OpenAIS returned
 * NOT_EXIST from the call); names, patterns and data are bytes (strings are taken as UTF-8).
 */
import {
  EVT_DATA_MAX_BYTES, EVT_EVENT_ID_RESERVED_MAX, EVT_OPEN_CREATE, EVT_OPEN_PUBLISHER, EVT_OPEN_SUBSCRIBER, EvtFilterType, type EvtPriority,
} from '../protocol/evt-lib.js';
import { SA_AIS_ERROR } from '../protocol/sa-errors.js';
import { resolveSocketPath } from '../protocol/paths.js';
import { EvtHandle, type EvtChannel, type EvtEvent, type EvtFilterSpec, type EvtOpenFlags } from './evt.js';
import { SaAisError } from './sa-error.js';
import { SA_DISPATCH_ALL, SA_DISPATCH_BLOCKING, SA_DISPATCH_ONE, SA_TIME_END, saVersionVerify, type SaVersion } from './sa-clm.js';

export const SA_EVT_CHANNEL_PUBLISHER = EVT_OPEN_PUBLISHER;
export const SA_EVT_CHANNEL_SUBSCRIBER = EVT_OPEN_SUBSCRIBER;
export const SA_EVT_CHANNEL_CREATE = EVT_OPEN_CREATE;
export const SA_EVT_HIGHEST_PRIORITY = 0;
export const SA_EVT_LOWEST_PRIORITY = 3;
export const SA_EVT_EVENTID_NONE = 0n;
export const SA_EVT_EVENTID_LOST = 1n;
export const SA_EVT_DATA_MAX_LEN = EVT_DATA_MAX_BYTES;
/** SA_TIME_UNKNOWN: the publish time of an event allocated here and not delivered. */
export const SA_TIME_UNKNOWN = -0x8000000000000000n;
export const SA_EVT_PREFIX_FILTER = EvtFilterType.prefix;
export const SA_EVT_SUFFIX_FILTER = EvtFilterType.suffix;
export const SA_EVT_EXACT_FILTER = EvtFilterType.exact;
export const SA_EVT_PASS_ALL_FILTER = EvtFilterType.passAll;

/** SaEvtEventPatternT: `pattern` holds `patternSize` bytes; `allocatedSize` is the room an out-buffer offers. */
export interface SaEvtEventPattern {
  allocatedSize: number;
  patternSize: number;
  pattern: Uint8Array | null;
}

/** SaEvtEventPatternArrayT: `patterns` null asks saEvtEventAttributesGet to allocate. */
export interface SaEvtEventPatternArray {
  allocatedNumber: number;
  patternsNumber: number;
  patterns: SaEvtEventPattern[] | null;
}

export interface SaEvtEventFilter {
  filterType: number;
  filter: SaEvtEventPattern;
}

export interface SaEvtEventFilterArray {
  filtersNumber: number;
  filters: SaEvtEventFilter[];
}

/** SaNameT as JavaScript has it: UTF-8 text or bytes (at most 256). */
export type SaName = string | Uint8Array;

export interface SaEvtCallbacks {
  saEvtChannelOpenCallback?: ((invocation: number, channelHandle: number, error: number) => void) | null;
  saEvtEventDeliverCallback?: ((subscriptionId: number, eventHandle: number, eventDataSize: number) => void) | null;
}

/** What saEvtEventAttributesGet fills; a field left out of the object is skipped (a NULL pointer in C). */
export interface SaEvtEventAttributesOut {
  priority?: number;
  retentionTime?: bigint;
  publisherName?: Uint8Array;
  publishTime?: bigint;
  eventId?: bigint;
}

/** The readable side of a handle, in place of the C selection object (a file descriptor). */
export interface SaSelectionObject {
  /** Callbacks waiting for saEvtDispatch. */
  readonly pending: number;
  /** Resolves when a callback is pending (at once if one is), or the handle is finalized. */
  readable(): Promise<void>;
}

const OK = SA_AIS_ERROR.SA_AIS_OK;
const E = SA_AIS_ERROR;
const encoder = new TextEncoder();

interface SaEvtInstance {
  readonly evt: EvtHandle;
  readonly callbacks: SaEvtCallbacks;
  readonly filterRule: 'sa' | 'openais' | undefined;
  readonly pending: { readonly channel: number | undefined; readonly subscriptionId: number | undefined; readonly run: () => void; readonly drop: () => void }[];
  readonly channels: Set<number>;
  finalizing: boolean;
  waiters: (() => void)[];
}

interface SaChannel {
  readonly handle: number;
  readonly owner: SaEvtInstance;
  readonly channel: EvtChannel;
  readonly flags: number;
  readonly events: Set<number>;
}

interface SaEvent {
  readonly channel: SaChannel;
  /** Delivered events are read-only copies (attributesSet: ACCESS) that hold data. */
  readonly delivered: boolean;
  patterns: Uint8Array[];
  priority: number;
  retentionNs: bigint;
  publisherName: Uint8Array;
  readonly publishTime: bigint;
  readonly eventId: bigint;
  readonly data: Uint8Array | undefined;
}

const instances = new Map<number, SaEvtInstance>();
const channels = new Map<number, SaChannel>();
const events = new Map<number, SaEvent>();
let nextHandle = 1;

function live(handle: number): SaEvtInstance | undefined {
  const h = instances.get(handle);
  return h === undefined || h.finalizing ? undefined : h;
}

function liveChannel(handle: number): SaChannel | undefined {
  const c = channels.get(handle);
  return c === undefined || c.owner.finalizing || c.channel.closed ? undefined : c;
}

function wake(h: SaEvtInstance): void {
  const waiters = h.waiters;
  h.waiters = [];
  for (const w of waiters) w();
}

function queue(h: SaEvtInstance, entry: SaEvtInstance['pending'][number]): void {
  h.pending.push(entry);
  wake(h);
}

/** The SaAisErrorT value of a failed call on the idiomatic layer. */
function codeOf(err: unknown): number {
  return err instanceof SaAisError ? err.value : E.SA_AIS_ERR_LIBRARY;
}

async function result(run: () => Promise<unknown>): Promise<number> {
  try {
    await run();
    return OK;
  } catch (err) {
    return codeOf(err);
  }
}

function nameBytes(name: SaName): Uint8Array {
  return typeof name === 'string' ? encoder.encode(name) : name;
}

function freeChannelEvents(c: SaChannel): void {
  for (const ev of c.events) events.delete(ev);
  c.events.clear();
}

export interface SaEvtInitializeOptions {
  readonly stateDir?: string;
  /** Deliveries buffered in this library before the daemon holds them back (evt.ts creditWindow). Default 256. */
  readonly creditWindow?: number;
  /** 'openais': every channel this handle opens matches filters by OpenAIS's rule (testevt.c relies on it). Default: the daemon's. */
  readonly filterRule?: 'sa' | 'openais';
}

/** saEvtInitialize: `out.handle` receives the handle; `version` is overwritten as saVersionVerify does. */
export async function saEvtInitialize(
  out: { handle?: number } | null,
  callbacks: SaEvtCallbacks | null,
  version: SaVersion | null,
  options: SaEvtInitializeOptions = {},
): Promise<number> {
  if (!out || !version) return E.SA_AIS_ERR_INVALID_PARAM;
  const verified = saVersionVerify(version);
  if (verified !== OK) return verified;
  let evt: EvtHandle;
  try {
    evt = await EvtHandle.open(resolveSocketPath(options.stateDir), {
      retry: { maxAttempts: 1 }, ...(options.creditWindow === undefined ? {} : { creditWindow: options.creditWindow }),
    });
  } catch (err) {
    return codeOf(err);
  }
  const h: SaEvtInstance = { evt, callbacks: { ...callbacks }, filterRule: options.filterRule, pending: [], channels: new Set(), finalizing: false, waiters: [] };
  // A lost connection ends a blocking dispatch (the C library sees BAD_HANDLE there and returns OK).
  evt.once('close', () => wake(h));
  const handle = nextHandle++;
  instances.set(handle, h);
  out.handle = handle;
  return OK;
}

/** saEvtFinalize: every channel of the handle closes, pending callbacks and event handles go. */
export async function saEvtFinalize(handle: number): Promise<number> {
  const h = live(handle);
  if (!h) return E.SA_AIS_ERR_BAD_HANDLE;
  h.finalizing = true;
  h.pending.length = 0;
  for (const ch of h.channels) {
    const c = channels.get(ch);
    if (c) freeChannelEvents(c);
    channels.delete(ch);
  }
  wake(h);
  await h.evt.close();
  instances.delete(handle);
  return OK;
}

/** saEvtSelectionObjectGet: `out.selectionObject` receives the handle's readable side. */
export async function saEvtSelectionObjectGet(handle: number, out: { selectionObject?: SaSelectionObject } | null): Promise<number> {
  if (!out) return E.SA_AIS_ERR_INVALID_PARAM;
  const h = live(handle);
  if (!h) return E.SA_AIS_ERR_BAD_HANDLE;
  out.selectionObject = {
    get pending() {
      return h.pending.length;
    },
    readable: () => (h.pending.length > 0 || h.finalizing || h.evt.closed ? Promise.resolve() : new Promise<void>((resolve) => h.waiters.push(resolve))),
  };
  return OK;
}

/** saEvtDispatch: flags checked before the handle; ONE and ALL never block; BLOCKING runs until finalize. */
export async function saEvtDispatch(handle: number, dispatchFlags: number): Promise<number> {
  if (dispatchFlags !== SA_DISPATCH_ONE && dispatchFlags !== SA_DISPATCH_ALL && dispatchFlags !== SA_DISPATCH_BLOCKING) {
    return E.SA_AIS_ERR_INVALID_PARAM;
  }
  const h = live(handle);
  if (!h) return E.SA_AIS_ERR_BAD_HANDLE;
  if (dispatchFlags === SA_DISPATCH_ONE) {
    h.pending.shift()?.run();
    return OK;
  }
  if (dispatchFlags === SA_DISPATCH_ALL) {
    // What is pending now: callbacks queued by these callbacks wait for the next dispatch.
    for (let n = h.pending.length; n > 0 && h.pending.length > 0 && !h.finalizing; n--) h.pending.shift()!.run();
    return OK;
  }
  while (!h.finalizing && !h.evt.closed) {
    while (h.pending.length > 0 && !h.finalizing) h.pending.shift()!.run();
    if (h.finalizing || h.evt.closed) break;
    await new Promise<void>((resolve) => h.waiters.push(resolve));
  }
  return OK;
}

/** Callbacks waiting for saEvtDispatch on `handle` (what a readable selection object would say). */
export function saEvtPendingCallbacks(handle: number): number {
  return live(handle)?.pending.length ?? 0;
}

function checkOpen(name: SaName | null, flags: number): number {
  if (name === null) return E.SA_AIS_ERR_INVALID_PARAM;
  if ((flags & ~(SA_EVT_CHANNEL_PUBLISHER | SA_EVT_CHANNEL_SUBSCRIBER | SA_EVT_CHANNEL_CREATE)) !== 0) return E.SA_AIS_ERR_BAD_FLAGS;
  return OK;
}

function openFlags(h: SaEvtInstance, flags: number): EvtOpenFlags {
  return {
    create: (flags & SA_EVT_CHANNEL_CREATE) !== 0, publisher: (flags & SA_EVT_CHANNEL_PUBLISHER) !== 0, subscriber: (flags & SA_EVT_CHANNEL_SUBSCRIBER) !== 0,
    ...(h.filterRule === undefined ? {} : { filterRule: h.filterRule }),
  };
}

function adopt(h: SaEvtInstance, channel: EvtChannel, flags: number): number {
  const handle = nextHandle++;
  channels.set(handle, { handle, owner: h, channel, flags, events: new Set() });
  h.channels.add(handle);
  return handle;
}

/**
 * saEvtChannelOpen: `timeout` in ns (SA_TIME_END: none); 0 is TIMEOUT at once. An open that
 * completes after its timeout is undone (closed) by the library, as OpenAIS's chan_open_timeout.
 */
export async function saEvtChannelOpen(
  handle: number, channelName: SaName | null, channelOpenFlags: number, timeout: bigint, out: { channelHandle?: number } | null,
): Promise<number> {
  if (!out) return E.SA_AIS_ERR_INVALID_PARAM;
  const bad = checkOpen(channelName, channelOpenFlags);
  if (bad !== OK) return bad;
  if (timeout <= 0n) return E.SA_AIS_ERR_TIMEOUT;
  const h = live(handle);
  if (!h) return E.SA_AIS_ERR_BAD_HANDLE;
  const timeoutMs = timeout >= SA_TIME_END / 2n ? undefined : Math.max(1, Number(timeout / 1_000_000n));
  try {
    const channel = await h.evt.openChannel(nameBytes(channelName!), openFlags(h, channelOpenFlags), timeoutMs === undefined ? {} : { timeoutMs });
    if (h.finalizing) return E.SA_AIS_ERR_BAD_HANDLE;
    out.channelHandle = adopt(h, channel, channelOpenFlags);
    return OK;
  } catch (err) {
    return codeOf(err);
  }
}

/** saEvtChannelOpenAsync: OK once the request is on its way; the outcome comes through saEvtChannelOpenCallback. */
export async function saEvtChannelOpenAsync(handle: number, invocation: number, channelName: SaName | null, channelOpenFlags: number): Promise<number> {
  const bad = checkOpen(channelName, channelOpenFlags);
  if (bad !== OK) return bad;
  const h = live(handle);
  if (!h) return E.SA_AIS_ERR_BAD_HANDLE;
  if (!h.callbacks.saEvtChannelOpenCallback) return E.SA_AIS_ERR_INIT;
  const report = (channelHandle: number, error: number): void =>
    queue(h, { channel: undefined, subscriptionId: undefined, run: () => h.callbacks.saEvtChannelOpenCallback?.(invocation, channelHandle, error), drop: () => {} });
  h.evt.openChannel(nameBytes(channelName!), openFlags(h, channelOpenFlags)).then(
    (channel) => {
      if (h.finalizing) return;
      report(adopt(h, channel, channelOpenFlags), OK);
    },
    (err: unknown) => {
      if (!h.finalizing) report(0, codeOf(err));
    },
  );
  return OK;
}

/** saEvtChannelClose: its subscriptions end, its pending deliveries and its event handles go. */
export async function saEvtChannelClose(channelHandle: number): Promise<number> {
  const c = liveChannel(channelHandle);
  if (!c) return E.SA_AIS_ERR_BAD_HANDLE;
  dropPending(c.owner, (p) => p.channel === channelHandle);
  freeChannelEvents(c);
  channels.delete(channelHandle);
  c.owner.channels.delete(channelHandle);
  return result(() => c.channel.close());
}

/** saEvtChannelUnlink: NOT_EXIST when no active channel has the name; existing opens keep working. */
export async function saEvtChannelUnlink(handle: number, channelName: SaName | null): Promise<number> {
  if (channelName === null) return E.SA_AIS_ERR_INVALID_PARAM;
  const h = live(handle);
  if (!h) return E.SA_AIS_ERR_BAD_HANDLE;
  return result(() => h.evt.unlinkChannel(nameBytes(channelName)));
}

/** saEvtEventAllocate: an event with the defaults (no patterns, lowest priority, not retained, no publisher name). */
export async function saEvtEventAllocate(channelHandle: number, out: { eventHandle?: number } | null): Promise<number> {
  if (!out) return E.SA_AIS_ERR_INVALID_PARAM;
  const c = liveChannel(channelHandle);
  if (!c) return E.SA_AIS_ERR_BAD_HANDLE;
  out.eventHandle = addEvent(c, {
    channel: c, delivered: false, patterns: [], priority: SA_EVT_LOWEST_PRIORITY, retentionNs: 0n, publisherName: new Uint8Array(0),
    publishTime: SA_TIME_UNKNOWN, eventId: SA_EVT_EVENTID_NONE, data: undefined,
  });
  return OK;
}

function addEvent(c: SaChannel, ev: SaEvent): number {
  const handle = nextHandle++;
  events.set(handle, ev);
  c.events.add(handle);
  return handle;
}

function liveEvent(eventHandle: number): SaEvent | undefined {
  const ev = events.get(eventHandle);
  return ev === undefined || liveChannel(ev.channel.handle) === undefined ? undefined : ev;
}

/** saEvtEventFree. */
export async function saEvtEventFree(eventHandle: number): Promise<number> {
  const ev = liveEvent(eventHandle);
  if (!ev) return E.SA_AIS_ERR_BAD_HANDLE;
  events.delete(eventHandle);
  ev.channel.events.delete(eventHandle);
  return OK;
}

/**
 * saEvtEventAttributesSet: priority > 3 is INVALID_PARAM before the handle is looked at; a
 * delivered event is read-only (ACCESS); null patterns or publisher name leave those unchanged.
 */
export async function saEvtEventAttributesSet(
  eventHandle: number, patternArray: SaEvtEventPatternArray | null, priority: number, retentionTime: bigint, publisherName: SaName | null,
): Promise<number> {
  if (!Number.isInteger(priority) || priority < SA_EVT_HIGHEST_PRIORITY || priority > SA_EVT_LOWEST_PRIORITY) return E.SA_AIS_ERR_INVALID_PARAM;
  const ev = liveEvent(eventHandle);
  if (!ev) return E.SA_AIS_ERR_BAD_HANDLE;
  if (ev.delivered) return E.SA_AIS_ERR_ACCESS;
  if (retentionTime < 0n) return E.SA_AIS_ERR_INVALID_PARAM;
  if (patternArray !== null) {
    const given = patternArray.patterns ?? [];
    if (patternArray.patternsNumber > given.length) return E.SA_AIS_ERR_INVALID_PARAM;
    ev.patterns = given.slice(0, patternArray.patternsNumber).map((p) => Uint8Array.from((p.pattern ?? new Uint8Array(0)).subarray(0, p.patternSize)));
  }
  ev.priority = priority;
  ev.retentionNs = retentionTime;
  if (publisherName !== null) ev.publisherName = Uint8Array.from(nameBytes(publisherName));
  return OK;
}

/**
 * saEvtEventAttributesGet: NO_SPACE when the caller's array has fewer entries than the event has
 * patterns, or an entry less room than its pattern (what fits is copied); patternsNumber and every
 * patternSize always say the real values. `patterns` null: the library allocates them.
 */
export async function saEvtEventAttributesGet(eventHandle: number, patternArray: SaEvtEventPatternArray | null, out: SaEvtEventAttributesOut | null): Promise<number> {
  const ev = liveEvent(eventHandle);
  if (!ev) return E.SA_AIS_ERR_BAD_HANDLE;
  let code: number = OK;
  if (patternArray !== null) {
    if (patternArray.patterns === null) {
      patternArray.patterns = ev.patterns.map((p) => ({ allocatedSize: p.length, patternSize: p.length, pattern: Uint8Array.from(p) }));
      patternArray.allocatedNumber = ev.patterns.length;
    } else {
      if (patternArray.allocatedNumber < ev.patterns.length) code = E.SA_AIS_ERR_NO_SPACE;
      const fits = Math.min(patternArray.allocatedNumber, ev.patterns.length, patternArray.patterns.length);
      for (let i = 0; i < fits; i++) {
        const mine = ev.patterns[i]!;
        const theirs = patternArray.patterns[i]!;
        theirs.patternSize = mine.length;
        if (theirs.allocatedSize < mine.length) code = E.SA_AIS_ERR_NO_SPACE;
        const room = Math.min(theirs.allocatedSize, mine.length);
        if (theirs.pattern === null || theirs.pattern.length < room) theirs.pattern = new Uint8Array(Math.max(0, theirs.allocatedSize));
        theirs.pattern.set(mine.subarray(0, room));
      }
    }
    patternArray.patternsNumber = ev.patterns.length;
  }
  if (out !== null) {
    if ('priority' in out) out.priority = ev.priority;
    if ('retentionTime' in out) out.retentionTime = ev.retentionNs;
    if ('publisherName' in out) out.publisherName = Uint8Array.from(ev.publisherName);
    if ('publishTime' in out) out.publishTime = ev.publishTime;
    if ('eventId' in out) out.eventId = ev.eventId;
  }
  return code;
}

/**
 * saEvtEventDataGet, in OpenAIS's order: no size holder INVALID_PARAM; unknown handle BAD_HANDLE;
 * no buffer NO_SPACE (size set to the data size); an allocated, not delivered event BAD_HANDLE;
 * a buffer (size.value) smaller than the data NO_SPACE (what fits copied); else OK.
 */
export async function saEvtEventDataGet(eventHandle: number, eventData: Uint8Array | null, eventDataSize: { value: number } | null): Promise<number> {
  if (!eventDataSize) return E.SA_AIS_ERR_INVALID_PARAM;
  const ev = liveEvent(eventHandle);
  if (!ev) return E.SA_AIS_ERR_BAD_HANDLE;
  if (eventData === null) {
    if (ev.data !== undefined) eventDataSize.value = ev.data.length;
    return E.SA_AIS_ERR_NO_SPACE;
  }
  if (ev.data === undefined) return E.SA_AIS_ERR_BAD_HANDLE;
  const room = Math.min(eventDataSize.value, eventData.length);
  eventData.set(ev.data.subarray(0, Math.min(room, ev.data.length)));
  const short = room < ev.data.length;
  eventDataSize.value = ev.data.length;
  return short ? E.SA_AIS_ERR_NO_SPACE : OK;
}

/** saEvtEventPublish: the first `eventDataSize` bytes of `eventData`; `out.eventId` receives the id. */
export async function saEvtEventPublish(eventHandle: number, eventData: Uint8Array | null, eventDataSize: number, out: { eventId?: bigint } | null): Promise<number> {
  if (!out) return E.SA_AIS_ERR_INVALID_PARAM;
  if (eventDataSize > SA_EVT_DATA_MAX_LEN) return E.SA_AIS_ERR_TOO_BIG;
  if (eventDataSize < 0 || (eventDataSize > 0 && (eventData === null || eventData.length < eventDataSize))) return E.SA_AIS_ERR_INVALID_PARAM;
  const ev = liveEvent(eventHandle);
  if (!ev) return E.SA_AIS_ERR_BAD_HANDLE;
  if ((ev.channel.flags & SA_EVT_CHANNEL_PUBLISHER) === 0) return E.SA_AIS_ERR_ACCESS;
  try {
    out.eventId = await ev.channel.channel.publish({
      patterns: ev.patterns, priority: ev.priority as EvtPriority, retentionNs: ev.retentionNs, publisherName: new TextDecoder().decode(ev.publisherName),
      data: eventData === null ? new Uint8Array(0) : eventData.subarray(0, eventDataSize),
    });
    return OK;
  } catch (err) {
    return codeOf(err);
  }
}

function filterSpecs(filters: SaEvtEventFilterArray): EvtFilterSpec[] | undefined {
  if (filters.filtersNumber > filters.filters.length) return undefined;
  const out: EvtFilterSpec[] = [];
  for (const f of filters.filters.slice(0, filters.filtersNumber)) {
    const pattern = (f.filter.pattern ?? new Uint8Array(0)).subarray(0, f.filter.patternSize);
    if (f.filterType === SA_EVT_PASS_ALL_FILTER) out.push({ type: 'passAll' });
    else if (f.filterType === SA_EVT_PREFIX_FILTER) out.push({ type: 'prefix', pattern });
    else if (f.filterType === SA_EVT_SUFFIX_FILTER) out.push({ type: 'suffix', pattern });
    else if (f.filterType === SA_EVT_EXACT_FILTER) out.push({ type: 'exact', pattern });
    else return undefined;
  }
  return out;
}

/**
 * saEvtEventSubscribe: deliveries become saEvtEventDeliverCallback(subscriptionId, eventHandle,
 * dataSize) on dispatch, with a delivered (read-only) event handle the application frees.
 */
export async function saEvtEventSubscribe(channelHandle: number, filters: SaEvtEventFilterArray | null, subscriptionId: number): Promise<number> {
  if (!filters) return E.SA_AIS_ERR_INVALID_PARAM;
  const c = liveChannel(channelHandle);
  if (!c) return E.SA_AIS_ERR_BAD_HANDLE;
  const h = c.owner;
  if (!h.callbacks.saEvtEventDeliverCallback) return E.SA_AIS_ERR_INIT;
  if ((c.flags & SA_EVT_CHANNEL_SUBSCRIBER) === 0) return E.SA_AIS_ERR_ACCESS;
  const specs = filterSpecs(filters);
  if (specs === undefined || !Number.isInteger(subscriptionId) || subscriptionId < 0 || subscriptionId > 0xffffffff) return E.SA_AIS_ERR_INVALID_PARAM;
  const sink = (e: EvtEvent): void => queue(h, {
    channel: channelHandle,
    subscriptionId: e.subscriptionId,
    run: () => {
      h.evt.taken();
      if (liveChannel(channelHandle) === undefined) return;
      const eventHandle = addEvent(c, {
        channel: c, delivered: true, patterns: e.patterns, priority: e.priority, retentionNs: e.retentionNs, publisherName: encoder.encode(e.publisherName),
        publishTime: e.publishTimeNs, eventId: e.eventId, data: e.data,
      });
      h.callbacks.saEvtEventDeliverCallback?.(e.subscriptionId, eventHandle, e.data.length);
    },
    drop: () => h.evt.taken(),
  });
  return result(() => c.channel.subscribe(specs, { id: subscriptionId, sink }));
}

/** saEvtEventUnsubscribe: NOT_EXIST for an id this channel handle does not have; its pending deliveries go. */
export async function saEvtEventUnsubscribe(channelHandle: number, subscriptionId: number): Promise<number> {
  const c = liveChannel(channelHandle);
  if (!c) return E.SA_AIS_ERR_BAD_HANDLE;
  const sub = c.channel.subscriptions.get(subscriptionId);
  if (sub === undefined) return E.SA_AIS_ERR_NOT_EXIST;
  dropPending(c.owner, (p) => p.channel === channelHandle && p.subscriptionId === subscriptionId);
  return result(() => sub.unsubscribe());
}

/** saEvtEventRetentionTimeClear: ids <= 1000 are INVALID_PARAM before the handle is looked at. */
export async function saEvtEventRetentionTimeClear(channelHandle: number, eventId: bigint): Promise<number> {
  if (eventId <= EVT_EVENT_ID_RESERVED_MAX) return E.SA_AIS_ERR_INVALID_PARAM;
  const c = liveChannel(channelHandle);
  if (!c) return E.SA_AIS_ERR_BAD_HANDLE;
  return result(() => c.channel.clearRetention(eventId));
}

function dropPending(h: SaEvtInstance, which: (p: SaEvtInstance['pending'][number]) => boolean): void {
  for (let i = h.pending.length - 1; i >= 0; i--) {
    const p = h.pending[i]!;
    if (!which(p)) continue;
    h.pending.splice(i, 1);
    p.drop();
  }
}
