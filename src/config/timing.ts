/**
 * The Totem timers after Corosync's derivations (deriveTotemConfig): checked against Corosync's
 * limits, and stated in plain lines for the daemon's start-up log. Operators find these knobs
 * confusing (Corosync #389, #600): the token they set is not the token that runs once the node
 * list grows, and token_retransmit, hold and consensus follow from it unless set.
 */
import { deriveTotemConfig, TOTEM_DEFAULTS, type TotemConfigInput } from '../totem/config.js';
import type { IssueSink } from './issues.js';
import { MINIMUM_TIMEOUT_MS } from './schema.js';
import type { RingcastConfig } from './types.js';
import { TIMER_MS_MAX } from './values.js';

/** The line and key a derived problem is reported at: the first of these keys the file sets. */
export type KeyLocator = (...keys: string[]) => { line: number; key: string };

export function checkTiming(timing: TotemConfigInput, locate: KeyLocator, sink: IssueSink): void {
  const eff = deriveTotemConfig(timing);
  if (eff.tokenTimeoutMs > TIMER_MS_MAX || eff.consensusMs > TIMER_MS_MAX) {
    const at = locate('token', 'token_coefficient', 'consensus');
    sink.error(at.line, at.key, `the effective token (${eff.tokenTimeoutMs} ms) or consensus (${eff.consensusMs} ms) exceeds ${TIMER_MS_MAX} ms, the longest Node.js timer`);
    return;
  }
  if (timing.tokenRetransmit === undefined && eff.tokenRetransmitMs < MINIMUM_TIMEOUT_MS) {
    const retransmits = timing.tokenRetransmitsBeforeLossConst ?? TOTEM_DEFAULTS.tokenRetransmitsBeforeLossConst;
    const at = locate('token_retransmits_before_loss_const', 'token');
    sink.error(at.line, at.key, `token_retransmit would be ${eff.tokenRetransmitMs} ms = token ${eff.tokenTimeoutMs} / ` +
      `(token_retransmits_before_loss_const ${retransmits} + 0.2), below the ${MINIMUM_TIMEOUT_MS} ms minimum: ` +
      'raise token, lower token_retransmits_before_loss_const, or set token_retransmit');
  }
  if (eff.consensusMs < eff.joinMs) {
    const at = locate('consensus', 'join');
    sink.error(at.line, at.key, `consensus ${eff.consensusMs} ms is less than join ${eff.joinMs} ms (Corosync refuses this too)`);
  }
  // corosync.conf(5): with three or more nodes, consensus should be larger than token.
  if (timing.consensus !== undefined && (timing.nodeCount ?? 0) >= 3 && eff.consensusMs < eff.tokenTimeoutMs) {
    const at = locate('consensus');
    sink.warn(at.line, at.key, `consensus ${eff.consensusMs} ms is less than the effective token ${eff.tokenTimeoutMs} ms; ` +
      'with three or more nodes this risks needless membership changes (unset it to get 1.2 × token)');
  }
}

/**
 * Lines such as `token 3650 ms (3000 + 650 per node beyond 2), token_retransmit 869 ms, ...`,
 * saying which values the file set and which were derived, and what they mean together.
 */
export function describeEffectiveTiming(config: RingcastConfig): string[] {
  const t = config.totem.timing;
  const eff = deriveTotemConfig(t);
  const nodes = t.nodeCount ?? 0;
  const base = t.token ?? TOTEM_DEFAULTS.token;
  const coefficient = t.tokenCoefficient ?? TOTEM_DEFAULTS.tokenCoefficient;
  const growth = nodes > 2 && coefficient > 0 ? ` (${base} + ${coefficient} per node beyond 2)` : '';
  const retransmits = t.tokenRetransmitsBeforeLossConst ?? TOTEM_DEFAULTS.tokenRetransmitsBeforeLossConst;
  const lines = [
    `token ${eff.tokenTimeoutMs} ms${growth}, token_retransmit ${eff.tokenRetransmitMs} ms, hold ${eff.holdMs} ms, ` +
      `consensus ${eff.consensusMs} ms, join ${eff.joinMs} ms, merge ${eff.mergeMs} ms`,
  ];
  const derived: string[] = [];
  if (t.tokenRetransmit === undefined) derived.push(`token_retransmit = token / (${retransmits} retransmits before loss + 0.2)`);
  if (t.hold === undefined) derived.push('hold ≈ 0.8 × token_retransmit');
  if (t.consensus === undefined) derived.push('consensus = 1.2 × token');
  const set = (['token', 'tokenCoefficient', 'tokenRetransmitsBeforeLossConst', 'tokenRetransmit', 'hold', 'consensus', 'join', 'merge'] as const)
    .filter((k) => t[k] !== undefined).map((k) => SNAKE[k]);
  lines.push(`${derived.length > 0 ? `derived: ${derived.join(', ')}; ` : ''}set in the file: ${set.length > 0 ? set.join(', ') : 'none (Corosync 3.1 defaults)'}`);
  lines.push(`a silent token is re-sent every ${eff.tokenRetransmitMs} ms and declared lost after ${eff.tokenTimeoutMs} ms; ` +
    `a crashed node leaves the membership after about ${eff.tokenTimeoutMs + eff.consensusMs} ms (token + consensus)`);
  const netmtu = t.netmtu ?? TOTEM_DEFAULTS.netmtu;
  const frameSize = Math.max(config.ringcast.frameSize, netmtu);
  const framePayload = deriveTotemConfig({ ...t, netmtu: frameSize }).maxPayloadBytes;
  lines.push(`flow control: window_size ${eff.windowSize} frames per rotation, max_messages ${eff.maxMessages} frames per token visit, ` +
    `frames of up to ${frameSize} bytes (${framePayload} bytes of messages) in datagrams of at most netmtu ${netmtu} bytes` +
    (frameSize > netmtu ? (config.ringcast.ipFragmentation === 'auto' ? ' (or whole, as IP fragments, to peers whose path answers a probe)' : ' (ip_fragmentation off)') : '') +
    (config.totem.sendJoinMs > 0 ? `, send_join up to ${config.totem.sendJoinMs} ms` : ''));
  return lines;
}

const SNAKE = {
  token: 'token', tokenCoefficient: 'token_coefficient',
  tokenRetransmitsBeforeLossConst: 'token_retransmits_before_loss_const', tokenRetransmit: 'token_retransmit', hold: 'hold',
  consensus: 'consensus', join: 'join', merge: 'merge',
} as const;
