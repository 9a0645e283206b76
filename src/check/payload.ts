/**
 * How a message carries its history id: the payload starts with `<id>|` and padding follows.
 * The simulator's load, the daemon's `--load` and test clients all use this, so one checker
 * can follow any message from its `send` to every `deliver`.
 */
const SEPARATOR = 0x7c; // '|'
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function makePayload(id: string, size: number): Uint8Array {
  const head = encoder.encode(`${id}|`);
  const out = new Uint8Array(Math.max(head.length, size));
  out.set(head);
  for (let i = head.length; i < out.length; i++) out[i] = 0x61 + (i % 26);
  return out;
}

/** The history id at the start of a payload, or undefined if it carries none. */
export function payloadId(data: Uint8Array): string | undefined {
  const end = data.indexOf(SEPARATOR);
  if (end <= 0 || end > 64) return undefined;
  return decoder.decode(data.subarray(0, end));
}

