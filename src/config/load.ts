/**
 * loadConfig: corosync.conf text in, RingcastConfig out, or every problem with its line and key.
 * Parse (syntax) → read (each value against the schema) → build (rules across keys, defaults).
 * Unknown keys and sections are warnings; anything that would make the daemon run differently
 * from what the file says is an error. Never throws on any input.
 */
import { applyCorosyncCompat } from './corosync-compat.js';
import { IssueSink } from './issues.js';
import { buildLogging } from './logging.js';
import { buildNodes } from './nodes.js';
import { parseConf } from './parse.js';
import { all, first, lineOf, num, str, readConfig, type SectionValues } from './read.js';
import { buildTotem, ipVersionOf } from './totem.js';
import { buildQuorum } from './quorum.js';
import type { EventSettings, LoadResult, RingcastSettings } from './types.js';
import { parseHostPort } from './values.js';

/**
 * ringcast.frame_size default: Corosync 3 with knet sends Totem frames of up to 64 KiB and lets
 * knet cut them to the link's MTU; ringcast does the same on UDP (src/net/fragments.ts).
 */
export const DEFAULT_FRAME_SIZE = 65536;

export const DEFAULT_SOCKET_MODE = 0o660;

/** cfg.shutdown_timeout default: Corosync's DEFAULT_SHUTDOWN_TIMEOUT (exec/cfg.c), 5 s. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * Who may reach the daemon's IPC socket. Without peer credentials (Node cannot read SO_PEERCRED)
 * the socket file's group and mode are the access control: uidgid.gid becomes the file's group,
 * ringcast.socket_mode its mode. A uid alone cannot be admitted that way.
 */
function buildIpcAccess(root: SectionValues, sink: IssueSink): { socketMode: number; socketGroup?: string } {
  const own = first(root, 'ringcast');
  let socketMode = DEFAULT_SOCKET_MODE;
  const mode = str(own, 'socket_mode');
  if (mode !== undefined) {
    if (/^0?[0-7]{3}$/.test(mode)) socketMode = parseInt(mode, 8);
    else sink.error(lineOf(own, 'socket_mode'), 'ringcast.socket_mode', `${JSON.stringify(mode)} is not an octal file mode such as 0660`);
  }
  let socketGroup: string | undefined;
  for (const u of all(root, 'uidgid')) {
    if (str(u, 'uid') !== undefined) {
      sink.warn(lineOf(u, 'uid'), `${u.path}.uid`, 'ignored: without peer credentials ringcast cannot admit one user; put the user in the group named by uidgid.gid');
    }
    const gid = str(u, 'gid');
    if (gid === undefined) continue;
    if (socketGroup !== undefined && socketGroup !== gid) {
      sink.error(lineOf(u, 'gid'), `${u.path}.gid`, `the IPC socket file has one group: ${JSON.stringify(socketGroup)} is already named`);
    }
    socketGroup = gid;
  }
  return socketGroup === undefined ? { socketMode } : { socketMode, socketGroup };
}

export function loadConfig(text: string, source = 'corosync.conf'): LoadResult {
  const parsed = parseConf(text, source);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, warnings: [] };
  const sink = new IssueSink(source);
  const root = readConfig(parsed.root, sink);
  const nodes = buildNodes(root, ipVersionOf(first(root, 'totem')), sink);
  const plainTotem = buildTotem(root, nodes, sink);
  const logging = buildLogging(root, sink);
  const quorum = buildQuorum(root, nodes, sink);
  const { totem, ringcast } = applyCorosyncCompat(root, plainTotem, { ...buildRingcast(root, sink), ...buildIpcAccess(root, sink) }, sink);
  const event = buildEvent(root, sink);
  const cfg = { shutdownTimeoutMs: num(first(root, 'cfg'), 'shutdown_timeout') ?? DEFAULT_SHUTDOWN_TIMEOUT_MS };
  const { errors, warnings } = sink.finish();
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, config: { totem, nodes, logging, quorum, ringcast, event, cfg }, warnings };
}

/** event {}: OpenAIS's delivery_queue_size / delivery_queue_resume (resume must not exceed size). */
function buildEvent(root: SectionValues, sink: IssueSink): EventSettings {
  const event = first(root, 'event');
  const size = num(event, 'delivery_queue_size');
  const resume = num(event, 'delivery_queue_resume');
  const rule = str(event, 'filter_match');
  if (resume !== undefined && resume > (size ?? 1000)) {
    sink.error(lineOf(event, 'delivery_queue_resume'), 'event.delivery_queue_resume', `${resume} exceeds delivery_queue_size (${size ?? 1000}): the block would never lift`);
  }
  return {
    ...(size === undefined ? {} : { deliveryQueueSize: size }),
    ...(resume === undefined ? {} : { deliveryQueueResume: resume }),
    ...(rule === 'sa' || rule === 'openais' ? { filterRule: rule } : {}),
  };
}

/** ringcast {}, ringcast's own section; state_dir falls back to Corosync's system.state_dir. */
function buildRingcast(root: SectionValues, sink: IssueSink): RingcastSettings {
  const own = first(root, 'ringcast');
  const system = first(root, 'system');
  const ownDir = str(own, 'state_dir');
  const systemDir = str(system, 'state_dir');
  if (ownDir !== undefined && systemDir !== undefined && ownDir !== systemDir) {
    sink.warn(lineOf(system, 'state_dir'), 'system.state_dir', `ignored: ringcast.state_dir (line ${lineOf(own, 'state_dir')}) wins`);
  }
  const stateDir = ownDir ?? systemDir;
  const history = str(own, 'history');
  const frameSize = num(own, 'frame_size') ?? DEFAULT_FRAME_SIZE;
  const ipFragmentation = str(own, 'ip_fragmentation') === 'off' ? 'off' : 'auto';
  const service = str(own, 'service');
  const sendQueueBytes = num(own, 'send_queue_bytes');
  const gcYoungEveryBytes = num(own, 'gc_young_every');
  const gcFullEveryBytes = num(own, 'gc_full_every');
  // Checked by the schema already (hostPort); a failed check left no value here.
  const metrics = str(own, 'metrics_address');
  const metricsAddress = metrics === undefined ? undefined : parseHostPort(metrics);
  return {
    frameSize, ipFragmentation, ...(sendQueueBytes === undefined ? {} : { sendQueueBytes }), socketMode: DEFAULT_SOCKET_MODE, ...(stateDir === undefined ? {} : { stateDir }), ...(history === undefined ? {} : { history }),
    ...(gcYoungEveryBytes === undefined ? {} : { gcYoungEveryBytes }), ...(gcFullEveryBytes === undefined ? {} : { gcFullEveryBytes }),
    ...(service === undefined ? {} : { service: { path: service, line: lineOf(own, 'service') ?? 0 } }),
    ...(metricsAddress?.ok ? { metricsAddress: { host: metricsAddress.host, port: metricsAddress.port } } : {}),
  };
}
