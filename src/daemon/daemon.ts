/**
 * The daemon's core (ringcastd): one RingNode, the executive with its services and the IPC
 * socket for local clients (exec-host.ts), its history file, the synthetic load, the status
 * file, and Corosync-style logs. The command-line entry (src/cli/ringcastd.ts) resolves the
 * configuration and hands a DaemonOptions here, so tests can run a daemon in-process too.
 *
 * Ring deliveries that carry an executive header go to the executive; others are the synthetic
 * load of `--load` (and test payloads), which feed the history and the latency figures.
 */
import { randomBytes } from 'node:crypto';
import { uptime } from 'node:os';
import type { Logger } from 'pino';
import { HistoryWriter } from '../history/writer.js';
import { FileEvTrackingStore } from './ev-tracking-store.js';
import { formatRingId } from '../history/ids.js';
import { corosyncRingId } from '../protocol/ring-id.js';
import { RingNode, type FrameSealer, type RingNodeAddress } from '../net/ring-node.js';
import { FileRingSeqStore } from '../net/ring-seq-store.js';
import { createCryptoStats, type OpenFailureCode } from '../net/crypto/index.js';
import { makeTimedPayload, payloadId, payloadSentMicros, wallMicros } from '../history/payload.js';
import type { TotemConfigInput } from '../totem/config.js';
import type { ExecDelivery, Service } from '../exec/index.js';
import type { IpcServerLimits } from '../ipc/index.js';
import type { CpgServiceOptions } from '../services/cpg/service.js';
import type { ServiceHostOptions } from './service-host.js';
import type { CmapEntry } from '../protocol/cmap.js';
import { statsEntries, totemRuntimeEntries } from './cmap-runtime.js';
import type { ClmServiceOptions } from '../services/clm/service.js';
import { ExecHost } from './exec-host.js';
import { daemonCfgHost, type DaemonCfgOptions } from './cfg-host.js';
import type { DaemonStatus, MembersAnswer } from '../protocol/status.js';
import { LoadGenerator, type LoadSpec } from './load-generator.js';
import { writeStatusFile } from './status-file.js';
import { MEMORY_PACER_DEFAULTS, MemoryPacer, v8GcRunner, type MemoryPacerOptions } from './memory-pacer.js';
// Types only: prom-client and node:http are loaded when metrics are on (start()), not in every daemon.
import type { DaemonMetrics, MetricsReadings } from './metrics.js';
import type { MetricsEndpoint } from './metrics-server.js';

export interface DaemonOptions {
  readonly nodeId: number;
  readonly clusterName: string;
  readonly nodes: readonly RingNodeAddress[];
  readonly totem: TotemConfigInput;
  readonly stateDir: string;
  readonly sealer?: FrameSealer;
  readonly historyPath?: string;
  readonly load?: LoadSpec;
  readonly logger: Logger;
  /** `transport: udp`: the multicast group; absent for udpu. */
  readonly multicastGroup?: string;
  /** Largest datagram (netmtu less IP/UDP headers); larger frames travel in pieces. */
  readonly maxDatagramBytes?: number;
  /** Largest Totem frame (ringcast.frame_size). */
  readonly maxFrameBytes?: number;
  /** ringcast.ip_fragmentation: frames above a datagram go whole to peers whose path carries IP fragments ('auto'), or always in pieces ('off'). */
  readonly ipFragmentation?: 'auto' | 'off';
  /** The IPC socket (`<stateDir>/ringcast.sock`): mode (default 0o660), group, bounds. */
  readonly ipc?: {
    readonly socketMode?: number;
    readonly socketGid?: number;
    readonly limits?: Partial<IpcServerLimits>;
  };
  readonly cpg?: CpgServiceOptions;
  /** totem.shutdown_drain_timeout: a planned stop's longest wait (default 2 × (token + consensus)). */
  readonly shutdownDrainTimeoutMs?: number;
  /** quorum { provider: corosync_votequorum }: votequorum's settings; absent: always quorate. */
  readonly votequorum?: ServiceHostOptions['votequorum'];
  /** Services of your own (ringcast { service }), hosted beside cpg, orderlog and status. */
  readonly services?: readonly Service[];
  /** Garbage collection by frame traffic (memory-pacer.ts): budgets, or false to leave it to V8. */
  readonly memoryPacer?: Partial<MemoryPacerOptions> | false;
  /** Bytes of accepted messages not yet multicast (ringcast.send_queue_bytes); unset: TotemGroup's default. */
  readonly sendQueueBytes?: number;
  /** The EVT service's options (delivery queue size and resume level, filter rule, bounds). */
  readonly evt?: ServiceHostOptions['evt'];
  /** This node's nodelist `name`: its CLM node name (else the address text, as OpenAIS named nodes). */
  readonly nodeName?: string;
  /** ringcast.metrics_address: serve Prometheus text at http://HOST:PORT/metrics (port 0: any free one); unset: off. */
  readonly metricsAddress?: { readonly host: string; readonly port: number };
  /** The cfg service's hooks: the transport's name, the reload of this node's file, cfg.shutdown_timeout. */
  readonly cfg?: DaemonCfgOptions;
  /** The configuration file's keys for cmap, as Corosync names and types them (src/cli/cmap-config.ts). */
  readonly cmapConfig?: readonly CmapEntry[];
  /**
   * The daemon is asked to stop: `ringcast cfg shutdown` was agreed and its SHUTDOWN delivered
   * (reason "cfg shutdown"), or a service asked (cmap: this node's totem.config_version is older
   * than the ring's). ringcastd stops as on SIGTERM and exits. Absent (tests): after a cfg
   * shutdown the daemon calls stop() itself; a service's request is only logged.
   */
  readonly onShutdownRequest?: (reason: string) => void;
}

/**
 * The CLM record of this node: the nodelist name, else its ring0_addr text; the address text as
 * the nodelist gives it; the OS boot time in ns since the epoch, whole seconds as OpenAIS computed
 * it (now - uptime), so it does not drift between daemon restarts on one boot.
 */
export function clmLocalRecord(options: Pick<DaemonOptions, 'nodeId' | 'nodes' | 'nodeName'>, nowMs = Date.now(), uptimeSec = uptime()): ClmServiceOptions['local'] {
  const text = options.nodes.find((n) => n.nodeId === options.nodeId)?.address ?? '';
  const bootSec = Math.round(nowMs / 1000 - uptimeSec);
  return {
    name: options.nodeName ?? text,
    address: { family: text.includes(':') ? 'inet6' : 'inet', text },
    bootTimestamp: BigInt(bootSec) * 1_000_000_000n,
  };
}

/** How often a draining daemon looks whether its accepted work is done (deliveries also wake it). */
const DRAIN_POLL_MS = 10;

/**
 * Delivery latencies of timed load messages since the last status: a bounded reservoir, so a
 * flood costs constant memory, read out as p50/p99 and reset.
 */
class LatencyWindow {
  private samples: number[] = [];
  private seen = 0;
  constructor(private readonly capacity: number) {}
  add(micros: number): void {
    this.seen++;
    if (this.samples.length < this.capacity) this.samples.push(micros);
    else {
      // Deterministic reservoir: replace a slot chosen from the running count.
      this.samples[(this.seen * 2654435761) % this.capacity] = micros;
    }
  }
  takePercentiles(): { p50: number; p99: number; count: number } | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = this.samples.sort((a, b) => a - b);
    const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const out = { p50: pick(0.5), p99: pick(0.99), count: this.seen };
    this.samples = [];
    this.seen = 0;
    return out;
  }
}

/** Rate-limits a repeated warning: the first one per key, then at most one per interval. */
class WarnOnce {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}
  should(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.intervalMs) return false;
    this.last.set(key, now);
    return true;
  }
}

export class Daemon {
  readonly node: RingNode;
  readonly host: ExecHost;
  readonly boot = randomBytes(2).toString('hex');
  private readonly history: HistoryWriter | undefined;
  private load: LoadGenerator | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private counter = 0;
  private ringSince = new Date().toISOString();
  private lastRates = { at: performance.now(), tokens: 0, deliveries: 0 };
  private rates = { tokenRotationsPerSec: 0, deliveriesPerSec: 0 };
  private readonly warn = new WarnOnce(10_000);
  private deliveries = 0;
  private readonly drops = createCryptoStats();
  private readonly latency = new LatencyWindow(4096);
  /** The latest percentiles, so a status read over IPC does not consume the file's window. */
  private lastLatency: { p50: number; p99: number; count: number } | undefined;
  /** Synthetic messages sent and not yet delivered back, in send order: what a stop may abandon. */
  private readonly outstanding = new Set<string>();
  private stopping: Promise<void> | undefined;
  /** Collects garbage by frame traffic (memory-pacer.ts); absent when turned off or unavailable. */
  private readonly pacer: MemoryPacer | undefined;
  /** Bytes of the ordered messages delivered here, and configurations by kind (metrics). */
  private deliveredBytes = 0;
  private readonly configChanges = { transitional: 0, regular: 0 };
  /** Only with options.metricsAddress, from start() on: the series and their HTTP endpoint. */
  #metrics: DaemonMetrics | undefined;
  private metricsEndpoint: MetricsEndpoint | undefined;

  constructor(private readonly options: DaemonOptions) {
    const log = options.logger;
    const budgets = { ...MEMORY_PACER_DEFAULTS, ...(options.memoryPacer || {}) };
    const gc = options.memoryPacer === false || (budgets.minorEveryBytes === 0 && budgets.majorEveryBytes === 0) ? undefined : v8GcRunner();
    if (gc) this.pacer = new MemoryPacer(gc, budgets);
    this.node = new RingNode({
      ownLatency: options.metricsAddress ? (ms) => this.#metrics?.observeOwnLatency(ms) : undefined,
      nodeId: options.nodeId,
      nodes: options.nodes,
      totem: options.totem,
      ringSeqStore: new FileRingSeqStore(options.stateDir, options.nodeId),
      sealer: options.sealer,
      multicastGroup: options.multicastGroup,
      maxDatagramBytes: options.maxDatagramBytes,
      maxFrameBytes: options.maxFrameBytes,
      ipFragmentation: options.ipFragmentation,
      shutdownDrainTimeoutMs: options.shutdownDrainTimeoutMs,
      maxQueuedBytes: options.sendQueueBytes,
      onTraffic: this.pacer?.account,
      trace: (event) => {
        if (event.kind === 'tokenLost' && event.state === 'operational') {
          log.warn(`A processor failed, forming new configuration: token timed out (${event.timeoutMs}ms)`);
        } else if (event.kind === 'ringFormed') {
          const ring = corosyncRingId(event.ringId);
          log.info({ ring, members: event.members, joined: event.joined, left: event.left },
            `A new membership (${ring}) was formed. Members${event.joined.length ? ` joined: ${event.joined.join(' ')}` : ''}${event.left.length ? ` left: ${event.left.join(' ')}` : ''}` +
            // A node's first ring (itself alone) changes nobody: name its members, as Corosync does.
            (event.joined.length || event.left.length ? '' : `: ${event.members.join(' ')}`));
          this.ringSince = new Date().toISOString();
        } else if (event.kind === 'retransmitRequest' && this.warn.should('retransmit', performance.now())) {
          log.info({ seqs: event.seqs }, `Retransmit List: ${event.seqs.map((s) => s.toString(16)).join(' ')}`);
        } else if (event.kind === 'state') {
          log.debug({ from: event.from, to: event.to, reason: event.reason }, `entering ${event.to.toUpperCase()} state (${event.reason})`);
        }
      },
    });
    if (options.historyPath) {
      this.history = new HistoryWriter(options.historyPath, {
        onError: (err) => log.error({ err }, `history file ${options.historyPath}: write failed`),
      });
    }
    this.host = new ExecHost({
      nodeId: options.nodeId,
      ring: this.node,
      socketDir: options.stateDir,
      socketMode: options.ipc?.socketMode,
      socketGid: options.ipc?.socketGid,
      ipcLimits: options.ipc?.limits,
      cpg: options.cpg,
      // Expected-votes tracking (or allow_downscale) keeps its barrier in the state directory.
      votequorum: options.votequorum && (options.votequorum.config.expectedVotesTracking || options.votequorum.config.allowDownscale)
        ? { ...options.votequorum, evStore: options.votequorum.evStore ?? new FileEvTrackingStore(options.stateDir) }
        : options.votequorum,
      services: options.services,
      evt: options.evt,
      clm: { local: clmLocalRecord(options) },
      cfg: daemonCfgHost(this.node, options.cfg ?? {}, () => {
        if (options.onShutdownRequest) options.onShutdownRequest('cfg shutdown');
        else this.stop().catch((err: unknown) => log.error({ err }, 'stop after cfg shutdown failed'));
      }),
      cmap: {
        config: options.cmapConfig,
        addresses: new Map(options.nodes.map((n) => [n.nodeId, n.address])),
        runtime: [{ prefix: 'runtime.config.totem.', entries: () => totemRuntimeEntries(this.node.totemInput) }],
        stats: () => statsEntries({
          totem: this.node.status().stats,
          ipcConnectionsOpen: this.host.ipc.stats.connectionsOpen,
          ipcConnectionsClosed: this.host.ipc.stats.connectionsTotal - this.host.ipc.stats.connectionsOpen,
        }),
      },
      onShutdownRequest: (reason) => {
        log.error(`stopping: ${reason}`);
        options.onShutdownRequest?.(reason);
      },
      logger: log,
      status: { status: () => this.status({ sample: false }), members: () => this.members() },
      // Load payloads start with ASCII text, whose bytes 8..11 never read as the message's length.
      onForeign: (d) => this.onLoadDelivery(d),
    });
    this.node.on('config', (c) => {
      this.history?.write({ ev: 'config', kind: c.type, ring: formatRingId(c.ringId.rep, c.ringId.seq), members: [...c.members], t: Date.now() });
      this.configChanges[c.type]++;
      this.host.configChange(c);
    });
    this.node.on('deliver', (d) => {
      this.deliveries++;
      this.deliveredBytes += d.data.length;
      this.host.deliver(d);
    });
    this.node.on('path', ({ nodeId, whole, wholeBytes }) => {
      if (whole) log.info({ peer: nodeId }, `node ${nodeId}: a ${wholeBytes}-byte probe got through, frames above netmtu now go to it as one datagram (IP fragments where the path's MTU is smaller)`);
      else log.warn({ peer: nodeId }, `node ${nodeId}: path probes go unanswered, frames above netmtu go to it in ringcast's pieces again`);
    });
    this.node.on('rejected', ({ code, detail, from }) => {
      // One line per reason and source, then a summary at most every 10 s (crypto's own limiter).
      const verdict = this.drops.record(code as OpenFailureCode, from, performance.now());
      if (!verdict.log) return;
      const more = verdict.suppressed > 0 ? ` (${verdict.suppressed} more since the last report)` : '';
      log.warn({ code, from }, code === 'AUTH_FAILED'
        ? `Frames from ${from} fail authentication: different key or cluster name? (${detail}); further ones are counted, not logged${more}`
        : `Dropped a bad frame from ${from}: ${code} ${detail}${more}`);
    });
    this.node.on('error', (err) => log.error({ err }, 'socket error'));
  }

  /** A delivery of the synthetic load (or a test payload): latency and the history. */
  private onLoadDelivery(d: ExecDelivery): void {
    const sent = payloadSentMicros(d.data);
    if (sent !== undefined) this.latency.add(wallMicros() - sent);
    const id = payloadId(d.data);
    if (id === undefined) return;
    if (d.from === this.options.nodeId) this.outstanding.delete(id);
    this.history?.write({ ev: 'deliver', id, from: d.from, t: Date.now() });
  }

  async start(): Promise<void> {
    // First: a metrics address that cannot be bound stops the start before anything else runs.
    if (this.options.metricsAddress) {
      // Loaded only here: the Prometheus client and node:http cost every daemon 2-3 MB it would not use.
      const [{ DaemonMetrics }, { startMetricsServer }] = await Promise.all([import('./metrics.js'), import('./metrics-server.js')]);
      this.#metrics = new DaemonMetrics(() => this.metricsReadings(), { votes: this.options.votequorum !== undefined });
      const { host, port } = this.options.metricsAddress;
      this.metricsEndpoint = await startMetricsServer(this.#metrics, host, port);
      this.options.logger.info({ metricsAddress: this.metricsEndpoint.address }, `metrics: Prometheus text at http://${this.metricsEndpoint.address}/metrics`);
    }
    this.history?.write({ ev: 'start', node: this.options.nodeId, boot: this.boot, t: Date.now() });
    // The executive hears every configuration from the first one on.
    this.host.startExecutive();
    await this.node.start();
    await this.host.startIpc();
    this.warnSmallBuffers();
    if (this.options.load) {
      const size = this.options.load.sizeBytes;
      this.load = new LoadGenerator(this.options.load, {
        send: () => this.sendSynthetic(size),
        queuedBytes: () => this.node.queuedBytes,
      });
      this.load.start();
    }
    this.writeStatus();
    this.statusTimer = setInterval(() => this.writeStatus(), 1000);
  }

  /** Frames in pieces arrive in bursts: a small receive buffer overflows and costs whole frames. */
  private warnSmallBuffers(): void {
    const buffers = this.node.socketBuffers();
    const frameBytes = this.options.maxFrameBytes ?? 0;
    if (!buffers || frameBytes <= (this.options.maxDatagramBytes ?? Infinity)) return;
    // Linux reports twice what was granted; a token visit may carry max_messages full frames.
    if (buffers.recvBytes / 2 < 2 * 1024 * 1024) {
      this.options.logger.warn(`socket receive buffer is ${buffers.recvBytes / 2} bytes (capped by net.core.rmem_max): bursts of frame pieces may overflow it and cost retransmissions; raise net.core.rmem_max to 4194304 or lower ringcast.frame_size`);
    }
  }

  /** One synthetic message with a history id `<node>.<boot>:<n>`. */
  sendSynthetic(size: number): boolean {
    const id = `${this.options.nodeId}.${this.boot}:${this.counter + 1}`;
    const result = this.node.send(makeTimedPayload(id, size, wallMicros()));
    if (!result.ok) return false;
    this.counter++;
    this.outstanding.add(id);
    this.history?.write({ ev: 'send', id, t: Date.now() });
    // A send must be on disk before its message can reach another node's history, even if this
    // process is then killed with -9 (a buffered send would look like a created message).
    this.history?.flush();
    return true;
  }

  /**
   * Planned stop (SIGTERM): takes no new work, finishes what it accepted, then leaves.
   *   1. The synthetic load stops; clients are no longer read and new ones are refused
   *      (SERVER_STOPPING); requests already read go on and are answered.
   *   2. Once the executive's work and every message this node handed the ring came back, the IPC
   *      server closes (clients see SERVER_STOPPING, their CPG groups hear procdown, whose
   *      messages are drained in turn).
   *   3. The node leaves the ring (announced, so the others re-form at once), the executive stops.
   * Steps 1-2 are bounded by shutdown_drain_timeout: then the node leaves anyway and logs how many
   * accepted messages it abandoned; the history's `stop` record lists the abandoned load ids.
   */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndStop();
    return this.stopping;
  }

  private async drainAndStop(): Promise<void> {
    const log = this.options.logger;
    this.load?.stop();
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.host.beginDrain();
    const waiting = this.node.ownUndelivered + this.host.pendingWork;
    if (waiting > 0) log.info(`draining: waiting for ${waiting} accepted message(s) to be delivered before leaving the ring`);
    let ipcClosed = false;
    let ipcClosing: Promise<void> | undefined;
    const closeIpc = (): Promise<void> => (ipcClosing ??= this.host.ipc.stop().then(() => { ipcClosed = true; }));
    // Step 2 starts once step 1's work is done; a poll, since work also ends without a delivery
    // (a held request answered with an error).
    const poll = setInterval(() => {
      if (this.node.ownUndelivered === 0 && this.host.pendingWork === 0) void closeIpc();
    }, DRAIN_POLL_MS);
    let result;
    try {
      result = await this.node.stop({
        acceptSubmits: true,
        heldAbove: () => this.host.pendingWork + (ipcClosed ? 0 : 1),
      });
    } finally {
      clearInterval(poll);
    }
    // Abandoned: own messages on the ring that did not come back, and work the executive still
    // held above the ring (its in-flight messages are already counted by the ring).
    const own = this.host.exec.ownMessages;
    const lost = (result?.undelivered ?? 0) + own.deferred + this.host.exec.heldRequests;
    await closeIpc();
    this.host.stop();
    const abandoned = [...this.outstanding];
    if (result && lost > 0) {
      log.warn({ abandoned: lost, waitedMs: Math.round(result.waitedMs), ringsFormed: result.ringsFormed, state: result.stateAtEnd },
        `shutdown_drain_timeout ran out after ${Math.round(result.waitedMs)} ms: left the ring with ${lost} accepted message(s) undelivered ` +
        `(abandoned; ${result.ringsFormed} ring(s) formed meanwhile, ${result.stateAtEnd} at the end)`);
    } else if (result) {
      log.info(`drained in ${Math.round(result.waitedMs)} ms: every accepted message was delivered; left the ring`);
    }
    this.history?.write(abandoned.length > 0 ? { ev: 'stop', abandoned, t: Date.now() } : { ev: 'stop', t: Date.now() });
    this.history?.close();
    await this.metricsEndpoint?.close();
  }

  /** The ring as the `members` request of the status service answers it. */
  members(): MembersAnswer {
    const s = this.node.status();
    return { ringId: s.ringId, ring: corosyncRingId(s.ringId), state: s.state, members: s.members };
  }

  /**
   * The status as status.json holds it. `sample` (the file's once-a-second write) advances the
   * rates and takes the latency window; a read over IPC (`sample: false`) repeats the last ones.
   */
  status(options: { readonly sample?: boolean } = {}): DaemonStatus {
    const sample = options.sample ?? true;
    const s = this.node.status();
    const now = performance.now();
    const elapsed = (now - this.lastRates.at) / 1000;
    if (sample && elapsed >= 0.5) {
      this.rates = {
        tokenRotationsPerSec: Math.round((s.stats.tokensReceived - this.lastRates.tokens) / elapsed),
        deliveriesPerSec: Math.round((this.deliveries - this.lastRates.deliveries) / elapsed),
      };
      this.lastRates = { at: now, tokens: s.stats.tokensReceived, deliveries: this.deliveries };
    }
    const rejected = Object.values(this.node.stats.rejected).reduce((a, b) => a + b, 0);
    if (sample) this.lastLatency = this.latency.takePercentiles();
    return {
      pid: process.pid,
      nodeId: this.options.nodeId,
      clusterName: this.options.clusterName,
      state: s.state,
      ringId: corosyncRingId(s.ringId),
      members: s.members,
      since: this.ringSince,
      updated: new Date().toISOString(),
      counters: {
        framesIn: this.node.stats.framesIn,
        framesOut: this.node.stats.framesOut,
        droppedBadFrames: rejected + s.stats.badFrames,
        retransmits: s.stats.mcastRetx,
        tokenRetransmits: s.stats.tokenRetransmits,
        tokensReceived: s.stats.tokensReceived,
        deliveries: this.deliveries,
        fragmentsOut: this.node.stats.fragmentsOut,
        wholeFramesOut: this.node.stats.wholeFramesOut,
        probesOut: this.node.stats.probesOut,
        probeAnswersIn: this.node.stats.probeAnswersIn,
        fragmentsIn: this.node.stats.reassembly.fragmentsIn,
        framesReassembled: this.node.stats.reassembly.framesCompleted,
        framesAbandoned: this.node.stats.reassembly.framesAbandoned,
        unreachable: this.node.stats.unreachable,
        loadSent: this.load?.sent ?? 0,
        loadRefused: this.load?.refused ?? 0,
      },
      wholeFramePeers: this.node.wholeFramePeers(),
      rates: this.rates,
      latencyMicros: this.lastLatency,
      memory: memoryMb(),
      quorate: this.host.quorate,
      ...(this.metricsEndpoint ? { metricsAddress: this.metricsEndpoint.address } : {}),
      ...this.host.statusSections(),
    };
  }

  /** The Prometheus series, once start() has made them (metrics on); undefined otherwise. */
  get metrics(): DaemonMetrics | undefined {
    return this.#metrics;
  }

  /** Where the metrics endpoint listens (`host:port`, the port the kernel chose for 0); undefined when off. */
  get metricsAddress(): string | undefined {
    return this.metricsEndpoint?.address;
  }

  /** One snapshot of the counters the metrics endpoint shows (metrics.ts): read at scrape time only. */
  private metricsReadings(): MetricsReadings {
    const s = this.node.status();
    const n = this.node.stats;
    const memory = process.memoryUsage();
    const vq = this.host.votequorum?.statusSection() as { expectedVotes?: number; highestExpected?: number; totalVotes?: number; quorum?: number } | undefined;
    return {
      nodeId: this.options.nodeId, clusterName: this.options.clusterName,
      members: s.members.length, ringRepresentative: s.ringId.rep, ringSequence: s.ringId.seq, operational: s.state === 'operational',
      quorate: this.host.quorate,
      ...(vq?.expectedVotes !== undefined
        ? { votes: { expected: vq.expectedVotes, highestExpected: vq.highestExpected ?? 0, total: vq.totalVotes ?? 0, quorum: vq.quorum ?? 0 } }
        : {}),
      framesIn: n.framesIn, framesOut: n.framesOut, datagramBytesIn: n.datagramBytesIn, datagramBytesOut: n.datagramBytesOut,
      messagesSent: n.messagesSent, messageBytesSent: n.messageBytesSent,
      messagesDelivered: this.deliveries, messageBytesDelivered: this.deliveredBytes,
      retransmits: s.stats.mcastRetx, tokenRetransmits: s.stats.tokenRetransmits, tokenRotations: s.stats.tokensReceived,
      configChanges: { ...this.configChanges },
      ipcConnections: this.host.ipc.stats.connectionsOpen, ipcConnectionsTotal: this.host.ipc.stats.connectionsTotal,
      services: this.host.serviceCounts(),
      framesRejected: { ...n.rejected, ...(s.stats.badFrames > 0 ? { BAD_FRAME: s.stats.badFrames } : {}) },
      executiveDropped: this.host.exec.stats.dropped,
      residentBytes: memory.rss, heapUsedBytes: memory.heapUsed,
    };
  }

  private writeStatus(): void {
    try {
      writeStatusFile(this.options.stateDir, this.status());
    } catch (err) {
      if (this.warn.should('status', performance.now())) this.options.logger.error({ err }, 'cannot write the status file');
    }
  }
}

/** The process's memory in MB (one decimal): what bounds the daemon's footprint, for operators and the bench. */
function memoryMb(): NonNullable<DaemonStatus['memory']> {
  const m = process.memoryUsage();
  const mb = (bytes: number): number => Math.round(bytes / 104857.6) / 10;
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
}
