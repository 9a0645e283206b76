/**
 * This node's own ordinary executive messages, from the service's send until they come back in
 * agreed order: in flight (handed to the ring) or deferred (not yet handed, in tag order).
 *
 * Why deferral exists: Corosync switches Totem to a second queue when a configuration changes
 * (totemsrp's waiting_trans_ack / new_message_queue_trans), so messages queued before the change
 * wait until synchronization completes (totempg_trans_ack) and sync messages go first. ringcast's
 * ring has one queue, so the executive does it here: sends made during sync wait in `deferred`,
 * and a message that was already on the ring and is delivered in the new configuration before
 * its service activated is dropped by every member alike and comes back here, to be sent again
 * after sync. Such messages precede this node's first sync message in its FIFO order, so they are
 * all delivered (and dropped) before sync completes, and sending them again keeps their order.
 *
 * Bounded: at most `maxMessages` tracked at once; beyond that sends fail with CS_ERR_TRY_AGAIN.
 */
import type { LibRequest } from './service.js';

export interface OwnMessage {
  readonly tag: number;
  readonly serviceId: number;
  readonly messageId: number;
  /** Header included, tag written. */
  readonly message: Uint8Array;
  readonly safe: boolean;
  readonly request: LibRequest | undefined;
}

const TAG_MAX = 0xffffffff;

export class Outbound {
  private nextTag = 1;
  private readonly inFlight = new Map<number, OwnMessage>();
  private deferred: OwnMessage[] = [];

  constructor(readonly maxMessages: number) {}

  get size(): number {
    return this.inFlight.size + this.deferred.length;
  }

  get full(): boolean {
    return this.size >= this.maxMessages;
  }

  get deferredCount(): number {
    return this.deferred.length;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** A fresh tag: never 0 (untracked), never one still in use. */
  allocateTag(): number {
    for (;;) {
      const tag = this.nextTag;
      this.nextTag = tag === TAG_MAX ? 1 : tag + 1;
      if (!this.inFlight.has(tag) && !this.deferred.some((m) => m.tag === tag)) return tag;
    }
  }

  sent(message: OwnMessage): void {
    this.inFlight.set(message.tag, message);
  }

  /** Keeps the deferred list in tag order: a message coming back goes before later sends. */
  defer(message: OwnMessage): void {
    let i = this.deferred.length;
    while (i > 0 && tagBefore(message.tag, this.deferred[i - 1]!.tag)) i--;
    this.deferred.splice(i, 0, message);
  }

  /** The in-flight message with this tag, if it matches the delivered ids; no longer tracked. */
  delivered(tag: number, serviceId: number, messageId: number): OwnMessage | undefined {
    const message = this.inFlight.get(tag);
    if (!message || message.serviceId !== serviceId || message.messageId !== messageId) return undefined;
    this.inFlight.delete(tag);
    return message;
  }

  peekDeferred(): OwnMessage | undefined {
    return this.deferred[0];
  }

  shiftDeferred(): OwnMessage | undefined {
    return this.deferred.shift();
  }

  /** Everything still tracked, for stop(). */
  drain(): OwnMessage[] {
    const all = [...this.inFlight.values(), ...this.deferred];
    this.inFlight.clear();
    this.deferred = [];
    return all;
  }
}

/** Tags grow by one and wrap; compare them as serial numbers (RFC 1982 style). */
function tagBefore(a: number, b: number): boolean {
  const diff = (b - a) >>> 0;
  return diff !== 0 && diff < 0x80000000;
}
