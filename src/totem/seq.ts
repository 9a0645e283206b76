/**
 * Message sequence numbers (an mcast's `seq`, the token's `seq`, `aru` and `token_seq`) are u32
 * on the wire, and a long-lived ring passes 2^32. They are compared the way Corosync's
 * `sq_lt_compare` (include/corosync/sq.h) means them: modulo 2^32, `a` is before `b` when the
 * signed 32-bit difference `a - b` is negative. That orders any two numbers less than 2^31
 * apart, which the protocol guarantees: everything compared lives within one ring's retransmit
 * window (Corosync's QUEUE_RTR_ITEMS_SIZE_MAX, our retransmitQueueMax) of each other. Exactly
 * 2^31 apart the order is undefined (each is "before" the other); nothing may rely on it.
 *
 * Every value handed in must be a u32 (0..2^32-1), as the decoder produces; every value handed
 * out is one. Ring sequence numbers (the 64-bit `ring_id.seq`) are not these: they grow by 4 per
 * ring, are persisted, and never wrap in practice (2^53 / 4 rings), so they are plain numbers.
 */

/** Sequence numbers live in 0..SEQ_MAX and wrap from SEQ_MAX to 0. */
export const SEQ_MAX = 0xffffffff;

/** Whether `v` is a valid sequence number (a u32). */
export function isSeq(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= SEQ_MAX;
}

/** `a` comes before `b` (sq_lt_compare). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` comes before `b` or is `b` (sq_lte_compare). */
export function seqLte(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** The number after `a`: a + 1 modulo 2^32. */
export function seqNext(a: number): number {
  return (a + 1) >>> 0;
}

/** The number before `a`: a - 1 modulo 2^32 (a ring's aru before its first message). */
export function seqPrev(a: number): number {
  return (a - 1) >>> 0;
}

/** `a + k` modulo 2^32, for any integer `k` (negative steps back). */
export function seqAdd(a: number, k: number): number {
  return (a + k) >>> 0;
}

/** Steps forward from `from` to `to` (0..2^32-1): how many numbers follow `from` up to `to`. */
export function seqDistance(from: number, to: number): number {
  return (to - from) >>> 0;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return seqLt(b, a) ? b : a;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b : a;
}
