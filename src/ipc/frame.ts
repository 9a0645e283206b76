/**
 * IPC frame bodies: every frame on the socket is `u32 LE body length` then the body, whose first
 * byte is the frame kind. Integers are little-endian; strings are a u8 byte count then UTF-8.
 * The decoder is strict (exact lengths, known kinds, valid strings) and never throws: a bad body
 * is a typed error the connection turns into a counted disconnect. See design.md for the table.
 */
import {
  disconnectReasonFromWire,
  disconnectReasonToWire,
  rejectCodeFromWire,
  REJECT_WIRE,
  type DisconnectReason,
  type RejectCode,
} from './codes.js';

export const IPC_PROTOCOL_VERSION = 1;
export const FRAME_PREFIX_BYTES = 4;
/** "RCIP" read as u32 LE: a hello must start with it, so a stray talker fails the handshake at once. */
export const HELLO_MAGIC = 0x50494352;
export const BOOT_ID_BYTES = 16;
/** Service names are identifiers, bounded and log-safe. */
export const SERVICE_NAME_BYTES_MAX = 64;
const SERVICE_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
const DETAIL_BYTES_MAX = 255;

export const FRAME_KIND = { hello: 1, accept: 2, reject: 3, request: 4, response: 5, event: 6, closing: 7 } as const;

/** Body bytes before the payload, for the kinds that carry one. */
export const REQUEST_HEADER_BYTES = 9;
export const RESPONSE_HEADER_BYTES = 9;
export const EVENT_HEADER_BYTES = 5;

export interface HelloFrame {
  readonly kind: 'hello';
  readonly versionMin: number;
  readonly versionMax: number;
  /** Declared by the client; Node cannot read SO_PEERCRED, so this is informational, not trusted. */
  readonly pid: number;
  /** The largest frame the client is willing to receive. */
  readonly maxFrameBytes: number;
  readonly serviceName: string;
}
export interface AcceptFrame {
  readonly kind: 'accept';
  readonly version: number;
  readonly connectionId: number;
  readonly nodeId: number;
  readonly bootId: Uint8Array;
  /** Negotiated bound on every frame, both ways: min(client's, server's). */
  readonly maxFrameBytes: number;
  readonly maxInFlightRequests: number;
}
export interface RejectFrame {
  readonly kind: 'reject';
  readonly code: RejectCode;
  readonly detail: string;
}
export interface RequestFrame {
  readonly kind: 'request';
  readonly requestId: number;
  readonly messageId: number;
  readonly payload: Uint8Array;
}
export interface ResponseFrame {
  readonly kind: 'response';
  readonly requestId: number;
  readonly status: number;
  readonly payload: Uint8Array;
}
export interface EventFrame {
  readonly kind: 'event';
  readonly messageId: number;
  readonly payload: Uint8Array;
}
export interface ClosingFrame {
  readonly kind: 'closing';
  readonly reason: DisconnectReason;
  readonly detail: string;
}
export type IpcFrame = HelloFrame | AcceptFrame | RejectFrame | RequestFrame | ResponseFrame | EventFrame | ClosingFrame;

export type FrameDecodeErrorCode = 'TRUNCATED' | 'TRAILING_BYTES' | 'UNKNOWN_KIND' | 'BAD_FIELD';
export interface FrameDecodeError {
  readonly code: FrameDecodeErrorCode;
  readonly detail: string;
}
export type FrameDecodeResult = { ok: true; frame: IpcFrame } | { ok: false; error: FrameDecodeError };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isValidServiceName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name) <= SERVICE_NAME_BYTES_MAX && SERVICE_NAME_PATTERN.test(name);
}

/** Encodes a whole frame, length prefix included, into one buffer ready for socket.write. */
export function encodeFrame(frame: IpcFrame): Buffer {
  switch (frame.kind) {
    case 'hello': {
      const name = Buffer.from(frame.serviceName, 'utf8');
      const b = alloc(FRAME_KIND.hello, 4 + 2 + 2 + 4 + 4 + 1 + name.length);
      let o = 5;
      o = b.writeUInt32LE(HELLO_MAGIC, o);
      o = b.writeUInt16LE(frame.versionMin, o);
      o = b.writeUInt16LE(frame.versionMax, o);
      o = b.writeUInt32LE(frame.pid, o);
      o = b.writeUInt32LE(frame.maxFrameBytes, o);
      o = b.writeUInt8(name.length, o);
      name.copy(b, o);
      return b;
    }
    case 'accept': {
      const b = alloc(FRAME_KIND.accept, 2 + 4 + 4 + BOOT_ID_BYTES + 4 + 4);
      let o = 5;
      o = b.writeUInt16LE(frame.version, o);
      o = b.writeUInt32LE(frame.connectionId, o);
      o = b.writeUInt32LE(frame.nodeId, o);
      b.set(frame.bootId.subarray(0, BOOT_ID_BYTES), o);
      o += BOOT_ID_BYTES;
      o = b.writeUInt32LE(frame.maxFrameBytes, o);
      b.writeUInt32LE(frame.maxInFlightRequests, o);
      return b;
    }
    case 'reject':
      return encodeCodeAndDetail(FRAME_KIND.reject, REJECT_WIRE[frame.code], frame.detail);
    case 'closing':
      return encodeCodeAndDetail(FRAME_KIND.closing, disconnectReasonToWire(frame.reason), frame.detail);
    case 'request':
      return encodeWithPayload(FRAME_KIND.request, frame.requestId, frame.messageId, frame.payload);
    case 'response':
      return encodeWithPayload(FRAME_KIND.response, frame.requestId, frame.status, frame.payload);
    case 'event': {
      const b = alloc(FRAME_KIND.event, 4 + frame.payload.length);
      b.writeUInt32LE(frame.messageId, 5);
      b.set(frame.payload, 9);
      return b;
    }
  }
}

/**
 * The start of an event frame whose payload is `head` followed by `tailBytes` more bytes that the
 * caller writes next (the length prefix covers both).
 */
export function encodeEventHead(messageId: number, head: Uint8Array, tailBytes: number): Buffer {
  const b = alloc(FRAME_KIND.event, 4 + head.length);
  b.writeUInt32LE(1 + 4 + head.length + tailBytes, 0);
  b.writeUInt32LE(messageId, 5);
  b.set(head, 9);
  return b;
}

/** Encoded size of a payload-carrying frame, prefix included, without building it. */
export function encodedFrameBytes(kind: 'request' | 'response' | 'event', payloadBytes: number): number {
  const header = kind === 'event' ? EVENT_HEADER_BYTES : REQUEST_HEADER_BYTES;
  return FRAME_PREFIX_BYTES + header + payloadBytes;
}

function alloc(kind: number, fieldBytes: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + 1 + fieldBytes);
  b.writeUInt32LE(1 + fieldBytes, 0);
  b.writeUInt8(kind, 4);
  return b;
}

function encodeWithPayload(kind: number, a: number, b32: number, payload: Uint8Array): Buffer {
  const b = alloc(kind, 8 + payload.length);
  b.writeUInt32LE(a, 5);
  b.writeUInt32LE(b32, 9);
  b.set(payload, 13);
  return b;
}

function encodeCodeAndDetail(kind: number, code: number, detail: string): Buffer {
  const text = truncateUtf8(detail, DETAIL_BYTES_MAX);
  const b = alloc(kind, 2 + 1 + text.length);
  b.writeUInt16LE(code, 5);
  b.writeUInt8(text.length, 7);
  text.copy(b, 8);
  return b;
}

/** Cuts at a character boundary so the result is still valid UTF-8. */
function truncateUtf8(text: string, maxBytes: number): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  let chars = text.length;
  while (bytes.length > maxBytes) {
    chars = Math.max(0, chars - Math.max(1, Math.floor((bytes.length - maxBytes) / 4)));
    bytes = Buffer.from(text.slice(0, chars), 'utf8');
  }
  return bytes;
}

function fail(code: FrameDecodeErrorCode, detail: string): FrameDecodeResult {
  return { ok: false, error: { code, detail } };
}

function exact(body: Uint8Array, expected: number, what: string): FrameDecodeResult | undefined {
  if (body.length < expected) return fail('TRUNCATED', `${what}: ${body.length} bytes, needs ${expected}`);
  if (body.length > expected) return fail('TRAILING_BYTES', `${what}: ${body.length - expected} bytes too many`);
  return undefined;
}

/** Decodes one body (the bytes after the length prefix). Payloads are views into `body`. */
export function decodeFrame(body: Uint8Array): FrameDecodeResult {
  if (body.length === 0) return fail('TRUNCATED', 'empty body');
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (body[0]) {
    case FRAME_KIND.hello:
      return decodeHello(body, v);
    case FRAME_KIND.accept: {
      const bad = exact(body, 1 + 2 + 4 + 4 + BOOT_ID_BYTES + 4 + 4, 'accept');
      if (bad) return bad;
      const frame: AcceptFrame = {
        kind: 'accept', version: v.getUint16(1, true), connectionId: v.getUint32(3, true), nodeId: v.getUint32(7, true),
        bootId: new Uint8Array(body.subarray(11, 11 + BOOT_ID_BYTES)), maxFrameBytes: v.getUint32(27, true), maxInFlightRequests: v.getUint32(31, true),
      };
      if (frame.maxInFlightRequests === 0) return fail('BAD_FIELD', 'accept: maxInFlightRequests 0');
      return { ok: true, frame };
    }
    case FRAME_KIND.reject:
    case FRAME_KIND.closing:
      return decodeCodeAndDetail(body, v);
    case FRAME_KIND.request:
    case FRAME_KIND.response: {
      if (body.length < 9) return fail('TRUNCATED', `${body.length} bytes, header needs 9`);
      const a = v.getUint32(1, true);
      const b = v.getUint32(5, true);
      const payload = body.subarray(9);
      return body[0] === FRAME_KIND.request
        ? { ok: true, frame: { kind: 'request', requestId: a, messageId: b, payload } }
        : { ok: true, frame: { kind: 'response', requestId: a, status: b, payload } };
    }
    case FRAME_KIND.event:
      if (body.length < 5) return fail('TRUNCATED', `event: ${body.length} bytes, header needs 5`);
      return { ok: true, frame: { kind: 'event', messageId: v.getUint32(1, true), payload: body.subarray(5) } };
    default:
      return fail('UNKNOWN_KIND', `frame kind ${body[0]}`);
  }
}

function decodeHello(body: Uint8Array, v: DataView): FrameDecodeResult {
  const fixed = 1 + 4 + 2 + 2 + 4 + 4 + 1;
  if (body.length < fixed) return fail('TRUNCATED', `hello: ${body.length} bytes, fixed part needs ${fixed}`);
  if (v.getUint32(1, true) !== HELLO_MAGIC) return fail('BAD_FIELD', 'hello: bad magic');
  const nameBytes = body[fixed - 1]!;
  const bad = exact(body, fixed + nameBytes, 'hello');
  if (bad) return bad;
  const serviceName = readString(body.subarray(fixed));
  if (serviceName === undefined || !isValidServiceName(serviceName)) return fail('BAD_FIELD', 'hello: bad service name');
  const versionMin = v.getUint16(5, true);
  const versionMax = v.getUint16(7, true);
  if (versionMin > versionMax) return fail('BAD_FIELD', `hello: version range ${versionMin}..${versionMax}`);
  const maxFrameBytes = v.getUint32(13, true);
  return { ok: true, frame: { kind: 'hello', versionMin, versionMax, pid: v.getUint32(9, true), maxFrameBytes, serviceName } };
}

function decodeCodeAndDetail(body: Uint8Array, v: DataView): FrameDecodeResult {
  if (body.length < 4) return fail('TRUNCATED', `${body.length} bytes, fixed part needs 4`);
  const bad = exact(body, 4 + body[3]!, 'detail');
  if (bad) return bad;
  const detail = readString(body.subarray(4));
  if (detail === undefined) return fail('BAD_FIELD', 'detail is not UTF-8');
  const wire = v.getUint16(1, true);
  if (body[0] === FRAME_KIND.reject) {
    const code = rejectCodeFromWire(wire);
    return code ? { ok: true, frame: { kind: 'reject', code, detail } } : fail('BAD_FIELD', `reject code ${wire}`);
  }
  const reason = disconnectReasonFromWire(wire);
  return reason ? { ok: true, frame: { kind: 'closing', reason, detail } } : fail('BAD_FIELD', `closing reason ${wire}`);
}

function readString(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
