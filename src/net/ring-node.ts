/**
 * RingNode: a Totem ring member on real UDP sockets, embeddable in any Node.js process
 * (`import { RingNode } from 'ringcast'`). The loop that runs the core is the shared RingDriver
 * (src/driver); this file is its real transport and scheduler: `node:dgram` in Corosync's `udpu`
 * style (every multicast is a unicast to each node of the node list), frame sealing, pieces and
 * path probes, one OS timer for the core's next deadline, `performance.now()` for time.
 *
 * The hot path is the token's visit: a node should pass the token on as soon as it can. So
 * sends carry no completion callback (except while leaving), and ordered messages and
 * configuration changes reach listeners on the next turn of the event loop, after the frames of
 * the same step have been sent (Corosync also delivers after it has passed the token on).
 */
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { randomInt } from 'node:crypto';
import { deriveTotemConfig, type TotemConfigInput } from '../totem/config.js';
import type { GroupDelivery, SubmitOptions } from '../totem/group.js';
import type { ConfigChange, OutFrame, TraceEvent } from '../totem/state.js';
import type { TotemStatus } from '../totem/core.js';
import { HDR_NODEID, HEADER_SIZE, TOTEM_MH_MAGIC } from '../totem/wire/layout.js';
import { RingDriver, defaultDrainTimeoutMs, type DrainResult, type DriverSubmitResult, type RingEvent, type RingScheduler, type RingSeqStore } from '../driver/ring-driver.js';
import { MemoryRingSeqStore } from './ring-seq-store.js';
import { TimeQueue } from './time-queue.js';
import { Reassembler, fragmentFrame, isFragment, type ReassemblerStats } from './fragments.js';
import { PROBE_MARKER, PathProbes, decodeProbe, encodeProbe, type PathChange, type PathProbeTiming, type ProbeMessage } from './path-probe.js';

export interface RingNodeAddress {
  readonly nodeId: number;
  readonly address: string;
  readonly port: number;
}

/** Authentication and encryption around every frame (src/net/crypto); identity when off. */
export interface FrameSealer {
  seal(frame: Uint8Array): Uint8Array;
  open(frame: Uint8Array): { ok: true; frame: Uint8Array } | { ok: false; code: string; detail: string };
}

export interface RingNodeStats {
  framesIn: number;
  framesOut: number;
  /** UDP payload bytes received (every datagram, probes and pieces included) and sent. */
  datagramBytesIn: number;
  datagramBytesOut: number;
  /** Messages (and their bytes) this node handed the ring that it accepted (send() ok). */
  messagesSent: number;
  messageBytesSent: number;
  /** ICMP unreachable reports from peers' addresses (a peer's port was closed: it is down). */
  unreachable: number;
  /** Datagrams carrying pieces of frames larger than one datagram (src/net/fragments.ts). */
  fragmentsOut: number;
  reassembly: ReassemblerStats;
  /** Frames above a datagram sent whole (one datagram the kernel fragments) to a peer whose path was proven. */
  wholeFramesOut: number;
  /** Path probes (src/net/path-probe.ts): requests sent, answers sent, answers received. */
  probesOut: number;
  probeAnswersOut: number;
  probeAnswersIn: number;
  /** Frames dropped before the core, by reason (authentication failed, truncated...). */
  rejected: Record<string, number>;
}

export interface RingNodeOptions {
  readonly nodeId: number;
  /** The node list: every member's address, this node's included (Corosync's nodelist). */
  readonly nodes: readonly RingNodeAddress[];
  readonly totem?: TotemConfigInput;
  readonly ringSeqStore?: RingSeqStore;
  readonly trace?: (event: TraceEvent) => void;
  readonly sealer?: FrameSealer;
  /**
   * Corosync's `transport: udp`: multicasts go to this group (on this node's port) once instead
   * of to every node; the token stays unicast. One node per IP address, as with Corosync.
   */
  readonly multicastGroup?: string;
  /**
   * Largest datagram to send (netmtu less the IP and UDP headers). A sealed frame larger than
   * this leaves in pieces and is reassembled by the receivers; unset, every frame is one datagram.
   */
  readonly maxDatagramBytes?: number;
  /** Largest frame a receiver reassembles (the frame size the ring is configured for). */
  readonly maxFrameBytes?: number;
  /** Receive and send buffer sizes to ask the kernel for; bursts of fragments need room. */
  readonly socketBufferBytes?: number;
  /**
   * Frames above `maxDatagramBytes`: 'auto' (default) sends them to a peer as one datagram that
   * the kernel cuts into IP fragments once that peer answered a probe of that size
   * (src/net/path-probe.ts), else in ringcast's own pieces; 'off' always uses the pieces.
   */
  readonly ipFragmentation?: 'auto' | 'off';
  readonly probeTiming?: Partial<PathProbeTiming>;
  /**
   * Longest wait of stop() for the messages this node accepted to come back before it leaves
   * (totem.shutdown_drain_timeout). Default 2 × (token + consensus).
   */
  readonly shutdownDrainTimeoutMs?: number;
  /** Bytes of accepted messages not yet multicast (ringcastd: ringcast.send_queue_bytes); default TotemGroup's. */
  readonly maxQueuedBytes?: number;
  /**
   * Hears the length of every message sent and delivered, every datagram received and every frame
   * sealed to send (once however many peers get it): the bytes behind most of the node's buffer
   * allocations. The daemon's memory pacer (src/daemon/memory-pacer.ts) collects garbage by them.
   */
  readonly onTraffic?: (bytes: number) => void;
  /** Hears the ms from each accepted send() to its delivery here (own messages: one clock); unset: no timing. */
  readonly ownLatency?: (ms: number) => void;
}

export interface RingNodeStopOptions {
  /**
   * false: stop at once, without draining or announcing the leave, as a failed node would look
   * to the others (tests). Default true: a planned stop.
   */
  readonly leave?: boolean;
  /** Overrides RingNodeOptions.shutdownDrainTimeoutMs for this stop. */
  readonly drainTimeoutMs?: number;
  /** See DrainOptions.heldAbove: work accepted above the ring that the drain waits for too. */
  readonly heldAbove?: () => number;
  /** See DrainOptions.acceptSubmits (default false: send() fails with SHUTTING_DOWN meanwhile). */
  readonly acceptSubmits?: boolean;
}

export interface RingNodeEvents {
  deliver: [GroupDelivery];
  config: [ConfigChange];
  error: [Error];
  /** A frame was dropped before reaching the core; listeners rate-limit their logs. */
  rejected: [{ code: string; detail: string; from: string }];
  /** A peer's frames above a datagram now go whole (its path carries IP fragments) or in pieces again. */
  path: [PathChange & { readonly wholeBytes: number }];
}

/** The largest UDP payload one IP datagram can carry (the 16-bit IP length less the headers). */
const UDP_PAYLOAD_MAX_V4 = 65_535 - 20 - 8;
const UDP_PAYLOAD_MAX_V6 = 65_535 - 8;
const PROBE_TICK_MS = 250;

/** Node's clock and timers as the driver's scheduler; listeners hear of a step on the next turn. */
const REAL_TIME: RingScheduler = {
  now: () => performance.now(),
  timer: (at, fire) => {
    const timer = setTimeout(fire, Math.max(0, at - performance.now()));
    return () => clearTimeout(timer);
  },
  defer: (run) => setImmediate(run),
};

export class RingNode extends EventEmitter<RingNodeEvents> {
  #totemInput: TotemConfigInput;
  private readonly driver: RingDriver;
  private readonly self: RingNodeAddress;
  private readonly peers: Map<number, RingNodeAddress>;
  private readonly store: RingSeqStore;
  private socket: Socket | undefined;
  /**
   * One connected socket per peer for unicasts, as Corosync's udpu keeps one per member: a send
   * on it skips the address lookup and costs half as much. Linux reports a peer's ICMP
   * unreachable on that peer's socket only (ECONNREFUSED, counted, not an error).
   */
  private readonly peerSockets = new Map<number, Socket>();
  private running = false;
  private stopping = false;
  private readonly sealer: FrameSealer | undefined;
  private readonly multicastGroup: string | undefined;
  readonly stats: RingNodeStats;
  private readonly reassembler: Reassembler;
  private readonly maxDatagramBytes: number;
  private readonly socketBufferBytes: number;
  /** Serial of the next fragmented frame; a random start keeps a restarted node's pieces apart. */
  private fragmentSerial = randomInt(0, 2 ** 32);
  /** Datagrams handed to the socket and not yet sent: close() waits for them (the leave message). */
  private pendingSends = 0;
  private drained: (() => void) | undefined;
  private readonly maxFrameBytes: number;
  private readonly ipFragmentation: 'auto' | 'off';
  private readonly probeTiming: Partial<PathProbeTiming> | undefined;
  /** Set while frames above a datagram exist and 'auto' is on: which peers get them whole. */
  private probes: PathProbes | undefined;
  /** The size a probe proves (its datagram's length): frames up to this go whole to proven peers. */
  private wholeBytes = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private drainTimeoutMs: number;
  /** The effective token timeout (token + coefficient), kept current by reconfigure. */
  private tokenMs: number;
  /** performance.now() of the last authenticated frame from each node, by the node id in its Totem header. */
  private readonly lastHeard = new Map<number, number>();
  private stopPromise: Promise<DrainResult | undefined> | undefined;
  private readonly onTraffic: ((bytes: number) => void) | undefined;
  private readonly ownLatency: ((ms: number) => void) | undefined;
  /** Send times of own messages not delivered back yet, oldest first (only with ownLatency). */
  private readonly ownSentAt: TimeQueue | undefined;

  constructor(options: RingNodeOptions) {
    super();
    const self = options.nodes.find((n) => n.nodeId === options.nodeId);
    if (!self) throw new RangeError(`node ${options.nodeId} is not in the node list`);
    this.self = self;
    this.peers = new Map(options.nodes.map((n) => [n.nodeId, n]));
    this.store = options.ringSeqStore ?? new MemoryRingSeqStore();
    this.sealer = options.sealer;
    this.maxDatagramBytes = options.maxDatagramBytes ?? Infinity;
    this.socketBufferBytes = options.socketBufferBytes ?? 4 * 1024 * 1024;
    this.maxFrameBytes = options.maxFrameBytes ?? 65_536;
    this.ipFragmentation = options.ipFragmentation ?? 'auto';
    this.probeTiming = options.probeTiming;
    this.onTraffic = options.onTraffic;
    this.ownLatency = options.ownLatency;
    this.ownSentAt = options.ownLatency ? new TimeQueue() : undefined;
    this.reassembler = new Reassembler({ senders: options.nodes.map((n) => n.nodeId), maxFrameBytes: this.maxFrameBytes });
    this.stats = {
      framesIn: 0, framesOut: 0, datagramBytesIn: 0, datagramBytesOut: 0, messagesSent: 0, messageBytesSent: 0, unreachable: 0, fragmentsOut: 0, reassembly: this.reassembler.stats,
      wholeFramesOut: 0, probesOut: 0, probeAnswersOut: 0, probeAnswersIn: 0, rejected: {},
    };
    this.multicastGroup = options.multicastGroup;
    this.#totemInput = { nodeCount: options.nodes.length, ...options.totem };
    const config = deriveTotemConfig(this.#totemInput);
    this.drainTimeoutMs = options.shutdownDrainTimeoutMs ?? defaultDrainTimeoutMs(config);
    this.tokenMs = config.tokenTimeoutMs;
    this.driver = new RingDriver({
      nodeId: options.nodeId,
      config,
      store: this.store,
      maxQueuedBytes: options.maxQueuedBytes,
      transport: { send: (frames) => this.sendFrames(frames) },
      scheduler: REAL_TIME,
      onEvent: (event) => this.onRingEvent(event),
      trace: options.trace,
    });
  }

  get nodeId(): number {
    return this.self.nodeId;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const v6 = isIPv6(this.self.address);
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: this.multicastGroup !== undefined });
    this.socket = socket;
    socket.on('message', (frame, rinfo) => {
      this.stats.datagramBytesIn += frame.length;
      this.onFrame(frame, `${rinfo.address}:${rinfo.port}`);
    });
    // Until the node runs, a socket error fails start() (the caller reports it once), not the log.
    socket.on('error', (err) => {
      if (this.running) this.emit('error', err);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // A socket bound to a unicast address does not see multicast on Linux: bind the wildcard.
      const bindAddress = this.multicastGroup ? (v6 ? '::' : '0.0.0.0') : this.self.address;
      socket.bind(this.self.port, bindAddress, () => {
        socket.off('error', reject);
        try {
          if (this.multicastGroup) {
            socket.addMembership(this.multicastGroup, v6 ? undefined : this.self.address);
            if (!v6) socket.setMulticastInterface(this.self.address);
            socket.setMulticastTTL(1);
            socket.setMulticastLoopback(true);
          }
          this.growBuffers(socket);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
    // This node's own entry too: a ring of one passes the token to itself over the network.
    for (const peer of this.peers.values()) this.peerSockets.set(peer.nodeId, await this.connectedSocket(peer, v6));
    this.running = true;
    this.stopping = false;
    this.startProbes(v6);
    this.driver.start();
  }

  /** Probes only matter when some frames are larger than a datagram. */
  private startProbes(v6: boolean): void {
    this.wholeBytes = Math.min(this.maxFrameBytes, v6 ? UDP_PAYLOAD_MAX_V6 : UDP_PAYLOAD_MAX_V4);
    if (this.ipFragmentation === 'off' || this.wholeBytes <= this.maxDatagramBytes) return;
    const peerIds = [...this.peers.keys()].filter((id) => id !== this.self.nodeId);
    this.probes = new PathProbes(peerIds, () => randomInt(0, 2 ** 32), this.probeTiming, performance.now());
    this.probeTimer = setInterval(() => this.probeTick(), PROBE_TICK_MS);
    this.probeTimer.unref();
    this.probeTick();
  }

  private probeTick(): void {
    const probes = this.probes;
    if (!probes || !this.running) return;
    const now = performance.now();
    for (const change of probes.expire(now)) this.emit('path', { ...change, wholeBytes: this.wholeBytes });
    for (const { nodeId, nonce } of probes.due(now)) {
      this.stats.probesOut++;
      this.sendProbe(nodeId, { kind: 'request', sender: this.self.nodeId, target: nodeId, nonce }, this.wholeBytes);
    }
  }

  /** A probe datagram of exactly `datagramBytes` (requests) or as small as it gets (answers). */
  private sendProbe(nodeId: number, message: ProbeMessage, datagramBytes = 0): void {
    const socket = this.peerSockets.get(nodeId);
    if (!socket) return;
    const overhead = this.sealer ? this.sealer.seal(new Uint8Array(0)).length : 0;
    const body = encodeProbe(message, datagramBytes - 1 - overhead);
    const sealed = this.sealer ? this.sealer.seal(body) : body;
    const datagram = new Uint8Array(1 + sealed.length);
    datagram[0] = PROBE_MARKER;
    datagram.set(sealed, 1);
    socket.send(datagram);
  }

  private onProbe(datagram: Uint8Array, from: string): void {
    let body = datagram.subarray(1);
    if (this.sealer) {
      const opened = this.sealer.open(body);
      if (!opened.ok) return this.reject(opened.code, opened.detail, from);
      body = opened.frame;
    }
    const decoded = decodeProbe(body);
    if (!decoded.ok) return this.reject('BAD_PROBE', decoded.detail, from);
    const m = decoded.message;
    if (m.target !== this.self.nodeId || m.sender === this.self.nodeId || !this.peers.has(m.sender)) {
      return this.reject('BAD_PROBE', `probe from node ${m.sender} for node ${m.target}`, from);
    }
    if (m.kind === 'request') {
      this.stats.probeAnswersOut++;
      this.sendProbe(m.sender, { kind: 'answer', sender: this.self.nodeId, target: m.sender, nonce: m.nonce });
      return;
    }
    this.stats.probeAnswersIn++;
    const change = this.probes?.answered(m.sender, m.nonce, performance.now());
    if (change) this.emit('path', { ...change, wholeBytes: this.wholeBytes });
  }

  /** Peers that get frames above a datagram whole (their path was proven by a probe). */
  wholeFramePeers(): number[] {
    return this.probes?.wholePeers() ?? [];
  }

  /** Asks for bigger socket buffers; the kernel caps them (net.core.rmem_max / wmem_max). */
  private growBuffers(socket: Socket): void {
    try {
      if (socket.getRecvBufferSize() < this.socketBufferBytes) socket.setRecvBufferSize(this.socketBufferBytes);
      if (socket.getSendBufferSize() < this.socketBufferBytes) socket.setSendBufferSize(this.socketBufferBytes);
    } catch {
      // Not fatal: smaller buffers only mean more retransmissions under bursts.
    }
  }

  /** Receive and send buffer sizes the kernel granted the main socket, in bytes. */
  socketBuffers(): { recvBytes: number; sendBytes: number } | undefined {
    if (!this.socket) return undefined;
    return { recvBytes: this.socket.getRecvBufferSize(), sendBytes: this.socket.getSendBufferSize() };
  }

  private async connectedSocket(peer: RingNodeAddress, v6: boolean): Promise<Socket> {
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, this.self.address, () => {
        socket.connect(peer.port, peer.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') this.stats.unreachable++;
      else this.emit('error', err);
    });
    // Nothing is sent to this port; reading keeps the socket's error queue drained.
    socket.on('message', () => {});
    this.growBuffers(socket);
    return socket;
  }

  /** Queues a message for agreed (or safe) delivery to every member, this node included. */
  send(data: Uint8Array, options: SubmitOptions = {}): DriverSubmitResult {
    this.onTraffic?.(data.length);
    const result = this.driver.submit(data, options);
    if (result.ok) {
      this.stats.messagesSent++;
      this.stats.messageBytesSent += data.length;
      this.ownSentAt?.push(performance.now());
    }
    return result;
  }

  status(): TotemStatus {
    return this.driver.status();
  }

  /** A reload of timeouts and flow control (sizes keep their start values); returns what changed. */
  reconfigure(totem: TotemConfigInput): string[] {
    this.#totemInput = { nodeCount: this.peers.size, ...totem };
    const config = deriveTotemConfig(this.#totemInput);
    this.tokenMs = config.tokenTimeoutMs;
    return this.driver.reconfigure(config);
  }

  /** The timing input in effect (the start's, or the last reload's), node count included: cmap's runtime.config.totem.*. */
  get totemInput(): TotemConfigInput {
    return this.#totemInput;
  }

  /** The effective token timeout in ms: a peer silent for longer is lost to the ring. */
  get tokenTimeoutMs(): number {
    return this.tokenMs;
  }

  /** The node list: the one this node was started with, and nodes added since (addNodes). */
  get nodeList(): readonly RingNodeAddress[] {
    return [...this.peers.values()];
  }

  /**
   * Nodes added to the nodelist at run time (a configuration reload, as Corosync allows): this
   * node sends to them, accepts their frames and pieces from now on, and counts them for the
   * token timeout at the next reconfigure. Entries already known are skipped; changing or
   * removing a node needs a restart. Returns the ids added.
   */
  async addNodes(nodes: readonly RingNodeAddress[]): Promise<number[]> {
    const fresh = nodes.filter((n, i) => !this.peers.has(n.nodeId) && nodes.findIndex((m) => m.nodeId === n.nodeId) === i);
    // Known at once (a reconfigure right after counts them); the sockets follow.
    for (const n of fresh) {
      this.peers.set(n.nodeId, n);
      this.reassembler.addSender(n.nodeId);
      this.probes?.addPeer(n.nodeId, performance.now());
    }
    const v6 = isIPv6(this.self.address);
    for (const n of fresh) if (this.running) this.peerSockets.set(n.nodeId, await this.connectedSocket(n, v6));
    return fresh.map((n) => n.nodeId);
  }

  /** Messages this node handed to the ring that were not delivered back to it yet. */
  get ownUndelivered(): number {
    return this.driver.ownUndelivered;
  }

  /** Bytes queued for sending: the application's view of flow control. */
  get queuedBytes(): number {
    return this.driver.queuedBytes;
  }

  /**
   * A planned stop: takes no new messages (send() fails with SHUTTING_DOWN), waits (bounded by
   * shutdownDrainTimeoutMs) until every message this node accepted was delivered here, hands
   * listeners everything delivered up to then, leaves the ring (announcing it, so the others
   * re-form at once) and closes the sockets. Resolves with what the drain achieved; `undelivered`
   * messages were abandoned. Nothing is emitted after it resolves.
   */
  async stop(options: RingNodeStopOptions = {}): Promise<DrainResult | undefined> {
    if (this.stopPromise) return this.stopPromise;
    if (!this.running) return undefined;
    this.stopPromise = this.stopAfterDrain(options);
    try {
      return await this.stopPromise;
    } finally {
      this.stopPromise = undefined;
    }
  }

  private async stopAfterDrain(options: RingNodeStopOptions): Promise<DrainResult | undefined> {
    let result: DrainResult | undefined;
    // From here on sends report completion, so close() can wait for the leave message; during a
    // drain that costs a callback per datagram, for a few seconds at most.
    this.stopping = true;
    if (options.leave === false) {
      this.driver.leave({ announce: false });
    } else {
      result = await new Promise<DrainResult>((resolve) => {
        this.driver.drain({
          timeoutMs: options.drainTimeoutMs ?? this.drainTimeoutMs,
          heldAbove: options.heldAbove,
          acceptSubmits: options.acceptSubmits,
          announce: true,
        }, resolve);
      });
    }
    this.running = false;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    const socket = this.socket!;
    if (this.pendingSends > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const sockets = [socket, ...this.peerSockets.values()];
    this.peerSockets.clear();
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    return result;
  }

  private onFrame(datagram: Buffer, from: string): void {
    if (!this.running) return;
    this.onTraffic?.(datagram.length);
    let frame: Uint8Array = new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.length);
    if (frame.length > 0 && frame[0] === PROBE_MARKER) return this.onProbe(frame, from);
    if (isFragment(frame)) {
      const piece = this.reassembler.accept(frame);
      if (!piece.ok) {
        this.reject(piece.code, piece.detail, from);
        return;
      }
      if (!piece.frame) return;
      frame = piece.frame;
    }
    this.stats.framesIn++;
    if (this.sealer) {
      const opened = this.sealer.open(frame);
      if (!opened.ok) {
        this.reject(opened.code, opened.detail, from);
        return;
      }
      frame = opened.frame;
    }
    this.noteHeard(frame);
    this.driver.receive(frame);
  }

  /**
   * The sender's node id sits in every Totem frame's header (struct totem_message_header.nodeid
   * at offset 5, in the sender's byte order, told by the magic). Recorded only for nodelist
   * members and only after the frame was authenticated; the core still judges the frame itself.
   */
  private noteHeard(frame: Uint8Array): void {
    if (frame.length < HEADER_SIZE) return;
    const le = frame[0] === (TOTEM_MH_MAGIC & 0xff) && frame[1] === TOTEM_MH_MAGIC >> 8;
    // Read by hand: this runs for every frame, and a DataView per frame is garbage at 80k frames/s.
    const o = HDR_NODEID;
    const nodeId = le
      ? (frame[o]! | (frame[o + 1]! << 8) | (frame[o + 2]! << 16) | (frame[o + 3]! << 24)) >>> 0
      : ((frame[o]! << 24) | (frame[o + 1]! << 16) | (frame[o + 2]! << 8) | frame[o + 3]!) >>> 0;
    if (this.peers.has(nodeId)) this.lastHeard.set(nodeId, performance.now());
  }

  /** Milliseconds since an authenticated frame from `nodeId` arrived; undefined if none since start. */
  heardAgoMs(nodeId: number, now = performance.now()): number | undefined {
    const at = this.lastHeard.get(nodeId);
    return at === undefined ? undefined : Math.max(0, now - at);
  }

  /** A reload of totem.shutdown_drain_timeout: the bound of the next planned stop. */
  setShutdownDrainTimeout(ms: number): void {
    this.drainTimeoutMs = ms;
  }

  private reject(code: string, detail: string, from: string): void {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
    this.emit('rejected', { code, detail, from });
  }

  private onRingEvent(event: RingEvent): void {
    // A node that (re)joined may sit at the end of a long probe back-off: ask it now.
    if (event.kind === 'config' && event.type === 'regular' && this.probes) for (const id of event.joined) this.probes.probeSoon(id, performance.now());
    if (event.kind === 'deliver') {
      this.onTraffic?.(event.data.length);
      // Own messages come back in the order they were accepted (the driver's FIFO prefix).
      if (this.ownSentAt && event.from === this.self.nodeId) {
        const sentAt = this.ownSentAt.shift();
        if (sentAt !== undefined) this.ownLatency!(performance.now() - sentAt);
      }
      this.emit('deliver', event);
    } else this.emit('config', event);
  }

  /**
   * Sends one step's frames. Everything is sealed first, then each peer gets its frames in one
   * burst: a receiver woken by the first datagram finds the rest already queued, instead of being
   * woken once per frame (on a VM each wake-up costs the sender tens of microseconds). Order is
   * kept per destination, the only order a datagram socket has.
   */
  private sendFrames(frames: readonly OutFrame[]): void {
    const done = this.stopping ? this.sendDone : undefined;
    if (this.probes && frames.some((out) => out.retransmit)) this.probes.recheck(performance.now());
    const wires = new OutWires(frames.map((out) => this.sealer ? this.sealer.seal(out.frame) : out.frame), frames, this);
    if (this.onTraffic) for (const out of frames) this.onTraffic(out.frame.length);
    if (this.multicastGroup) {
      for (let i = 0; i < frames.length; i++) {
        const to = frames[i]!.to;
        if (to !== 'all') {
          this.sendTo(to, wires.to(i, to), done);
          continue;
        }
        const datagrams = wires.to(i, undefined);
        this.count(datagrams);
        for (const datagram of datagrams) {
          if (done) this.pendingSends++;
          this.socket!.send(datagram, this.self.port, this.multicastGroup, done);
        }
      }
      return;
    }
    // The common step: multicasts, then the token to the next node. The next node gets its data
    // first (it must process all of it before it can pass the token on), then the others, then
    // the token. Any other mix is sent frame by frame in order.
    const last = frames[frames.length - 1]!;
    const simple = frames.every((out, i) => out.to === 'all' || i === frames.length - 1);
    if (!simple) {
      for (let i = 0; i < frames.length; i++) this.sendToAll(frames[i]!.to, i, wires, done);
      return;
    }
    const data = last.to === 'all' ? frames.length : frames.length - 1;
    const first = last.to === 'all' ? undefined : last.to;
    if (first !== undefined && first !== this.self.nodeId) for (let i = 0; i < data; i++) this.sendTo(first, wires.to(i, first), done);
    for (const id of this.peerSockets.keys()) {
      if (id === first || id === this.self.nodeId) continue;
      for (let i = 0; i < data; i++) this.sendTo(id, wires.to(i, id), done);
    }
    if (first !== undefined) this.sendTo(first, wires.to(data, first), done);
  }

  /** Whether a sealed frame may go to `nodeId` (or, for undefined, to everyone) as one datagram. */
  mayGoWhole(wire: Uint8Array, nodeId: number | undefined, retransmit: boolean): boolean {
    if (wire.length <= this.maxDatagramBytes || nodeId === this.self.nodeId) return true;
    // A retransmission always travels in pieces: if fragments stopped getting through since the
    // last probe, the ring still makes progress until the next probe notices.
    if (retransmit || wire.length > this.wholeBytes || !this.probes) return false;
    return nodeId === undefined ? this.probes.allWhole() : this.probes.whole(nodeId);
  }

  /** The pieces of one sealed frame larger than a datagram, under this node's next serial. */
  pieces(wire: Uint8Array): Uint8Array[] {
    const pieces = fragmentFrame(wire, { senderId: this.self.nodeId, serial: this.fragmentSerial, maxDatagramBytes: this.maxDatagramBytes });
    this.fragmentSerial = (this.fragmentSerial + 1) >>> 0;
    return pieces;
  }

  private sendToAll(to: number | 'all', i: number, wires: OutWires, done: (() => void) | undefined): void {
    if (to !== 'all') this.sendTo(to, wires.to(i, to), done);
    else for (const id of this.peerSockets.keys()) if (id !== this.self.nodeId) this.sendTo(id, wires.to(i, id), done);
  }

  private count(datagrams: readonly Uint8Array[]): void {
    this.stats.framesOut++;
    for (const d of datagrams) this.stats.datagramBytesOut += d.length;
    if (datagrams.length > 1) this.stats.fragmentsOut += datagrams.length;
    else if (datagrams[0]!.length > this.maxDatagramBytes) this.stats.wholeFramesOut++;
  }

  private sendTo(nodeId: number, wire: Uint8Array[], done: (() => void) | undefined): void {
    if (nodeId === this.self.nodeId) return this.passToSelf(wire);
    const socket = this.peerSockets.get(nodeId);
    if (!socket) return;
    this.count(wire);
    for (const datagram of wire) {
      if (done) this.pendingSends++;
      socket.send(datagram, done);
    }
  }

  /**
   * A ring of one passes the token (and the commit token) to itself. Through its socket that
   * costs a send and a receive system call per rotation; here it is one turn of the event loop
   * (setImmediate, so client requests and timers get theirs between rotations, as they would
   * between datagrams), through the same path a datagram takes (sealing).
   */
  private passToSelf(wire: Uint8Array[]): void {
    this.stats.framesOut++;
    setImmediate(() => {
      for (const w of wire) this.onFrame(Buffer.from(w.buffer, w.byteOffset, w.byteLength), 'self');
    });
  }

  private readonly sendDone = (): void => {
    this.pendingSends--;
    if (this.pendingSends === 0) this.drained?.();
  };
}

/**
 * One step's sealed frames and the datagrams each leaves as: the frame itself, or its pieces, cut
 * at most once per frame however many peers get them.
 */
class OutWires {
  readonly #pieces: (Uint8Array[] | undefined)[] = [];

  constructor(
    private readonly sealed: readonly Uint8Array[],
    private readonly frames: readonly OutFrame[],
    private readonly node: Pick<RingNode, 'mayGoWhole' | 'pieces'>,
  ) {}

  /** The datagrams of frame `i` for peer `nodeId`, or for a multicast to every peer (undefined). */
  to(i: number, nodeId: number | undefined): Uint8Array[] {
    const wire = this.sealed[i]!;
    if (this.node.mayGoWhole(wire, nodeId, this.frames[i]!.retransmit === true)) return [wire];
    return (this.#pieces[i] ??= this.node.pieces(wire));
  }
}
