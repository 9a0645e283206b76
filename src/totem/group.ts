/**
 * TotemGroup: the Totem core with the group layer on top (Corosync's totempg over totemsrp).
 * Application messages of any size up to a bound go in; the packer packs small ones into frames
 * and fragments large ones when the core holds the token; the assembler turns ordered frames
 * back into whole messages. Total order and per-sender FIFO carry over from the core.
 *
 * All-or-nothing across configuration changes: a message still being sent when the ring
 * changes is sent again whole on the new ring, and every processor drops partial messages when
 * the regular configuration is delivered. Processors that move together delivered the same
 * fragments (virtual synchrony), so they drop the same partials and nobody sees half a message.
 */
import type { TotemConfig } from './config.js';
import { TotemCore, type TotemStatus } from './core.js';
import { PgAssembler, PgPacker } from './pg/index.js';
import { GROUP_DEFAULT, groupPrefix, splitGroups } from './pg/groups.js';
import type { ConfigChange, OutFrame, PacketSource, PersistRingSeq, TraceEvent } from './state.js';
import type { NodeId, RingId } from './wire/types.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;

export interface TotemGroupOptions {
  readonly nodeId: NodeId;
  readonly config: TotemConfig;
  readonly persistedRingSeq?: number;
  readonly maxMessageBytes?: number;
  readonly maxQueuedBytes?: number;
  readonly trace?: ((event: TraceEvent) => void) | undefined;
}

export interface GroupDelivery {
  readonly kind: 'deliver';
  readonly from: NodeId;
  /** The message after its group header. */
  readonly data: Uint8Array;
  /**
   * The groups the sender named (totempg's group header): Corosync's executive sends in "a", its
   * sync engine in "sync"; submit() without a group sends in "ringcast".
   */
  readonly groups: readonly string[];
  readonly ringId: RingId;
  /** Sequence number of the frame that completed the message. */
  readonly seq: number;
  readonly safe: boolean;
}

export interface SubmitOptions {
  /** Safe delivery: delivered only once every member has the message. */
  readonly safe?: boolean;
  /** The caller hands the buffer over and never writes to it again: it is queued without a copy. */
  readonly transfer?: boolean;
  /** The group the message is sent in (default GROUP_DEFAULT, "ringcast"). */
  readonly group?: string;
}

export type GroupEvent = GroupDelivery | ConfigChange | PersistRingSeq;

export type SubmitResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'QUEUE_FULL' | 'MESSAGE_TOO_LARGE' | 'NOT_RUNNING'; readonly detail: string };

export interface GroupStats {
  /** Frames whose packet failed to decode or continued a message we never saw start. */
  malformedPackets: number;
  partialsDropped: number;
  /** Whole messages whose group header was malformed: dropped. */
  malformedGroupHeaders: number;
}

export class TotemGroup {
  readonly core: TotemCore;
  private readonly packer: PgPacker;
  private readonly assembler: PgAssembler;
  /** Byte position (in enqueue order) just past the last safe message queued. */
  private safeUntil = 0;
  private enqueuedBytes = 0;
  readonly groupStats: GroupStats = { malformedPackets: 0, partialsDropped: 0, malformedGroupHeaders: 0 };

  constructor(options: TotemGroupOptions) {
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.packer = new PgPacker({ maxMessageBytes, maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES });
    this.assembler = new PgAssembler({ maxPartialBytes: maxMessageBytes });
    const source: PacketSource = {
      take: (maxBytes) => this.take(maxBytes),
      backlogFrames: (maxBytes) => (this.packer.pendingBytes === 0 ? 0 : Math.ceil(this.packer.pendingBytes / maxBytes)),
      ringChanged: () => this.packer.restartPartial(),
    };
    this.core = new TotemCore({
      nodeId: options.nodeId,
      config: options.config,
      source,
      persistedRingSeq: options.persistedRingSeq,
      trace: options.trace,
    });
  }

  start(now: number): void {
    this.core.start(now);
  }

  receive(frame: Uint8Array, now: number): void {
    this.core.receive(frame, now);
  }

  timeout(now: number): void {
    this.core.timeout(now);
  }

  leave(now: number): void {
    this.core.leave(now);
  }

  /** Queues one application message for agreed (or safe) delivery to every member. */
  submit(data: Uint8Array, options: SubmitOptions = {}, now = 0): SubmitResult {
    const prefix = groupPrefix(options.group ?? GROUP_DEFAULT);
    const result = this.packer.enqueue(data, options.transfer ?? false, prefix);
    if (!result.ok) return { ok: false, code: result.code, detail: result.detail };
    this.enqueuedBytes += prefix.length + data.length;
    if (options.safe) this.safeUntil = this.enqueuedBytes;
    this.core.notifyPending(now);
    return { ok: true };
  }

  takeFrames(): OutFrame[] {
    return this.core.takeFrames();
  }

  nextDeadline(): number | undefined {
    return this.core.nextDeadline();
  }

  status(): TotemStatus {
    return this.core.status();
  }

  /** See TotemCore.reconfigure. */
  reconfigure(next: TotemConfig): (keyof TotemConfig)[] {
    return this.core.reconfigure(next);
  }

  get queuedBytes(): number {
    return this.packer.pendingBytes;
  }

  takeEvents(): GroupEvent[] {
    const out: GroupEvent[] = [];
    for (const event of this.core.takeEvents()) {
      if (event.kind !== 'deliver') {
        if (event.kind === 'config' && event.type === 'regular') {
          this.groupStats.partialsDropped += this.assembler.discardAll();
        }
        out.push(event);
        continue;
      }
      const result = this.assembler.accept(event.from, event.payload, event.bigEndian);
      // A broken fragment costs only its own message; whole messages in the packet still count.
      if (!result.ok) this.groupStats.malformedPackets++;
      for (const message of result.messages) {
        const split = splitGroups(message, event.bigEndian);
        if (!split.ok) {
          this.groupStats.malformedGroupHeaders++;
          continue;
        }
        out.push({ kind: 'deliver', from: event.from, data: split.body, groups: split.groups, ringId: event.ringId, seq: event.seq, safe: event.safe });
      }
    }
    return out;
  }

  /** A packet for the core; safe if it carries (or precedes) any message submitted as safe. */
  private take(maxBytes: number): { payload: Uint8Array; safe: boolean } | undefined {
    const consumedBefore = this.enqueuedBytes - this.packer.pendingBytes;
    const payload = this.packer.takePacket(maxBytes);
    if (!payload) return undefined;
    return { payload, safe: consumedBefore < this.safeUntil };
  }
}
