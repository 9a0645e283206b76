/**
 * What the daemon's `status` service (src/daemon/status-service.ts) and a client or tool say to
 * each other: the service's name, its request ids and its answers. The same status object is
 * kept in `<state dir>/status.json` (paths.ts), so a tool can read it when IPC is not available.
 * Local reads only: no executive messages, no sync, nothing replicated.
 *
 * Requests (payload must be empty, else CS_ERR_INVALID_PARAM; answers are UTF-8 JSON):
 * | id | request | CS_OK answer                                                                       |
 * |----|---------|------------------------------------------------------------------------------------|
 * |  0 | status  | the daemon status, the same object status.json holds (DaemonStatus)               |
 * |  1 | members | `{"ringId":{"rep":N,"seq":N},"ring":"<rep hex>.<seq hex>","state":"…","members":[N…]}` |
 * JSON rather than a binary layout: these answers are for tools and people, they are small, and
 * their fields grow with the daemon's counters; a client must ignore fields it does not know.
 */

/** The name a client asks for in its IPC hello. */
export const STATUS_SERVICE_NAME = 'status';

/** Request message ids of the status service. */
export const StatusRequest = { status: 0, members: 1 } as const;

/** The daemon's status: membership, ring id, counters, rates (status.json holds the same object). */
export interface DaemonStatus {
  readonly pid: number;
  readonly nodeId: number;
  readonly clusterName: string;
  readonly state: string;
  /** Corosync's `<rep hex>.<seq hex>` (ring-id.ts), as the log prints it. */
  readonly ringId: string;
  readonly members: readonly number[];
  readonly since: string;
  readonly updated: string;
  readonly counters: Record<string, number>;
  /** Peers that get frames above netmtu as one datagram (their path answered a probe; ringcast.ip_fragmentation). */
  readonly wholeFramePeers?: readonly number[];
  /** Where the metrics endpoint listens (`host:port`; the chosen port when configured with 0); absent when off. */
  readonly metricsAddress?: string;
  /** Whether this partition may act (votequorum's answer; always true without quorum.provider). */
  readonly quorate?: boolean;
  readonly rates: { tokenRotationsPerSec: number; deliveriesPerSec: number };
  /** Delivery latency of timed load messages since the previous status (same-host wall clock). */
  readonly latencyMicros?: { p50: number; p99: number; count: number } | undefined;
  /** The daemon process's memory, MB (Node's process.memoryUsage()). */
  readonly memory?: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** IPC server counters (connections, rejects, disconnects by reason, bytes, back-pressure). */
  readonly ipc?: Record<string, unknown>;
  /** Executive counters (deliveries, drops by reason, requests, sync) and per-service ones. */
  readonly exec?: Record<string, unknown>;
}

/** The answer to `members`: the current ring, its members' node ids, the daemon's membership state. Unknown fields may follow. */
export interface MembersAnswer {
  /** The ring's representative and sequence. */
  readonly ringId: { readonly rep: number; readonly seq: number };
  /** The ring id as the logs and status.json print it: Corosync's `<rep hex>.<seq hex>` (ring-id.ts). */
  readonly ring: string;
  readonly state: string;
  readonly members: readonly number[];
}
