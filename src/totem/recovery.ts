/**
 * The old ring across a membership change: its state saved when COMMIT is entered (and restored
 * when the attempt fails), the plan of RECOVERY (the transitional configuration, and which
 * old-ring messages this processor re-sends, encapsulated, on the new ring), and at recovery's
 * end the delivery of what is left of it. Follows memb_state_recovery_enter and
 * memb_state_operational_enter of totemsrp.c, except for the delivery of old-ring messages after
 * a gap, where we follow the Totem paper (design.md). The transitions themselves are in
 * transitions.ts.
 */
import { seqLt, seqLte, seqNext } from './seq.js';
import { setHas, setMinus, toSet } from './sets.js';
import { sameRing, type Node } from './state.js';
import { GUARANTEE_SAFE, deliverOne } from './delivery.js';
import { decodeMessage } from './wire/index.js';
import type { MembCommitToken, NodeId } from './wire/types.js';

/** Remember where the old ring stood, once per membership change (old_ring_state_save). */
export function saveOldRingState(n: Node): void {
  if (n.oldRingSaved) return;
  n.oldRingSaved = true;
  n.oldRingId = n.ringId;
  n.oldRingAru = n.aru;
  n.oldRingHighSeqReceived = n.highSeqReceived;
}

export function restoreOldRingState(n: Node): void {
  n.aru = n.oldRingAru;
  n.highSeqReceived = n.oldRingHighSeqReceived;
}

/**
 * From the commit token's second rotation: the transitional configuration, the furthest any of
 * its members delivered on the old ring, and the old-ring messages to re-send because some
 * member of it lacks them (queued on n.retransQueue).
 */
export function planRecovery(n: Node, token: MembCommitToken): void {
  // The transitional configuration: new members that come from our old ring.
  const trans: NodeId[] = [];
  token.addr.forEach((id, i) => {
    if (sameRing(token.membList[i]!.ringId, n.oldRingId) && setHas(n.memb, id)) trans.push(id);
  });
  n.transMemb = toSet(trans);
  // The furthest any of them delivered on the old ring: all of us deliver up to there in the
  // old regular configuration, so that part agrees (Corosync's my_high_ring_delivered).
  // Corosync starts from 0, which is not "before" old-ring numbers near a wrap: start from the
  // first entry instead (ours is always among them).
  let highRingDelivered: number | undefined;
  token.addr.forEach((id, i) => {
    const entry = token.membList[i]!;
    if (!setHas(n.transMemb, id) || !sameRing(entry.ringId, n.oldRingId)) return;
    if (highRingDelivered === undefined || seqLt(highRingDelivered, entry.highDelivered)) {
      highRingDelivered = entry.highDelivered;
    }
  });
  n.highRingDelivered = highRingDelivered ?? n.highDelivered;

  const someoneLacks = token.addr.some((id, i) => setHas(n.transMemb, id) && token.membList[i]!.receivedFlg === 0);
  if (someoneLacks) {
    let lowRingAru = n.oldRingHighSeqReceived;
    token.addr.forEach((id, i) => {
      const entry = token.membList[i]!;
      if (setHas(n.transMemb, id) && sameRing(entry.ringId, n.oldRingId) && seqLt(entry.aru, lowRingAru)) {
        lowRingAru = entry.aru;
      }
    });
    for (let seq = seqNext(lowRingAru); seqLte(seq, n.oldRingHighSeqReceived); seq = seqNext(seq)) {
      const item = n.regular.get(seq);
      if (item) n.retransQueue.push(item.frame);
    }
  }
}

/** Moves old-ring messages recovered on the new ring into the old ring's store. */
export function adoptRecoveredMessages(n: Node): void {
  for (const item of n.recovery.values()) {
    if (item.msg.encapsulated !== 1) continue;
    const inner = decodeMessage(item.msg.payload);
    if (!inner.ok || inner.value.kind !== 'mcast') continue;
    if (!sameRing(inner.value.ringId, n.oldRingId)) continue;
    n.regular.add(inner.value.seq, { frame: item.msg.payload, msg: inner.value });
  }
}

/**
 * Delivers what is left of the old ring under extended virtual synchrony. Every member of the
 * transitional configuration holds the same old-ring messages now, and knows the same
 * `highRingDelivered`, so all make the same choices:
 * - in the old regular configuration: everything up to `highRingDelivered` (someone already
 *   delivered it there, so it was safe if it had to be), then agreed messages up to the first
 *   gap or the first safe message, since no one can still prove such a message safe;
 * - then the transitional configuration;
 * - then the rest, skipping gaps, but after a gap only from senders in the transitional
 *   configuration: a message from anyone else may depend on what is missing.
 */
export function deliverOldRing(n: Node): void {
  const high = n.regular.highestSeq();
  for (let seq = seqNext(n.highDelivered); seqLte(seq, high); seq = seqNext(seq)) {
    const item = n.regular.get(seq);
    if (!item) break;
    if (seqLt(n.highRingDelivered, seq) && item.msg.guarantee >= GUARANTEE_SAFE && item.msg.encapsulated !== 1) break;
    deliverOne(n, item);
  }
  n.events.push({
    kind: 'config',
    type: 'transitional',
    ringId: n.ringId,
    members: n.transMemb,
    joined: [],
    left: setMinus(n.memb, n.transMemb),
  });
  let afterGap = false;
  for (let seq = seqNext(n.highDelivered); seqLte(seq, high); seq = seqNext(seq)) {
    const item = n.regular.get(seq);
    if (!item) {
      afterGap = true;
      continue;
    }
    if (afterGap && !setHas(n.transMemb, item.msg.systemFrom)) continue;
    deliverOne(n, item);
  }
}
