/**
 * The daemon's figures as cmap keys, under Corosync's names and types (design note 3.2):
 *
 *   runtime.config.totem.*        the timers in effect (after token_coefficient, after a reload), u32
 *   runtime.votequorum.*          votequorum's state (exec/votequorum.c 817-900)
 *   runtime.services.<svc>.*      service_id (u16); <fn>.rx / <fn>.tx (u64): executive messages of
 *                                 each handler applied here / sourced here and applied
 *   internal_configuration.service.<id>.{name,ver}
 *   stats.srp.*, stats.ipcs.global.*   the stats map, where ringcast keeps the same figure
 *
 * Pure functions of what the daemon already counts; the cmap service calls them at its refresh
 * points (src/services/cmap/service.ts).
 */
import { deriveTotemConfig, TOTEM_DEFAULTS, type TotemConfigInput } from '../totem/config.js';
import type { TotemStats } from '../totem/state.js';
import type { CmapEntry } from '../protocol/cmap.js';
import { integerValue, stringValue, type CmapTypeName } from '../protocol/cmap-values.js';
import type { QuorumState } from '../services/votequorum/quorum-state.js';

const n = (key: string, type: CmapTypeName, value: number | bigint): CmapEntry => ({ key, value: integerValue(type, value) });

/** runtime.config.totem.*: what Corosync's totem_volatile_config_read writes, where ringcast has the timer. */
export function totemRuntimeEntries(input: TotemConfigInput): CmapEntry[] {
  const c = deriveTotemConfig(input);
  const p = 'runtime.config.totem.';
  return [
    n(`${p}token`, 'u32', c.tokenTimeoutMs),
    n(`${p}token_retransmits_before_loss_const`, 'u32', input.tokenRetransmitsBeforeLossConst ?? TOTEM_DEFAULTS.tokenRetransmitsBeforeLossConst),
    n(`${p}token_retransmit`, 'u32', c.tokenRetransmitMs),
    n(`${p}hold`, 'u32', c.holdMs),
    n(`${p}join`, 'u32', c.joinMs),
    n(`${p}consensus`, 'u32', c.consensusMs),
    n(`${p}merge`, 'u32', c.mergeMs),
    n(`${p}downcheck`, 'u32', c.downcheckMs),
    n(`${p}fail_recv_const`, 'u32', c.failRecvConst),
    n(`${p}seqno_unchanged_const`, 'u32', c.seqnoUnchangedConst),
    n(`${p}window_size`, 'u32', c.windowSize),
    n(`${p}max_messages`, 'u32', c.maxMessages),
    n(`${p}miss_count_const`, 'u32', c.missCountConst),
  ];
}

/** Corosync's atb_type: 0 lowest, 1 highest, 2 list. */
const ATB_TYPE = { none: 0, lowest: 0, highest: 1, list: 2 } as const;

/** runtime.votequorum.*, as votequorum writes them (no quorum device: its two keys are 0). */
export function votequorumEntries(q: QuorumState): CmapEntry[] {
  const p = 'runtime.votequorum.';
  return [
    n(`${p}this_node_id`, 'u32', q.nodeId),
    n(`${p}lowest_node_id`, 'u32', q.lowestNodeId),
    n(`${p}highest_node_id`, 'u32', q.highestNodeId),
    n(`${p}atb_type`, 'u32', ATB_TYPE[q.config.autoTieBreaker.kind]),
    n(`${p}wait_for_all_status`, 'u8', q.waitForAllStatus ? 1 : 0),
    n(`${p}two_node`, 'u8', q.config.twoNode ? 1 : 0),
    n(`${p}ev_barrier`, 'u32', q.evBarrier),
    n(`${p}ev_tracking_barrier`, 'u32', 0),
    n(`${p}qdevice_can_operate`, 'u8', 0),
    n(`${p}qdevice_master_wins`, 'u8', 0),
  ];
}

/** Corosync's engine names for its services; ringcast's own services are `ringcast_<name>`. */
const COROSYNC_SERVICES = new Set(['cmap', 'cfg', 'cpg', 'quorum', 'votequorum']);

export interface HostedService {
  readonly id: number;
  readonly name: string;
  readonly execHandlers: readonly unknown[];
}

/** Executive messages applied, per service and handler: rx all, tx those this node sourced. */
export type MessageCounters = Map<number, Map<number, { rx: number; tx: number }>>;

export function serviceEntries(services: readonly HostedService[], counters: MessageCounters): CmapEntry[] {
  const out: CmapEntry[] = [];
  for (const s of services) {
    const engine = COROSYNC_SERVICES.has(s.name) ? `corosync_${s.name}` : `ringcast_${s.name}`;
    out.push({ key: `internal_configuration.service.${s.id}.name`, value: stringValue(engine) });
    out.push(n(`internal_configuration.service.${s.id}.ver`, 'u32', 0));
    // Corosync's <svc> is the text after the engine name's last '_'.
    const svc = engine.slice(engine.lastIndexOf('_') + 1);
    out.push(n(`runtime.services.${svc}.service_id`, 'u16', s.id));
    const perHandler = counters.get(s.id);
    s.execHandlers.forEach((h, fn) => {
      if (h === undefined) return;
      const c = perHandler?.get(fn);
      out.push(n(`runtime.services.${svc}.${fn}.tx`, 'u64', c?.tx ?? 0));
      out.push(n(`runtime.services.${svc}.${fn}.rx`, 'u64', c?.rx ?? 0));
    });
  }
  return out;
}

export interface StatsFigures {
  readonly totem: Readonly<TotemStats>;
  readonly ipcConnectionsOpen: number;
  readonly ipcConnectionsClosed: number;
}

/** The stats map: Corosync's stats.srp.* names where ringcast counts the same thing (docs/cmap.md). */
export function statsEntries(f: StatsFigures): CmapEntry[] {
  const s = f.totem;
  const p = 'stats.srp.';
  return [
    n(`${p}orf_token_rx`, 'u64', s.tokensReceived),
    n(`${p}mcast_tx`, 'u64', s.mcastTx),
    n(`${p}mcast_retx`, 'u64', s.mcastRetx),
    n(`${p}operational_entered`, 'u64', s.operationalEntered),
    n(`${p}gather_entered`, 'u64', s.gatherEntered),
    n(`${p}commit_entered`, 'u64', s.commitEntered),
    n(`${p}recovery_entered`, 'u64', s.recoveryEntered),
    n(`${p}consensus_timeouts`, 'u64', s.consensusTimeouts),
    n('stats.ipcs.global.active', 'u64', f.ipcConnectionsOpen),
    n('stats.ipcs.global.closed', 'u64', f.ipcConnectionsClosed),
  ];
}
