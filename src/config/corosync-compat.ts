/**
 * ringcast.corosync_compat: what a ring shared with Corosync 3.1 nodes needs, set where the file
 * is silent and refused, naming the key, where it asks for what cannot work:
 * - the transport is udpu or udp: Corosync's knet links speak a protocol of their own;
 * - no crypto: Corosync encrypts only over knet, so its udpu/udp frames travel in clear;
 * - one Totem frame per datagram (frame_size = netmtu) and no size probes (ip_fragmentation off):
 *   Corosync's udpu/udp receive whole frames only and count anything else as a bad magic number;
 * - Totem's timers as Corosync has them: seqno_unchanged_const 30 (ringcast rests the token after
 *   2 idle rotations, a Corosync member expects it to keep circulating), counted from the
 *   sequence received as Corosync does (ringcast counts from the one it passes on).
 * Every other key keeps its meaning; the timers must still match on every node (Corosync's rule).
 */
import type { IssueSink } from './issues.js';
import { bool, first, lineOf, num, present, str, type SectionValues } from './read.js';
import type { RingcastSettings, TotemSettings } from './types.js';

/** Corosync 3.1's SEQNO_UNCHANGED_CONST. */
export const COROSYNC_SEQNO_UNCHANGED_CONST = 30;

export function corosyncCompatOf(root: SectionValues): boolean {
  return bool(first(root, 'ringcast'), 'corosync_compat') ?? false;
}

export function applyCorosyncCompat(root: SectionValues, totem: TotemSettings, ringcast: RingcastSettings, sink: IssueSink): { totem: TotemSettings; ringcast: RingcastSettings } {
  if (!corosyncCompatOf(root)) return { totem, ringcast };
  const own = first(root, 'ringcast');
  const totemSection = first(root, 'totem');
  const why = `needed by ringcast.corosync_compat (line ${lineOf(own, 'corosync_compat')})`;
  if (totem.transport !== 'udpu' && totem.transport !== 'udp') {
    sink.error(lineOf(totemSection, 'transport'), 'totem.transport', `${totem.transport}: a ring shared with Corosync uses udpu or udp (${why})`);
  }
  if (totem.cryptoCipher !== 'none' || totem.cryptoHash !== 'none') {
    const key = totem.cryptoCipher !== 'none' ? 'crypto_cipher' : 'crypto_hash';
    // Crypto is on by default in ringcast: when the file does not name it, point at corosync_compat.
    const written = present(totemSection, key);
    sink.error(written ? lineOf(totemSection, key) : lineOf(own, 'corosync_compat'), written ? `totem.${key}` : 'ringcast.corosync_compat',
      `Corosync carries crypto only over knet: set totem.crypto_cipher: none and totem.crypto_hash: none (${why})`);
  }
  const netmtu = totem.timing.netmtu ?? 1500;
  const frameSize = num(own, 'frame_size');
  if (frameSize !== undefined && frameSize !== netmtu) {
    sink.error(lineOf(own, 'frame_size'), 'ringcast.frame_size', `${frameSize}: Corosync's udpu/udp send one frame per datagram: frame_size must equal totem.netmtu (${netmtu}) or be left out (${why})`);
  }
  if (str(own, 'ip_fragmentation') === 'auto') {
    sink.error(lineOf(own, 'ip_fragmentation'), 'ringcast.ip_fragmentation', `auto sends size probes Corosync cannot read: leave it out or set off (${why})`);
  }
  // Quiet rotations counted as a Corosync member counts them, so its cancels come in time.
  const timing = { ...totem.timing, seqnoUnchangedConst: totem.timing.seqnoUnchangedConst ?? COROSYNC_SEQNO_UNCHANGED_CONST, corosyncTokenHold: true };
  return {
    totem: { ...totem, timing },
    ringcast: { ...ringcast, frameSize: netmtu, ipFragmentation: 'off', corosyncCompat: true },
  };
}
