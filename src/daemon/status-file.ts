/**
 * The daemon's status, kept in `<state dir>/status.json` (replaced atomically every second); the
 * `status` service (status-service.ts) answers the same object over IPC.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DaemonStatus {
  readonly pid: number;
  readonly nodeId: number;
  readonly clusterName: string;
  readonly state: string;
  readonly ringId: string;
  readonly members: readonly number[];
  readonly since: string;
  readonly updated: string;
  readonly counters: Record<string, number>;
  /** Peers that get frames above netmtu as one datagram (their path answered a probe; ringcast.ip_fragmentation). */
  readonly wholeFramePeers?: readonly number[];
  readonly rates: { tokenRotationsPerSec: number; deliveriesPerSec: number };
  /** Delivery latency of timed load messages since the previous status (same-host wall clock). */
  readonly latencyMicros?: { p50: number; p99: number; count: number } | undefined;
  /** IPC server counters (connections, rejects, disconnects by reason, bytes, back-pressure). */
  readonly ipc?: Record<string, unknown>;
  /** Executive counters (deliveries, drops by reason, requests, sync) and per-service ones. */
  readonly exec?: Record<string, unknown>;
}

export const STATUS_FILE = 'status.json';

export function writeStatusFile(stateDir: string, status: DaemonStatus): void {
  const path = join(stateDir, STATUS_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify(status, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}
