#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * ringcastd --config FILE [--nodeid N] [--state-dir DIR] [--history FILE] [--load RATE:SIZE]
 *
 * Reads a corosync.conf-syntax file, joins the ring as the node the node list names for this
 * host (or --nodeid when several entries are local, as on loopback), serves local clients on
 * `<state dir>/ringcast.sock` (cpg, clm, evt, orderlog, status), and runs until SIGTERM or SIGINT, when it
 * takes no new messages, waits (bounded by totem.shutdown_drain_timeout) until the ones it
 * accepted were delivered, closes the socket and leaves the ring gracefully; `ringcast cfg shutdown`
 * does the same once the clients registered for shutdown questions agreed. SIGHUP re-reads the
 * configuration on this node, `ringcast cfg reload` on every node (config-reloader.ts).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { votequorumOptions } from './votequorum-options.js';
import { cmapConfigFromText } from './cmap-config.js';
import { loadConfig, describeEffectiveTiming, type RingcastConfig } from '../config/index.js';
import { createFrameCrypto, readKeyFile } from '../net/crypto/index.js';
import { Daemon } from '../daemon/daemon.js';
import { loadServiceModule, ServiceModuleError } from '../daemon/service-module.js';
import { createDaemonLogger } from '../log/daemon-logger.js';
import { parseLoadSpec } from '../daemon/load-generator.js';
import { resolveStateDir } from '../protocol/paths.js';
import { parseCommandArgs, UsageError } from './args.js';
import { explainDaemonError, pickNode } from './daemon-errors.js';
import { ConfigReloader } from './config-reloader.js';

const USAGE = `usage: ringcastd --config FILE [--nodeid N] [--state-dir DIR] [--history FILE] [--load RATE:SIZE]
  -c, --config FILE    the configuration, in corosync.conf syntax (docs/config.md)
      --nodeid N       this node's nodelist entry, when several are local (as on loopback)
      --state-dir DIR  where the daemon keeps its state and its socket (default ringcast { state_dir },
                       else RINGCAST_STATE_DIR, else /var/lib/ringcast)
      --history FILE   append this node's history (docs/history.md), for ringcast check
      --load RATE:SIZE multicast RATE synthetic SIZE-byte messages per second (a load test)
  -V, --version        print the version
  -h, --help           this text`;

/** Where the daemon keeps its state, once known: named in the hint of a permission error. */
let stateDirForErrors = resolveStateDir(undefined);

function fail(message: string): never {
  console.error(`ringcastd: ${message}`);
  process.exit(2);
}

function readConfig(path: string): { config: RingcastConfig; warnings: string[]; text: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  const result = loadConfig(text, path);
  if (!result.ok) fail(result.errors.map((e) => e.message).join('\n'));
  // Logged once the logger exists, in the log's own format (not plain text among JSON lines).
  return { config: result.config, warnings: result.warnings.map((w) => w.message), text };
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

function pickNodeId(config: RingcastConfig, flag: string | undefined): number {
  const picked = pickNode(config.nodes, flag, localAddresses());
  if (!picked.ok) fail(picked.message);
  return picked.nodeId;
}

/** uidgid.gid as a numeric group id: a number as is, a name looked up in /etc/group. */
function groupId(group: string | undefined): number | undefined {
  if (group === undefined) return undefined;
  if (/^\d+$/.test(group)) return Number(group);
  let text = '';
  try {
    text = readFileSync('/etc/group', 'utf8');
  } catch {
    fail(`uidgid.gid: cannot read /etc/group to find "${group}"; give the numeric group id`);
  }
  const line = text.split('\n').find((l) => l.split(':')[0] === group);
  if (!line) fail(`uidgid.gid: no group named "${group}" in /etc/group`);
  return Number(line.split(':')[2]);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCommandArgs(process.argv.slice(2), {
      config: { type: 'string', short: 'c' }, nodeid: { type: 'string' }, 'state-dir': { type: 'string' },
      history: { type: 'string' }, load: { type: 'string' }, version: { type: 'boolean', short: 'V' },
    });
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}; "ringcastd --help" lists the options`);
    throw err;
  }
  const values = parsed.values as { config?: string; nodeid?: string; 'state-dir'?: string; history?: string; load?: string; help?: boolean; version?: boolean };
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(pkg.version);
    return;
  }
  if (!values.config) fail(`--config FILE is required\n${USAGE}`);
  const { config, warnings, text: configText } = readConfig(values.config);
  const nodeId = pickNodeId(config, values.nodeid);
  const stateDir = resolveStateDir(values['state-dir'] ?? config.ringcast.stateDir);
  stateDirForErrors = stateDir;
  const load = values.load === undefined ? undefined : parseLoadSpec(values.load);
  if (load && !load.ok) fail(load.message);
  // A service of your own: loaded and checked before anything starts, its errors naming the line.
  const services = [];
  if (config.ringcast.service) {
    const { path, line } = config.ringcast.service;
    try {
      services.push(await loadServiceModule(path, { nodeId }));
    } catch (err) {
      if (!(err instanceof ServiceModuleError)) throw err;
      fail(`${values.config}:${line}: ringcast.service: ${path}: ${err.message}`);
    }
  }

  const log = createDaemonLogger(config.logging, { nodeId });
  const logger = log.logger;
  for (const w of warnings) logger.warn(w);

  let sealer;
  if (config.totem.cryptoCipher === 'none' && config.totem.cryptoHash === 'none') {
    logger.warn('crypto_cipher and crypto_hash are none: frames travel unauthenticated and in clear (needed only for a mixed ring with Corosync udpu)');
  } else {
    const key = readKeyFile(config.totem.keyfile);
    if (!key.ok) fail(`${config.totem.keyfile}: ${key.message}`);
    for (const w of key.warnings ?? []) logger.warn(w);
    sealer = createFrameCrypto({ cipher: config.totem.cryptoCipher, hash: config.totem.cryptoHash, key: key.key, clusterName: config.totem.clusterName });
  }

  const nodes = config.nodes.map((n) => ({ nodeId: n.nodeId, address: n.address, port: config.totem.port }));
  // Totem frames may be larger than a datagram (ringcast.frame_size): the link layer cuts them to
  // netmtu. The core sizes its frames from "netmtu" less IP/UDP headers, so it gets the frame
  // size, less the crypto envelope that every frame grows by.
  const netmtu = config.totem.timing.netmtu ?? 1500;
  const frameSize = Math.max(config.ringcast.frameSize, netmtu);
  const ipUdpHeaderBytes = nodes.some((n) => n.address.includes(':')) ? 48 : 28;
  const reloader = new ConfigReloader(values.config, config, logger);
  const daemon = new Daemon({
    nodeId, clusterName: config.totem.clusterName, nodes, stateDir, sealer,
    totem: { ...config.totem.timing, netmtu: frameSize - (sealer?.overheadBytes ?? 0) },
    maxDatagramBytes: netmtu - ipUdpHeaderBytes, maxFrameBytes: frameSize, ipFragmentation: config.ringcast.ipFragmentation,
    historyPath: values.history ?? config.ringcast.history, load: load?.ok ? load.spec : undefined, logger,
    shutdownDrainTimeoutMs: config.totem.shutdownDrainTimeoutMs,
    multicastGroup: config.totem.transport === 'udp' ? config.totem.mcastaddr : undefined,
    ipc: { socketMode: config.ringcast.socketMode, socketGid: groupId(config.ringcast.socketGroup) },
    votequorum: votequorumOptions(config, nodeId),
    services,
    evt: config.event,
    nodeName: config.nodes.find((n) => n.nodeId === nodeId)?.name,
    sendQueueBytes: config.ringcast.sendQueueBytes,
    memoryPacer: {
      ...(config.ringcast.gcYoungEveryBytes === undefined ? {} : { minorEveryBytes: config.ringcast.gcYoungEveryBytes }),
      ...(config.ringcast.gcFullEveryBytes === undefined ? {} : { majorEveryBytes: config.ringcast.gcFullEveryBytes }),
    },
    metricsAddress: config.ringcast.metricsAddress,
    cfg: {
      transport: config.totem.transport,
      reloadConfig: () => reloader.reload('cfg reload'),
      shutdownTimeoutMs: () => reloader.current.cfg.shutdownTimeoutMs,
    },
    cmapConfig: cmapConfigFromText(configText, nodeId),
    // cfg shutdown ("cfg shutdown") or a service's request (cmap's config version check).
    onShutdownRequest: (reason) => stop(reason),
  });
  // What a reload applies in this process; services holding configuration register here too.
  reloader.onConfigReloaded((next, plan, text) => {
    // Always: SIGHUP is also how logrotate asks for the log file to be reopened.
    log.reload(next.logging);
    // cmap holds the file's keys as Corosync's reload re-reads them: all of them, applied or not.
    daemon.host.cmap.refreshFromConfig(cmapConfigFromText(text, nodeId));
    if (plan.addedNodes.length > 0) {
      // Known to the ring at once (counted by the reconfigure below); their sockets connect next.
      daemon.node.addNodes(plan.addedNodes.map((n) => ({ nodeId: n.nodeId, address: n.address, port: next.totem.port })))
        .then((ids) => logger.info({ nodes: ids }, `nodelist: node(s) ${ids.join(', ')} added; the ring reaches them from now on`),
          (err: unknown) => logger.error({ err }, `nodelist: adding node(s) failed: ${(err as Error).message}`));
    }
    const changed = daemon.node.reconfigure(next.totem.timing);
    daemon.node.setShutdownDrainTimeout(next.totem.shutdownDrainTimeoutMs);
    if (changed.length) for (const line of describeEffectiveTiming(next)) logger.info(`totem: ${line}`);
  });
  let stopping = false;
  logger.info(`ringcastd starting: node ${nodeId} of cluster "${config.totem.clusterName}", ${nodes.length} nodes, crypto ${sealer ? `${config.totem.cryptoCipher}/${config.totem.cryptoHash}` : 'off'}, state dir ${stateDir}`);
  for (const line of describeEffectiveTiming(config)) logger.info(`totem: ${line}`);
  for (const s of services) logger.info(`service "${s.name}" (id ${s.id}) loaded from ${config.ringcast.service?.path}`);
  await daemon.start();

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void reloader.reload('SIGHUP'));

  /** A planned stop (SIGTERM, SIGINT, `ringcast cfg shutdown`): drain, leave the ring, exit 0. */
  function stop(cause: string): void {
    if (stopping) return;
    stopping = true;
    const drainMs = reloader.current.totem.shutdownDrainTimeoutMs;
    logger.info(`${cause}: stopping: no new messages; waiting at most ${drainMs} ms (shutdown_drain_timeout) for accepted ones to be delivered, then leaving the ring`);
    daemon.stop().then(() => process.exit(0), (err) => {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    });
  }
}

main().catch((err) => {
  // Everyday failures (a port in use, an address not on this host, a state directory it may not
  // write) as one line with a hint; the stack only when asked for.
  if (process.env['RINGCAST_DEBUG'] && err instanceof Error) console.error(err.stack);
  fail(explainDaemonError(err, { stateDir: stateDirForErrors }));
});
