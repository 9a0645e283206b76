/**
 * What a configuration reload (`ringcast cfg reload`, Corosync's `corosync-cfgtool -R`; also
 * SIGHUP) may change in a running daemon. Both files are compared key by key in Corosync's
 * spelling; each changed key is:
 *
 * - applied: `logging.*` (the logger is rebuilt), the Totem timers and flow-control limits
 *   (`totem.token`, `consensus`, `join`, `window_size`, ...: from the next timer armed and the
 *   next token visit), `totem.shutdown_drain_timeout` (its default follows token and consensus),
 *   `totem.send_join`, `cfg.shutdown_timeout`, and nodes added to the nodelist (compared by
 *   node id; Corosync also takes additions at run time);
 * - refused as Corosync refuses it ("cannot be changed at run-time", exec/cfg.c's list):
 *   `totem.transport`, `cluster_name`, `netmtu`, `ip_version`, `mcastaddr`, `mcastport`, the
 *   crypto keys, `quorum.provider`, the state directory;
 * - or kept until the next start, because ringcast reads it only at start (its services and the
 *   ring's peer table are built once): a nodelist node changed or removed, the other `quorum.*` keys, `event.*`, and
 *   ringcast's own socket, frame and history settings.
 *
 * A refused or kept key keeps its running value; `effective` is the configuration the daemon then
 * runs with. Pure: the caller reads the file and applies the plan.
 */
import { TIMING_KEYS } from './schema.js';
import type { NodeEntry, RingcastConfig } from './types.js';

export type RefusalReason = 'runtime' | 'restart';

export interface ReloadRefusal {
  readonly key: string;
  readonly reason: RefusalReason;
  /** One log line naming the key. */
  readonly message: string;
}

export interface ReloadPlan {
  /** Changed keys whose new values take effect now, in Corosync's spelling. */
  readonly applied: readonly string[];
  readonly refused: readonly ReloadRefusal[];
  /** The running configuration after the reload: the new file's reloadable parts, the rest as it ran. */
  readonly effective: RingcastConfig;
  /** Nodes the new nodelist adds (by node id): the ring reaches them from now on. */
  readonly addedNodes: readonly NodeEntry[];
}

/** Corosync's non-reloadable keys (exec/cfg.c remove_ro_entries), in ringcast's names. */
const RUNTIME_FIXED: readonly string[] = [
  'totem.version', 'totem.transport', 'totem.cluster_name', 'totem.netmtu', 'totem.ip_version', 'totem.mcastaddr',
  'totem.mcastport', 'totem.crypto_cipher', 'totem.crypto_hash', 'totem.keyfile', 'quorum.provider', 'ringcast.state_dir',
];

type Flat = Map<string, string>;

function put(out: Flat, key: string, value: unknown): void {
  if (value !== undefined) out.set(key, typeof value === 'string' ? value : JSON.stringify(value));
}

/** The configuration as dotted keys in Corosync's spelling (nodelist entries by position, as Corosync numbers them). */
export function flattenConfig(c: RingcastConfig): Flat {
  const out: Flat = new Map();
  const t = c.totem;
  put(out, 'totem.cluster_name', t.clusterName);
  put(out, 'totem.transport', t.transport);
  put(out, 'totem.crypto_cipher', t.cryptoCipher);
  put(out, 'totem.crypto_hash', t.cryptoHash);
  put(out, 'totem.keyfile', t.keyfile);
  put(out, 'totem.ip_version', t.ipVersion);
  put(out, 'totem.mcastaddr', t.mcastaddr);
  put(out, 'totem.mcastport', t.port);
  put(out, 'totem.send_join', t.sendJoinMs);
  put(out, 'totem.shutdown_drain_timeout', t.shutdownDrainTimeoutMs);
  for (const k of TIMING_KEYS) put(out, `totem.${k.name}`, t.timing[k.timing]);
  c.nodes.forEach((n, i) => {
    put(out, `nodelist.node.${i}.nodeid`, n.nodeId);
    put(out, `nodelist.node.${i}.ring0_addr`, n.address);
    put(out, `nodelist.node.${i}.name`, n.name);
    put(out, `nodelist.node.${i}.quorum_votes`, n.quorumVotes);
  });
  const l = c.logging;
  put(out, 'logging.to_stderr', l.toStderr);
  put(out, 'logging.to_logfile', l.toLogfile);
  put(out, 'logging.logfile', l.logfile);
  put(out, 'logging.to_syslog', l.toSyslog);
  put(out, 'logging.debug', l.debug);
  put(out, 'logging.timestamp', l.timestamp);
  put(out, 'logging.format', l.format);
  l.subsystems.forEach((s, i) => {
    put(out, `logging.logger_subsys.${i}.subsys`, s.subsys);
    put(out, `logging.logger_subsys.${i}.debug`, s.debug);
  });
  const q = c.quorum;
  put(out, 'quorum.provider', q.provider);
  put(out, 'quorum.expected_votes', q.expectedVotes);
  put(out, 'quorum.two_node', q.twoNode);
  put(out, 'quorum.wait_for_all', q.waitForAll);
  put(out, 'quorum.last_man_standing', q.lastManStanding);
  put(out, 'quorum.last_man_standing_window', q.lastManStandingWindowMs);
  put(out, 'quorum.auto_tie_breaker', q.autoTieBreaker);
  put(out, 'quorum.allow_downscale', q.allowDownscale);
  const r = c.ringcast;
  put(out, 'ringcast.state_dir', r.stateDir);
  put(out, 'ringcast.history', r.history);
  put(out, 'ringcast.frame_size', r.frameSize);
  put(out, 'ringcast.ip_fragmentation', r.ipFragmentation);
  put(out, 'ringcast.metrics_address', r.metricsAddress === undefined ? undefined : `${r.metricsAddress.host}:${r.metricsAddress.port}`);
  put(out, 'ringcast.corosync_compat', r.corosyncCompat);
  put(out, 'ringcast.service', r.service?.path);
  put(out, 'ringcast.socket_mode', r.socketMode);
  put(out, 'uidgid.gid', r.socketGroup);
  put(out, 'event.delivery_queue_size', c.event.deliveryQueueSize);
  put(out, 'event.delivery_queue_resume', c.event.deliveryQueueResume);
  put(out, 'event.filter_match', c.event.filterRule);
  put(out, 'cfg.shutdown_timeout', c.cfg.shutdownTimeoutMs);
  return out;
}

function reloadable(key: string): boolean {
  if (key.startsWith('logging.') || key === 'cfg.shutdown_timeout') return true;
  if (key === 'totem.shutdown_drain_timeout' || key === 'totem.send_join') return true;
  return key !== 'totem.netmtu' && TIMING_KEYS.some((k) => `totem.${k.name}` === key);
}

/** Compares the running configuration with the file's new one; see the file comment for the rules. */
export function planReload(running: RingcastConfig, next: RingcastConfig): ReloadPlan {
  const before = flattenConfig(running);
  const after = flattenConfig(next);
  const keys = [...new Set([...before.keys(), ...after.keys()])].filter((k) => !k.startsWith('nodelist.') && before.get(k) !== after.get(k));
  const applied: string[] = [];
  const refused: ReloadRefusal[] = [];
  const restart = (key: string): void => {
    refused.push({ key, reason: 'restart', message: `Modified entry '${key}' in corosync.conf is read at start only: it takes effect when ringcastd restarts` });
  };
  for (const key of keys) {
    if (reloadable(key)) applied.push(key);
    else if (RUNTIME_FIXED.includes(key)) refused.push({ key, reason: 'runtime', message: `Modified entry '${key}' in corosync.conf cannot be changed at run-time` });
    else restart(key);
  }
  const addedNodes = planNodelist(running.nodes, next.nodes, applied, restart);
  const effective: RingcastConfig = {
    ...running,
    logging: next.logging,
    totem: {
      ...running.totem,
      sendJoinMs: next.totem.sendJoinMs,
      shutdownDrainTimeoutMs: next.totem.shutdownDrainTimeoutMs,
      timing: { ...next.totem.timing, netmtu: running.totem.timing.netmtu },
    },
    nodes: [...running.nodes, ...addedNodes],
    cfg: next.cfg,
  };
  return { applied, refused, effective, addedNodes };
}

/**
 * The nodelist by node id (positions shift when a node is inserted): a new id is an addition
 * (applied); a known node with another address, name or votes, or a node gone from the file,
 * waits for a restart. Keys are named by position in the file they come from, as Corosync's are.
 */
function planNodelist(running: readonly NodeEntry[], next: readonly NodeEntry[], applied: string[], restart: (key: string) => void): NodeEntry[] {
  const known = new Map(running.map((n) => [n.nodeId, n]));
  const added: NodeEntry[] = [];
  next.forEach((n, i) => {
    const key = `nodelist.node.${i}`;
    const old = known.get(n.nodeId);
    if (old === undefined) {
      added.push(n);
      applied.push(`${key}.nodeid`, `${key}.ring0_addr`, ...(n.name === undefined ? [] : [`${key}.name`]), ...(n.quorumVotes === undefined ? [] : [`${key}.quorum_votes`]));
      return;
    }
    if (old.address !== n.address) restart(`${key}.ring0_addr`);
    if (old.name !== n.name) restart(`${key}.name`);
    if (old.quorumVotes !== n.quorumVotes) restart(`${key}.quorum_votes`);
  });
  const inNext = new Set(next.map((n) => n.nodeId));
  running.forEach((n, i) => {
    if (!inNext.has(n.nodeId)) restart(`nodelist.node.${i}.nodeid`);
  });
  return added;
}
