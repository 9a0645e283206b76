#!/usr/bin/env node
/**
 * ringcastd --config FILE [--nodeid N] [--state-dir DIR] [--history FILE] [--load RATE:SIZE]
 *
 * Reads a corosync.conf-syntax file, joins the ring as the node the node list names for this
 * host (or --nodeid when several entries are local, as on loopback), serves local clients on
 * `<state dir>/ringcast.sock` (cpg, clm, evt, orderlog, status), and runs until SIGTERM or SIGINT, when it
 * takes no new messages, waits (bounded by totem.shutdown_drain_timeout) until the ones it
 * accepted were delivered, closes the socket and leaves the ring gracefully. SIGHUP re-reads the configuration and reports what
 * would change (applying it needs a restart today).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { votequorumOptions } from './votequorum-options.js';
import { loadConfig, describeEffectiveTiming, type RingcastConfig } from '../config/index.js';
import { createFrameCrypto, readKeyFile } from '../net/crypto/index.js';
import { Daemon } from '../daemon/daemon.js';
import { loadServiceModule, ServiceModuleError } from '../daemon/service-module.js';
import { createDaemonLogger } from '../log/daemon-logger.js';
import { parseLoadSpec } from '../daemon/load-generator.js';
import { resolveStateDir } from '../protocol/paths.js';
import { parseCommandArgs, UsageError } from './args.js';
import { explainDaemonError, pickNode } from './daemon-errors.js';

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

function readConfig(path: string): { config: RingcastConfig; warnings: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  const result = loadConfig(text, path);
  if (!result.ok) fail(result.errors.map((e) => e.message).join('\n'));
  // Logged once the logger exists, in the log's own format (not plain text among JSON lines).
  return { config: result.config, warnings: result.warnings.map((w) => w.message) };
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
  const { config, warnings } = readConfig(values.config);
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
    memoryPacer: {
      ...(config.ringcast.gcYoungEveryBytes === undefined ? {} : { minorEveryBytes: config.ringcast.gcYoungEveryBytes }),
      ...(config.ringcast.gcFullEveryBytes === undefined ? {} : { majorEveryBytes: config.ringcast.gcFullEveryBytes }),
    },
  });
  logger.info(`ringcastd starting: node ${nodeId} of cluster "${config.totem.clusterName}", ${nodes.length} nodes, crypto ${sealer ? `${config.totem.cryptoCipher}/${config.totem.cryptoHash}` : 'off'}, state dir ${stateDir}`);
  for (const line of describeEffectiveTiming(config)) logger.info(`totem: ${line}`);
  for (const s of services) logger.info(`service "${s.name}" (id ${s.id}) loaded from ${config.ringcast.service?.path}`);
  await daemon.start();

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping: no new messages; waiting at most ${config.totem.shutdownDrainTimeoutMs} ms (shutdown_drain_timeout) for accepted ones to be delivered, then leaving the ring`);
    daemon.stop().then(() => process.exit(0), (err) => {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  let current = config;
  process.on('SIGHUP', () => {
    let text: string;
    try {
      text = readFileSync(values.config!, 'utf8');
    } catch (err) {
      logger.error(`SIGHUP: configuration not reloaded: ${(err as Error).message}`);
      return;
    }
    const next = loadConfig(text, values.config);
    if (!next.ok) {
      logger.error(`SIGHUP: configuration not reloaded: ${next.errors.map((e) => e.message).join('; ')}`);
      return;
    }
    log.reload(next.config.logging);
    const changed = daemon.node.reconfigure(next.config.totem.timing);
    const later = restartOnlyChanges(current, next.config);
    current = next.config;
    logger.info(`SIGHUP: configuration reloaded: logging applied${changed.length ? `, totem ${changed.join(', ')} now in effect` : ', totem timing unchanged'}` +
      (later.length ? `; ${later.join(', ')} changed and take effect at restart` : ''));
    if (changed.length) for (const line of describeEffectiveTiming(next.config)) logger.info(`totem: ${line}`);
  });
}

/**
 * What a reload cannot apply to a running node: who is in the ring, how it is reached and how
 * frames are sealed and sized (peers would disagree until every node restarted).
 */
function restartOnlyChanges(before: RingcastConfig, after: RingcastConfig): string[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const out: string[] = [];
  const t0 = before.totem;
  const t1 = after.totem;
  const nodelistChanged = !same(before.nodes.map((n) => [n.nodeId, n.address]), after.nodes.map((n) => [n.nodeId, n.address]));
  if (nodelistChanged) out.push('nodelist');
  // votequorum reads its settings at start (runtime changes: ringcast quorum --set-expected / --set-votes).
  if (!same(before.quorum, after.quorum)) out.push('quorum');
  if (!nodelistChanged && !same(before.nodes.map((n) => n.quorumVotes), after.nodes.map((n) => n.quorumVotes))) out.push('nodelist.node.quorum_votes');
  for (const [key, a, b] of [
    ['totem.transport', t0.transport, t1.transport], ['totem.cluster_name', t0.clusterName, t1.clusterName],
    ['totem.crypto_cipher', t0.cryptoCipher, t1.cryptoCipher], ['totem.crypto_hash', t0.cryptoHash, t1.cryptoHash],
    ['totem.keyfile', t0.keyfile, t1.keyfile], ['totem.mcastport', t0.port, t1.port], ['totem.mcastaddr', t0.mcastaddr, t1.mcastaddr],
    ['totem.netmtu', t0.timing.netmtu, t1.timing.netmtu], ['ringcast.frame_size', before.ringcast.frameSize, after.ringcast.frameSize],
    ['ringcast.ip_fragmentation', before.ringcast.ipFragmentation, after.ringcast.ipFragmentation],
    ['ringcast.state_dir', before.ringcast.stateDir, after.ringcast.stateDir],
  ] as const) {
    if (!same(a, b)) out.push(key);
  }
  return out;
}

main().catch((err) => {
  // Everyday failures (a port in use, an address not on this host, a state directory it may not
  // write) as one line with a hint; the stack only when asked for.
  if (process.env['RINGCAST_DEBUG'] && err instanceof Error) console.error(err.stack);
  fail(explainDaemonError(err, { stateDir: stateDirForErrors }));
});
