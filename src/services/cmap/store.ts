/**
 * The configuration map of one node (Corosync's icmap, reached by clients through cmap): typed
 * values under dotted key names, iteration by prefix in byte order, read-only keys and prefixes,
 * and trackers told of every addition, modification and deletion in the order they happened.
 * Rules follow Corosync 3.1.7 (shared/design/corosync-ops.md section 3): key names of 3 to 255
 * characters from [a-zA-Z0-9._/:-], numeric values of their type's exact size, at most 16 KiB,
 * setting an identical value is a no-op that notifies nobody. Nothing here is replicated: every
 * node has its own map. Pure and synchronous: the service owns the IPC around it.
 */

import {
  FIXED_BYTES, INTEGER_TYPES, decodeInteger, integerValue, keyNameProblem, VALUE_BYTES_MAX, type CmapValue,
} from '../../protocol/cmap-values.js';

export {
  CMAP_TYPES, KEY_NAME_MAX, KEY_NAME_MIN, VALUE_BYTES_MAX, decodeInteger, floatValue, formatLine, formatValue, integerValue, keyNameProblem,
  stringValue, type CmapTypeName, type CmapValue,
} from '../../protocol/cmap-values.js';

/** Bound on the keys of one map (Corosync has none; runtime.members.* grows with every node ever seen). */
export const KEYS_MAX = 65536;

export type CmapEvent = 'add' | 'modify' | 'delete';
/** Tracker flags: Corosync's DELETE 1, MODIFY 2, ADD 4, PREFIX 8. */
export const TRACK = { delete: 1, modify: 2, add: 4, prefix: 8 } as const;

export interface CmapNotice {
  readonly event: CmapEvent;
  readonly key: string;
  readonly newValue: CmapValue | undefined;
  readonly oldValue: CmapValue | undefined;
}

/** Outcomes with the CS_ERR_* names a client sees. */
export type CmapResult = { readonly ok: true } | { readonly ok: false; readonly code: CmapErrorCode; readonly detail: string };
export type CmapErrorCode = 'CS_ERR_ACCESS' | 'CS_ERR_NOT_EXIST' | 'CS_ERR_INVALID_PARAM' | 'CS_ERR_NAME_TOO_LONG' | 'CS_ERR_NO_RESOURCES';

const OK: CmapResult = { ok: true };
const fail = (code: CmapErrorCode, detail: string): CmapResult => ({ ok: false, code, detail });

interface Tracker {
  readonly key: string;
  readonly flags: number;
  readonly notify: (notice: CmapNotice) => void;
}

function sameValue(a: CmapValue, b: CmapValue): boolean {
  if (a.type !== b.type || a.bytes.length !== b.bytes.length) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

/** Byte-wise order of key names, as Corosync's trie iterates (`node.10` before `node.2`). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class CmapStore {
  private readonly entries = new Map<string, CmapValue>();
  private readonly readOnlyKeys = new Set<string>();
  private readonly readOnlyPrefixes: string[] = [];
  private readonly trackers = new Map<number, Tracker>();
  private nextTracker = 1;

  constructor(private readonly keysMax = KEYS_MAX) {}

  get size(): number {
    return this.entries.size;
  }

  /** Keys or prefixes (ending in '.') that clients may not set, delete or adjust. */
  protect(keyOrPrefix: string): void {
    if (keyOrPrefix.endsWith('.')) this.readOnlyPrefixes.push(keyOrPrefix);
    else this.readOnlyKeys.add(keyOrPrefix);
  }

  isReadOnly(key: string): boolean {
    return this.readOnlyKeys.has(key) || this.readOnlyPrefixes.some((p) => key.startsWith(p));
  }

  get(key: string): CmapValue | undefined {
    return this.entries.get(key);
  }

  /** A client's set: refused on read-only keys. */
  set(key: string, value: CmapValue): CmapResult {
    if (this.isReadOnly(key)) return fail('CS_ERR_ACCESS', `${key} is read-only`);
    return this.setInternal(key, value);
  }

  /** The daemon's own writes: read-only keys too. */
  setInternal(key: string, value: CmapValue): CmapResult {
    const old = this.entries.get(key);
    if (old === undefined) {
      const problem = keyNameProblem(key);
      if (problem) return fail('CS_ERR_NAME_TOO_LONG', problem);
      if (this.entries.size >= this.keysMax) return fail('CS_ERR_NO_RESOURCES', `the map holds ${this.keysMax} keys, its bound`);
    }
    const fixed = FIXED_BYTES[value.type];
    if (fixed !== undefined && value.bytes.length !== fixed) return fail('CS_ERR_INVALID_PARAM', `a ${value.type} is ${fixed} bytes, not ${value.bytes.length}`);
    if (value.bytes.length > VALUE_BYTES_MAX) return fail('CS_ERR_INVALID_PARAM', `values are at most ${VALUE_BYTES_MAX} bytes`);
    if (old !== undefined && sameValue(old, value)) return OK;
    const stored: CmapValue = { type: value.type, bytes: Uint8Array.from(value.bytes) };
    this.entries.set(key, stored);
    this.notify({ event: old === undefined ? 'add' : 'modify', key, newValue: stored, oldValue: old });
    return OK;
  }

  delete(key: string): CmapResult {
    if (this.isReadOnly(key)) return fail('CS_ERR_ACCESS', `${key} is read-only`);
    return this.deleteInternal(key);
  }

  deleteInternal(key: string): CmapResult {
    const old = this.entries.get(key);
    if (old === undefined) return fail('CS_ERR_NOT_EXIST', `no key ${key}`);
    this.entries.delete(key);
    this.notify({ event: 'delete', key, newValue: undefined, oldValue: old });
    return OK;
  }

  /** cmap_inc / cmap_dec: integers only, wrapping at the type's width. */
  adjust(key: string, step: number): CmapResult {
    if (this.isReadOnly(key)) return fail('CS_ERR_ACCESS', `${key} is read-only`);
    return this.adjustInternal(key, step);
  }

  /** The daemon's own cmap_inc (join_count): read-only keys too. */
  adjustInternal(key: string, step: number): CmapResult {
    const old = this.entries.get(key);
    if (old === undefined) return fail('CS_ERR_NOT_EXIST', `no key ${key}`);
    if (!INTEGER_TYPES.includes(old.type)) return fail('CS_ERR_INVALID_PARAM', `${key} is a ${old.type}, not an integer`);
    const width = BigInt(old.bytes.length * 8);
    const value = (decodeInteger(old) + BigInt(step)) & ((1n << width) - 1n);
    return this.setInternal(key, integerValue(old.type, value));
  }

  /** Keys under `prefix` (all keys for ''), in byte order. */
  keys(prefix = ''): string[] {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort(byteOrder);
  }

  /** Starts a tracker; `flags` from TRACK. Returns its handle. */
  track(key: string, flags: number, notify: (notice: CmapNotice) => void): number | CmapResult {
    if ((flags & (TRACK.add | TRACK.modify | TRACK.delete)) === 0 || flags & ~15) {
      return fail('CS_ERR_INVALID_PARAM', 'track flags must name add, modify or delete (and may add prefix)');
    }
    const handle = this.nextTracker++;
    this.trackers.set(handle, { key, flags, notify });
    return handle;
  }

  untrack(handle: number): CmapResult {
    return this.trackers.delete(handle) ? OK : fail('CS_ERR_NOT_EXIST', `no tracker ${handle}`);
  }

  private notify(notice: CmapNotice): void {
    const bit = notice.event === 'add' ? TRACK.add : notice.event === 'modify' ? TRACK.modify : TRACK.delete;
    for (const t of [...this.trackers.values()]) {
      if ((t.flags & bit) === 0) continue;
      const matches = t.flags & TRACK.prefix ? notice.key.startsWith(t.key) : notice.key === t.key;
      if (matches) t.notify(notice);
    }
  }
}
