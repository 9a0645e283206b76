/**
 * What the cfg service (src/services/cfg) needs from the daemon: link 0 as this node sees it,
 * the reload of its own configuration file (given by ringcastd, which owns the file), the
 * shutdown timeout, and the planned stop.
 *
 * ringcast has one link, link 0, over UDP. A peer is `connected` when it is a member of this
 * node's operational ring (the ring itself proves the link works within the token timeout), or
 * when an authenticated frame from it arrived within the token timeout (a peer reachable but
 * not yet in the ring, e.g. while the ring re-forms). Corosync's knet reports its own heartbeat
 * per link instead; ringcast has no separate heartbeat.
 */
import type { CfgHost, CfgReloadOutcome } from '../services/cfg/service.js';

export type { CfgReloadOutcome };
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../services/cfg/service.js';
import { HEARD_NEVER, LinkFlag, type LinkStatusAnswer } from '../protocol/cfg.js';
import type { RingNode } from '../net/ring-node.js';

export interface DaemonCfgOptions {
  /** totem.transport as the file says it (`udpu` or `udp`), printed by `ringcast cfg status`. */
  readonly transport?: string;
  /** Re-reads this node's configuration file and applies what may change; absent: reload fails with a clear message. */
  readonly reloadConfig?: () => CfgReloadOutcome;
  /** cfg.shutdown_timeout, read at each shutdown question. */
  readonly shutdownTimeoutMs?: () => number;
}

export type LinkSource = Pick<RingNode, 'status' | 'heardAgoMs' | 'tokenTimeoutMs' | 'nodeList' | 'nodeId'>;

/** Link 0 to every nodelist node, in node id order. */
export function linkStatus(node: LinkSource, transport: string, now = performance.now()): Omit<LinkStatusAnswer, 'localNodeId'> {
  const s = node.status();
  const operational = s.state === 'operational';
  const members = new Set(s.members);
  const nodes = [...node.nodeList].sort((a, b) => a.nodeId - b.nodeId).map((n) => {
    const local = n.nodeId === node.nodeId;
    const member = operational && members.has(n.nodeId);
    const heard = local ? 0 : node.heardAgoMs(n.nodeId, now);
    const connected = local || member || (heard !== undefined && heard <= node.tokenTimeoutMs);
    return {
      nodeId: n.nodeId,
      address: n.address,
      flags: (local ? LinkFlag.local : 0) | (member ? LinkFlag.member : 0) | (connected ? LinkFlag.connected : 0),
      heardAgoMs: heard === undefined ? HEARD_NEVER : Math.min(Math.round(heard), HEARD_NEVER - 1),
    };
  });
  return { transport, ringId: { rep: s.ringId.rep, seq: s.ringId.seq }, operational, nodes };
}

const NO_RELOAD: CfgReloadOutcome = {
  ok: false, message: 'this daemon was started without a configuration file to re-read', applied: [], refused: [],
};

export function daemonCfgHost(node: LinkSource, options: DaemonCfgOptions, shutdown: () => void): CfgHost {
  return {
    linkStatus: () => linkStatus(node, options.transport ?? 'udpu'),
    reloadConfig: () => {
      try {
        return options.reloadConfig?.() ?? NO_RELOAD;
      } catch (err) {
        // A reload must never take the daemon down: report it as this node's failure.
        return { ok: false, message: `reload failed: ${(err as Error).message}`, applied: [], refused: [] };
      }
    },
    shutdown,
    shutdownTimeoutMs: () => options.shutdownTimeoutMs?.() ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
  };
}
