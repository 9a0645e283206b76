/**
 * The workload every simulated node runs: messages that carry history ids, so the checker can
 * follow each one from `send` to every `deliver`. Payload: `<id>|` followed by padding.
 */
import type { Prng } from './prng.js';
export { makePayload, payloadId } from '../history/payload.js';

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

export function nextMessageSize(rng: Prng, load: LoadOptions): number {
  if (rng.chance(load.largeFraction)) return rng.int(2_000, load.largeMaxBytes);
  return rng.int(16, load.smallMaxBytes);
}

/** Virtual ms until the next message: exponential inter-arrival times (a Poisson load). */
export function nextGapMs(rng: Prng, load: LoadOptions): number {
  return -Math.log(1 - rng.float()) * (1000 / load.ratePerSec);
}
