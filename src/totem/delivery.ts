/**
 * Agreed and safe delivery from a ring's store to the layer above (messages_deliver_to_app).
 */
import { seqLt, seqLte, seqNext } from './seq.js';
import type { Node } from './state.js';
import type { StoredMcast } from './store.js';
import { isBigEndianFrame } from './wire/index.js';

/** Corosync's guarantee values; anything at or above SAFE waits until every member has it. */
export const GUARANTEE_AGREED = 0;
export const GUARANTEE_SAFE = 1;

export function deliverOne(n: Node, item: StoredMcast): void {
  const msg = item.msg;
  n.highDelivered = msg.seq;
  // Recovery traffic of this ring carries old-ring messages; those are delivered at recovery's end.
  if (msg.encapsulated === 1) return;
  n.stats.deliveries++;
  n.events.push({
    kind: 'deliver',
    from: msg.systemFrom,
    payload: msg.payload,
    ringId: msg.ringId,
    seq: msg.seq,
    safe: msg.guarantee >= GUARANTEE_SAFE,
    bigEndian: isBigEndianFrame(item.frame),
  });
}

/** Delivers in sequence order up to `end`, stopping at a gap or a safe message not yet safe. */
export function deliverInOrder(n: Node, end: number): void {
  for (let seq = seqNext(n.highDelivered); seqLte(seq, end); seq = seqNext(seq)) {
    const item = n.regular.get(seq);
    if (!item) return;
    if (item.msg.guarantee >= GUARANTEE_SAFE && item.msg.encapsulated !== 1 && seqLt(n.safeSeq, seq)) return;
    deliverOne(n, item);
  }
}
