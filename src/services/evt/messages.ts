/**
 * The EVT service's executive messages (service id 21) and their strict codecs. All go in agreed
 * order. After OpenAIS's EVENTDATA / CHANCMD ops / RECOVERY_EVENTDATA (design note 2.8), with
 * ringcast's changes:
 * - a channel instance is named by a cluster-unique id (creating node, counter) instead of
 *   (name, unlink id), so an event in flight while its channel is unlinked still reaches the
 *   instance its publisher opened (OpenAIS lost such events: find_last_unlinked_channel was
 *   never implemented);
 * - sync carries tombstones (unlinked instance ids, cleared event ids) so an unlink or a
 *   retention clear made in one partition holds after a merge, and retention travels as the
 *   remaining duration, not as a receive time that another node's clock would misread.
 *
 * | id | message     | body |
 * |----|-------------|------|
 * |  0 | event       | instance, u64 event id, u64 msg id, u8 priority, i64 retention ns, i64 publish time ns, name publisher, patterns, data |
 * |  1 | open        | name, u8 create, instance (the id a create would give the new instance) |
 * |  2 | close       | instance |
 * |  3 | unlink      | name |
 * |  4 | clear       | instance, u64 event id |
 * |  5 | syncIds     | u16 n, n x (u32 node, u64 highest msg id seen from it)                       (sync) |
 * |  6 | syncChannel | name, u8 unlinked, u32 sender's local opens, u16 n, n x instance             (sync) |
 * |  7 | syncTombs   | u16 n, n x instance (unlinked ids), u16 m, m x (u64 event id, i64 remaining ns) (sync) |
 * |  8 | syncEvent   | instance, u32 publisher node, i64 remaining ns, then the event body as in 0  (sync) |
 * `instance` = u32 node + u64 counter.
 */
import { EvtReader, EvtWriter, type EvtDecodeResult } from '../../protocol/evt-bytes.js';
import { EVT_CHANNEL_NAME_MAX_BYTES, EVT_PUBLISHER_NAME_MAX_BYTES, isPriority, patternsBytes, readPatterns, writePatterns, type EvtPriority } from '../../protocol/evt-lib.js';

export const EVT_SERVICE_ID = 21;

export interface InstanceId {
  readonly node: number;
  readonly counter: bigint;
}

export type InstanceKey = string;

export function instanceKey(id: InstanceId): InstanceKey {
  return `${id.node}.${id.counter}`;
}

export function parseInstanceKey(key: InstanceKey): InstanceId {
  const dot = key.indexOf('.');
  return { node: Number(key.slice(0, dot)), counter: BigInt(key.slice(dot + 1)) };
}

/** Deterministic order of instance keys: by node, then counter. */
export function compareInstanceKeys(a: InstanceKey, b: InstanceKey): number {
  const x = parseInstanceKey(a);
  const y = parseInstanceKey(b);
  return x.node - y.node || (x.counter < y.counter ? -1 : x.counter > y.counter ? 1 : 0);
}

/** What an event carries everywhere it goes (live, retained, recovered). */
export interface EventBody {
  readonly eventId: bigint;
  /** The publishing node's message counter: duplicate detection (a 64-bit id never wraps). */
  readonly msgId: bigint;
  readonly priority: EvtPriority;
  readonly retentionNs: bigint;
  readonly publishTimeNs: bigint;
  readonly publisherName: Uint8Array;
  readonly patterns: readonly Uint8Array[];
  readonly data: Uint8Array;
}

export type EvtExecMessage =
  | ({ readonly kind: 'event'; readonly instance: InstanceId } & EventBody)
  | { readonly kind: 'open'; readonly name: Uint8Array; readonly create: boolean; readonly instance: InstanceId }
  | { readonly kind: 'close'; readonly instance: InstanceId }
  | { readonly kind: 'unlink'; readonly name: Uint8Array }
  | { readonly kind: 'clear'; readonly instance: InstanceId; readonly eventId: bigint }
  | { readonly kind: 'syncIds'; readonly entries: readonly { readonly node: number; readonly msgId: bigint }[] }
  | { readonly kind: 'syncChannel'; readonly name: Uint8Array; readonly unlinked: boolean; readonly localOpens: number; readonly ids: readonly InstanceId[] }
  | { readonly kind: 'syncTombs'; readonly unlinked: readonly InstanceId[]; readonly cleared: readonly { readonly eventId: bigint; readonly remainingNs: bigint }[] }
  | ({ readonly kind: 'syncEvent'; readonly instance: InstanceId; readonly publisherNode: number; readonly remainingNs: bigint } & EventBody);

export type EvtExecKind = EvtExecMessage['kind'];

export const EvtMessageId: Readonly<Record<EvtExecKind, number>> = {
  event: 0,
  open: 1,
  close: 2,
  unlink: 3,
  clear: 4,
  syncIds: 5,
  syncChannel: 6,
  syncTombs: 7,
  syncEvent: 8,
};

export const EVT_EXEC_KINDS = (Object.keys(EvtMessageId) as EvtExecKind[]).sort((a, b) => EvtMessageId[a] - EvtMessageId[b]);

export const EVT_SYNC_KINDS: ReadonlySet<EvtExecKind> = new Set(['syncIds', 'syncChannel', 'syncTombs', 'syncEvent']);

/** Bounds of sync lists (ids of one merged instance, tombstones in one message). */
export const SYNC_LIST_MAX = 0xffff;

function writeInstance(w: EvtWriter, id: InstanceId): EvtWriter {
  return w.u32(id.node).u64(id.counter);
}

function readInstance(r: EvtReader): InstanceId {
  const node = r.u32('instance node');
  return { node, counter: r.u64('instance counter') };
}

function writeBody(w: EvtWriter, e: EventBody): void {
  w.u64(e.eventId).u64(e.msgId).u8(e.priority).i64(e.retentionNs).i64(e.publishTimeNs).blob(e.publisherName);
  writePatterns(w, e.patterns).bytes(e.data);
}

function readBody(r: EvtReader): EventBody {
  const eventId = r.u64('event id');
  const msgId = r.u64('msg id');
  const priority = r.u8('priority');
  const retentionNs = r.i64('retention');
  const publishTimeNs = r.i64('publish time');
  const publisherName = r.blob(EVT_PUBLISHER_NAME_MAX_BYTES, 'publisher name');
  const patterns = readPatterns(r);
  const data = r.rest('data');
  if (!isPriority(priority)) r.fail('BAD_FIELD', `priority ${priority}`);
  if (retentionNs < 0n) r.fail('BAD_FIELD', `retention ${retentionNs} < 0`);
  return { eventId, msgId, priority: priority as EvtPriority, retentionNs, publishTimeNs, publisherName, patterns, data };
}

function bodyBytes(e: EventBody): number {
  return 64 + e.publisherName.length + patternsBytes(e.patterns) + 2 * e.patterns.length + e.data.length;
}

export function encodeEvtExec(m: EvtExecMessage): Uint8Array {
  const w = new EvtWriter(m.kind === 'event' || m.kind === 'syncEvent' ? 32 + bodyBytes(m) : 64);
  switch (m.kind) {
    case 'event':
      writeInstance(w, m.instance);
      writeBody(w, m);
      break;
    case 'open':
      w.blob(m.name).u8(m.create ? 1 : 0);
      writeInstance(w, m.instance);
      break;
    case 'close':
      writeInstance(w, m.instance);
      break;
    case 'unlink':
      w.blob(m.name);
      break;
    case 'clear':
      writeInstance(w, m.instance).u64(m.eventId);
      break;
    case 'syncIds':
      w.u16(m.entries.length);
      for (const e of m.entries) w.u32(e.node).u64(e.msgId);
      break;
    case 'syncChannel':
      w.blob(m.name).u8(m.unlinked ? 1 : 0).u32(m.localOpens).u16(m.ids.length);
      for (const id of m.ids) writeInstance(w, id);
      break;
    case 'syncTombs':
      w.u16(m.unlinked.length);
      for (const id of m.unlinked) writeInstance(w, id);
      w.u16(m.cleared.length);
      for (const c of m.cleared) w.u64(c.eventId).i64(c.remainingNs);
      break;
    case 'syncEvent':
      writeInstance(w, m.instance).u32(m.publisherNode).i64(m.remainingNs);
      writeBody(w, m);
      break;
  }
  return w.finish();
}

export function decodeEvtExec(kind: EvtExecKind, body: Uint8Array): EvtDecodeResult<EvtExecMessage> {
  const r = new EvtReader(body);
  switch (kind) {
    case 'event': {
      const instance = readInstance(r);
      return r.finish({ kind, instance, ...readBody(r) });
    }
    case 'open': {
      const name = r.blob(EVT_CHANNEL_NAME_MAX_BYTES, 'channel name');
      const create = r.u8('create') === 1;
      return r.finish({ kind, name, create, instance: readInstance(r) });
    }
    case 'close':
      return r.finish({ kind, instance: readInstance(r) });
    case 'unlink':
      return r.finish({ kind, name: r.blob(EVT_CHANNEL_NAME_MAX_BYTES, 'channel name') });
    case 'clear': {
      const instance = readInstance(r);
      return r.finish({ kind, instance, eventId: r.u64('event id') });
    }
    case 'syncIds': {
      const n = r.count(SYNC_LIST_MAX, 12, 'id entries');
      const entries: { node: number; msgId: bigint }[] = [];
      for (let i = 0; i < n; i++) {
        const node = r.u32('node');
        entries.push({ node, msgId: r.u64('msg id') });
      }
      return r.finish({ kind, entries });
    }
    case 'syncChannel': {
      const name = r.blob(EVT_CHANNEL_NAME_MAX_BYTES, 'channel name');
      const unlinked = r.u8('unlinked') === 1;
      const localOpens = r.u32('local opens');
      const n = r.count(SYNC_LIST_MAX, 12, 'instance ids');
      const ids: InstanceId[] = [];
      for (let i = 0; i < n; i++) ids.push(readInstance(r));
      if (n === 0) r.fail('BAD_FIELD', 'a channel without an instance id');
      return r.finish({ kind, name, unlinked, localOpens, ids });
    }
    case 'syncTombs': {
      const n = r.count(SYNC_LIST_MAX, 12, 'unlinked ids');
      const unlinked: InstanceId[] = [];
      for (let i = 0; i < n; i++) unlinked.push(readInstance(r));
      const m = r.count(SYNC_LIST_MAX, 16, 'cleared ids');
      const cleared: { eventId: bigint; remainingNs: bigint }[] = [];
      for (let i = 0; i < m; i++) {
        const eventId = r.u64('event id');
        cleared.push({ eventId, remainingNs: r.i64('remaining') });
      }
      return r.finish({ kind, unlinked, cleared });
    }
    case 'syncEvent': {
      const instance = readInstance(r);
      const publisherNode = r.u32('publisher node');
      const remainingNs = r.i64('remaining');
      return r.finish({ kind, instance, publisherNode, remainingNs, ...readBody(r) });
    }
  }
}
