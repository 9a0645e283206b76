/**
 * The ORF token in OPERATIONAL and RECOVERY: retransmission requests, multicasting queued
 * messages, flow control, the all-received-up-to (aru) bookkeeping, freeing, token hold, and the
 * recovery exit rule. Follows message_handler_orf_token and its helpers in totemsrp.c.
 */
import { multicast } from './effects.js';
import { encodeMessage } from './wire/index.js';
import { deliverInOrder } from './delivery.js';
import { seqAdd, seqLt, seqLte, seqMin, seqNext, seqPrev } from './seq.js';
import { nextInRing, setUnion } from './sets.js';
import { sameRing, type Node } from './state.js';
import type { MessageStore } from './store.js';
import { Encapsulation, type Mcast, type OrfToken, type RtrItem } from './wire/types.js';
import { GUARANTEE_AGREED, GUARANTEE_SAFE } from './delivery.js';
import { enterGather, enterOperational } from './transitions.js';

/** Corosync's RETRANSMIT_ENTRIES_MAX. */
export const RETRANSMIT_ENTRIES_MAX = 30;

/**
 * Idle rotations after which the only member of a ring holds the token. Its own messages are
 * delivered on the visit that sends them, and two more visits show the aru twice (safe delivery,
 * freeing); after that a rotation carries nothing, but costs a send and a receive. Corosync spins
 * seqno_unchanged_const (30) rotations alone too: for a local client sending one message at a
 * time that was most of the daemon's work.
 */
export const SOLE_MEMBER_IDLE_ROTATIONS = 3;

/** A token being worked on during one visit; becomes an OrfToken again when sent. */
interface WorkingToken {
  seq: number;
  tokenSeq: number;
  aru: number;
  aruAddr: number;
  backlog: number;
  fcc: number;
  retransFlg: number;
  rtrList: RtrItem[];
}

function activeStore(n: Node): MessageStore {
  return n.state === 'recovery' ? n.recovery : n.regular;
}

/** Advances our aru over every contiguous message received (update_aru). */
export function updateAru(n: Node): void {
  const store = activeStore(n);
  while (seqLt(n.aru, n.highSeqReceived) && store.has(seqNext(n.aru))) n.aru = seqNext(n.aru);
}

export function sendInitialOrfToken(n: Node): void {
  n.retransFlgSet = n.retransQueue.length > 0;
  // Corosync's SEQNO_START_MSG and SEQNO_START_TOKEN (both seqStart here); the aru is the number
  // before the first message: SEQNO_START_MSG - 1, 0xffffffff on the wire by default.
  sendToken(n, {
    seq: n.seqStart,
    tokenSeq: n.seqStart,
    aru: seqPrev(n.seqStart),
    aruAddr: n.me,
    backlog: 0,
    fcc: 0,
    retransFlg: n.retransFlgSet ? 1 : 0,
    rtrList: [],
  }, true);
}

function sendToken(n: Node, t: WorkingToken, forward: boolean): void {
  const to = nextInRing(n.newMemb, n.me);
  const token: OrfToken = {
    kind: 'orf_token',
    sender: n.me,
    target: to,
    encapsulated: Encapsulation.none,
    seq: t.seq,
    tokenSeq: t.tokenSeq,
    aru: t.aru,
    aruAddr: t.aruAddr,
    ringId: n.ringId,
    backlog: t.backlog,
    fcc: t.fcc,
    retransFlg: t.retransFlg,
    rtrList: t.rtrList,
  };
  const frame = encodeMessage(token);
  // An idle representative holds the token: the hold timer sends this copy later, or its own
  // new messages make it take the token again (revisitHeldToken).
  n.lastToken = forward ? { to, frame } : { to, frame, held: token };
  if (forward) {
    n.frames.push({ to, frame });
    n.stats.framesOut++;
  }
}

/**
 * The representative holds the idle ring's token and its own application queued messages.
 * Re-sending the held copy (Corosync's way) would carry nothing: the messages would wait a whole
 * rotation. Instead it takes the held token again as if it had just come round and sends them at
 * once. Nothing happened on the ring meanwhile: no one else may send while the token is held, so
 * the others would have passed it on unchanged.
 */
export function revisitHeldToken(n: Node): void {
  const held = n.lastToken?.held;
  if (!held || n.state !== 'operational') {
    retransmitToken(n);
    return;
  }
  n.timers.cancel('tokenHoldRetransmit');
  handleOrfToken(n, held);
}

export function retransmitToken(n: Node): void {
  if (!n.lastToken) return;
  const { to, frame } = n.lastToken;
  // Once sent, a held token is circulating again: it must never be revisited.
  n.lastToken = { to, frame };
  n.frames.push({ to, frame });
  n.stats.framesOut++;
  n.stats.tokenRetransmits++;
}

function backlog(n: Node): number {
  if (n.state === 'operational') return n.source.backlogFrames(n.cfg.maxPayloadBytes);
  if (n.state === 'recovery') return n.retransQueue.length;
  return 0;
}

/** How many messages this visit may send (fcc_calculate): per-visit cap, window, backlog share. */
function transmitsAllowed(n: Node, t: WorkingToken): number {
  let allowed = Math.min(n.cfg.maxMessages, Math.max(0, n.cfg.windowSize - t.fcc));
  n.cbl = backlog(n);
  const ringBacklog = t.backlog + n.cbl - n.pbl;
  if (ringBacklog > 0) {
    const share = Math.floor((n.cfg.windowSize * n.pbl) / ringBacklog);
    if (share > 0 && allowed > share) allowed = share;
  }
  // Never let the retransmit store overflow (fcc_rtr_limit): Corosync #371 asserted here.
  const store = activeStore(n);
  if (seqLt(seqAdd(store.lastReleased, n.cfg.retransmitQueueMax - allowed - n.cfg.windowSize), t.seq)) allowed = 0;
  return allowed;
}

/** Serves retransmission requests we can answer and adds our own (orf_token_rtr). */
function serveAndRequestRetransmits(n: Node, t: WorkingToken, allowed: number): number {
  const store = activeStore(n);
  let sent = 0;
  const remaining: RtrItem[] = [];
  for (const item of t.rtrList) {
    const ours = sameRing(item.ringId, n.ringId);
    const stored = ours && sent < allowed ? store.get(item.seq) : undefined;
    if (stored) {
      n.frames.push({ to: 'all', frame: stored.frame, retransmit: true });
      n.stats.framesOut++;
      n.stats.mcastRetx++;
      sent++;
    } else {
      remaining.push(item);
    }
  }
  const requested: number[] = [];
  for (let seq = seqNext(n.aru); seqLte(seq, t.seq) && remaining.length < RETRANSMIT_ENTRIES_MAX; seq = seqNext(seq)) {
    if (!store.inRange(seq)) break;
    if (store.has(seq)) continue;
    // Give a late multicast a few token visits to arrive before asking for it again.
    if (store.miss(seq) < n.cfg.missCountConst) continue;
    if (remaining.some((r) => r.seq === seq && sameRing(r.ringId, n.ringId))) continue;
    remaining.push({ ringId: n.ringId, seq });
    requested.push(seq);
  }
  if (requested.length > 0) n.trace?.({ kind: 'retransmitRequest', seqs: requested });
  t.rtrList = remaining;
  return sent;
}

/** Multicasts queued messages, stamping consecutive sequence numbers (orf_token_mcast). */
function multicastQueued(n: Node, t: WorkingToken, allowed: number): number {
  const store = activeStore(n);
  const recovering = n.state === 'recovery';
  let sent = 0;
  while (sent < allowed) {
    let payload: Uint8Array;
    let guarantee: number = GUARANTEE_AGREED;
    if (recovering) {
      const frame = n.retransQueue.shift();
      if (!frame) break;
      payload = frame;
    } else {
      const next = n.source.take(n.cfg.maxPayloadBytes);
      if (!next) break;
      payload = next.payload;
      if (next.safe) guarantee = GUARANTEE_SAFE;
    }
    t.seq = seqNext(t.seq);
    const msg: Mcast = {
      kind: 'mcast',
      sender: n.me,
      target: 0,
      encapsulated: recovering ? Encapsulation.encapsulated : Encapsulation.notEncapsulated,
      systemFrom: n.me,
      seq: t.seq,
      thisSeqno: n.stats.mcastTx,
      ringId: n.ringId,
      nodeId: n.me,
      guarantee,
      payload,
    };
    const frame = multicast(n, msg);
    store.add(t.seq, { frame, msg });
    n.stats.mcastTx++;
    n.highSeqReceived = t.seq;
    sent++;
  }
  updateAru(n);
  return sent;
}

/** Frees messages every member has, as shown by the token's aru on two visits (messages_free). */
function freeMessages(n: Node, tokenAru: number): void {
  const releaseTo = seqMin(seqMin(tokenAru, n.lastAru), n.highDelivered);
  if (seqLt(n.regular.lastReleased, releaseTo)) n.regular.releaseTo(releaseTo);
}

/** The recovery exit rule: two rotations after every retransmit queue drained and all have all. */
function recoveryProgress(n: Node, t: WorkingToken): boolean {
  if (n.retransQueue.length > 0) {
    if (t.retransFlg === 0) {
      t.retransFlg = 1;
      n.retransFlgSet = true;
    }
  } else if (t.retransFlg === 1 && n.retransFlgSet) {
    t.retransFlg = 0;
    n.retransFlgSet = false;
  }
  n.retransFlgCount = t.retransFlg === 0 ? n.retransFlgCount + 1 : 0;
  if (n.retransFlgCount === 2) n.installSeq = t.seq;
  if (n.retransFlgCount >= 2 && !n.receivedFlg && seqLte(n.installSeq, n.aru)) n.receivedFlg = true;
  n.rotationCounter = n.retransFlgCount >= 3 && seqLte(n.installSeq, t.aru) ? n.rotationCounter + 1 : 0;
  return n.rotationCounter === 2;
}

/**
 * Token hold (Corosync's seqno_unchanged_const): an idle ring's representative rests the token
 * instead of spinning it, and re-sends it after `hold`; a member with new messages multicasts a
 * token_hold_cancel and the representative passes the token on at once. Sparse traffic (a
 * message every few milliseconds) used to keep the token spinning for 30 rotations after each
 * message, most of a lightly loaded daemon's work: the ring now rests as soon as it has caught up.
 *
 * A rotation is quiet when the token comes back with the sequence this node passed on, so a
 * node's own messages start the count at the visit that sends them (Corosync's my_last_seq, the
 * sequence received, spins one more rotation after each of the representative's messages). The
 * representative rests the token once it has come back `idle` (seqno_unchanged_const) quiet times
 * and shows every member holding everything: each member then delivered every agreed message,
 * since it had them all. A safe message needs more: each member must see the aru cover it on two
 * visits, so while one is still in the representative's store (released only once it was shown
 * covered twice) the ring waits for at least SAFE_IDLE_ROTATIONS quiet rotations.
 *
 * The others must know when to send a cancel. If the representative will rest the token before
 * it comes round to a member again, the member sent nothing on this visit and its last
 * `idle - 1` rotations lie inside the representative's last `idle` quiet ones, so it has seen
 * `idle - 1` quiet rotations itself (with idle the least the representative may use). That hint
 * may fire when the token was not going to rest (a spare cancel costs one multicast), never the
 * other way round.
 *
 * Returns, for the representative, whether it holds the token now; for the others, the hint.
 */
function decideRest(n: Node, t: WorkingToken, isRep: boolean, sentThisVisit: number): boolean {
  const idle = n.newMemb.length === 1 ? Math.min(n.cfg.seqnoUnchangedConst, SOLE_MEMBER_IDLE_ROTATIONS) : n.cfg.seqnoUnchangedConst;
  if (!isRep) return sentThisVisit === 0 && n.seqUnchanged >= idle - 1;
  // A cancel that came while the token was on its way round is for this visit.
  const cancelled = n.holdCancelled;
  n.holdCancelled = false;
  // Rest only a ring that has caught up (aru = seq) with no retransmission asked for, or a lost
  // message would wait a whole hold for its repair.
  const caughtUp = t.aru === t.seq && t.rtrList.length === 0;
  if (!caughtUp || sentThisVisit > 0 || cancelled || n.seqUnchanged < idle) return false;
  return n.seqUnchanged >= SAFE_IDLE_ROTATIONS || !safeUnreleased(n);
}

/** Quiet rotations after which every member has seen the aru cover a safe message twice. */
export const SAFE_IDLE_ROTATIONS = 2;

/** Whether a safe message is still kept (not yet shown covered on two visits). At most a window. */
function safeUnreleased(n: Node): boolean {
  for (const item of n.regular.values()) if (item.msg.guarantee >= GUARANTEE_SAFE) return true;
  return false;
}

export function handleOrfToken(n: Node, token: OrfToken): void {
  if (n.orfTokenDiscard) return;
  if (token.seq === n.lastTokenSeqSeen) {
    if (!n.timers.isArmed('mergeDetect')) n.timers.arm('mergeDetect', n.now + n.cfg.mergeMs);
    n.seqUnchanged++;
  } else {
    n.timers.cancel('mergeDetect');
    n.timers.cancel('tokenHoldRetransmit');
    n.seqUnchanged = 0;
  }
  n.lastTokenSeqSeen = token.seq;
  const isRep = n.ringId.rep === n.me;

  if (n.state === 'commit' || n.state === 'gather') return;
  if (!sameRing(token.ringId, n.ringId)) return;
  // A retransmitted copy of a token we already handled.
  if (seqLte(token.tokenSeq, n.tokenSeq)) return;
  n.stats.tokensReceived++;

  // The token's aru is a u32 like every sequence number: at a ring's start it is the number
  // before the first message (seqStart - 1), which seq.ts orders before it.
  const tokenAru = token.aru;
  // Free only on a fresh token of our ring, against the aru of the previous fresh visit.
  // Corosync frees before discarding duplicates, so a duplicated token pairs a visit's aru with
  // itself and frees what a member still lacks (simulator seed 97, 3 nodes, chaos).
  if (n.state === 'operational') freeMessages(n, tokenAru);
  const previousAru = n.lastAru;
  n.lastAru = tokenAru;
  const safe = seqMin(tokenAru, previousAru);
  if (seqLt(n.safeSeq, safe)) n.safeSeq = safe;

  const t: WorkingToken = {
    seq: token.seq,
    tokenSeq: token.tokenSeq,
    aru: tokenAru,
    aruAddr: token.aruAddr,
    backlog: token.backlog,
    fcc: token.fcc,
    retransFlg: token.retransFlg,
    rtrList: token.rtrList.slice(),
  };
  let allowed = transmitsAllowed(n, t);
  const retransmitted = serveAndRequestRetransmits(n, t, allowed);
  allowed = Math.max(0, allowed - retransmitted);
  const sent = multicastQueued(n, t, allowed);
  // fcc_token_update: this visit replaces what we contributed on the previous one.
  t.fcc = Math.max(0, t.fcc + retransmitted + sent - n.trc);
  t.backlog = Math.max(0, t.backlog + n.cbl - n.pbl);
  n.trc = retransmitted + sent;
  n.pbl = n.cbl;
  // Quiet rotations count from the sequence this node passes on, its own messages included: the
  // rotation that carries them round also shows every member holding them, so a message of the
  // representative costs `idle` rotations, not one more (see decideRest).
  if (sent > 0 && !n.cfg.corosyncTokenHold) {
    n.lastTokenSeqSeen = t.seq;
    n.seqUnchanged = 0;
  }

  if (seqLt(n.aru, t.aru) || n.me === t.aruAddr || t.aruAddr === 0) {
    t.aru = n.aru;
    t.aruAddr = t.aru === t.seq ? 0 : n.me;
  }
  n.aruCount = t.aru === previousAru && t.aruAddr !== 0 ? n.aruCount + 1 : 0;

  if (n.aruCount > n.cfg.failRecvConst && t.aruAddr === n.me) {
    // Everyone else moved on and we keep failing to receive: leave and re-form alone.
    n.failedToRecv = true;
    n.failedList = setUnion(n.failedList, [n.me]);
    enterGather(n, 'failed-to-receive');
    return;
  }
  n.tokenSeq = t.tokenSeq;
  t.tokenSeq = seqNext(t.tokenSeq);
  // Only a ring that was already operational rests: the visit that ends recovery must pass the
  // token on, or the others would wait a whole hold to leave recovery.
  const wasOperational = n.state === 'operational';
  if (n.state === 'recovery' && recoveryProgress(n, t)) {
    enterOperational(n);
    n.rotationCounter = 0;
    n.retransFlgCount = 0;
  }
  n.tokenHeld = wasOperational && decideRest(n, t, isRep, retransmitted + sent);
  const forward = !(isRep && n.tokenHeld);
  sendToken(n, t, forward);
  if (n.state === 'operational') deliverInOrder(n, n.highSeqReceived);
  n.timers.arm('tokenLoss', n.now + n.cfg.tokenTimeoutMs);
  n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
  if (isRep && n.tokenHeld) n.timers.arm('tokenHoldRetransmit', n.now + n.cfg.holdMs);
}
