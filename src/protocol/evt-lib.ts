/**
 * The EVT library protocol: what a client and ringcastd's EVT service (SA Forum event service,
 * B.01.01 semantics) say to each other inside IPC request, response and event frames. One IPC
 * connection is one saEvtInitialize handle; channel handles are numbers the daemon assigns per
 * connection.
 *
 * Every response has transport status CS_OK and starts with a u32 SaAisErrorT (sa-errors.ts);
 * the body follows only when it is SA_AIS_OK. (A non-OK transport status comes from the
 * executive itself: a stopped daemon, an unknown request id; its number is the SA code of the
 * same name.)
 *
 * Encoding: little-endian; `name` = u16 length + bytes (channel names <= 256 bytes, publisher
 * names <= 256); `patterns` = u16 count + count x (u16 length + bytes); `filters` = u16 count +
 * count x (u8 type, u16 length + bytes); times are SaTimeT (i64 ns), event ids u64.
 *
 * Requests:
 * | id | request     | payload                                                                 | OK body |
 * |----|-------------|-------------------------------------------------------------------------|---------|
 * |  0 | open        | u8 flags (0x1 publisher, 0x2 subscriber, 0x4 create, 0x10 OpenAIS filter rule), name | u32 channel handle |
 * |  1 | close       | u32 channel                                                             | - |
 * |  2 | unlink      | name                                                                    | - |
 * |  3 | subscribe   | u32 channel, u32 subscription id, filters                               | - |
 * |  4 | unsubscribe | u32 channel, u32 subscription id                                        | - |
 * |  5 | publish     | u32 channel, u8 priority, i64 retention ns, i64 publish time ns, name publisher, patterns, data (rest) | u64 event id |
 * |  6 | clear       | u32 channel, u64 event id                                               | - |
 * |  7 | take        | u32 credits: how many more deliveries the client can buffer             | - |
 * |  8 | channels    | -                                                                       | u16 n, n x channel listing |
 * |  9 | batch       | u16 max deliveries per batch (0: off), u32 max batch payload bytes      | u16, u32: what the daemon will use |
 * | 10 | share       | u16 max targets per shared entry (0: off)                               | u16: what the daemon will use |
 *
 * Event 0 `deliver`: u32 channel, u32 subscription id, u8 flags (0x1 lost), u8 priority, u64 event
 * id, i64 retention ns, i64 publish time ns, u32 publisher node id, name publisher, patterns, data.
 * The daemon sends a delivery only while the client holds credits (take): the rest waits in the
 * connection's four priority queues, whose overflow produces the lost-event notice.
 *
 * Protocol version 2 adds request 9 `batch` and event 1 `deliver-batch` (evt-batch.ts): a client
 * that asked for batches may get several deliveries in one event frame. A version-1 daemon
 * answers request 9 with transport status CS_ERR_INVALID_PARAM (unknown request), and the client
 * then keeps reading single deliveries; a daemon never sends event 1 to a client that did not ask.
 *
 * Protocol version 3 adds request 10 `share` and event 2 `deliver-shared` (evt-shared.ts): a
 * batching client with several channel opens gets an event that reaches several of them once,
 * with the list of its (channel handle, subscription id) targets. A version-2 daemon answers
 * request 10 CS_ERR_INVALID_PARAM and the client keeps reading event 1.
 */
import { EvtReader, EvtWriter, type EvtDecodeResult } from './evt-bytes.js';

export type { EvtDecodeError, EvtDecodeErrorCode, EvtDecodeResult } from './evt-bytes.js';

export const EVT_SERVICE_NAME = 'evt';

/** SA_EVT_CHANNEL_* open flags, plus ringcast's per-channel-handle choice of the OpenAIS filter rule. */
export const EVT_OPEN_PUBLISHER = 0x1;
export const EVT_OPEN_SUBSCRIBER = 0x2;
export const EVT_OPEN_CREATE = 0x4;
export const EVT_OPEN_OPENAIS_FILTERS = 0x10;
const OPEN_FLAGS_ALL = EVT_OPEN_PUBLISHER | EVT_OPEN_SUBSCRIBER | EVT_OPEN_CREATE | EVT_OPEN_OPENAIS_FILTERS;

/** Bounds (design note 2.7's recommended limits); beyond them SA_AIS_ERR_INVALID_PARAM / NAME_TOO_LONG / TOO_BIG. */
export const EVT_CHANNEL_NAME_MAX_BYTES = 256;
export const EVT_PUBLISHER_NAME_MAX_BYTES = 256;
export const EVT_DATA_MAX_BYTES = 65536;
export const EVT_PATTERNS_MAX = 256;
export const EVT_PATTERNS_MAX_BYTES = 65536;
export const EVT_FILTERS_MAX = 256;
export const EVT_FILTERS_MAX_BYTES = 65536;

/** SA_EVT_EVENTID_LOST and the reserved ids (0..1000). */
export const EVT_EVENT_ID_LOST = 1n;
export const EVT_EVENT_ID_RESERVED_MAX = 1000n;
export const SA_EVT_LOST_EVENT_PATTERN = 'SA_EVT_LOST_EVENT_PATTERN';

export type EvtPriority = 0 | 1 | 2 | 3;

/** SaEvtEventFilterTypeT. */
export const EvtFilterType = { prefix: 1, suffix: 2, exact: 3, passAll: 4 } as const;
export type EvtFilterTypeName = keyof typeof EvtFilterType;

export interface EvtFilter {
  readonly type: EvtFilterTypeName;
  readonly pattern: Uint8Array;
}

export interface EvtPublishRequest {
  readonly kind: 'publish';
  readonly channel: number;
  readonly priority: EvtPriority;
  readonly retentionNs: bigint;
  readonly publishTimeNs: bigint;
  readonly publisherName: Uint8Array;
  readonly patterns: readonly Uint8Array[];
  readonly data: Uint8Array;
}

export type EvtLibRequest =
  | { readonly kind: 'open'; readonly flags: number; readonly name: Uint8Array }
  | { readonly kind: 'close'; readonly channel: number }
  | { readonly kind: 'unlink'; readonly name: Uint8Array }
  | { readonly kind: 'subscribe'; readonly channel: number; readonly subscriptionId: number; readonly filters: readonly EvtFilter[] }
  | { readonly kind: 'unsubscribe'; readonly channel: number; readonly subscriptionId: number }
  | EvtPublishRequest
  | { readonly kind: 'clear'; readonly channel: number; readonly eventId: bigint }
  | { readonly kind: 'take'; readonly credits: number }
  | { readonly kind: 'channels' }
  | { readonly kind: 'batch'; readonly maxDeliveries: number; readonly maxBytes: number }
  | { readonly kind: 'share'; readonly maxTargets: number };

export const EvtLibRequestId = {
  open: 0,
  close: 1,
  unlink: 2,
  subscribe: 3,
  unsubscribe: 4,
  publish: 5,
  clear: 6,
  take: 7,
  channels: 8,
  batch: 9,
  share: 10,
} as const satisfies Record<EvtLibRequest['kind'], number>;

export interface EvtChannelListing {
  readonly name: Uint8Array;
  /** The instance's cluster-unique id `node.counter` (unlinked instances of one name differ by it). */
  readonly instanceId: string;
  readonly unlinked: boolean;
  /** Opens on every node of the configuration. */
  readonly opens: number;
  readonly retained: number;
}

export type EvtLibResponseBody =
  | { readonly kind: 'open'; readonly channel: number }
  | { readonly kind: 'publish'; readonly eventId: bigint }
  | { readonly kind: 'channels'; readonly channels: readonly EvtChannelListing[] }
  | { readonly kind: 'batch'; readonly maxDeliveries: number; readonly maxBytes: number }
  | { readonly kind: 'share'; readonly maxTargets: number }
  | { readonly kind: 'close' | 'unlink' | 'subscribe' | 'unsubscribe' | 'clear' | 'take' };

export interface EvtDelivery {
  readonly channel: number;
  readonly subscriptionId: number;
  readonly lost: boolean;
  readonly priority: EvtPriority;
  readonly eventId: bigint;
  readonly retentionNs: bigint;
  readonly publishTimeNs: bigint;
  readonly publisherNodeId: number;
  readonly publisherName: Uint8Array;
  readonly patterns: readonly Uint8Array[];
  readonly data: Uint8Array;
}

export const EVT_EVENT_DELIVER = 0;
/** The library protocol version this file speaks (2: batched deliveries, evt-batch.ts; 3: shared deliveries, evt-shared.ts). */
export const EVT_LIB_PROTOCOL_VERSION = 3;

export function isPriority(p: number): p is EvtPriority {
  return p === 0 || p === 1 || p === 2 || p === 3;
}

export function patternsBytes(patterns: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of patterns) n += p.length;
  return n;
}

// ---- shared field codecs (also used by the service's executive messages) ----------------------

export function writePatterns(w: EvtWriter, patterns: readonly Uint8Array[]): EvtWriter {
  w.u16(patterns.length);
  for (const p of patterns) w.blob(p);
  return w;
}

export function readPatterns(r: EvtReader): Uint8Array[] {
  const n = r.count(EVT_PATTERNS_MAX, 2, 'patterns');
  const out: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < n && r.error === undefined; i++) {
    const p = r.blob(0xffff, 'pattern');
    total += p.length;
    out.push(p);
  }
  if (total > EVT_PATTERNS_MAX_BYTES) r.fail('TOO_LONG', `patterns of ${total} bytes > ${EVT_PATTERNS_MAX_BYTES}`);
  return out;
}

function writeFilters(w: EvtWriter, filters: readonly EvtFilter[]): void {
  w.u16(filters.length);
  for (const f of filters) w.u8(EvtFilterType[f.type]).blob(f.pattern);
}

const FILTER_NAME = new Map<number, EvtFilterTypeName>(Object.entries(EvtFilterType).map(([k, v]) => [v, k as EvtFilterTypeName]));

function readFilters(r: EvtReader): EvtFilter[] {
  const n = r.count(EVT_FILTERS_MAX, 3, 'filters');
  const out: EvtFilter[] = [];
  let total = 0;
  for (let i = 0; i < n && r.error === undefined; i++) {
    const t = r.u8('filter type');
    const type = FILTER_NAME.get(t);
    if (type === undefined) r.fail('BAD_FIELD', `filter type ${t} (prefix 1, suffix 2, exact 3, pass-all 4)`);
    const pattern = r.blob(0xffff, 'filter');
    total += pattern.length;
    out.push({ type: type ?? 'passAll', pattern });
  }
  if (total > EVT_FILTERS_MAX_BYTES) r.fail('TOO_LONG', `filters of ${total} bytes > ${EVT_FILTERS_MAX_BYTES}`);
  return out;
}

// ---- requests ---------------------------------------------------------------------------------

export function encodeEvtLibRequest(req: EvtLibRequest): { messageId: number; payload: Uint8Array } {
  const w = new EvtWriter(req.kind === 'publish' ? 64 + req.data.length + patternsBytes(req.patterns) + 2 * req.patterns.length + req.publisherName.length : 64);
  switch (req.kind) {
    case 'open':
      w.u8(req.flags).blob(req.name);
      break;
    case 'close':
      w.u32(req.channel);
      break;
    case 'unlink':
      w.blob(req.name);
      break;
    case 'subscribe':
      w.u32(req.channel).u32(req.subscriptionId);
      writeFilters(w, req.filters);
      break;
    case 'unsubscribe':
      w.u32(req.channel).u32(req.subscriptionId);
      break;
    case 'publish':
      w.u32(req.channel).u8(req.priority).i64(req.retentionNs).i64(req.publishTimeNs).blob(req.publisherName);
      writePatterns(w, req.patterns).bytes(req.data);
      break;
    case 'clear':
      w.u32(req.channel).u64(req.eventId);
      break;
    case 'take':
      w.u32(req.credits);
      break;
    case 'channels':
      break;
    case 'batch':
      w.u16(req.maxDeliveries).u32(req.maxBytes);
      break;
    case 'share':
      w.u16(req.maxTargets);
      break;
  }
  return { messageId: EvtLibRequestId[req.kind], payload: w.finish() };
}

/**
 * Strict decoder. Names are read up to 0xffff bytes so an over-long one is answered
 * SA_AIS_ERR_NAME_TOO_LONG by the service, not rejected as malformed.
 */
export function decodeEvtLibRequest(messageId: number, payload: Uint8Array): EvtDecodeResult<EvtLibRequest> {
  const r = new EvtReader(payload);
  switch (messageId) {
    case EvtLibRequestId.open: {
      const flags = r.u8('open flags');
      if ((flags & ~OPEN_FLAGS_ALL) !== 0) r.fail('BAD_FIELD', `open flags 0x${flags.toString(16)}`);
      return r.finish({ kind: 'open', flags, name: r.blob(0xffff, 'channel name') });
    }
    case EvtLibRequestId.close:
      return r.finish({ kind: 'close', channel: r.u32('channel') });
    case EvtLibRequestId.unlink:
      return r.finish({ kind: 'unlink', name: r.blob(0xffff, 'channel name') });
    case EvtLibRequestId.subscribe: {
      const channel = r.u32('channel');
      const subscriptionId = r.u32('subscription id');
      return r.finish({ kind: 'subscribe', channel, subscriptionId, filters: readFilters(r) });
    }
    case EvtLibRequestId.unsubscribe: {
      const channel = r.u32('channel');
      return r.finish({ kind: 'unsubscribe', channel, subscriptionId: r.u32('subscription id') });
    }
    case EvtLibRequestId.publish: {
      const channel = r.u32('channel');
      const priority = r.u8('priority');
      const retentionNs = r.i64('retention');
      const publishTimeNs = r.i64('publish time');
      const publisherName = r.blob(0xffff, 'publisher name');
      const patterns = readPatterns(r);
      const data = r.rest('data');
      if (!isPriority(priority)) r.fail('BAD_FIELD', `priority ${priority} (0..3)`);
      return r.finish({ kind: 'publish', channel, priority: priority as EvtPriority, retentionNs, publishTimeNs, publisherName, patterns, data });
    }
    case EvtLibRequestId.clear: {
      const channel = r.u32('channel');
      return r.finish({ kind: 'clear', channel, eventId: r.u64('event id') });
    }
    case EvtLibRequestId.take:
      return r.finish({ kind: 'take', credits: r.u32('credits') });
    case EvtLibRequestId.channels:
      return r.finish({ kind: 'channels' });
    case EvtLibRequestId.batch: {
      const maxDeliveries = r.u16('batch deliveries');
      return r.finish({ kind: 'batch', maxDeliveries, maxBytes: r.u32('batch bytes') });
    }
    case EvtLibRequestId.share:
      return r.finish({ kind: 'share', maxTargets: r.u16('share targets') });
    default:
      return { ok: false, error: { code: 'UNKNOWN_MESSAGE', detail: `no EVT request with id ${messageId}` } };
  }
}

// ---- responses --------------------------------------------------------------------------------

export function encodeEvtLibResponse(saCode: number, body?: EvtLibResponseBody): Uint8Array {
  const w = new EvtWriter(16);
  w.u32(saCode);
  if (body === undefined) return w.finish();
  switch (body.kind) {
    case 'open':
      w.u32(body.channel);
      break;
    case 'publish':
      w.u64(body.eventId);
      break;
    case 'channels':
      w.u16(body.channels.length);
      for (const c of body.channels) w.blob(c.name).blob(new TextEncoder().encode(c.instanceId)).u8(c.unlinked ? 1 : 0).u32(c.opens).u32(c.retained);
      break;
    case 'batch':
      w.u16(body.maxDeliveries).u32(body.maxBytes);
      break;
    case 'share':
      w.u16(body.maxTargets);
      break;
    default:
      break;
  }
  return w.finish();
}

/** The SA code and, when it is SA_AIS_OK, the body for a request of `kind`. */
export function decodeEvtLibResponse(kind: EvtLibRequest['kind'], payload: Uint8Array): EvtDecodeResult<{ saCode: number; body?: EvtLibResponseBody }> {
  const r = new EvtReader(payload);
  const saCode = r.u32('SA code');
  if (r.error !== undefined || saCode !== 1) return r.finish({ saCode });
  switch (kind) {
    case 'open':
      return r.finish({ saCode, body: { kind, channel: r.u32('channel') } });
    case 'publish':
      return r.finish({ saCode, body: { kind, eventId: r.u64('event id') } });
    case 'channels': {
      const n = r.count(0xffff, 13, 'channels');
      const channels: EvtChannelListing[] = [];
      for (let i = 0; i < n && r.error === undefined; i++) {
        const name = r.blob(0xffff, 'channel name');
        const instanceId = new TextDecoder().decode(r.blob(64, 'instance id'));
        const unlinked = r.u8('unlinked') === 1;
        channels.push({ name, instanceId, unlinked, opens: r.u32('opens'), retained: r.u32('retained') });
      }
      return r.finish({ saCode, body: { kind, channels } });
    }
    case 'batch': {
      const maxDeliveries = r.u16('batch deliveries');
      return r.finish({ saCode, body: { kind, maxDeliveries, maxBytes: r.u32('batch bytes') } });
    }
    case 'share':
      return r.finish({ saCode, body: { kind, maxTargets: r.u16('share targets') } });
    default:
      return r.finish({ saCode, body: { kind } });
  }
}

// ---- events -----------------------------------------------------------------------------------

/** The deliver event, header first and the data as a separate tail (written without a copy). */
export function encodeEvtDelivery(d: EvtDelivery): { payload: Uint8Array; tail: Uint8Array } {
  const w = new EvtWriter(48 + d.publisherName.length + patternsBytes(d.patterns) + 2 * d.patterns.length);
  w.u32(d.channel).u32(d.subscriptionId).u8(d.lost ? 1 : 0).u8(d.priority).u64(d.eventId).i64(d.retentionNs).i64(d.publishTimeNs);
  w.u32(d.publisherNodeId).blob(d.publisherName);
  writePatterns(w, d.patterns);
  return { payload: w.finish(), tail: d.data };
}

export function decodeEvtDelivery(payload: Uint8Array): EvtDecodeResult<EvtDelivery> {
  const r = new EvtReader(payload);
  const channel = r.u32('channel');
  const subscriptionId = r.u32('subscription id');
  const flags = r.u8('flags');
  const priority = r.u8('priority');
  const eventId = r.u64('event id');
  const retentionNs = r.i64('retention');
  const publishTimeNs = r.i64('publish time');
  const publisherNodeId = r.u32('publisher node');
  const publisherName = r.blob(0xffff, 'publisher name');
  const patterns = readPatterns(r);
  const data = r.rest('data');
  if (!isPriority(priority)) r.fail('BAD_FIELD', `priority ${priority}`);
  return r.finish({
    channel, subscriptionId, lost: (flags & 1) !== 0, priority: priority as EvtPriority, eventId, retentionNs, publishTimeNs,
    publisherNodeId, publisherName, patterns, data,
  });
}
