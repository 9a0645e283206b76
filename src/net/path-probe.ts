/**
 * Whole frames where the path carries them. A Totem frame larger than netmtu can leave in two
 * ways: in ringcast's own pieces (src/net/fragments.ts, one datagram and one receive per piece), or
 * as one UDP datagram that the kernel cuts into IP fragments and the receiving kernel puts back
 * together. The second costs far less CPU on both ends (one system call and one wake-up per frame
 * instead of ~45 at 64 KiB over a 1500-byte MTU), but some networks drop IP fragments (firewalls,
 * some cloud fabrics). So a node sends a peer whole frames only after that peer answered a *probe*:
 * an authenticated datagram as large as the largest whole frame. Probes repeat; a peer that stops
 * answering goes back to pieces. (knet, Corosync 3's link layer, probes its path MTU the same way.)
 *
 * This file is the pure part: the probe wire format and the per-peer bookkeeping, with time passed
 * in. RingNode sends, seals and times them.
 *
 * Wire (inside the crypto envelope when crypto is on; the datagram is PROBE_MARKER + that):
 *   0  u8   kind: 1 request, 2 answer
 *   1  u8   0 (reserved)
 *   2  u16  0 (reserved)
 *   4  u32  sender node id (LE)
 *   8  u32  target node id (LE)
 *  12  u32  nonce (LE), echoed by the answer
 *  16       zero padding (requests: up to the size being proven)
 */
export const PROBE_MARKER = 0xfb;
export const PROBE_BODY_BYTES = 16;

export type ProbeKind = 'request' | 'answer';

export interface ProbeMessage {
  readonly kind: ProbeKind;
  readonly sender: number;
  readonly target: number;
  readonly nonce: number;
}

const KIND_CODE: Readonly<Record<ProbeKind, number>> = { request: 1, answer: 2 };

/** The probe's body, padded with zeros to `bytes` (at least PROBE_BODY_BYTES). */
export function encodeProbe(message: ProbeMessage, bytes = PROBE_BODY_BYTES): Uint8Array {
  const out = new Uint8Array(Math.max(PROBE_BODY_BYTES, bytes));
  const view = new DataView(out.buffer);
  out[0] = KIND_CODE[message.kind];
  view.setUint32(4, message.sender >>> 0, true);
  view.setUint32(8, message.target >>> 0, true);
  view.setUint32(12, message.nonce >>> 0, true);
  return out;
}

export type ProbeDecodeResult = { readonly ok: true; readonly message: ProbeMessage } | { readonly ok: false; readonly detail: string };

export function decodeProbe(body: Uint8Array): ProbeDecodeResult {
  if (body.length < PROBE_BODY_BYTES) return { ok: false, detail: `${body.length}-byte probe, shorter than ${PROBE_BODY_BYTES}` };
  const kind = body[0] === 1 ? 'request' : body[0] === 2 ? 'answer' : undefined;
  if (kind === undefined) return { ok: false, detail: `probe kind ${body[0]}` };
  if (body[1] !== 0 || body[2] !== 0 || body[3] !== 0) return { ok: false, detail: 'reserved probe bytes are not zero' };
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  return { ok: true, message: { kind, sender: view.getUint32(4, true), target: view.getUint32(8, true), nonce: view.getUint32(12, true) } };
}

export interface PathProbeTiming {
  /**
   * Between probes of a peer whose path is proven. Default 5,000 ms: a path that stops carrying
   * fragments costs whole frames (each then retransmitted in pieces) until a probe notices; one
   * 64 KiB datagram per peer every 5 s is cheap insurance.
   */
  readonly confirmedIntervalMs: number;
  /** First retry of an unproven peer; doubles per unanswered probe up to maxRetryMs. Default 1,000 ms. */
  readonly firstRetryMs: number;
  /** Longest wait between probes of an unproven peer (one that is down, or whose path drops fragments). Default 30,000 ms. */
  readonly maxRetryMs: number;
  /** Time an answer has to come back. Default 1,000 ms. */
  readonly answerTimeoutMs: number;
  /** Unanswered probes in a row after which a proven peer goes back to pieces. Default 2. */
  readonly missesToDemote: number;
}

export const DEFAULT_PATH_PROBE_TIMING: PathProbeTiming = {
  confirmedIntervalMs: 5_000,
  firstRetryMs: 1_000,
  maxRetryMs: 30_000,
  answerTimeoutMs: 1_000,
  missesToDemote: 2,
};

interface PeerPath {
  whole: boolean;
  /** The probe waiting for its answer. */
  outstanding: { readonly nonce: number; readonly sentAt: number } | undefined;
  misses: number;
  nextAt: number;
}

export interface PathChange {
  readonly nodeId: number;
  readonly whole: boolean;
}

/**
 * Which peers get whole frames. `due(now)` names the probes to send now (each with a fresh
 * nonce from `nonce()`); `answered` and `expire` return the peers whose mode changed.
 */
export class PathProbes {
  readonly #peers = new Map<number, PeerPath>();
  readonly #timing: PathProbeTiming;
  readonly #nonce: () => number;

  constructor(peerIds: Iterable<number>, nonce: () => number, timing: Partial<PathProbeTiming> = {}, now = 0) {
    this.#timing = { ...DEFAULT_PATH_PROBE_TIMING, ...timing };
    this.#nonce = nonce;
    for (const id of peerIds) this.#peers.set(id, { whole: false, outstanding: undefined, misses: 0, nextAt: now });
  }
  /** A peer added at run time: probed from `now` on, sent pieces until its path answers. */
  addPeer(nodeId: number, now: number): void {
    if (!this.#peers.has(nodeId)) this.#peers.set(nodeId, { whole: false, outstanding: undefined, misses: 0, nextAt: now });
  }


  whole(nodeId: number): boolean {
    return this.#peers.get(nodeId)?.whole ?? false;
  }

  /** Every peer gets whole frames (a multicast reaches them all at once). */
  allWhole(): boolean {
    for (const p of this.#peers.values()) if (!p.whole) return false;
    return this.#peers.size > 0;
  }

  wholePeers(): number[] {
    return [...this.#peers].filter(([, p]) => p.whole).map(([id]) => id);
  }

  /** Probes to send now, one per peer whose turn it is and that has none outstanding. */
  due(now: number): { readonly nodeId: number; readonly nonce: number }[] {
    const out: { nodeId: number; nonce: number }[] = [];
    for (const [nodeId, p] of this.#peers) {
      if (p.outstanding !== undefined || now < p.nextAt) continue;
      const nonce = this.#nonce() >>> 0;
      p.outstanding = { nonce, sentAt: now };
      out.push({ nodeId, nonce });
    }
    return out;
  }

  /** An answer from `nodeId`; a wrong or late nonce changes nothing. */
  answered(nodeId: number, nonce: number, now: number): PathChange | undefined {
    const p = this.#peers.get(nodeId);
    if (!p || p.outstanding?.nonce !== nonce) return undefined;
    p.outstanding = undefined;
    p.misses = 0;
    p.nextAt = now + this.#timing.confirmedIntervalMs;
    if (p.whole) return undefined;
    p.whole = true;
    return { nodeId, whole: true };
  }

  /** Probes past their answer time count as misses; returns peers that went back to pieces. */
  expire(now: number): PathChange[] {
    const changes: PathChange[] = [];
    for (const [nodeId, p] of this.#peers) {
      if (p.outstanding === undefined || now - p.outstanding.sentAt < this.#timing.answerTimeoutMs) continue;
      p.outstanding = undefined;
      p.misses++;
      const backoff = Math.min(this.#timing.maxRetryMs, this.#timing.firstRetryMs * 2 ** Math.min(p.misses - 1, 16));
      p.nextAt = now + (p.whole ? this.#timing.firstRetryMs : backoff);
      if (p.whole && p.misses >= this.#timing.missesToDemote) {
        p.whole = false;
        changes.push({ nodeId, whole: false });
      }
    }
    return changes;
  }

  /**
   * Something was lost (this node retransmits): check the proven peers again now, so a path that
   * stopped carrying fragments is noticed in seconds, not at the next periodic probe.
   */
  recheck(now: number): void {
    for (const p of this.#peers.values()) if (p.whole && p.outstanding === undefined) p.nextAt = Math.min(p.nextAt, now);
  }

  /**
   * A peer (re)joined the ring: probe it now rather than at the end of a back-off. A probe still
   * waiting for its answer was most likely sent before the peer was up: forget it, uncounted.
   */
  probeSoon(nodeId: number, now: number): void {
    const p = this.#peers.get(nodeId);
    if (!p || p.whole) return;
    p.outstanding = undefined;
    p.misses = 0;
    p.nextAt = Math.min(p.nextAt, now);
  }
}
