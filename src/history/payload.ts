/**
 * How a message carries its history id: the payload starts with `<id>|` and padding follows.
 * The simulator's load, the daemon's `--load` and test clients all use this, so one checker
 * can follow any message from its `send` to every `deliver`.
 */
const SEPARATOR = 0x7c; // '|'
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Padding 'abc…z' repeated, indexed by absolute position so a payload's bytes never depend on its id. */
let pad = new Uint8Array(0);

function padding(size: number): Uint8Array {
  if (pad.length < size) {
    pad = new Uint8Array(Math.max(size, 2 * pad.length, 4096));
    for (let i = 0; i < pad.length; i++) pad[i] = 0x61 + (i % 26);
  }
  return pad;
}

export function makePayload(id: string, size: number): Uint8Array {
  const text = `${id}|`;
  const headBytes = Buffer.byteLength(text);
  // Unzeroed: every byte is written below. Loads build payloads by the hundred thousand.
  const out = Buffer.allocUnsafe(Math.max(headBytes, size));
  if (out.length > headBytes) out.set(padding(out.length).subarray(headBytes, out.length), headBytes);
  encoder.encodeInto(text, out);
  return out;
}

/** The history id at the start of a payload, or undefined if it carries none. */
export function payloadId(data: Uint8Array): string | undefined {
  const end = data.indexOf(SEPARATOR);
  if (end <= 0 || end > 64) return undefined;
  return decoder.decode(data.subarray(0, end));
}


/**
 * A load message may also carry its send time: `<id>|<wall µs>|padding`, so a receiver on the
 * same machine can measure delivery latency. Wall time in microseconds from
 * `performance.timeOrigin + performance.now()` agrees across processes of one host.
 */
export function wallMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export function makeTimedPayload(id: string, size: number, sentMicros: number): Uint8Array {
  return makePayload(`${id}|${sentMicros}`, size);
}

/** The send time a timed payload carries, or undefined. */
export function payloadSentMicros(data: Uint8Array): number | undefined {
  const first = data.indexOf(SEPARATOR);
  if (first <= 0) return undefined;
  const second = data.indexOf(SEPARATOR, first + 1);
  if (second <= first + 1 || second - first > 20) return undefined;
  const value = Number(decoder.decode(data.subarray(first + 1, second)));
  return Number.isSafeInteger(value) ? value : undefined;
}
