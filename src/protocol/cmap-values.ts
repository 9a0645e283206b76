/**
 * cmap's typed values, shared by the daemon's map (src/services/cmap), the client library and
 * `ringcast cmap`: Corosync's type codes and corosync-cmapctl's type names, the byte form of each
 * value (little endian; strings as UTF-8 without the NUL Corosync stores), the JavaScript form,
 * and the text corosync-cmapctl prints (`key (type) = value`, tools/corosync-cmapctl.c print_key).
 */

/** Value types with Corosync's codes (cmap.h CMAP_VALUETYPE_*) under corosync-cmapctl's names. */
export const CMAP_TYPES = {
  i8: 1, u8: 2, i16: 3, u16: 4, i32: 5, u32: 6, i64: 7, u64: 8, flt: 9, dbl: 10, str: 11, bin: 12,
} as const;
export type CmapTypeName = keyof typeof CMAP_TYPES;
export const CMAP_TYPE_NAMES: readonly CmapTypeName[] = Object.keys(CMAP_TYPES) as CmapTypeName[];
const NAME_OF_CODE = new Map<number, CmapTypeName>(CMAP_TYPE_NAMES.map((n) => [CMAP_TYPES[n], n]));

export function typeOfCode(code: number): CmapTypeName | undefined {
  return NAME_OF_CODE.get(code);
}

export function isTypeName(name: string): name is CmapTypeName {
  return Object.hasOwn(CMAP_TYPES, name);
}

export const FIXED_BYTES: Readonly<Partial<Record<CmapTypeName, number>>> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, flt: 4, dbl: 8 };
export const INTEGER_TYPES: readonly CmapTypeName[] = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'];

/** Key names: 3 to 255 characters of [a-zA-Z0-9._/:-] (icmap.c, cmap.h CMAP_KEYNAME_MINLEN/MAXLEN). */
export const KEY_NAME_MIN = 3;
export const KEY_NAME_MAX = 255;
/** ICMAP_MAX_VALUE_LEN: the largest value, of any type. */
export const VALUE_BYTES_MAX = 16 * 1024;
const KEY_CHARS = /^[a-zA-Z0-9._/:-]+$/;

/** A stored value: its type and its bytes (little endian for numbers; strings without a NUL). */
export interface CmapValue {
  readonly type: CmapTypeName;
  readonly bytes: Uint8Array;
}

/** A value in JavaScript: bigint for integers (u64 does not fit a number), number for flt/dbl. */
export type CmapJsValue = bigint | number | string | Uint8Array;

/** Why `key` cannot name a new entry, or undefined. */
export function keyNameProblem(key: string): string | undefined {
  if (key.length < KEY_NAME_MIN || key.length > KEY_NAME_MAX) return `key name "${key.length > 64 ? `${key.slice(0, 61)}...` : key}" must be ${KEY_NAME_MIN} to ${KEY_NAME_MAX} characters`;
  if (!KEY_CHARS.test(key)) return `key name "${key}" may use only letters, digits and . _ / : -`;
  return undefined;
}

export function stringValue(text: string): CmapValue {
  return { type: 'str', bytes: new TextEncoder().encode(text) };
}

/** Integer ranges of each type, for refusing a value that does not fit instead of wrapping it. */
export function integerRange(type: CmapTypeName): { min: bigint; max: bigint } {
  const bits = BigInt(FIXED_BYTES[type]! * 8);
  return type.startsWith('i') ? { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n } : { min: 0n, max: (1n << bits) - 1n };
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

function decodeFloat(value: CmapValue): number {
  const view = new DataView(value.bytes.buffer, value.bytes.byteOffset, value.bytes.byteLength);
  return value.type === 'flt' ? view.getFloat32(0, true) : view.getFloat64(0, true);
}

/** The JavaScript form of a stored value. */
export function jsValue(value: CmapValue): CmapJsValue {
  switch (value.type) {
    case 'str': return new TextDecoder().decode(value.bytes);
    case 'bin': return Uint8Array.from(value.bytes);
    case 'flt': case 'dbl': return decodeFloat(value);
    default: return decodeInteger(value);
  }
}

/** C's printf("%f"): six decimals, plain digits even for huge magnitudes (toFixed switches to exponents at 1e21). */
function printfF(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (Math.abs(x) < 1e21) return x.toFixed(6);
  return `${BigInt(x).toString()}.000000`;
}

/** print_binary_key: printable ASCII as is, a backslash doubled, other bytes as \xNN. */
function printBinary(bytes: Uint8Array): string {
  if (bytes.length === 0) return '*empty*';
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The value as corosync-cmapctl prints it after `(type) = `; binary values only with `binary` (its -b). */
export function formatValue(value: CmapValue, options: { binary?: boolean } = {}): string | undefined {
  switch (value.type) {
    case 'str': return new TextDecoder().decode(value.bytes);
    case 'bin': return options.binary ? printBinary(value.bytes) : undefined;
    case 'flt': case 'dbl': return printfF(decodeFloat(value));
    default: return decodeInteger(value).toString();
  }
}

/** One corosync-cmapctl line: `key (type) = value`, or `key (bin)` for a binary value without -b. */
export function formatLine(key: string, value: CmapValue, options: { binary?: boolean } = {}): string {
  const text = formatValue(value, options);
  return text === undefined ? `${key} (${value.type})` : `${key} (${value.type}) = ${text}`;
}

/**
 * corosync-cmapctl -s's parsing of a value given as text: the messages and checks of its
 * set_key(), so `ringcast cmap set` refuses what the C tool refuses, with the same words.
 * `bin` values are the text's bytes here (the C tool reads a file; see docs/cmap.md).
 */
export function parseValueText(typeName: string, text: string): { ok: true; value: CmapValue } | { ok: false; message: string } {
  if (!isTypeName(typeName)) return { ok: false, message: `Unknown type ${typeName}` };
  const type = typeName;
  if (type === 'str') return { ok: true, value: stringValue(text) };
  if (type === 'bin') return { ok: true, value: { type, bytes: new TextEncoder().encode(text) } };
  if (type === 'flt' || type === 'dbl') {
    // sscanf("%f") takes a leading number and ignores the rest; an input with none fails.
    const m = /^\s*[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/i.exec(text);
    if (!m) return { ok: false, message: `${text} is not valid ${type} type value` };
    const n = Number(m[0].trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity').replace(/^[+-]?nan$/i, 'NaN'));
    return { ok: true, value: floatValue(type, n) };
  }
  // sscanf("%" PRId64 / PRIu64): optional blanks and sign, decimal digits, the rest ignored.
  const m = /^\s*([+-]?)(\d+)/.exec(text);
  if (!m) return { ok: false, message: `${text} is not valid ${type} type value` };
  let n = BigInt(`${m[1]}${m[2]}`);
  if (type.startsWith('u')) {
    // strtoull accepts a minus and negates modulo 2^64; values beyond 2^64-1 saturate.
    if (n > 0xffff_ffff_ffff_ffffn || n < -0xffff_ffff_ffff_ffffn) n = 0xffff_ffff_ffff_ffffn;
    else n = BigInt.asUintN(64, n);
    if (type !== 'u64' && n > integerRange(type).max) return { ok: false, message: `${text} is not valid ${type} integer` };
  } else {
    if (n > 0x7fff_ffff_ffff_ffffn) n = 0x7fff_ffff_ffff_ffffn;
    if (n < -0x8000_0000_0000_0000n) n = -0x8000_0000_0000_0000n;
    const range = integerRange(type);
    if (type !== 'i64' && (n > range.max || n < range.min)) return { ok: false, message: `${text} is not valid ${type} integer` };
  }
  return { ok: true, value: integerValue(type, n) };
}
