/**
 * Totem timing and flow-control parameters. Defaults are Corosync 3.1's (exec/totemconfig.c);
 * names carry their units. `deriveTotemConfig` applies Corosync's derivation rules for the values
 * an operator leaves unset, so the effective figures can be logged at start.
 */
export interface TotemConfig {
  /** `token`: time without the token before a processor declares it lost. */
  readonly tokenTimeoutMs: number;
  /** `token_retransmit`: re-send the last token if no progress within this time. */
  readonly tokenRetransmitMs: number;
  /** `hold`: how long an idle representative holds the token before passing it on. */
  readonly holdMs: number;
  /** `join`: interval between join messages in GATHER. */
  readonly joinMs: number;
  /** `consensus`: time to wait for consensus in GATHER before marking silent processors failed. */
  readonly consensusMs: number;
  /** `merge`: interval between merge-detect messages of an idle representative. */
  readonly mergeMs: number;
  /** `downcheck`: interface down check interval (kept for config parity; unused by the core). */
  readonly downcheckMs: number;
  /** `fail_recv_const`: token rotations with no aru progress before a processor gives up on itself. */
  readonly failRecvConst: number;
  /** `seqno_unchanged_const`: idle rotations before the representative holds the token. */
  readonly seqnoUnchangedConst: number;
  /**
   * Count quiet rotations from the sequence received, as Corosync does, not from the one passed
   * on (token.ts decideRest): set in a ring shared with Corosync members (ringcast.corosync_compat),
   * whose cancels follow their own count.
   */
  readonly corosyncTokenHold?: true;
  /** `miss_count_const`: token visits a gap must be seen before its retransmission is requested. */
  readonly missCountConst: number;
  /** `window_size`: messages the whole ring may send in one rotation. */
  readonly windowSize: number;
  /** `max_messages`: messages one processor may send per token visit. */
  readonly maxMessages: number;
  /** Largest mcast payload (a totempg packet) that fits a frame of the network MTU. */
  readonly maxPayloadBytes: number;
  /** Bound on messages kept for retransmission (Corosync's QUEUE_RTR_ITEMS_SIZE_MAX). */
  readonly retransmitQueueMax: number;
  /**
   * A test knob: where every new ring's message sequence starts (Corosync's SEQNO_START_MSG,
   * 0 when absent; Corosync's source has a commented-out 0xfffffe00 for the same purpose). The
   * token starts with seq = seqStart and aru = seqStart - 1 (mod 2^32), so a ring's first
   * message is seqStart + 1. Set near 2^32 to exercise the wrap. Every member of a ring must use
   * the same value; it is read once, when a processor is created (a reload does not change it).
   */
  readonly seqStart?: number;
}

export interface TotemConfigInput {
  readonly nodeCount?: number;
  readonly token?: number;
  readonly tokenCoefficient?: number;
  readonly tokenRetransmitsBeforeLossConst?: number;
  readonly tokenRetransmit?: number;
  readonly hold?: number;
  readonly join?: number;
  readonly consensus?: number;
  readonly merge?: number;
  readonly downcheck?: number;
  readonly failRecvConst?: number;
  readonly seqnoUnchangedConst?: number;
  readonly corosyncTokenHold?: boolean;
  readonly missCountConst?: number;
  readonly windowSize?: number;
  readonly maxMessages?: number;
  readonly netmtu?: number;
  /** See TotemConfig.seqStart; a u32. */
  readonly seqStart?: number;
}

export const TOTEM_DEFAULTS = {
  token: 3000,
  tokenCoefficient: 650,
  tokenRetransmitsBeforeLossConst: 4,
  join: 50,
  merge: 200,
  downcheck: 1000,
  failRecvConst: 2500,
  seqnoUnchangedConst: 2,
  missCountConst: 5,
  windowSize: 50,
  maxMessages: 17,
  netmtu: 1500,
} as const;

import { isSeq } from './seq.js';
import { mcastPayloadBytesMax } from './wire/index.js';

/**
 * Effective configuration from operator input, following totemconfig.c:
 * token grows by token_coefficient per node beyond two when a node list is known;
 * token_retransmit = token / (retransmits_before_loss + 0.2); hold = 0.8 * token_retransmit;
 * consensus = 1.2 * token.
 */
export function deriveTotemConfig(input: TotemConfigInput = {}): TotemConfig {
  const baseToken = input.token ?? TOTEM_DEFAULTS.token;
  const nodeCount = input.nodeCount ?? 0;
  const coefficient = input.tokenCoefficient ?? TOTEM_DEFAULTS.tokenCoefficient;
  const tokenTimeoutMs = nodeCount > 2 ? baseToken + (nodeCount - 2) * coefficient : baseToken;
  const retransmits = input.tokenRetransmitsBeforeLossConst ?? TOTEM_DEFAULTS.tokenRetransmitsBeforeLossConst;
  const tokenRetransmitMs = input.tokenRetransmit ?? Math.floor(tokenTimeoutMs / (retransmits + 0.2));
  // Corosync: token_retransmit * 0.8 - (1000 / HZ), HZ = 100.
  const holdMs = input.hold ?? Math.floor(tokenRetransmitMs * 0.8 - 10);
  const netmtu = input.netmtu ?? TOTEM_DEFAULTS.netmtu;
  if (input.seqStart !== undefined && !isSeq(input.seqStart)) {
    throw new RangeError(`seqStart must be an integer in 0..4294967295, got ${input.seqStart}`);
  }
  return {
    tokenTimeoutMs,
    tokenRetransmitMs,
    holdMs: Math.max(1, holdMs),
    joinMs: input.join ?? TOTEM_DEFAULTS.join,
    consensusMs: input.consensus ?? Math.floor(1.2 * tokenTimeoutMs),
    mergeMs: input.merge ?? TOTEM_DEFAULTS.merge,
    downcheckMs: input.downcheck ?? TOTEM_DEFAULTS.downcheck,
    failRecvConst: input.failRecvConst ?? TOTEM_DEFAULTS.failRecvConst,
    seqnoUnchangedConst: input.seqnoUnchangedConst ?? TOTEM_DEFAULTS.seqnoUnchangedConst,
    missCountConst: input.missCountConst ?? TOTEM_DEFAULTS.missCountConst,
    windowSize: input.windowSize ?? TOTEM_DEFAULTS.windowSize,
    maxMessages: input.maxMessages ?? TOTEM_DEFAULTS.maxMessages,
    // Room for IP/UDP and two mcast headers, so a frame re-sent encapsulated in recovery
    // still fits one datagram of the MTU (Corosync subtracts only the two headers).
    maxPayloadBytes: mcastPayloadBytesMax(netmtu),
    retransmitQueueMax: 16384,
    // Only when set, so the default configuration (and what a reload compares) is as before.
    ...(input.seqStart === undefined ? {} : { seqStart: input.seqStart }),
    ...(input.corosyncTokenHold ? { corosyncTokenHold: true as const } : {}),
  };
}
