/**
 * CmapHandle: the local node's runtime map from an application, `client.cmap()`. One IPC
 * connection to the daemon's cmap service (src/protocol/cmap.ts); the same idioms as the other
 * handles: promises with an AbortSignal, RingcastError with Corosync's CS_ERR_* codes, async
 * iterators for iteration and tracking.
 *
 *   const cmap = await client.cmap();
 *   const t = await cmap.get('totem.token');                 // { key, type: 'u32', value: 3000n }
 *   await cmap.set('app.mode', 'str', 'active');
 *   for await (const e of cmap.entries('runtime.members.')) console.log(e.key, e.value);
 *   for await (const n of cmap.track('runtime.members.', { prefix: true, signal })) {
 *     console.log(n.event, n.key, n.newValue?.value);         // 'add' | 'modify' | 'delete'
 *   }
 *
 * Integers come back as bigint (u64 does not fit a number), flt/dbl as number, str as string,
 * bin as Uint8Array. Checks the library makes before sending, with Corosync's codes: a key name
 * over 255 bytes (CS_ERR_NAME_TOO_LONG), a value that does not fit its type or is over 16 KiB
 * (CS_ERR_INVALID_PARAM). Several trackers may run at once on one handle; each keeps at most
 * `maxQueuedNotices` notices its loop has not taken, and one that falls further behind ends with
 * CS_ERR_NO_RESOURCES (its tracker removed) rather than grow without bound.
 */
import { ServiceBackedHandle } from './service-backed-handle.js';
import {
  CMAP_SERVICE_NAME, CmapEventId, CmapMap, CmapRequest, CmapTrack, decodeEntries, decodeNotify, decodeU32, decodeValue, encodeAdjust,
  encodeKey, encodeSet, encodeTrackAdd, encodeU32, keyBytes, type CmapEntry, type CmapEventName, type CmapNotifyEvent,
} from '../protocol/cmap.js';
import {
  FIXED_BYTES, INTEGER_TYPES, KEY_NAME_MAX, VALUE_BYTES_MAX, floatValue, integerRange, integerValue, isTypeName, jsValue, stringValue,
  type CmapJsValue, type CmapTypeName, type CmapValue,
} from '../protocol/cmap-values.js';
import { AsyncQueue } from './async-queue.js';
import { RingcastError } from './errors.js';
import { ServiceHandle, type ServiceHandleOptions } from './service.js';

export type { CmapTypeName, CmapJsValue, CmapValue };

/** One key with its value. */
export interface CmapItem {
  readonly key: string;
  readonly type: CmapTypeName;
  readonly value: CmapJsValue;
  /** The bytes as stored (little endian; strings without a NUL), for exact formatting. */
  readonly raw: CmapValue;
}

export interface CmapNotice {
  readonly event: CmapEventName;
  readonly key: string;
  /** Absent for a delete. */
  readonly newValue: CmapItem | undefined;
  /** Absent for an add. */
  readonly oldValue: CmapItem | undefined;
}

export interface CmapTrackOptions {
  /** Track every key starting with the string (CMAP_TRACK_PREFIX); default false: this key only. */
  readonly prefix?: boolean;
  /** Which changes to hear; default all three. */
  readonly add?: boolean;
  readonly modify?: boolean;
  readonly delete?: boolean;
  readonly signal?: AbortSignal;
}

export interface CmapHandleOptions extends Omit<ServiceHandleOptions, 'retry'> {
  /** Notices one tracker may hold that its loop has not taken. Default 4096. */
  readonly maxQueuedNotices?: number;
}

type Signal = { signal?: AbortSignal };
const opts = (o: Signal): Signal => (o.signal ? { signal: o.signal } : {});
/** Notifications for a tracker whose track_add answer is still on its way, kept until it is known. */
const EARLY_NOTICES_MAX = 256;

interface TrackerQueue {
  readonly queue: AsyncQueue<CmapNotice>;
  end(error?: unknown): void;
}

function item(key: string, raw: CmapValue): CmapItem {
  return { key, type: raw.type, value: jsValue(raw), raw };
}

/** Checks a key as Corosync's library does before sending. */
export function checkKey(key: string, what = 'key'): void {
  if (typeof key !== 'string') throw new RingcastError('CS_ERR_INVALID_PARAM', `${what} must be a string`);
  if (keyBytes(key).length > KEY_NAME_MAX) throw new RingcastError('CS_ERR_NAME_TOO_LONG', `${what} of ${keyBytes(key).length} bytes, at most ${KEY_NAME_MAX}`);
}

/** A JavaScript value as the bytes of `type`; CS_ERR_INVALID_PARAM when it does not fit. */
export function toCmapValue(type: CmapTypeName, value: CmapJsValue): CmapValue {
  const bad = (why: string): never => {
    throw new RingcastError('CS_ERR_INVALID_PARAM', `${String(value)} is not a valid ${type} value: ${why}`);
  };
  if (!isTypeName(type)) bad('unknown type');
  if (INTEGER_TYPES.includes(type)) {
    if (typeof value !== 'bigint' && !(typeof value === 'number' && Number.isInteger(value))) bad('an integer is needed');
    const n = BigInt(value as bigint | number);
    const { min, max } = integerRange(type);
    if (n < min || n > max) bad(`out of ${min}..${max}`);
    return integerValue(type, n);
  }
  if (type === 'flt' || type === 'dbl') {
    if (typeof value !== 'number') bad('a number is needed');
    return floatValue(type, value as number);
  }
  let v: CmapValue;
  if (type === 'str') {
    if (typeof value !== 'string') bad('a string is needed');
    v = stringValue(value as string);
  } else {
    if (!(value instanceof Uint8Array)) bad('a Uint8Array is needed');
    v = { type: 'bin', bytes: value as Uint8Array };
  }
  if (v.bytes.length > VALUE_BYTES_MAX) bad(`${v.bytes.length} bytes, at most ${VALUE_BYTES_MAX}`);
  return v;
}

export class CmapHandle extends ServiceBackedHandle {
  readonly #maxQueued: number;
  readonly #trackers = new Map<number, TrackerQueue>();
  readonly #early = new Map<number, CmapNotice[]>();
  #earlyCount = 0;
  /** The highest tracker id answered: a notice for a lower unknown id is for a tracker already removed. */
  #highestTracker = 0;
  #pumping = false;

  /** Connects to the daemon's cmap service. */
  static async open(path: string, options: CmapHandleOptions = {}): Promise<CmapHandle> {
    return new CmapHandle(await ServiceHandle.open(path, CMAP_SERVICE_NAME, options), options.maxQueuedNotices ?? 4096);
  }

  private constructor(svc: ServiceHandle, maxQueued: number) {
    super(svc);
    this.#maxQueued = maxQueued;
  }

  /** cmap_get: CS_ERR_NOT_EXIST when there is no such key. */
  async get(key: string, options: Signal = {}): Promise<CmapItem> {
    checkKey(key);
    const d = decodeValue(await this.svc.request(CmapRequest.get, encodeKey(key), opts(options)));
    if (!d.ok) throw badAnswer('cmap get', d.error);
    return item(key, d.value);
  }

  /**
   * cmap_set: CS_ERR_ACCESS for a read-only key, CS_ERR_NAME_TOO_LONG for a bad new key name,
   * CS_ERR_INVALID_PARAM for a value that does not fit its type. Setting an identical value is a no-op.
   */
  async set(key: string, type: CmapTypeName, value: CmapJsValue, options: Signal = {}): Promise<void> {
    checkKey(key);
    await this.setValue(key, toCmapValue(type, value), options);
  }

  /** cmap_set with a value already in its byte form. */
  async setValue(key: string, value: CmapValue, options: Signal = {}): Promise<void> {
    checkKey(key);
    const fixed = FIXED_BYTES[value.type];
    if ((fixed !== undefined && value.bytes.length !== fixed) || value.bytes.length > VALUE_BYTES_MAX) {
      throw new RingcastError('CS_ERR_INVALID_PARAM', `a ${value.type} value of ${value.bytes.length} bytes`);
    }
    await this.svc.request(CmapRequest.set, encodeSet(key, value), opts(options));
  }

  /** cmap_delete: CS_ERR_ACCESS for a read-only key, CS_ERR_NOT_EXIST when absent. */
  async delete(key: string, options: Signal = {}): Promise<void> {
    checkKey(key);
    await this.svc.request(CmapRequest.delete, encodeKey(key), opts(options));
  }

  /** cmap_inc / cmap_dec (step ±1, or any i32): integer keys only, wrapping at their width. */
  async adjust(key: string, step: number, options: Signal = {}): Promise<void> {
    checkKey(key);
    if (!Number.isInteger(step) || step < -(2 ** 31) || step >= 2 ** 31) throw new RingcastError('CS_ERR_INVALID_PARAM', `step ${step} is not an i32`);
    await this.svc.request(CmapRequest.adjustInt, encodeAdjust(key, step), opts(options));
  }

  /** Which map this connection reads: the runtime map (default) or Corosync's on-demand `stats` map. */
  async useMap(map: 'icmap' | 'stats', options: Signal = {}): Promise<void> {
    await this.svc.request(CmapRequest.setCurrentMap, encodeU32(map === 'stats' ? CmapMap.stats : CmapMap.icmap), opts(options));
  }

  /**
   * Every key under `prefix` ('' for all) in byte order, with its value (iter_init, iter_next,
   * iter_finalize; leaving the loop early finalizes the iterator in the daemon).
   */
  entries(prefix = '', options: Signal = {}): AsyncIterableIterator<CmapItem> {
    checkKey(prefix, 'prefix');
    const svc = this.svc;
    let handle: number | undefined;
    let batch: CmapEntry[] = [];
    let done = false;
    const finish = async (): Promise<void> => {
      if (handle === undefined || done) return;
      done = true;
      if (!svc.closed) await svc.request(CmapRequest.iterFinalize, encodeU32(handle)).catch(() => undefined);
    };
    const iterator: AsyncIterableIterator<CmapItem> = {
      async next(): Promise<IteratorResult<CmapItem>> {
        if (done) return { done: true, value: undefined };
        if (handle === undefined) {
          const h = decodeU32(await svc.request(CmapRequest.iterInit, encodeKey(prefix), opts(options)));
          if (!h.ok) throw badAnswer('cmap iter_init', h.error);
          handle = h.value;
        }
        while (batch.length === 0) {
          let answer: Uint8Array;
          try {
            answer = await svc.request(CmapRequest.iterNext, encodeU32(handle), opts(options));
          } catch (err) {
            if (err instanceof RingcastError && err.code === 'CS_ERR_NO_SECTIONS') {
              await finish();
              return { done: true, value: undefined };
            }
            throw err;
          }
          const d = decodeEntries(answer);
          if (!d.ok) throw badAnswer('cmap iter_next', d.error);
          batch = d.value;
        }
        const e = batch.shift()!;
        return { done: false, value: item(e.key, e.value) };
      },
      async return(): Promise<IteratorResult<CmapItem>> {
        await finish();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /**
   * Changes of `key` (or of every key under it, with `prefix`), in the order the map changed
   * (cmap_track_add). Ends when the loop is left (cmap_track_delete), the signal fires
   * (ABORT_ERR) or the handle closes. CS_ERR_NO_RESOURCES when the connection holds its bound of
   * trackers; CS_ERR_NOT_SUPPORTED on the stats map.
   */
  track(key: string, options: CmapTrackOptions = {}): AsyncIterableIterator<CmapNotice> {
    checkKey(key);
    const flags = (options.add === false ? 0 : CmapTrack.add) | (options.modify === false ? 0 : CmapTrack.modify) |
      (options.delete === false ? 0 : CmapTrack.delete) | (options.prefix ? CmapTrack.prefix : 0);
    this.#pump();
    let tracker: number | undefined;
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (tracker === undefined) return;
      this.#trackers.delete(tracker);
      if (!this.svc.closed) await this.svc.request(CmapRequest.trackDelete, encodeU32(tracker)).catch(() => undefined);
    };
    const queue = new AsyncQueue<CmapNotice>(() => {}, () => void stop());
    const entry: TrackerQueue = {
      queue,
      end: (error) => {
        queue.end(error);
        void stop();
      },
    };
    const onAbort = (): void => entry.end(new RingcastError('ABORT_ERR', 'cmap track: aborted'));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const started = this.svc.request(CmapRequest.trackAdd, encodeTrackAdd(key, flags), opts(options)).then((answer) => {
      const h = decodeU32(answer);
      if (!h.ok) throw badAnswer('cmap track_add', h.error);
      tracker = h.value;
      if (stopped) {
        stopped = false;
        void stop();
        return;
      }
      this.#trackers.set(tracker, entry);
      this.#highestTracker = Math.max(this.#highestTracker, tracker);
      for (const [id, list] of [...this.#early]) {
        if (id > this.#highestTracker) continue;
        if (id === tracker) for (const n of list) this.#deliver(tracker, entry, n);
        this.#earlyCount -= list.length;
        this.#early.delete(id);
      }
    }).catch((err: unknown) => {
      stopped = true;
      queue.end(err);
    });
    void started;
    return queue;
  }


  #deliver(tracker: number, t: TrackerQueue, n: CmapNotice): void {
    if (t.queue.length >= this.#maxQueued) {
      t.end(new RingcastError('CS_ERR_NO_RESOURCES', `cmap track: more than ${this.#maxQueued} notices not taken; tracker ${tracker} removed`));
      return;
    }
    t.queue.push(n);
  }

  /** One loop over the connection's events routes each notice to its tracker. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void (async () => {
      let error: unknown;
      try {
        for await (const ev of this.svc.events()) {
          if (ev.type === 'disconnected') {
            error = new RingcastError('CS_ERR_LIBRARY', `cmap track: connection to ringcastd lost: ${ev.reason} (${ev.detail})`, { reason: ev.reason });
            break;
          }
          if (ev.messageId !== CmapEventId.notify) continue;
          const d = decodeNotify(ev.data);
          if (!d.ok) continue;
          this.#route(d.value);
        }
      } catch (err) {
        error = err;
      }
      for (const t of [...this.#trackers.values()]) t.end(error);
      this.#trackers.clear();
    })();
  }

  #route(n: CmapNotifyEvent): void {
    const notice: CmapNotice = {
      event: n.event, key: n.key,
      newValue: n.newValue && item(n.key, n.newValue),
      oldValue: n.oldValue && item(n.key, n.oldValue),
    };
    const t = this.#trackers.get(n.tracker);
    if (t !== undefined) return this.#deliver(n.tracker, t, notice);
    // Its track_add answer is still being handled: keep it (bounded) until the tracker is known.
    if (n.tracker <= this.#highestTracker || this.#earlyCount >= EARLY_NOTICES_MAX) return;
    const list = this.#early.get(n.tracker) ?? [];
    list.push(notice);
    this.#early.set(n.tracker, list);
    this.#earlyCount++;
  }
}

function badAnswer(what: string, e: { code: string; detail: string }): RingcastError {
  return new RingcastError('CS_ERR_LIBRARY', `${what}: bad answer from the daemon: ${e.code} ${e.detail}`, { reason: 'BAD_RESPONSE' });
}
