/**
 * The configuration map of one node (Corosync's icmap, reached by clients through cmap): typed
 * values under dotted key names, iteration by prefix in byte order, read-only keys and prefixes,
 * and trackers told of every addition, modification and deletion in the order they happened.
 * Rules follow Corosync 3.1.7 (shared/design/corosync-ops.md section 3): key names of 3 to 255
 * characters from [a-zA-Z0-9._/:-], numeric values of their type's exact size, at most 16 KiB,
 * setting an identical value is a no-op that notifies nobody. Nothing here is replicated: every
 * node has its own map. Pure and synchronous: the service owns the IPC around it.
 */

/** Value types with Corosync's codes and corosync-cmapctl's names. */
export const CMAP_TYPES = {
  i8: 1, u8: 2, i16: 3, u16: 4, i32: 5, u32: 6, i64: 7, u64: 8, flt: 9, dbl: 10, str: 11, bin: 12,
} as const;
export type CmapTypeName = keyof typeof CMAP_TYPES;

const FIXED_BYTES: Partial<Record<CmapTypeName, number>> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, flt: 4, dbl: 8 };
const INTEGER_TYPES: readonly CmapTypeName[] = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'];

export const KEY_NAME_MIN = 3;
export const KEY_NAME_MAX = 255;
export const VALUE_BYTES_MAX = 16 * 1024;
const KEY_CHARS = /^[a-zA-Z0-9._/:-]+$/;

/** A stored value: its type and its bytes (little endian for numbers; strings without a NUL). */
export interface CmapValue {
  readonly type: CmapTypeName;
  readonly bytes: Uint8Array;
}

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
export type CmapErrorCode = 'CS_ERR_ACCESS' | 'CS_ERR_NOT_EXIST' | 'CS_ERR_INVALID_PARAM' | 'CS_ERR_NAME_TOO_LONG';

const OK: CmapResult = { ok: true };
const fail = (code: CmapErrorCode, detail: string): CmapResult => ({ ok: false, code, detail });

interface Tracker {
  readonly key: string;
  readonly flags: number;
  readonly notify: (notice: CmapNotice) => void;
}

/** Why `key` cannot name a new entry, or undefined. */
export function keyNameProblem(key: string): string | undefined {
  if (key.length < KEY_NAME_MIN || key.length > KEY_NAME_MAX) return `key name "${key}" must be ${KEY_NAME_MIN} to ${KEY_NAME_MAX} characters`;
  if (!KEY_CHARS.test(key)) return `key name "${key}" may use only letters, digits and . _ / : -`;
  return undefined;
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

// ---------------------------------------------------------------------------------------------
// Values from and to JavaScript

export function stringValue(text: string): CmapValue {
  return { type: 'str', bytes: new TextEncoder().encode(text) };
}

export function integerValue(type: CmapTypeName, value: bigint | number): CmapValue {
  const size = FIXED_BYTES[type];
  if (size === undefined || !INTEGER_TYPES.includes(type)) throw new TypeError(`${type} is not an integer type`);
  const bytes = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return { type, bytes };
}

export function decodeInteger(value: CmapValue): bigint {
  let v = 0n;
  for (let i = value.bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(value.bytes[i]!);
  return value.type.startsWith('i') ? BigInt.asIntN(value.bytes.length * 8, v) : v;
}

export function floatValue(type: 'flt' | 'dbl', value: number): CmapValue {
  const bytes = new Uint8Array(type === 'flt' ? 4 : 8);
  const view = new DataView(bytes.buffer);
  if (type === 'flt') view.setFloat32(0, value, true);
  else view.setFloat64(0, value, true);
  return { type, bytes };
}

/** The value as corosync-cmapctl prints it after `(type) = `. */
export function formatValue(value: CmapValue): string {
  switch (value.type) {
    case 'str': return new TextDecoder().decode(value.bytes);
    case 'bin': return Array.from(value.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    case 'flt': return String(new DataView(value.bytes.buffer, value.bytes.byteOffset).getFloat32(0, true));
    case 'dbl': return String(new DataView(value.bytes.buffer, value.bytes.byteOffset).getFloat64(0, true));
    default: return decodeInteger(value).toString();
  }
}
