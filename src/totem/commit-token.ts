/**
 * The commit token as each member handles it: filling in our entry on the first rotation
 * (memb_state_commit_token_update) and passing it on (memb_state_commit_token_send).
 */
import { unicast } from './effects.js';
import { seqLt, seqNext } from './seq.js';
import { nextInRing } from './sets.js';
import { sameRing, type Node } from './state.js';
import type { MembCommitToken } from './wire/types.js';

/** Fill in our entry of the commit token (memb_state_commit_token_update). */
export function updateCommitToken(n: Node): void {
  const token = n.commitToken!;
  const index = token.membIndex;
  n.newMemb = token.addr;
  n.receivedFlg = n.aru === n.highSeqReceived;
  const list = token.membList.slice();
  list[index] = {
    ringId: n.oldRingId,
    aru: n.oldRingAru,
    highDelivered: n.highDelivered,
    receivedFlg: n.receivedFlg ? 1 : 0,
  };
  // Processors from the same old ring with a lower aru than another one lack messages.
  let highAru = list[index]!.aru;
  for (let i = 0; i <= index; i++) {
    if (sameRing(list[i]!.ringId, n.oldRingId) && seqLt(highAru, list[i]!.aru)) highAru = list[i]!.aru;
  }
  for (let i = 0; i <= index; i++) {
    const entry = list[i]!;
    if (sameRing(entry.ringId, n.oldRingId) && seqLt(entry.aru, highAru)) {
      list[i] = { ...entry, receivedFlg: 0 };
      if (i === index) n.receivedFlg = false;
    }
  }
  n.commitToken = { ...token, sender: n.me, membList: list, membIndex: index + 1 };
}

/** Passes the commit token to the next processor in ring order, keeping a copy to retransmit. */
export function sendCommitToken(n: Node, token: MembCommitToken): void {
  const to = nextInRing(token.addr, n.me);
  const sent: MembCommitToken = { ...token, tokenSeq: seqNext(token.tokenSeq), sender: n.me, target: to };
  n.commitToken = sent;
  const frame = unicast(n, to, sent);
  n.lastToken = { to, frame };
  n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
}
