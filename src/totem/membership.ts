/**
 * The membership algorithm's message handlers: joins until consensus (GATHER), the commit token
 * (COMMIT, and its return that starts RECOVERY), merge detection. They decide when to change
 * state; transitions.ts says what entering a state does. Behaviour follows Corosync 3.1's
 * totemsrp.c (memb_join_process, message_handler_memb_join, message_handler_memb_commit_token);
 * see design.md for where we differ.
 */
import { multicast } from './effects.js';
import { LEAVE_DUMMY_NODEID } from './joins.js';
import { restoreOldRingState } from './recovery.js';
import { setEqual, setHas, setMinus, setSubset, setUnion, toSet, type NodeSet } from './sets.js';
import { sameRing, type GatherReason, type Node } from './state.js';
import { sendInitialOrfToken } from './token.js';
import { enterCommit, enterGather, enterRecovery } from './transitions.js';
import {
  Encapsulation,
  type CommitMembEntry,
  type MembCommitToken,
  type MembJoin,
  type MembMergeDetect,
  type NodeId,
} from './wire/types.js';

function candidateMembers(n: Node): NodeSet {
  return setMinus(n.procList, n.failedList);
}

function consensusAgreed(n: Node): boolean {
  for (const id of candidateMembers(n)) if (!n.consensus.has(id)) return false;
  return true;
}

function lowestInConfig(n: Node): boolean {
  const members = candidateMembers(n);
  return members.length > 0 && members[0] === n.me;
}

export function consensusTimeoutExpired(n: Node): void {
  n.stats.consensusTimeouts++;
  if (consensusAgreed(n)) {
    // Everyone agreed but no commit token came: start over on consensus, give it a token timeout.
    n.consensus.clear();
    n.consensus.add(n.me);
    n.timers.arm('tokenLoss', n.now + n.cfg.tokenTimeoutMs);
  } else {
    const silent = n.procList.filter((id) => !n.consensus.has(id));
    n.failedList = setUnion(n.failedList, silent);
    enterGather(n, 'consensus-timeout');
  }
}

/** memb_join_process: merge what the join says into our proc and failed sets. */
function processJoin(n: Node, join: MembJoin): void {
  const isLeave = join.sender === LEAVE_DUMMY_NODEID;
  const procList = toSet(join.procList);
  const failedList = toSet(join.failedList);
  const from = join.systemFrom;
  let gatherEntered = false;

  if (setEqual(procList, n.procList) && setEqual(failedList, n.failedList)) {
    if (!isLeave) n.consensus.add(from);
    if (consensusAgreed(n) && n.failedToRecv) {
      // We could not receive on the old ring: form a ring of our own and let merging do the rest.
      n.failedToRecv = false;
      n.procList = [n.me];
      n.failedList = [];
      createCommitToken(n);
      enterCommit(n);
      return;
    }
    if (consensusAgreed(n) && lowestInConfig(n)) {
      createCommitToken(n);
      enterCommit(n);
      return;
    }
  } else if (setSubset(procList, n.procList) && setSubset(failedList, n.failedList)) {
    // Nothing new in this join.
  } else if (setHas(n.failedList, from)) {
    // A processor we consider failed: ignore its view.
  } else {
    const before = { proc: n.procList, failed: n.failedList };
    n.procList = setUnion(n.procList, procList);
    if (setHas(failedList, n.me)) {
      n.failedList = setUnion(n.failedList, [from]);
    } else if (setHas(n.memb, from)) {
      if (!setHas(n.failedList, from)) {
        n.failedList = setUnion(n.failedList, failedList);
      } else {
        n.failedList = setUnion(n.failedList, setMinus(failedList, n.memb));
      }
    }
    // Re-enter GATHER (which resets the consensus timer) only when our view changed. Corosync
    // re-enters on every such join, so a peer whose failed set we will not adopt can keep us
    // from ever reaching the consensus timeout: a livelock the simulator found (seed 3, chaos).
    if (!setEqual(before.proc, n.procList) || !setEqual(before.failed, n.failedList) || n.state !== 'gather') {
      enterGather(n, 'join-merge');
      gatherEntered = true;
    }
  }
  if (!gatherEntered && n.state === 'operational') enterGather(n, 'join-operational');
}

/** A stale join from our own ring, or one that names us failed, must not disturb OPERATIONAL. */
function ignoreJoinInOperational(n: Node, join: MembJoin): boolean {
  if (join.failedList.includes(n.me)) return true;
  return setHas(n.memb, join.systemFrom) && join.ringSeq < n.ringId.seq;
}

export function handleJoin(n: Node, join: MembJoin): void {
  if (join.sender === LEAVE_DUMMY_NODEID && join.failedList.length > 0) {
    n.leaving.add(join.failedList[join.failedList.length - 1]!);
  }
  if (join.ringSeq > n.highestRingSeq) n.highestRingSeq = join.ringSeq;
  switch (n.state) {
    case 'operational':
      if (!ignoreJoinInOperational(n, join)) processJoin(n, join);
      return;
    case 'gather':
      processJoin(n, join);
      return;
    case 'commit':
      if (setHas(n.newMemb, join.systemFrom) && join.ringSeq >= n.ringId.seq) {
        processJoin(n, join);
        enterGather(n, 'join-commit');
      }
      return;
    case 'recovery':
      if (setHas(n.newMemb, join.systemFrom) && join.ringSeq >= n.ringId.seq) {
        // The sender is a member of the ring we are recovering; it has either reached OPERATIONAL
        // (and, by Totem's rule, cleared its failed set) or been pulled back like us. Corosync keeps
        // our failed set here, and so keeps excluding processors the new ring's members have
        // forgotten: when the same members are pulled back every time (two halves forming rings side
        // by side after a heal), that stale set splits every later consensus the same way, forever
        // (the daemon simulator found it: partitions seed 261, 5 nodes). Start from what the
        // members that reached OPERATIONAL hold: the new ring as our processors, nothing failed.
        n.procList = setUnion(n.procList, n.newMemb);
        n.failedList = [];
        processJoin(n, join);
        restoreOldRingState(n);
        enterGather(n, 'join-recovery');
      }
      return;
    default: {
      const never: never = n.state;
      throw new Error(`unknown state ${String(never)}`);
    }
  }
}

function createCommitToken(n: Node): void {
  const addr = candidateMembers(n);
  const empty: CommitMembEntry = { ringId: { rep: 0, seq: 0 }, aru: 0, highDelivered: 0, receivedFlg: 0 };
  n.commitToken = {
    kind: 'memb_commit_token',
    sender: n.me,
    target: 0,
    encapsulated: Encapsulation.none,
    tokenSeq: 0,
    ringId: { rep: n.me, seq: n.highestRingSeq + 4 },
    retransFlg: 0,
    membIndex: 0,
    addr,
    membList: addr.map(() => empty),
  };
}

export function handleCommitToken(n: Node, token: MembCommitToken): void {
  switch (n.state) {
    case 'operational':
      return;
    case 'gather':
      if (
        setEqual(toSet(token.addr), candidateMembers(n)) &&
        token.addr.includes(n.me) &&
        token.ringId.seq > n.ringId.seq
      ) {
        n.commitToken = token;
        enterCommit(n);
      }
      return;
    case 'commit':
      if (sameRing(token.ringId, n.ringId) && token.membIndex === token.addr.length) {
        enterRecovery(n, token);
      }
      return;
    case 'recovery':
      // The commit token's second rotation is back at the representative: start the ring.
      if (n.me === n.ringId.rep && sameRing(token.ringId, n.ringId) && !n.originatedOrfToken) {
        n.originatedOrfToken = true;
        sendInitialOrfToken(n);
        n.timers.arm('tokenLoss', n.now + n.cfg.tokenTimeoutMs);
        n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
      }
      return;
    default: {
      const never: never = n.state;
      throw new Error(`unknown state ${String(never)}`);
    }
  }
}

export function sendMergeDetect(n: Node): void {
  multicast(n, {
    kind: 'memb_merge_detect',
    sender: n.me,
    target: 0,
    encapsulated: Encapsulation.none,
    systemFrom: n.me,
    ringId: n.ringId,
  });
}

export function handleMergeDetect(n: Node, msg: MembMergeDetect): void {
  if (sameRing(msg.ringId, n.ringId)) return;
  noticeForeignProcessor(n, msg.systemFrom, 'merge-detect-operational', 'merge-detect-gather');
}

/** Hearing a processor of another ring: in OPERATIONAL start a membership change to merge. */
export function noticeForeignProcessor(
  n: Node,
  from: NodeId,
  inOperational: GatherReason,
  inGather: GatherReason,
): void {
  if (n.state === 'operational') {
    n.procList = setUnion(n.procList, [from]);
    enterGather(n, inOperational);
  } else if (n.state === 'gather' && !setHas(n.procList, from)) {
    n.procList = setUnion(n.procList, [from]);
    enterGather(n, inGather);
  }
}
