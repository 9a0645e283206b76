/**
 * The cmap service (id 0, Corosync's CMAP_SERVICE): each node's own configuration map
 * (store.ts) reached by clients through the library protocol (src/protocol/cmap.ts), as
 * Corosync's exec/cmap.c is the IPC face of icmap.
 *
 *   filled at start        the loaded configuration's keys (refreshFromConfig, also for a reload)
 *   confchg                runtime.members.<id>.{ip,join_count,status} (Corosync's exec/main.c)
 *   runtime sources        runtime.votequorum.*, runtime.config.totem.*, runtime.services.*:
 *                          recomputed at refresh points (refreshRuntime), so trackers hear changes
 *   stats map              computed on demand when a connection switches to it (set_current_map)
 *   sync process           MCAST reason SYNC with totem.config_version (wire.ts)
 *   MCAST (fn 0)           runtime.members.<sender>.config_version; the highest version of others
 *   sync activate          the first sync with old members compares config versions: a mismatch
 *                          asks the daemon to stop, as Corosync does
 *   totem.config_version   changed locally: MCAST reason NEW_CONFIG_VERSION
 *
 * Nothing else crosses nodes: every key is local (design note 3.4). Bounds: key names and value
 * sizes (store), keys per map, iterators and trackers per connection; a refusal changes nothing.
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type { ClientConnection, CsStatus, ExecHandler, LibHandler, LibRequest, Service, ServiceApi, ServiceSync } from '../../exec/index.js';
import {
  CMAP_SERVICE_NAME, CmapEventId, CmapMap, CmapRequest, ITER_BATCH_BYTES, decodeAdjust, decodeKey, decodeSet, decodeTrackAdd, decodeU32,
  encodeEntries, encodeNotify, encodeU32, encodeValue, entrySize, type CmapEntry,
} from '../../protocol/cmap.js';
import { decodeInteger, integerValue, stringValue } from '../../protocol/cmap-values.js';
import { CmapStore, TRACK, type CmapNotice, type CmapResult } from './store.js';
import { CMAP_SERVICE_ID, CmapMcastReason, CmapMessageId, decodeMcast, encodeMcast, type CmapMcastMessage } from './wire.js';
import { CMAP_READ_ONLY } from './read-only.js';

export const CONFIG_VERSION_KEY = 'totem.config_version';
/** Trackers one connection may hold (Corosync has no bound; cmapctl -T uses one per prefix). */
export const TRACKERS_PER_CONNECTION_MAX = 64;
/** Iterators one connection may hold open. */
export const ITERATORS_PER_CONNECTION_MAX = 16;

/** A part of the map the daemon computes: every key under `prefix` is this source's. */
export interface CmapRuntimeSource {
  readonly prefix: string;
  entries(): readonly CmapEntry[];
}

export interface CmapServiceOptions {
  /** The loaded configuration's keys (src/cli/cmap-config.ts builds them from the file). */
  readonly config?: readonly CmapEntry[];
  /** Each node's address for runtime.members.<id>.ip (`r(0) ip(ADDRESS) `). */
  readonly addresses?: ReadonlyMap<number, string>;
  readonly runtime?: readonly CmapRuntimeSource[];
  /** The stats map's keys, computed when a connection reads it. */
  readonly stats?: () => readonly CmapEntry[];
  readonly keysMax?: number;
  readonly trackersPerConnectionMax?: number;
  readonly iteratorsPerConnectionMax?: number;
  readonly log?: (level: 'debug' | 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Corosync's api->shutdown_request() when the config versions differ at the first sync. */
  readonly onConfigVersionMismatch?: (mine: bigint, received: bigint) => void;
}

export interface CmapServiceStats {
  notificationsSent: number;
  notificationErrors: number;
  mcastsSent: number;
  mcastsApplied: number;
  refusals: number;
}

interface Iterator {
  readonly keys: readonly string[];
  next: number;
  readonly map: CmapStore;
}

interface ConnectionState {
  map: number;
  readonly iterators: Map<number, Iterator>;
  /** Connection tracker id → the store's tracker handle. */
  readonly trackers: Map<number, number>;
  nextHandle: number;
}

export class CmapService implements Service {
  readonly id = CMAP_SERVICE_ID;
  readonly name = CMAP_SERVICE_NAME;
  readonly store: CmapStore;
  readonly stats: CmapServiceStats = { notificationsSent: 0, notificationErrors: 0, mcastsSent: 0, mcastsApplied: 0, refusals: 0 };
  readonly #options: CmapServiceOptions;
  readonly #connections = new Map<number, ConnectionState>();
  readonly #configKeys = new Set<string>();
  readonly #sourceKeys = new Map<CmapRuntimeSource, Set<string>>();
  #api: ServiceApi | undefined;
  // Sync state (exec/cmap.c's cmap_sync_* statics).
  #syncTransitional = 0;
  #myConfigVersion = 0n;
  #highestReceived = 0n;
  #firstSync = true;
  #firstRing = true;
  #syncSent = false;
  /** The store tracker that multicasts NEW_CONFIG_VERSION. */
  #versionTracker: number | undefined;

  constructor(options: CmapServiceOptions = {}) {
    this.#options = options;
    this.store = new CmapStore(options.keysMax);
    for (const k of CMAP_READ_ONLY) this.store.protect(k);
    if (options.config) this.refreshFromConfig(options.config);
  }

  /**
   * The configuration's keys, at start and after a reload: new and changed keys are set (trackers
   * hear them), keys the previous configuration had and this one lacks are deleted. Returns the
   * keys that could not be stored (a bad name, a value over the bound), with why.
   */
  refreshFromConfig(entries: readonly CmapEntry[]): { key: string; detail: string }[] {
    const problems: { key: string; detail: string }[] = [];
    const next = new Set(entries.map((e) => e.key));
    for (const key of [...this.#configKeys]) {
      if (!next.has(key)) {
        this.store.deleteInternal(key);
        this.#configKeys.delete(key);
      }
    }
    for (const e of entries) {
      const r = this.store.setInternal(e.key, e.value);
      if (r.ok) this.#configKeys.add(e.key);
      else problems.push({ key: e.key, detail: r.detail });
    }
    return problems;
  }

  /** Recomputes the daemon's runtime keys (votequorum, effective timers, counters). */
  refreshRuntime(): void {
    for (const source of this.#options.runtime ?? []) {
      const entries = source.entries();
      const keys = new Set<string>();
      for (const e of entries) {
        if (!e.key.startsWith(source.prefix)) continue;
        keys.add(e.key);
        this.store.setInternal(e.key, e.value);
      }
      // Only what this source wrote before: a client's own key under a writable prefix stays.
      const before = this.#sourceKeys.get(source) ?? new Set<string>();
      for (const k of before) if (!keys.has(k)) this.store.deleteInternal(k);
      this.#sourceKeys.set(source, keys);
    }
  }

  statusSection(): Record<string, unknown> {
    return { keys: this.store.size, connections: this.#connections.size, ...this.stats };
  }

  // ---- library handlers --------------------------------------------------------------------

  readonly libHandlers: readonly (LibHandler | undefined)[] = (() => {
    const table: (LibHandler | undefined)[] = [];
    const add = (id: number, name: string, handle: (req: LibRequest, conn: ConnectionState) => void): void => {
      table[id] = { name, handle: (req) => handle(req, this.#connection(req.conn)) };
    };
    add(CmapRequest.set, 'set', (req, c) => this.#set(req, c));
    add(CmapRequest.delete, 'delete', (req, c) => this.#delete(req, c));
    add(CmapRequest.get, 'get', (req, c) => this.#get(req, c));
    add(CmapRequest.adjustInt, 'adjust_int', (req, c) => this.#adjust(req, c));
    add(CmapRequest.iterInit, 'iter_init', (req, c) => this.#iterInit(req, c));
    add(CmapRequest.iterNext, 'iter_next', (req, c) => this.#iterNext(req, c));
    add(CmapRequest.iterFinalize, 'iter_finalize', (req, c) => this.#iterFinalize(req, c));
    add(CmapRequest.trackAdd, 'track_add', (req, c) => this.#trackAdd(req, c));
    add(CmapRequest.trackDelete, 'track_delete', (req, c) => this.#trackDelete(req, c));
    add(CmapRequest.setCurrentMap, 'set_current_map', (req, c) => this.#setCurrentMap(req, c));
    return table;
  })();

  #connection(conn: ClientConnection): ConnectionState {
    let c = this.#connections.get(conn.id);
    if (c === undefined) {
      c = { map: CmapMap.icmap, iterators: new Map(), trackers: new Map(), nextHandle: 1 };
      this.#connections.set(conn.id, c);
    }
    return c;
  }

  /**
   * The map a connection reads: the live icmap (its runtime keys recomputed first when the read
   * reaches under a source's prefix), or a fresh snapshot of the stats map.
   */
  #readMap(c: ConnectionState, keyOrPrefix: string, isPrefix: boolean): CmapStore {
    if (c.map === CmapMap.icmap) {
      const reaches = (this.#options.runtime ?? []).some((src) => keyOrPrefix.startsWith(src.prefix) || (isPrefix && src.prefix.startsWith(keyOrPrefix)));
      if (reaches) this.refreshRuntime();
      return this.store;
    }
    const stats = new CmapStore();
    for (const e of this.#options.stats?.() ?? []) stats.setInternal(e.key, e.value);
    return stats;
  }

  #answer(req: LibRequest, r: CmapResult): void {
    if (r.ok) return req.respond('CS_OK');
    this.stats.refusals++;
    req.respond(r.code);
  }

  #refuse(req: LibRequest, code: CsStatus): void {
    this.stats.refusals++;
    req.respond(code);
  }

  #set(req: LibRequest, c: ConnectionState): void {
    const d = decodeSet(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    // The stats map is read-only but for stats.clear.*, which ringcast does not offer (docs/cmap.md).
    if (c.map === CmapMap.stats) return this.#refuse(req, 'CS_ERR_ACCESS');
    this.#answer(req, this.store.set(d.value.key, d.value.value));
  }

  #delete(req: LibRequest, c: ConnectionState): void {
    const d = decodeKey(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    if (c.map === CmapMap.stats) return this.#refuse(req, 'CS_ERR_NOT_SUPPORTED');
    this.#answer(req, this.store.delete(d.value));
  }

  #get(req: LibRequest, c: ConnectionState): void {
    const d = decodeKey(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    const value = this.#readMap(c, d.value, false).get(d.value);
    if (value === undefined) return this.#refuse(req, 'CS_ERR_NOT_EXIST');
    req.respond('CS_OK', encodeValue(value));
  }

  #adjust(req: LibRequest, c: ConnectionState): void {
    const d = decodeAdjust(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    if (c.map === CmapMap.stats) return this.#refuse(req, 'CS_ERR_NOT_SUPPORTED');
    this.#answer(req, this.store.adjust(d.value.key, d.value.step));
  }

  #iterInit(req: LibRequest, c: ConnectionState): void {
    const d = decodeKey(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    const max = this.#options.iteratorsPerConnectionMax ?? ITERATORS_PER_CONNECTION_MAX;
    if (c.iterators.size >= max) return this.#refuse(req, 'CS_ERR_NO_RESOURCES');
    const map = this.#readMap(c, d.value, true);
    const handle = c.nextHandle++;
    c.iterators.set(handle, { keys: map.keys(d.value), next: 0, map });
    req.respond('CS_OK', encodeU32(handle));
  }

  #iterNext(req: LibRequest, c: ConnectionState): void {
    const d = decodeU32(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    const it = c.iterators.get(d.value);
    if (it === undefined) return this.#refuse(req, 'CS_ERR_BAD_HANDLE');
    const batch: CmapEntry[] = [];
    let bytes = 2;
    while (it.next < it.keys.length) {
      const key = it.keys[it.next]!;
      const value = it.map.get(key);
      if (value === undefined) {
        it.next++;
        continue;
      }
      const entry = { key, value };
      const size = entrySize(entry);
      if (batch.length > 0 && bytes + size > ITER_BATCH_BYTES) break;
      batch.push(entry);
      bytes += size;
      it.next++;
    }
    if (batch.length === 0) return req.respond('CS_ERR_NO_SECTIONS');
    req.respond('CS_OK', encodeEntries(batch));
  }

  #iterFinalize(req: LibRequest, c: ConnectionState): void {
    const d = decodeU32(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    if (!c.iterators.delete(d.value)) return this.#refuse(req, 'CS_ERR_BAD_HANDLE');
    req.respond('CS_OK');
  }

  #trackAdd(req: LibRequest, c: ConnectionState): void {
    const d = decodeTrackAdd(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    // Corosync tracks the stats map by polling it on a timer; ringcast does not (docs/cmap.md).
    if (c.map === CmapMap.stats) return this.#refuse(req, 'CS_ERR_NOT_SUPPORTED');
    const max = this.#options.trackersPerConnectionMax ?? TRACKERS_PER_CONNECTION_MAX;
    if (c.trackers.size >= max) return this.#refuse(req, 'CS_ERR_NO_RESOURCES');
    const conn = req.conn;
    const handle = c.nextHandle++;
    const stored = this.store.track(d.value.key, d.value.flags, (n) => this.#notify(conn, handle, n));
    if (typeof stored !== 'number') return this.#answer(req, stored);
    c.trackers.set(handle, stored);
    req.respond('CS_OK', encodeU32(handle));
  }

  #trackDelete(req: LibRequest, c: ConnectionState): void {
    const d = decodeU32(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    const stored = c.trackers.get(d.value);
    if (stored === undefined) return this.#refuse(req, 'CS_ERR_BAD_HANDLE');
    c.trackers.delete(d.value);
    this.store.untrack(stored);
    req.respond('CS_OK');
  }

  #setCurrentMap(req: LibRequest, c: ConnectionState): void {
    const d = decodeU32(req.payload);
    if (!d.ok) return this.#refuse(req, 'CS_ERR_INVALID_PARAM');
    if (d.value !== CmapMap.icmap && d.value !== CmapMap.stats) return this.#refuse(req, 'CS_ERR_NOT_EXIST');
    if (c.iterators.size > 0 || c.trackers.size > 0) return this.#refuse(req, 'CS_ERR_BUSY');
    c.map = d.value;
    req.respond('CS_OK');
  }

  #notify(conn: ClientConnection, tracker: number, n: CmapNotice): void {
    try {
      conn.sendEvent(CmapEventId.notify, encodeNotify({ tracker, event: n.event, key: n.key, newValue: n.newValue, oldValue: n.oldValue }));
      this.stats.notificationsSent++;
    } catch {
      // The connection's failure is its own (the IPC layer cuts it); other trackers still hear.
      this.stats.notificationErrors++;
    }
  }

  // ---- executive handler and sync ----------------------------------------------------------

  readonly execHandlers: readonly ExecHandler<CmapMcastMessage>[] = [
    {
      name: 'mcast',
      // Reason SYNC is sent in sync process; NEW_CONFIG_VERSION at any time, as an ordinary message.
      isSyncMessage: (body) => body[0] === CmapMcastReason.sync,
      decode: (_body, message) => decodeMcast(message),
      apply: (msg, meta) => this.#applyMcast(msg, meta.from),
    },
  ];

  #applyMcast(msg: CmapMcastMessage, from: NodeId): void {
    this.stats.mcastsApplied++;
    const item = msg.items.find((i) => i.key === CONFIG_VERSION_KEY);
    const version = item?.value?.type === 'u64' ? decodeInteger(item.value) : 0n;
    if (from !== this.#api?.localNodeId && version > this.#highestReceived) this.#highestReceived = version;
    this.store.setInternal(`runtime.members.${from}.config_version`, integerValue('u64', version));
  }

  #sendMcast(reason: typeof CmapMcastReason[keyof typeof CmapMcastReason]): ReturnType<ServiceApi['send']> {
    if (this.#api === undefined) return { ok: false, code: 'CS_ERR_LIBRARY', detail: 'cmap service stopped' };
    const value = this.store.get(CONFIG_VERSION_KEY);
    const r = this.#api.send(CmapMessageId.mcast, encodeMcast({ reason, items: [{ key: CONFIG_VERSION_KEY, value }] }), { headerRoom: true });
    if (r.ok) this.stats.mcastsSent++;
    return r;
  }

  #myVersion(): bigint {
    const v = this.store.get(CONFIG_VERSION_KEY);
    return v?.type === 'u64' ? decodeInteger(v) : 0n;
  }

  readonly sync: ServiceSync = {
    init: (_members: readonly NodeId[], _ringId: RingId, transitional: readonly NodeId[]) => {
      // A node's first ring: Corosync's transitional list is empty there ("Single node sync"),
      // ringcast's executive lists the node itself. Counted as empty, so the one comparison is
      // left for the first ring that really has old members (the merge with the others).
      this.#syncTransitional = this.#firstRing ? 0 : transitional.length;
      this.#firstRing = false;
      this.#myConfigVersion = this.#myVersion();
      this.#highestReceived = this.#myConfigVersion;
      this.#syncSent = false;
    },
    process: () => {
      if (this.#syncSent) return true;
      const r = this.#sendMcast(CmapMcastReason.sync);
      if (!r.ok && r.code === 'CS_ERR_TRY_AGAIN') return false;
      this.#syncSent = true;
      return true;
    },
    activate: () => {
      this.refreshRuntime();
      if (this.#syncTransitional === 0) return;
      if (!this.#firstSync) return;
      this.#firstSync = false;
      if (this.#myConfigVersion === 0n) return;
      if (this.#highestReceived !== this.#myConfigVersion) {
        this.#options.log?.('error', `Received config version (${this.#highestReceived}) is different than my config version (${this.#myConfigVersion})! Exiting`,
          { received: this.#highestReceived.toString(), mine: this.#myConfigVersion.toString() });
        this.#options.onConfigVersionMismatch?.(this.#myConfigVersion, this.#highestReceived);
      }
    },
    abort: () => {
      this.#syncSent = false;
    },
  };

  // ---- lifecycle and membership ------------------------------------------------------------

  start(api: ServiceApi): void {
    this.#api = api;
    const tracked = this.store.track(CONFIG_VERSION_KEY, TRACK.add | TRACK.modify | TRACK.delete, () => {
      const r = this.#sendMcast(CmapMcastReason.newConfigVersion);
      if (!r.ok) this.#options.log?.('error', 'Can\'t inform other nodes about new config version', { code: r.code });
    });
    this.#versionTracker = typeof tracked === 'number' ? tracked : undefined;
    this.refreshRuntime();
  }

  stop(): void {
    if (this.#versionTracker !== undefined) this.store.untrack(this.#versionTracker);
    this.#versionTracker = undefined;
    for (const c of this.#connections.values()) for (const t of c.trackers.values()) this.store.untrack(t);
    this.#connections.clear();
    this.#api = undefined;
  }

  /** Corosync's member_object_left / member_object_joined, for every configuration. */
  onConfigChange(change: ConfigChange): void {
    for (const id of change.left) this.store.setInternal(`runtime.members.${id}.status`, stringValue('left'));
    // A node's first ring names nobody as joined (itself alone): Corosync's lists this node as joined.
    const joined = change.type === 'regular'
      ? [...change.joined, ...change.members.filter((id) => !change.joined.includes(id) && this.store.get(`runtime.members.${id}.ip`) === undefined)]
      : change.joined;
    for (const id of joined) {
      const prefix = `runtime.members.${id}.`;
      if (this.store.get(`${prefix}ip`) !== undefined) {
        this.store.adjustInternal(`${prefix}join_count`, 1);
      } else {
        this.store.setInternal(`${prefix}ip`, stringValue(`r(0) ip(${this.#options.addresses?.get(id) ?? 'unknown'}) `));
        this.store.setInternal(`${prefix}join_count`, integerValue('u32', 1));
      }
      this.store.setInternal(`${prefix}status`, stringValue('joined'));
    }
    this.refreshRuntime();
  }

  onConnectionClosed(conn: ClientConnection): void {
    const c = this.#connections.get(conn.id);
    if (c === undefined) return;
    for (const t of c.trackers.values()) this.store.untrack(t);
    this.#connections.delete(conn.id);
  }
}
