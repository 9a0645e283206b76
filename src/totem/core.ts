/**
 * TotemCore: one Totem single-ring processor as a pure state machine.
 *
 * Inputs: `start(now)`, `receive(frame, now)`, `timeout(now)`, `leave(now)`, `notifyPending(now)`.
 * Outputs, drained by the driver: `takeFrames()` (datagrams to unicast or multicast),
 * `takeEvents()` (deliveries, configuration changes, the ring sequence to persist) and
 * `nextDeadline()`. No clocks, sockets, timers or randomness: the driver brings time and I/O, so
 * the same code runs under the real runtime and the simulator. Drivers persist a
 * `persistRingSeq` event before sending the frames produced by the same call.
 */
import type { TotemConfig } from './config.js';
import { multicast } from './effects.js';
import { LEAVE_DUMMY_NODEID, sendJoin, sendLeave } from './joins.js';
import { consensusTimeoutExpired, handleCommitToken, handleJoin, handleMergeDetect, noticeForeignProcessor, sendMergeDetect } from './membership.js';
import { restoreOldRingState } from './recovery.js';
import { deliverInOrder } from './delivery.js';
import { sameRing, type MembState, type Node, type OutFrame, type PacketSource, type TotemEvent, type TotemStats, type TraceEvent } from './state.js';
import { isSeq, seqLt, seqPrev } from './seq.js';
import { MessageStore } from './store.js';
import { TimerTable, type TimerName } from './timers.js';
import { handleOrfToken, retransmitToken, revisitHeldToken, updateAru } from './token.js';
import { enterGather } from './transitions.js';
import { decodeMessage } from './wire/index.js';
import { Encapsulation, type Mcast, type NodeId, type RingId, type TokenHoldCancel } from './wire/types.js';

export interface TotemCoreOptions {
  readonly nodeId: NodeId;
  readonly config: TotemConfig;
  /** What the core multicasts when it holds the token (the group layer's packer). */
  readonly source: PacketSource;
  /** The highest ring sequence this node persisted before; a new ring will exceed it. */
  readonly persistedRingSeq?: number;
  readonly trace?: (event: TraceEvent) => void;
}

export interface TotemStatus {
  readonly nodeId: NodeId;
  readonly state: MembState;
  readonly ringId: RingId;
  readonly members: readonly NodeId[];
  /** This ring's all-received-up-to and highest message sequence received (u32, wrap at 2^32). */
  readonly aru: number;
  readonly highSeqReceived: number;
  readonly stats: Readonly<TotemStats>;
}

function emptyStats(): TotemStats {
  return {
    framesIn: 0, framesOut: 0, badFrames: 0, mcastTx: 0, mcastRetx: 0, tokensReceived: 0,
    tokenRetransmits: 0, gatherEntered: 0, commitEntered: 0, recoveryEntered: 0,
    operationalEntered: 0, tokenLost: 0, consensusTimeouts: 0, foreignMessagesDropped: 0,
    deliveries: 0,
  };
}

export class TotemCore {
  private readonly n: Node;
  private started = false;
  private stopped = false;

  constructor(options: TotemCoreOptions) {
    if (!Number.isInteger(options.nodeId) || options.nodeId <= 0 || options.nodeId > 0xffffffff) {
      throw new RangeError(`node id must be an integer in 1..2^32-1, got ${options.nodeId}`);
    }
    const me = options.nodeId;
    const seq = options.persistedRingSeq ?? 0;
    const ringId = { rep: me, seq };
    const cap = options.config.retransmitQueueMax;
    // The node's first "old ring" is its ring of one, with nothing sent: it starts where every
    // ring starts (seqStart, 0 by default), like each ring after it.
    const start = options.config.seqStart ?? 0;
    if (!isSeq(start)) throw new RangeError(`seqStart must be an integer in 0..2^32-1, got ${start}`);
    this.n = {
      me, cfg: options.config, timers: new TimerTable(), source: options.source,
      stats: emptyStats(), now: 0, seqStart: start, state: 'gather', ringId, highestRingSeq: seq,
      // A node starts as the sole member of a ring of its own, so its first change is a merge.
      memb: [me], procList: [me], failedList: [], consensus: new Set(), failedToRecv: false,
      leaving: new Set(), commitToken: undefined, newMemb: [me], transMemb: [me], highRingDelivered: start,
      oldRingId: ringId, oldRingSaved: false, oldRingAru: start, oldRingHighSeqReceived: start,
      regular: new MessageStore(start, cap), recovery: new MessageStore(start, cap),
      aru: start, highSeqReceived: start, highDelivered: start, lastAru: start, safeSeq: start, tokenSeq: seqPrev(start),
      lastTokenSeqSeen: -1, seqUnchanged: 0, aruCount: 0, tokenHeld: false, holdCancelled: false,
      trc: 0, pbl: 0, cbl: 0, lastToken: undefined,
      retransQueue: [], retransFlgSet: false, retransFlgCount: 0, installSeq: start,
      receivedFlg: true, rotationCounter: 0, originatedOrfToken: false, orfTokenDiscard: true,
      frames: [], events: [], loopback: [], trace: options.trace,
    };
  }

  get nodeId(): NodeId {
    return this.n.me;
  }

  /** Enters GATHER and announces this node; the first configuration follows. */
  start(now: number): void {
    if (this.started) return;
    this.started = true;
    this.n.now = now;
    enterGather(this.n, 'startup');
    this.drainLoopback();
  }

  receive(frame: Uint8Array, now: number): void {
    if (!this.started || this.stopped) return;
    this.n.now = now;
    this.n.stats.framesIn++;
    this.dispatch(frame);
    this.drainLoopback();
  }

  timeout(now: number): void {
    if (!this.started || this.stopped) return;
    this.n.now = now;
    for (let name = this.n.timers.popDue(now); name; name = this.n.timers.popDue(now)) {
      this.fire(name);
      this.drainLoopback();
    }
  }

  /** The layer above queued messages: if the ring idles with the token held, ask for it back. */
  notifyPending(now: number): void {
    const n = this.n;
    if (!this.started || this.stopped || !n.tokenHeld) return;
    n.now = now;
    n.tokenHeld = false;
    n.seqUnchanged = 0;
    if (n.ringId.rep === n.me) {
      if (n.state === 'operational' || n.state === 'recovery') revisitHeldToken(n);
      this.drainLoopback();
      return;
    }
    const cancel: TokenHoldCancel = {
      kind: 'token_hold_cancel', sender: n.me, target: 0, encapsulated: Encapsulation.none, ringId: n.ringId,
    };
    multicast(n, cancel);
  }

  /** Graceful leave: tell the others so they reform at once, then go silent. */
  leave(now: number): void {
    if (!this.started || this.stopped) return;
    this.n.now = now;
    sendLeave(this.n);
    this.stopped = true;
    this.n.timers.clear();
  }

  takeFrames(): OutFrame[] {
    return this.n.frames.splice(0);
  }

  takeEvents(): TotemEvent[] {
    return this.n.events.splice(0);
  }

  nextDeadline(): number | undefined {
    return this.stopped ? undefined : this.n.timers.next();
  }

  /**
   * A configuration reload: new timeouts and flow-control limits take effect from the next timer
   * armed and the next token visit (deadlines already armed stand). Frame sizes and the retransmit
   * store bound stay as they are: peers and stored frames were sized for them. Returns the names
   * of the values that changed.
   */
  reconfigure(next: TotemConfig): (keyof TotemConfig)[] {
    const n = this.n;
    const merged: TotemConfig = { ...next, maxPayloadBytes: n.cfg.maxPayloadBytes, retransmitQueueMax: n.cfg.retransmitQueueMax };
    const changed = (Object.keys(merged) as (keyof TotemConfig)[]).filter((k) => merged[k] !== n.cfg[k]);
    n.cfg = merged;
    return changed;
  }

  status(): TotemStatus {
    const n = this.n;
    return {
      nodeId: n.me, state: n.state, ringId: n.ringId, members: n.memb,
      aru: n.aru, highSeqReceived: n.highSeqReceived, stats: n.stats,
    };
  }

  private dispatch(frame: Uint8Array): void {
    const n = this.n;
    const decoded = decodeMessage(frame);
    if (!decoded.ok) {
      n.stats.badFrames++;
      n.trace?.({ kind: 'badFrame', code: decoded.error.code, detail: decoded.error.detail });
      return;
    }
    const msg = decoded.value;
    switch (msg.kind) {
      case 'orf_token':
        handleOrfToken(n, msg);
        return;
      case 'mcast':
        this.handleMcast(msg, frame);
        return;
      case 'memb_join':
        handleJoin(n, msg);
        return;
      case 'memb_commit_token':
        handleCommitToken(n, msg);
        return;
      case 'memb_merge_detect':
        handleMergeDetect(n, msg);
        return;
      case 'token_hold_cancel':
        if (sameRing(msg.ringId, n.ringId)) {
          n.seqUnchanged = 0;
          if (n.ringId.rep === n.me && n.state === 'operational') {
            if (n.lastToken?.held) {
              // Resting here: send it on as it is (nothing happened on the ring meanwhile).
              retransmitToken(n);
              n.tokenHeld = false;
              n.timers.cancel('tokenHoldRetransmit');
              n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
            } else {
              // Still circulating: the sender will see it, unless it rests here on its return.
              n.holdCancelled = true;
            }
          }
        }
        return;
      default: {
        const never: never = msg;
        throw new Error(`unhandled message ${String(never)}`);
      }
    }
  }

  /**
   * message_handler_mcast: store in the sort queue of the ring it belongs to, or react to a
   * foreign ring. The regular store holds the old ring, which takes new messages only until its
   * state is saved for a membership change: a message that arrives later was not counted in the
   * commit token, so keeping it would let this node deliver what its peers never re-sent.
   */
  private handleMcast(msg: Mcast, frame: Uint8Array): void {
    const n = this.n;
    const ownRing = sameRing(msg.ringId, n.ringId);
    let store: MessageStore | undefined;
    if (ownRing && n.state === 'recovery') store = n.recovery;
    else if (ownRing && (n.state === 'operational' || (n.state === 'gather' && !n.oldRingSaved))) store = n.regular;
    if (!store) {
      if (ownRing || sameRing(msg.ringId, n.oldRingId) || n.state === 'commit' || n.state === 'recovery') {
        // Late traffic of a ring we are leaving or of a failed attempt at a new one.
        n.stats.foreignMessagesDropped++;
      } else if (msg.systemFrom !== LEAVE_DUMMY_NODEID) {
        noticeForeignProcessor(n, msg.systemFrom, 'foreign-message-operational', 'foreign-message-gather');
      }
      return;
    }
    if (store.add(msg.seq, { frame, msg }) && seqLt(n.highSeqReceived, msg.seq)) n.highSeqReceived = msg.seq;
    updateAru(n);
    if (n.state === 'operational') deliverInOrder(n, n.highSeqReceived);
  }

  private fire(name: TimerName): void {
    const n = this.n;
    switch (name) {
      case 'tokenLoss':
        this.tokenLost();
        return;
      case 'tokenRetransmit':
        if (n.state !== 'gather') {
          retransmitToken(n);
          n.timers.arm('tokenRetransmit', n.now + n.cfg.tokenRetransmitMs);
        }
        return;
      case 'tokenHoldRetransmit':
        if (n.state === 'operational' || n.state === 'recovery') retransmitToken(n);
        return;
      case 'join':
        if (n.state === 'gather' || n.state === 'commit') {
          sendJoin(n);
          n.timers.arm('join', n.now + n.cfg.joinMs);
        }
        return;
      case 'consensus':
        if (n.state === 'gather') consensusTimeoutExpired(n);
        return;
      case 'mergeDetect':
        if (n.state === 'operational' && n.ringId.rep === n.me) sendMergeDetect(n);
        return;
      default: {
        const never: never = name;
        throw new Error(`unknown timer ${String(never)}`);
      }
    }
  }

  private tokenLost(): void {
    const n = this.n;
    n.stats.tokenLost++;
    n.trace?.({ kind: 'tokenLost', state: n.state, timeoutMs: n.cfg.tokenTimeoutMs });
    switch (n.state) {
      case 'operational':
        enterGather(n, 'token-lost-operational');
        return;
      case 'gather':
        consensusTimeoutExpired(n);
        enterGather(n, 'consensus-timeout');
        return;
      case 'commit':
        enterGather(n, 'token-lost-commit');
        return;
      case 'recovery':
        restoreOldRingState(n);
        enterGather(n, 'token-lost-recovery');
        return;
      default: {
        const never: never = n.state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  /** Our own joins, handled as if the network had looped them back to us. */
  private drainLoopback(): void {
    const n = this.n;
    for (let i = 0; i < 64 && n.loopback.length > 0; i++) {
      const frame = n.loopback.shift()!;
      this.dispatch(frame);
    }
    n.loopback.length = 0;
  }
}
