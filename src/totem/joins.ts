/**
 * The join messages this processor multicasts in GATHER (and COMMIT), and the graceful-leave
 * announcement, which is a join too. Corosync's memb_join_message_send and memb_leave_message_send.
 */
import { multicast } from './effects.js';
import { setMinus, setUnion } from './sets.js';
import type { Node } from './state.js';
import { Encapsulation } from './wire/types.js';

/** Header node id of a leave announcement (Corosync's LEAVE_DUMMY_NODEID). */
export const LEAVE_DUMMY_NODEID = 0;

export function sendJoin(n: Node): void {
  const frame = multicast(n, {
    kind: 'memb_join',
    sender: n.me,
    target: 0,
    encapsulated: Encapsulation.none,
    systemFrom: n.me,
    procList: n.procList,
    failedList: n.failedList,
    ringSeq: n.ringId.seq,
  });
  // Corosync hears its own joins through the transport; we loop them back explicitly.
  n.loopback.push(frame);
}

/** Graceful leave: a join with us in the failed set and a dummy sender, so peers reform at once. */
export function sendLeave(n: Node): void {
  const failedList = setUnion(n.failedList, [n.me]);
  multicast(n, {
    kind: 'memb_join',
    sender: LEAVE_DUMMY_NODEID,
    target: 0,
    encapsulated: Encapsulation.none,
    systemFrom: n.me,
    procList: setMinus(n.procList, [n.me]),
    failedList,
    ringSeq: n.ringId.seq,
  });
}
