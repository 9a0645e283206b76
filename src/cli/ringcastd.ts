#!/usr/bin/env node
/**
 * ringcastd --config FILE [--nodeid N] [--state-dir DIR] [--history FILE] [--load RATE:SIZE]
 *
 * Reads a corosync.conf-syntax file, joins the ring as the node the node list names for this
 * host (or --nodeid when several entries are local, as on loopback), serves local clients on
 * `<state dir>/ringcast.sock` (cpg, orderlog, status), and runs until SIGTERM or SIGINT, when it
 * takes no new messages, waits (bounded by totem.shutdown_drain_timeout) until the ones it
 * accepted were delivered, closes the socket and leaves the ring gracefully. SIGHUP re-reads the configuration and reports what
 * would change (applying it needs a restart today).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, describeEffectiveTiming, type RingcastConfig } from '../config/index.js';
import { createFrameCrypto, readKeyFile } from '../net/crypto/index.js';
import { Daemon } from '../daemon/daemon.js';
import { createDaemonLogger } from '../log/daemon-logger.js';
import { parseLoadSpec } from '../daemon/load-generator.js';
import { resolveStateDir } from '../protocol/paths.js';

const USAGE = 'usage: ringcastd --config FILE [--nodeid N] [--state-dir DIR] [--history FILE] [--load RATE:SIZE]';

function fail(message: string): never {
  console.error(`ringcastd: ${message}`);
  process.exit(2);
}

function readConfig(path: string): RingcastConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  const result = loadConfig(text, path);
  if (!result.ok) fail(result.errors.map((e) => e.message).join('\n'));
  for (const w of result.warnings) console.error(`ringcastd: warning: ${w.message}`);
  return result.config;
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

function pickNodeId(config: RingcastConfig, flag: string | undefined): number {
  if (flag !== undefined) {
    const id = Number(flag);
    if (!config.nodes.some((n) => n.nodeId === id)) fail(`--nodeid ${flag} is not in the nodelist`);
    return id;
  }
  const local = localAddresses();
  const mine = config.nodes.filter((n) => local.has(n.address));
  if (mine.length === 1) return mine[0]!.nodeId;
  if (mine.length === 0) fail('no nodelist entry matches an address of this host; use --nodeid');
  fail(`several nodelist entries are local (${mine.map((n) => n.nodeId).join(', ')}); pick one with --nodeid`);
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
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' }, nodeid: { type: 'string' }, 'state-dir': { type: 'string' },
      history: { type: 'string' }, load: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.config) fail(`--config is required\n${USAGE}`);
  const config = readConfig(values.config);
  const nodeId = pickNodeId(config, values.nodeid);
  const stateDir = resolveStateDir(values['state-dir'] ?? config.ringcast.stateDir);
  const load = values.load === undefined ? undefined : parseLoadSpec(values.load);
  if (load && !load.ok) fail(load.message);
  const log = createDaemonLogger(config.logging, { nodeId });
  const logger = log.logger;

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
  });
  logger.info(`ringcastd starting: node ${nodeId} of cluster "${config.totem.clusterName}", ${nodes.length} nodes, crypto ${sealer ? `${config.totem.cryptoCipher}/${config.totem.cryptoHash}` : 'off'}, state dir ${stateDir}`);
  for (const line of describeEffectiveTiming(config)) logger.info(`totem: ${line}`);
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
  if (!same(before.nodes.map((n) => [n.nodeId, n.address]), after.nodes.map((n) => [n.nodeId, n.address]))) out.push('nodelist');
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

main().catch((err) => fail(err instanceof Error ? err.stack ?? err.message : String(err)));
