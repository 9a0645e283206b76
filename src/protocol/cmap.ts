/**
 * The cmap library protocol: what a client (src/client/cmap.ts, `ringcast cmap`) and ringcastd's
 * cmap service (src/services/cmap) say to each other inside the IPC transport's frames (the
 * transport carries the message id and the cs_error_t status).
 *
 * Request ids are Corosync's (ipc_cmap.h), so a trace reads the same numbers; payloads carry
 * Corosync's fields without its 24-byte header and padding, little-endian. A key is `u8 length,
 * bytes` (≤ 255, Corosync's CMAP_KEYNAME_MAXLEN); a value is `u8 type, u32 length, bytes`
 * (≤ 16 KiB, ICMAP_MAX_VALUE_LEN). Decoders are strict and never throw.
 *
 * | id | request      | payload                           | CS_OK answer                 | errors |
 * |----|--------------|-----------------------------------|------------------------------|--------|
 * |  0 | set          | key, value                        | empty                        | ACCESS (read-only), INVALID_PARAM (size), NAME_TOO_LONG (bad new name), NO_RESOURCES (map full) |
 * |  1 | delete       | key                               | empty                        | ACCESS, NOT_EXIST |
 * |  2 | get          | key                               | value                        | NOT_EXIST |
 * |  3 | adjust_int   | key, i32 step                     | empty                        | ACCESS, NOT_EXIST, INVALID_PARAM (not an integer) |
 * |  4 | iter_init    | prefix (length 0: every key)      | u32 iterator                 | NO_RESOURCES (iterators per connection) |
 * |  5 | iter_next    | u32 iterator                      | u16 n, n × (key, value)      | NO_SECTIONS (the end), BAD_HANDLE |
 * |  6 | iter_finalize| u32 iterator                      | empty                        | BAD_HANDLE |
 * |  7 | track_add    | key or prefix, u32 flags          | u32 tracker                  | INVALID_PARAM (flags), NO_RESOURCES (trackers per connection), NOT_SUPPORTED (stats map) |
 * |  8 | track_delete | u32 tracker                       | empty                        | BAD_HANDLE |
 * |  9 | set_current_map | u32 map (0 icmap, 1 stats)     | empty                        | NOT_EXIST (no such map), BUSY (iterators or trackers open) |
 *
 * iter_next answers several entries at once, with their values (Corosync answers one key name per
 * call and the tool then gets each value: ringcast's batch reads each value at the moment its key
 * is listed, and saves a round trip per key). The iterator lists the keys present at iter_init
 * in byte order; a key deleted since is skipped.
 *
 * Event 9 (notify, Corosync's NOTIFY_CALLBACK): u32 tracker, u8 event (ADD 4, DELETE 1,
 * MODIFY 2), key, new value, old value; the absent side of an ADD or DELETE is type 0, length 0.
 */
import { ByteReader, ByteWriter, type BaseDecodeCode, type CheckedDecodeResult } from '../bytes/index.js';
import { KEY_NAME_MAX, VALUE_BYTES_MAX, typeOfCode, CMAP_TYPES, type CmapValue } from './cmap-values.js';

export const CMAP_SERVICE_NAME = 'cmap';
export const CmapRequest = {
  set: 0, delete: 1, get: 2, adjustInt: 3, iterInit: 4, iterNext: 5, iterFinalize: 6, trackAdd: 7, trackDelete: 8, setCurrentMap: 9,
} as const;
export const CmapEventId = { notify: 9 } as const;
/** Track flags (cmap.h CMAP_TRACK_*). PREFIX is a request flag only, never reported. */
export const CmapTrack = { delete: 1, modify: 2, add: 4, prefix: 8 } as const;
export const CmapMap = { icmap: 0, stats: 1 } as const;
/** Bytes of entries one iter_next answer carries at most (one entry always goes, whatever its size). */
export const ITER_BATCH_BYTES = 32 * 1024;

export type CmapEventName = 'add' | 'modify' | 'delete';
export const EVENT_CODE: Readonly<Record<CmapEventName, number>> = { add: CmapTrack.add, modify: CmapTrack.modify, delete: CmapTrack.delete };
const EVENT_OF_CODE = new Map<number, CmapEventName>([[4, 'add'], [2, 'modify'], [1, 'delete']]);

export interface CmapEntry {
  readonly key: string;
  readonly value: CmapValue;
}

export interface CmapNotifyEvent {
  readonly tracker: number;
  readonly event: CmapEventName;
  readonly key: string;
  readonly newValue: CmapValue | undefined;
  readonly oldValue: CmapValue | undefined;
}

export type CmapDecodeCode = BaseDecodeCode | 'KEY_TOO_LONG' | 'VALUE_TOO_BIG' | 'BAD_TYPE' | 'BAD_EVENT';
export type CmapDecoded<T> = CheckedDecodeResult<T, CmapDecodeCode>;

const ascii = new TextEncoder();
const latin = new TextDecoder('latin1');

/** Key names are ASCII ([a-zA-Z0-9._/:-] when valid); anything else is kept byte for byte to be refused by the map. */
export function keyBytes(key: string): Uint8Array {
  return ascii.encode(key);
}

class CmapReader extends ByteReader<CmapDecodeCode> {
  key(what: string): string {
    const n = this.u8(`${what} length`);
    return latin.decode(this.bytes(n, what));
  }

  value(what: string, allowEmpty = false): CmapValue | undefined {
    const code = this.u8(`${what} type`);
    const length = this.u32(`${what} length`);
    if (code === 0 && allowEmpty && length === 0) return undefined;
    const type = typeOfCode(code);
    if (type === undefined) {
      this.fail('BAD_TYPE', `${what}: type ${code}, not 1..12`);
      return undefined;
    }
    if (length > VALUE_BYTES_MAX) {
      this.fail('VALUE_TOO_BIG', `${what}: ${length} bytes, at most ${VALUE_BYTES_MAX}`);
      return undefined;
    }
    return { type, bytes: this.bytes(length, what) };
  }

  finish<T>(value: T): CmapDecoded<T> {
    return this.end(value);
  }
}

function writeKey(w: ByteWriter, key: string): void {
  const b = keyBytes(key);
  if (b.length > KEY_NAME_MAX) throw new RangeError(`key of ${b.length} bytes, at most ${KEY_NAME_MAX}`);
  w.u8(b.length).bytes(b);
}

function writeValue(w: ByteWriter, v: CmapValue | undefined): void {
  if (v === undefined) w.u8(0).u32(0);
  else w.u8(CMAP_TYPES[v.type]).u32(v.bytes.length).bytes(v.bytes);
}

const valueSize = (v: CmapValue | undefined): number => 5 + (v?.bytes.length ?? 0);

// ---- requests --------------------------------------------------------------------------------

export function encodeKey(key: string): Uint8Array {
  const w = new ByteWriter(1 + key.length);
  writeKey(w, key);
  return w.finish();
}

export function decodeKey(p: Uint8Array): CmapDecoded<string> {
  const r = new CmapReader(p);
  return r.finish(r.key('key'));
}

export function encodeSet(key: string, value: CmapValue): Uint8Array {
  const w = new ByteWriter(1 + key.length + valueSize(value));
  writeKey(w, key);
  writeValue(w, value);
  return w.finish();
}

export function decodeSet(p: Uint8Array): CmapDecoded<CmapEntry> {
  const r = new CmapReader(p);
  const key = r.key('key');
  const value = r.value('value');
  return r.finish({ key, value: value! });
}

export function encodeAdjust(key: string, step: number): Uint8Array {
  const w = new ByteWriter(5 + key.length);
  writeKey(w, key);
  w.u32(step >>> 0);
  return w.finish();
}

export function decodeAdjust(p: Uint8Array): CmapDecoded<{ key: string; step: number }> {
  const r = new CmapReader(p);
  const key = r.key('key');
  const step = r.u32('step') | 0;
  return r.finish({ key, step });
}

export function encodeTrackAdd(key: string, flags: number): Uint8Array {
  const w = new ByteWriter(5 + key.length);
  writeKey(w, key);
  w.u32(flags);
  return w.finish();
}

export function decodeTrackAdd(p: Uint8Array): CmapDecoded<{ key: string; flags: number }> {
  const r = new CmapReader(p);
  const key = r.key('key');
  const flags = r.u32('flags');
  return r.finish({ key, flags });
}

export function encodeU32(v: number): Uint8Array {
  return new ByteWriter(4).u32(v).finish();
}

export function decodeU32(p: Uint8Array): CmapDecoded<number> {
  const r = new CmapReader(p);
  return r.finish(r.u32('u32'));
}

// ---- answers ---------------------------------------------------------------------------------

export function encodeValue(v: CmapValue): Uint8Array {
  const w = new ByteWriter(valueSize(v));
  writeValue(w, v);
  return w.finish();
}

export function decodeValue(p: Uint8Array): CmapDecoded<CmapValue> {
  const r = new CmapReader(p);
  const v = r.value('value');
  return r.finish(v!);
}

/** The size one entry takes in an iter_next answer (to fill a batch up to ITER_BATCH_BYTES). */
export function entrySize(e: CmapEntry): number {
  return 1 + keyBytes(e.key).length + valueSize(e.value);
}

export function encodeEntries(entries: readonly CmapEntry[]): Uint8Array {
  const w = new ByteWriter(2 + entries.reduce((s, e) => s + entrySize(e), 0));
  w.u16(entries.length);
  for (const e of entries) {
    writeKey(w, e.key);
    writeValue(w, e.value);
  }
  return w.finish();
}

export function decodeEntries(p: Uint8Array): CmapDecoded<CmapEntry[]> {
  const r = new CmapReader(p);
  const n = r.u16('count');
  const out: CmapEntry[] = [];
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.key(`entry ${i} key`);
    const value = r.value(`entry ${i} value`);
    if (value) out.push({ key, value });
  }
  return r.finish(out);
}

// ---- events ----------------------------------------------------------------------------------

export function encodeNotify(e: CmapNotifyEvent): Uint8Array {
  const w = new ByteWriter(6 + e.key.length + valueSize(e.newValue) + valueSize(e.oldValue));
  w.u32(e.tracker).u8(EVENT_CODE[e.event]);
  writeKey(w, e.key);
  writeValue(w, e.newValue);
  writeValue(w, e.oldValue);
  return w.finish();
}

export function decodeNotify(p: Uint8Array): CmapDecoded<CmapNotifyEvent> {
  const r = new CmapReader(p);
  const tracker = r.u32('tracker');
  const code = r.u8('event');
  const event = EVENT_OF_CODE.get(code);
  if (event === undefined && !r.failed) r.fail('BAD_EVENT', `event ${code}, not 1, 2 or 4`);
  const key = r.key('key');
  const newValue = r.value('new value', true);
  const oldValue = r.value('old value', true);
  return r.finish({ tracker, event: event!, key, newValue, oldValue });
}
