/**
 * The workload every simulated node runs: messages that carry history ids, so the checker can
 * follow each one from `send` to every `deliver`. Payload: `<id>|` followed by padding.
 */
import type { Prng } from './prng.js';

export interface LoadOptions {
  /** Messages per second of virtual time, per node. */
  readonly ratePerSec: number;
  /** Fraction of messages sent with safe delivery. */
  readonly safeFraction: number;
  /** Fraction of messages large enough to be fragmented. */
  readonly largeFraction: number;
  readonly smallMaxBytes: number;
  readonly largeMaxBytes: number;
}

export const DEFAULT_LOAD: LoadOptions = {
  ratePerSec: 40,
  safeFraction: 0.1,
  largeFraction: 0.03,
  smallMaxBytes: 200,
  largeMaxBytes: 20_000,
};

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

export function nextMessageSize(rng: Prng, load: LoadOptions): number {
  if (rng.chance(load.largeFraction)) return rng.int(2_000, load.largeMaxBytes);
  return rng.int(16, load.smallMaxBytes);
}

/** Virtual ms until the next message: exponential inter-arrival times (a Poisson load). */
export function nextGapMs(rng: Prng, load: LoadOptions): number {
  return -Math.log(1 - rng.float()) * (1000 / load.ratePerSec);
}
