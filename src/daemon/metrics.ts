/**
 * The daemon's Prometheus series (docs/metrics.md lists each with its type and meaning). Every
 * value but the latency histogram is read at scrape time from counters the daemon already keeps
 * (the ring node's, the Totem core's, the executive's, the IPC server's): a scrape takes one
 * snapshot (`MetricsReadings`) and each series' collect() copies from it, so the protocol loop
 * does no work for metrics. The histogram (latency-histogram.ts) is fed by the ring node's
 * own-message timing, which exists only while metrics are on. Names are a stable interface: `ringcast_` and Prometheus's
 * conventions (`_total` counters, base units: seconds, bytes).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram.js';

/** What a scrape reads, gathered by the daemon in one call (Daemon.metricsReadings). */
export interface MetricsReadings {
  readonly nodeId: number;
  readonly clusterName: string;
  readonly members: number;
  readonly ringRepresentative: number;
  readonly ringSequence: number;
  readonly operational: boolean;
  readonly quorate: boolean;
  /** votequorum's numbers; absent when quorum.provider is not set (always quorate then). */
  readonly votes?: { readonly expected: number; readonly highestExpected: number; readonly total: number; readonly quorum: number };
  readonly framesIn: number;
  readonly framesOut: number;
  readonly datagramBytesIn: number;
  readonly datagramBytesOut: number;
  readonly messagesSent: number;
  readonly messageBytesSent: number;
  readonly messagesDelivered: number;
  readonly messageBytesDelivered: number;
  readonly retransmits: number;
  readonly tokenRetransmits: number;
  readonly tokenRotations: number;
  readonly configChanges: { readonly transitional: number; readonly regular: number };
  readonly ipcConnections: number;
  readonly ipcConnectionsTotal: number;
  readonly services: readonly { readonly name: string; readonly requests: number; readonly errors: number; readonly deliveries: number }[];
  /** Frames dropped before the protocol, by reason (AUTH_FAILED, TRUNCATED, BAD_FRAGMENT...; the core's own BAD_FRAME). */
  readonly framesRejected: Readonly<Record<string, number>>;
  /** Ordered messages the executive dropped, by reason (malformedHeader, notActive...). */
  readonly executiveDropped: Readonly<Record<string, number>>;
  readonly residentBytes: number;
  readonly heapUsedBytes: number;
}

/**
 * Delivery latency buckets, seconds: a ring of a few nodes on a LAN delivers in well under a
 * millisecond; seconds mean a membership change or a flooded queue.
 */
export const LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #read: () => MetricsReadings;
  #now: MetricsReadings | undefined;
  readonly #latency: LatencyHistogram;

  /** `votes`: votequorum is hosted, so its vote series exist (without it they are left out, not 0). */
  constructor(read: () => MetricsReadings, options: { readonly votes: boolean }) {
    this.#read = read;
    const registers = [this.registry];
    const gauge = (name: string, help: string, value: (r: MetricsReadings) => number): void => {
      const now = (): MetricsReadings => this.#reading();
      new Gauge({
        name, help, registers,
        collect() {
          this.set(value(now()));
        },
      });
    };
    const counter = (name: string, help: string, value: (r: MetricsReadings) => number): void => {
      const now = (): MetricsReadings => this.#reading();
      new Counter({
        name, help, registers,
        collect() {
          // The daemon's totals are the truth: copy them rather than count twice.
          this.reset();
          this.inc(value(now()));
        },
      });
    };
    const labelled = (name: string, help: string, label: string, values: (r: MetricsReadings) => [string, number][]): void => {
      const now = (): MetricsReadings => this.#reading();
      new Counter({
        name, help, registers, labelNames: [label],
        collect() {
          this.reset();
          for (const [key, v] of values(now())) this.inc({ [label]: key }, v);
        },
      });
    };

    const info = (): MetricsReadings => this.#reading();
    new Gauge({
      name: 'ringcast_info', help: 'Always 1; labels name this node and its cluster', labelNames: ['cluster', 'node_id'], registers,
      collect() {
        const r = info();
        this.reset();
        this.set({ cluster: r.clusterName, node_id: String(r.nodeId) }, 1);
      },
    });
    gauge('ringcast_members', 'Members of the current ring (this node included)', (r) => r.members);
    gauge('ringcast_ring_sequence', 'Sequence number of the current ring (the second part of its ring id)', (r) => r.ringSequence);
    gauge('ringcast_ring_representative', 'Node id of the current ring\'s representative (the first part of its ring id)', (r) => r.ringRepresentative);
    gauge('ringcast_operational', '1 while the membership protocol is in the operational state, else 0 (gather, commit, recovery)', (r) => (r.operational ? 1 : 0));
    gauge('ringcast_quorate', '1 when this partition is quorate (votequorum\'s answer; always 1 without quorum.provider)', (r) => (r.quorate ? 1 : 0));
    if (options.votes) {
      // Before votequorum's first sync there are no numbers yet: 0 until then.
      gauge('ringcast_votequorum_expected_votes', 'votequorum expected votes (only with quorum.provider: corosync_votequorum)', (r) => r.votes?.expected ?? 0);
      gauge('ringcast_votequorum_highest_expected_votes', 'votequorum highest expected votes in the partition', (r) => r.votes?.highestExpected ?? 0);
      gauge('ringcast_votequorum_total_votes', 'votequorum total votes of the current members', (r) => r.votes?.total ?? 0);
      gauge('ringcast_votequorum_quorum_votes', 'votequorum votes needed for quorum', (r) => r.votes?.quorum ?? 0);
    }
    counter('ringcast_totem_frames_received_total', 'Totem frames received (after reassembly of pieces, before authentication)', (r) => r.framesIn);
    counter('ringcast_totem_frames_sent_total', 'Totem frames sent (one per destination node)', (r) => r.framesOut);
    counter('ringcast_udp_received_bytes_total', 'UDP payload bytes received', (r) => r.datagramBytesIn);
    counter('ringcast_udp_sent_bytes_total', 'UDP payload bytes sent', (r) => r.datagramBytesOut);
    counter('ringcast_messages_sent_total', 'Messages this node handed the ring (accepted for ordered delivery)', (r) => r.messagesSent);
    counter('ringcast_message_sent_bytes_total', 'Bytes of the messages this node handed the ring', (r) => r.messageBytesSent);
    counter('ringcast_messages_delivered_total', 'Ordered messages delivered on this node, from every sender', (r) => r.messagesDelivered);
    counter('ringcast_message_delivered_bytes_total', 'Bytes of the ordered messages delivered on this node', (r) => r.messageBytesDelivered);
    counter('ringcast_retransmissions_total', 'Messages this node multicast again because a member asked for them (the token\'s retransmit list)', (r) => r.retransmits);
    counter('ringcast_token_retransmissions_total', 'Tokens this node sent again because the next node did not answer in time', (r) => r.tokenRetransmits);
    counter('ringcast_token_rotations_total', 'Tokens received (one per rotation of the ring)', (r) => r.tokenRotations);
    labelled('ringcast_configuration_changes_total', 'Configurations delivered, by kind (transitional, regular)', 'kind',
      (r) => [['transitional', r.configChanges.transitional], ['regular', r.configChanges.regular]]);
    gauge('ringcast_ipc_connections', 'Client connections open on the IPC socket now', (r) => r.ipcConnections);
    counter('ringcast_ipc_connections_accepted_total', 'Client connections ever accepted on the IPC socket', (r) => r.ipcConnectionsTotal);
    labelled('ringcast_service_requests_total', 'Client requests read, by service', 'service', (r) => r.services.map((s) => [s.name, s.requests]));
    labelled('ringcast_service_errors_total', 'Client requests answered with an error (not CS_OK), by service', 'service', (r) => r.services.map((s) => [s.name, s.errors]));
    labelled('ringcast_frames_rejected_total', 'Frames dropped before the protocol, by reason (AUTH_FAILED: another key or cluster name)', 'reason',
      (r) => Object.entries(r.framesRejected));
    labelled('ringcast_executive_dropped_total', 'Ordered messages the executive dropped, by reason', 'reason', (r) => Object.entries(r.executiveDropped));
    gauge('ringcast_resident_memory_bytes', 'Resident set size of the ringcastd process', (r) => r.residentBytes);
    gauge('ringcast_heap_used_bytes', 'JavaScript heap in use in the ringcastd process', (r) => r.heapUsedBytes);
    labelled('ringcast_service_deliveries_total', 'Executive messages applied, by service', 'service', (r) => r.services.map((s) => [s.name, s.deliveries]));
    this.#latency = new LatencyHistogram('ringcast_delivery_latency_seconds',
      'From this node handing a message to the ring to its delivery back on this node (own messages only: one clock)', LATENCY_BUCKETS_SECONDS);
    this.registry.registerMetric(this.#latency.asPromMetric());
  }

  /** One own message's send-to-delivery time, in ms (RingNodeOptions.ownLatency). */
  observeOwnLatency(ms: number): void {
    this.#latency.observe(ms);
  }

  /** The Prometheus text exposition of every series, from one snapshot of the daemon's counters. */
  async render(): Promise<string> {
    this.#now = this.#read();
    try {
      return await this.registry.metrics();
    } finally {
      this.#now = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #reading(): MetricsReadings {
    return this.#now ?? this.#read();
  }
}
