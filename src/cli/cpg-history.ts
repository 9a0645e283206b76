/**
 * What `ringcast cpg watch` writes: the client's view of the ring as a history file
 * (docs/history.md), so the checker can follow messages that `ringcast cpg send` (or any
 * client using the payload format of src/history/payload.ts) multicast.
 *
 * CPG tells a client only the regular configuration of each new ring (totemConfchg), not the
 * transitional one; history.md wants every regular configuration preceded by its transitional.
 * The transitional written here is derived: the very first one is just this node (a new process
 * moves on from no ring), later ones are the nodes present in both the previous and the new ring.
 * That is Totem's transitional membership when no node left and came back between the two
 * rings; it is always a subset of both, as the checker requires.
 */
import type { HistorySink } from '../history/writer.js';
import { parseMessageId } from '../history/ids.js';
import { payloadId } from '../history/payload.js';
import type { CpgEvent } from '../client/index.js';

export interface WatchCounts {
  /** Deliveries in the watched group. */
  deliveries: number;
  /** Of those, the ones whose payload carried a history id (written as `deliver` records). */
  recorded: number;
  /** Ring configurations written (regular records). */
  configs: number;
}

export class WatchRecorder {
  readonly counts: WatchCounts = { deliveries: 0, recorded: 0, configs: 0 };
  readonly #sink: HistorySink;
  readonly #group: string;
  readonly #now: () => number;
  #node = 0;
  #lastMembers: readonly number[] | undefined;
  #lastRing: string | undefined;

  constructor(sink: HistorySink, group: string, now: () => number = Date.now) {
    this.#sink = sink;
    this.#group = group;
    this.#now = now;
  }

  start(node: number, boot: string): void {
    this.#sink.write({ ev: 'start', node, boot, t: this.#now() });
    this.#node = node;
  }

  /** Returns true when the event was a delivery in the watched group (what --count counts). */
  onEvent(ev: CpgEvent): boolean {
    if (ev.type === 'totemConfchg') {
      this.#config(`${ev.ringId.nodeId}.${ev.ringId.seq}`, [...ev.nodes].sort((a, b) => a - b));
      return false;
    }
    if (ev.type !== 'deliver' || ev.group !== this.#group) return false;
    this.counts.deliveries++;
    const id = payloadId(ev.data);
    if (id !== undefined && parseMessageId(id) !== undefined) {
      this.counts.recorded++;
      this.#sink.write({ ev: 'deliver', id, from: ev.nodeId, t: this.#now() });
    }
    return true;
  }

  /** After leaving the group: the clean-exit record. */
  stop(): void {
    this.#sink.write({ ev: 'stop', t: this.#now() });
  }

  #config(ring: string, members: number[]): void {
    if (ring === this.#lastRing) return; // the initial totem confchg may repeat the current ring
    const previous = this.#lastMembers;
    const transitional = previous === undefined ? [this.#node] : members.filter((m) => previous.includes(m));
    const t = this.#now();
    this.#sink.write({ ev: 'config', kind: 'transitional', ring, members: transitional, t });
    this.#sink.write({ ev: 'config', kind: 'regular', ring, members, t });
    this.#lastMembers = members;
    this.#lastRing = ring;
    this.counts.configs++;
  }
}
