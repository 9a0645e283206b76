/**
 * Frames larger than a datagram: the link layer splits a (sealed) Totem frame into datagrams of
 * at most `maxDatagramBytes` and the receiver puts it back together, as knet does for Corosync 3
 * (whose Totem frames default to 64 KiB). Totem's costs are per frame — a token visit sends at
 * most max_messages frames, each sealed once, stored once, acknowledged once — so bigger frames
 * carry more per visit for the same work, while no datagram exceeds the network's MTU.
 *
 * A frame that fits one datagram is sent as it is, with no header: small frames (tokens, joins,
 * a light load) look exactly as without fragmentation. A fragment starts with a marker byte that
 * neither a sealed frame (envelope version nibble 1) nor a plain Totem frame (0x70 0xc0 / 0xc0 0x70)
 * can start with:
 *
 *   0  u8   FRAGMENT_MARKER (0xfa)
 *   1  u8   index (0-based)
 *   2  u8   count (2..255)
 *   3  u8   0 (reserved)
 *   4  u32  sender node id (LE)
 *   8  u32  frame serial, per sender (LE)
 *  12       data
 *
 * Fragments are not authenticated on their own: the reassembled frame is (the AEAD tag covers it
 * whole), so a forged fragment costs at most one frame, which Totem retransmits. Memory stays
 * bounded: senders must be in the node list, each has at most `partialsPerSender` frames in
 * progress (the oldest is dropped and counted), and a frame never exceeds `maxFrameBytes`.
 */
export const FRAGMENT_MARKER = 0xfa;
export const FRAGMENT_HEADER_BYTES = 12;
export const FRAGMENTS_PER_FRAME_MAX = 255;

export interface FragmentOptions {
  readonly senderId: number;
  readonly serial: number;
  readonly maxDatagramBytes: number;
}

/** The datagrams that carry `frame`: the frame itself when it fits one. */
export function fragmentFrame(frame: Uint8Array, options: FragmentOptions): Uint8Array[] {
  const { senderId, serial, maxDatagramBytes } = options;
  if (frame.length <= maxDatagramBytes) return [frame];
  const room = maxDatagramBytes - FRAGMENT_HEADER_BYTES;
  if (room <= 0) throw new RangeError(`maxDatagramBytes ${maxDatagramBytes} leaves no room for data`);
  const count = Math.ceil(frame.length / room);
  if (count > FRAGMENTS_PER_FRAME_MAX) {
    throw new RangeError(`a ${frame.length}-byte frame needs ${count} fragments of ${room} bytes, more than ${FRAGMENTS_PER_FRAME_MAX}`);
  }
  // Equal shares rather than full fragments and a runt: the same count, smaller datagrams.
  const share = Math.ceil(frame.length / count);
  const out: Uint8Array[] = [];
  // One allocation for all of a frame's datagrams: under full load thousands of small buffers a
  // second fragment the allocator's heap and hold the daemon's resident size up.
  const block = new Uint8Array(count * FRAGMENT_HEADER_BYTES + frame.length);
  let offset = 0;
  for (let index = 0; index < count; index++) {
    const data = frame.subarray(index * share, Math.min(frame.length, (index + 1) * share));
    const datagram = block.subarray(offset, offset + FRAGMENT_HEADER_BYTES + data.length);
    offset += datagram.length;
    const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.length);
    datagram[0] = FRAGMENT_MARKER;
    datagram[1] = index;
    datagram[2] = count;
    view.setUint32(4, senderId, true);
    view.setUint32(8, serial >>> 0, true);
    datagram.set(data, FRAGMENT_HEADER_BYTES);
    out.push(datagram);
  }
  return out;
}

export function isFragment(datagram: Uint8Array): boolean {
  return datagram.length > 0 && datagram[0] === FRAGMENT_MARKER;
}

export type ReassemblyResult =
  | { readonly ok: true; readonly frame: Uint8Array | undefined }
  | { readonly ok: false; readonly code: 'BAD_FRAGMENT' | 'UNKNOWN_SENDER' | 'FRAME_TOO_LARGE'; readonly detail: string };

export interface ReassemblerOptions {
  /** Node ids allowed to send fragments (the node list). */
  readonly senders: Iterable<number>;
  /** Largest frame accepted, in bytes. */
  readonly maxFrameBytes: number;
  /** Frames in progress per sender; a new one beyond this drops the oldest. */
  readonly partialsPerSender?: number;
}

export interface ReassemblerStats {
  fragmentsIn: number;
  framesCompleted: number;
  /** Frames given up: pushed out by newer ones (a fragment was lost) or inconsistent. */
  framesAbandoned: number;
}

interface Partial {
  readonly serial: number;
  readonly count: number;
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
}

export class Reassembler {
  readonly stats: ReassemblerStats = { fragmentsIn: 0, framesCompleted: 0, framesAbandoned: 0 };
  private readonly partials = new Map<number, Partial[]>();
  private readonly maxFrameBytes: number;
  private readonly partialsPerSender: number;

  constructor(options: ReassemblerOptions) {
    for (const id of options.senders) this.partials.set(id, []);
    this.maxFrameBytes = options.maxFrameBytes;
    this.partialsPerSender = options.partialsPerSender ?? 4;
  }

  /** A node added to the node list at run time (a reload): its pieces are accepted from now on. */
  addSender(nodeId: number): void {
    if (!this.partials.has(nodeId)) this.partials.set(nodeId, []);
  }

  /** Takes one fragment; returns the frame when it completes one. Never throws. */
  accept(datagram: Uint8Array): ReassemblyResult {
    if (datagram.length <= FRAGMENT_HEADER_BYTES || datagram[0] !== FRAGMENT_MARKER || datagram[3] !== 0) {
      return { ok: false, code: 'BAD_FRAGMENT', detail: `${datagram.length}-byte datagram is not a fragment` };
    }
    const index = datagram[1]!;
    const count = datagram[2]!;
    if (count < 2 || index >= count) return { ok: false, code: 'BAD_FRAGMENT', detail: `fragment ${index} of ${count}` };
    const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.length);
    const sender = view.getUint32(4, true);
    const serial = view.getUint32(8, true);
    const list = this.partials.get(sender);
    if (!list) return { ok: false, code: 'UNKNOWN_SENDER', detail: `fragment from node ${sender}, not in the node list` };
    this.stats.fragmentsIn++;
    let partial = list.find((p) => p.serial === serial);
    if (!partial) {
      partial = { serial, count, parts: new Array<Uint8Array | undefined>(count), received: 0, bytes: 0 };
      list.push(partial);
      if (list.length > this.partialsPerSender) {
        list.shift();
        this.stats.framesAbandoned++;
      }
    }
    if (partial.count !== count) return this.abandon(list, partial, `serial ${serial} said ${partial.count} fragments, now ${count}`);
    if (partial.parts[index]) return { ok: true, frame: undefined }; // a duplicate
    // A view, not a copy: each received datagram has a buffer of its own, and the frame is
    // assembled into a fresh one below.
    const data = datagram.subarray(FRAGMENT_HEADER_BYTES);
    partial.bytes += data.length;
    if (partial.bytes > this.maxFrameBytes) {
      this.remove(list, partial);
      this.stats.framesAbandoned++;
      return { ok: false, code: 'FRAME_TOO_LARGE', detail: `fragments of serial ${serial} exceed ${this.maxFrameBytes} bytes` };
    }
    partial.parts[index] = data;
    partial.received++;
    if (partial.received < count) return { ok: true, frame: undefined };
    this.remove(list, partial);
    this.stats.framesCompleted++;
    const frame = new Uint8Array(partial.bytes);
    let at = 0;
    for (const part of partial.parts) {
      frame.set(part!, at);
      at += part!.length;
    }
    return { ok: true, frame };
  }

  private abandon(list: Partial[], partial: Partial, detail: string): ReassemblyResult {
    this.remove(list, partial);
    this.stats.framesAbandoned++;
    return { ok: false, code: 'BAD_FRAGMENT', detail };
  }

  private remove(list: Partial[], partial: Partial): void {
    const at = list.indexOf(partial);
    if (at >= 0) list.splice(at, 1);
  }
}
