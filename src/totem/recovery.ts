/**
 * RECOVERY and the return to OPERATIONAL: old-ring messages that some member of the
 * transitional configuration lacks are re-sent (encapsulated) on the new ring, then every member
 * delivers the rest of the old ring, the transitional configuration, and the regular one.
 * Follows memb_state_recovery_enter and memb_state_operational_enter of totemsrp.c, except for
 * the delivery of old-ring messages after a gap, where we follow the Totem paper (design.md).
 */
import { transition } from './effects.js';
import { setHas, setMinus, toSet, type NodeSet } from './sets.js';
import { sameRing, type Node } from './state.js';
import { MessageStore } from './store.js';
import { GUARANTEE_SAFE, deliverInOrder, deliverOne } from './delivery.js';
import { decodeMessage } from './wire/index.js';
import type { MembCommitToken, NodeId } from './wire/types.js';
import { sendCommitToken } from './membership.js';

/** The next processor after `me` in ring order: the token's target. */
export function nextInRing(members: NodeSet, me: NodeId): NodeId {
  const index = members.indexOf(me);
  return members[(index + 1) % members.length]!;
}

export function enterRecovery(n: Node, token: MembCommitToken): void {
  n.orfTokenDiscard = false;
  n.recovery = new MessageStore(0, n.cfg.retransmitQueueMax);
  n.retransQueue = [];
  sendCommitToken(n, token);
  n.tokenSeq = -1;

  // The transitional configuration: new members that come from our old ring.
  const trans: NodeId[] = [];
  token.addr.forEach((id, i) => {
    if (sameRing(token.membList[i]!.ringId, n.oldRingId) && setHas(n.memb, id)) trans.push(id);
  });
  n.transMemb = toSet(trans);
  // The furthest any of them delivered on the old ring: all of us deliver up to there in the
  // old regular configuration, so that part agrees (Corosync's my_high_ring_delivered).
  n.highRingDelivered = 0;
  token.addr.forEach((id, i) => {
    const entry = token.membList[i]!;
    if (setHas(n.transMemb, id) && sameRing(entry.ringId, n.oldRingId) && entry.highDelivered > n.highRingDelivered) {
      n.highRingDelivered = entry.highDelivered;
    }
  });

  const someoneLacks = token.addr.some((id, i) => setHas(n.transMemb, id) && token.membList[i]!.receivedFlg === 0);
  if (someoneLacks) {
    let lowRingAru = n.oldRingHighSeqReceived;
    token.addr.forEach((id, i) => {
      const entry = token.membList[i]!;
      if (setHas(n.transMemb, id) && sameRing(entry.ringId, n.oldRingId) && entry.aru < lowRingAru) {
        lowRingAru = entry.aru;
      }
    });
    for (let seq = lowRingAru + 1; seq <= n.oldRingHighSeqReceived; seq++) {
      const item = n.regular.get(seq);
      if (item) n.retransQueue.push(item.frame);
    }
  }

  n.aru = 0;
  n.highSeqReceived = 0;
  n.installSeq = 0;
  n.aruCount = 0;
  n.seqUnchanged = 0;
  n.retransFlgCount = 0;
  n.rotationCounter = 0;
  n.retransFlgSet = false;
  n.timers.arm('tokenLoss', n.now + n.cfg.tokenTimeoutMs);
  n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
  n.stats.recoveryEntered++;
  transition(n, 'recovery', `commit token returned, ${n.retransQueue.length} old-ring messages to re-send`);
}

/** Moves old-ring messages recovered on the new ring into the old ring's store. */
function adoptRecoveredMessages(n: Node): void {
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
function deliverOldRing(n: Node): void {
  const high = n.regular.highestSeq();
  for (let seq = n.highDelivered + 1; seq <= high; seq++) {
    const item = n.regular.get(seq);
    if (!item) break;
    if (seq > n.highRingDelivered && item.msg.guarantee >= GUARANTEE_SAFE && item.msg.encapsulated !== 1) break;
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
  for (let seq = n.highDelivered + 1; seq <= high; seq++) {
    const item = n.regular.get(seq);
    if (!item) {
      afterGap = true;
      continue;
    }
    if (afterGap && !setHas(n.transMemb, item.msg.systemFrom)) continue;
    deliverOne(n, item);
  }
}

export function enterOperational(n: Node): void {
  n.consensus.clear();
  n.oldRingSaved = false;
  n.source.ringChanged?.();
  adoptRecoveredMessages(n);
  deliverOldRing(n);

  const joined = setMinus(n.newMemb, n.transMemb);
  const left = setMinus(n.memb, n.transMemb);
  n.events.push({ kind: 'config', type: 'regular', ringId: n.ringId, members: n.newMemb, joined, left: [] });
  n.trace?.({ kind: 'ringFormed', ringId: n.ringId, members: n.newMemb, joined, left });

  // The new ring's store (recovery messages so far) becomes the regular one.
  n.memb = n.newMemb;
  n.regular = n.recovery;
  n.recovery = new MessageStore(0, n.cfg.retransmitQueueMax);
  n.highDelivered = 0;
  n.lastAru = 0;
  n.safeSeq = 0;
  n.procList = n.newMemb;
  n.failedList = [];
  n.leaving.clear();
  n.receivedFlg = true;
  n.oldRingId = n.ringId;
  n.retransQueue = [];
  n.stats.operationalEntered++;
  transition(n, 'operational', 'recovery complete');
  deliverInOrder(n, n.highSeqReceived);
}
