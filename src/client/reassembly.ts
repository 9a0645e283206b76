/**
 * Reassembles partialDeliver fragments (sent by Corosync-style peers that split large messages)
 * into whole deliveries, as Corosync's lib/cpg.c does for its callers. Fragments of one message
 * come from one sender, in order, without interleaving with that sender's other messages; the key
 * is (group, nodeId, pid). Bounded: at most `maxMessages` in progress and `maxBytes` per message;
 * anything outside the rules is dropped and counted, never thrown.
 */
import type { PartialDeliverCallback } from '../protocol/cpg/callbacks.js';
import { PartialType } from '../protocol/cpg/vocabulary.js';

export interface ReassemblyStats {
  /** Fragments or partial messages discarded (out of order, oversize, too many in progress, wrong size). */
  dropped: number;
}

interface InProgress {
  readonly buffer: Uint8Array;
  filled: number;
}

export interface Reassembled {
  readonly group: Uint8Array;
  readonly nodeId: number;
  readonly pid: number;
  readonly data: Uint8Array;
}

export class Reassembler {
  readonly stats: ReassemblyStats = { dropped: 0 };
  readonly #inProgress = new Map<string, InProgress>();
  readonly #maxMessages: number;
  readonly #maxBytes: number;

  constructor(maxMessages = 64, maxBytes = 64 * 1024 * 1024) {
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
  }

  /** Takes one fragment; returns the whole message when this was its last fragment. */
  push(f: PartialDeliverCallback): Reassembled | undefined {
    const key = `${f.nodeId}:${f.pid}:${Buffer.from(f.group).toString('hex')}`;
    let entry = this.#inProgress.get(key);
    if (f.type === PartialType.first) {
      if (entry) this.#drop(key); // a new first fragment abandons the unfinished one
      if (f.totalBytes > this.#maxBytes || this.#inProgress.size >= this.#maxMessages) {
        this.stats.dropped++;
        return undefined;
      }
      entry = { buffer: new Uint8Array(f.totalBytes), filled: 0 };
      this.#inProgress.set(key, entry);
    } else if (!entry || entry.buffer.length !== f.totalBytes) {
      if (entry) this.#drop(key);
      this.stats.dropped++;
      return undefined;
    }
    if (entry.filled + f.data.length > entry.buffer.length) {
      this.#drop(key);
      return undefined;
    }
    entry.buffer.set(f.data, entry.filled);
    entry.filled += f.data.length;
    if (f.type !== PartialType.last) return undefined;
    this.#inProgress.delete(key);
    if (entry.filled !== entry.buffer.length) {
      this.stats.dropped++;
      return undefined;
    }
    return { group: f.group, nodeId: f.nodeId, pid: f.pid, data: entry.buffer };
  }

  /** A reconnect starts a new stream: fragments in progress can never complete. */
  clear(): void {
    this.#inProgress.clear();
  }

  #drop(key: string): void {
    this.#inProgress.delete(key);
    this.stats.dropped++;
  }
}
