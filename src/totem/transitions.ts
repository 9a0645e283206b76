/**
 * Every membership state transition, in one place: GATHER, COMMIT, RECOVERY and OPERATIONAL are
 * entered only through the enterX functions below (Corosync's memb_state_*_enter), each of which
 * names why in the trace. The message handlers (membership.ts, token.ts, core.ts) decide *when*;
 * this file says what entering a state does. It imports only the per-state helpers, never a
 * handler, so the core's import graph has no cycle (test/totem-cycles.test.ts).
 */
import { sendCommitToken, updateCommitToken } from './commit-token.js';
import { deliverInOrder } from './delivery.js';
import { sendJoin } from './joins.js';
import { adoptRecoveredMessages, deliverOldRing, planRecovery, saveOldRingState } from './recovery.js';
import { setMinus, setUnion } from './sets.js';
import type { GatherReason, MembState, Node } from './state.js';
import { seqPrev } from './seq.js';
import { MessageStore } from './store.js';
import type { MembCommitToken } from './wire/types.js';

/** The only assignment of `n.state`. */
function setState(n: Node, to: MembState, reason: string): void {
  const from = n.state;
  n.state = to;
  n.trace?.({ kind: 'state', from, to, reason });
}

/** memb_state_gather_enter: announce our view and (re)start the join and consensus timers. */
export function enterGather(n: Node, reason: GatherReason): void {
  n.orfTokenDiscard = true;
  n.originatedOrfToken = false;
  n.procList = setUnion(n.procList, [n.me]);
  sendJoin(n);
  n.timers.arm('join', n.now + n.cfg.joinMs);
  n.timers.arm('consensus', n.now + n.cfg.consensusMs);
  n.timers.cancel('tokenRetransmit');
  n.timers.cancel('tokenHoldRetransmit');
  n.timers.cancel('tokenLoss');
  n.timers.cancel('mergeDetect');
  n.consensus.clear();
  n.consensus.add(n.me);
  n.stats.gatherEntered++;
  setState(n, 'gather', reason);
}

/** memb_state_commit_enter: save the old ring, take the new ring id, pass the commit token on. */
export function enterCommit(n: Node): void {
  saveOldRingState(n);
  updateCommitToken(n);
  n.timers.cancel('join');
  n.timers.cancel('consensus');
  const token = n.commitToken!;
  n.ringId = token.ringId;
  if (n.ringId.seq > n.highestRingSeq) n.highestRingSeq = n.ringId.seq;
  n.events.push({ kind: 'persistRingSeq', seq: n.ringId.seq });
  n.stats.commitEntered++;
  setState(n, 'commit', 'consensus reached');
  n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
  n.timers.arm('tokenLoss', n.now + n.cfg.tokenTimeoutMs);
  n.trc = 0;
  n.pbl = 0;
  n.cbl = 0;
  sendCommitToken(n, token);
}

/** memb_state_recovery_enter: the commit token is back; plan the re-sends, reset the new ring. */
export function enterRecovery(n: Node, token: MembCommitToken): void {
  n.orfTokenDiscard = false;
  n.recovery = new MessageStore(n.seqStart, n.cfg.retransmitQueueMax);
  n.retransQueue = [];
  sendCommitToken(n, token);
  n.tokenSeq = seqPrev(n.seqStart);
  planRecovery(n, token);

  // The new ring's sequence starts over (SEQNO_START_MSG); the old ring's is saved.
  n.aru = n.seqStart;
  n.highSeqReceived = n.seqStart;
  n.installSeq = n.seqStart;
  n.aruCount = 0;
  n.seqUnchanged = 0;
  n.retransFlgCount = 0;
  n.rotationCounter = 0;
  n.retransFlgSet = false;
  n.timers.arm('tokenLoss', n.now + n.cfg.tokenTimeoutMs);
  n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
  n.stats.recoveryEntered++;
  setState(n, 'recovery', `commit token returned, ${n.retransQueue.length} old-ring messages to re-send`);
}

/**
 * memb_state_operational_enter: deliver the rest of the old ring, the transitional and the
 * regular configuration, and make the new ring's store the regular one.
 */
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
  n.recovery = new MessageStore(n.seqStart, n.cfg.retransmitQueueMax);
  n.highDelivered = n.seqStart;
  n.lastAru = n.seqStart;
  n.safeSeq = n.seqStart;
  n.procList = n.newMemb;
  n.failedList = [];
  n.leaving.clear();
  n.receivedFlg = true;
  n.oldRingId = n.ringId;
  n.retransQueue = [];
  n.stats.operationalEntered++;
  setState(n, 'operational', 'recovery complete');
  deliverInOrder(n, n.highSeqReceived);
}
