/**
 * totem {}: transport, crypto, addressing and timing, with the rules that span keys. Defaults are
 * Corosync 3.1's except where ringcast differs on purpose (docs/config.md): transport udpu rather
 * than knet, and crypto on (aes256 + sha256) rather than off.
 */
import { deriveTotemConfig, type TotemConfigInput } from '../totem/config.js';
import { quote, type IssueSink } from './issues.js';
import { all, bool, first, lineOf, num, present, str, type SectionValues } from './read.js';
import { TIMING_KEYS } from './schema.js';
import { checkTiming } from './timing.js';
import type { CryptoCipher, CryptoHash, IpVersion, NodeEntry, TotemSettings, Transport } from './types.js';
import { ipFamily, isMulticast, TIMER_MS_MAX } from './values.js';

export const DEFAULT_CLUSTER_NAME = 'ringcast';
export const DEFAULT_KEYFILE = '/etc/ringcast/authkey';
export const DEFAULT_PORT = 5405;

/**
 * A planned stop's default wait: long enough for the ring to notice a failure and re-form (token
 * plus consensus) twice, so a stop that lands while the ring is gathering or recovering still
 * sees its messages ordered. Capped at the longest Node.js timer (the effective timers are
 * checked against it separately).
 */
export function defaultShutdownDrainTimeoutMs(timing: TotemConfigInput): number {
  const eff = deriveTotemConfig(timing);
  return Math.min(2 * (eff.tokenTimeoutMs + eff.consensusMs), TIMER_MS_MAX);
}

interface Located<T> {
  readonly value: T;
  readonly line: number;
  readonly key: string;
}

export function transportOf(totem: SectionValues | undefined): Transport {
  return (str(totem, 'transport') as Transport | undefined) ?? 'udpu';
}

/** Corosync's default: ipv4 for udp, ipv6-4 (IPv6 first, then IPv4) otherwise. */
export function ipVersionOf(totem: SectionValues | undefined): IpVersion {
  return (str(totem, 'ip_version') as IpVersion | undefined) ?? (transportOf(totem) === 'udp' ? 'ipv4' : 'ipv6-4');
}

export function buildTotem(root: SectionValues, nodes: readonly NodeEntry[], sink: IssueSink): TotemSettings {
  const totem = first(root, 'totem');
  const interfaces = all(totem, 'interface');
  checkLinks(interfaces, sink);
  for (const i of interfaces) {
    if (present(i, 'bindnetaddr')) {
      sink.warn(lineOf(i, 'bindnetaddr'), `${i.path}.bindnetaddr`, "ignored: each node binds its nodelist ring0_addr (Corosync too prefers the nodelist when both are set)");
    }
  }
  const transport = transportOf(totem);
  const ipVersion = ipVersionOf(totem);
  const clusterName = str(totem, 'cluster_name') ?? DEFAULT_CLUSTER_NAME;
  const { cipher, hash } = cryptoOf(totem, sink);
  const port = pick(totem, interfaces, 'mcastport', num, sink)?.value ?? DEFAULT_PORT;
  const mcastaddr = mcastOf(totem, interfaces, transport, ipVersion, nodes, sink);
  const timing = timingOf(totem, nodes.length, sink);
  const settings = {
    clusterName, transport, cryptoCipher: cipher, cryptoHash: hash, keyfile: str(totem, 'keyfile') ?? DEFAULT_KEYFILE,
    ipVersion, port, sendJoinMs: num(totem, 'send_join') ?? 0,
    shutdownDrainTimeoutMs: num(totem, 'shutdown_drain_timeout') ?? defaultShutdownDrainTimeoutMs(timing), timing,
  };
  return mcastaddr === undefined ? settings : { ...settings, mcastaddr };
}

function checkLinks(interfaces: readonly SectionValues[], sink: IssueSink): void {
  for (const i of interfaces) {
    for (const key of ['linknumber', 'ringnumber']) {
      const n = num(i, key);
      if (n !== undefined && n !== 0) {
        sink.error(lineOf(i, key), `${i.path}.${key}`, `link ${n} is not supported: ringcast runs one link, 0 (more links need knet, which ringcast does not support)`);
      }
    }
  }
}

/** An interface {} value wins over the same key written directly in totem {} (a ringcast shorthand). */
function pick<T>(totem: SectionValues | undefined, interfaces: readonly SectionValues[], key: string,
  get: (sv: SectionValues | undefined, key: string) => T | undefined, sink: IssueSink): Located<T> | undefined {
  const at = (sv: SectionValues | undefined): Located<T> | undefined => {
    const value = get(sv, key);
    return value === undefined || !sv ? undefined : { value, line: lineOf(sv, key), key: `${sv.path}.${key}` };
  };
  const inInterface = interfaces.map(at).filter((v) => v !== undefined).at(-1);
  const inTotem = at(totem);
  if (inInterface && inTotem && inInterface.value !== inTotem.value) {
    sink.warn(inTotem.line, inTotem.key, `ignored: ${inInterface.key} at line ${inInterface.line} sets ${quote(String(inInterface.value))}, which wins`);
  }
  return inInterface ?? inTotem;
}

/** Corosync's rules (totemconfig.c totem_get_crypto) with ringcast's default turned on. */
function cryptoOf(totem: SectionValues | undefined, sink: IssueSink): { cipher: CryptoCipher; hash: CryptoHash } {
  let cipher: CryptoCipher = 'aes256';
  let hash: CryptoHash = 'sha256';
  if (present(totem, 'secauth')) {
    sink.warn(lineOf(totem, 'secauth'), 'totem.secauth', 'deprecated: write crypto_cipher and crypto_hash instead (secauth: on means aes256 and sha256, off means none and none)');
    if (bool(totem, 'secauth') === false) {
      cipher = 'none';
      hash = 'none';
    }
  }
  return {
    cipher: (str(totem, 'crypto_cipher') as CryptoCipher | undefined) ?? cipher,
    hash: (str(totem, 'crypto_hash') as CryptoHash | undefined) ?? hash,
  };
}

function mcastOf(totem: SectionValues | undefined, interfaces: readonly SectionValues[], transport: Transport,
  ipVersion: IpVersion, nodes: readonly NodeEntry[], sink: IssueSink): string | undefined {
  const written = pick(totem, interfaces, 'mcastaddr', str, sink);
  if (transport !== 'udp') {
    if (written) sink.warn(written.line, written.key, 'ignored: mcastaddr is used only with transport: udp');
    return undefined;
  }
  const nodeFamily = nodes.map((n) => ipFamily(n.address)).find((f) => f !== undefined);
  if (written) {
    const family = ipFamily(written.value);
    if (!isMulticast(written.value)) {
      sink.error(written.line, written.key, `${written.value} is not a multicast address (IPv4 224.0.0.0 to 239.255.255.255, IPv6 ff00::/8)`);
    } else if (nodeFamily !== undefined && family !== nodeFamily) {
      sink.error(written.line, written.key, `${written.value} is an IPv${family} group but the nodes have IPv${nodeFamily} addresses (Corosync refuses this too)`);
    } else {
      return written.value;
    }
    return undefined;
  }
  const name = str(totem, 'cluster_name');
  if (name === undefined) {
    sink.error(lineOf(totem, 'transport'), 'totem.mcastaddr', 'missing: transport udp needs mcastaddr, or a cluster_name to derive it from (as Corosync does)');
    return undefined;
  }
  return clusterMcastAddress(name, nodeFamily === 6 || (nodeFamily === undefined && ipVersion === 'ipv6') ? 6 : 4);
}

/**
 * Corosync's multicast group for a cluster name (totemconfig.c get_cluster_mcast_addr), link 0:
 * a 16-bit id from the name's bytes (as C signed chars), then 239.192.x.y or ff15::id. The
 * `% 0xFF` is Corosync's own arithmetic, kept so both pick the same group for the same name.
 */
export function clusterMcastAddress(clusterName: string, family: 4 | 6): string {
  let value = 0;
  for (const byte of Buffer.from(clusterName, 'utf8')) value = ((value << 1) + (byte >= 128 ? byte - 256 : byte)) | 0;
  const id = value & 0xffff;
  return family === 4 ? `239.192.${id >> 8}.${id % 0xff}` : `ff15::${id.toString(16)}`;
}

function timingOf(totem: SectionValues | undefined, nodeCount: number, sink: IssueSink): TotemConfigInput {
  const timing: Record<string, number> = { nodeCount };
  for (const spec of TIMING_KEYS) {
    const value = num(totem, spec.name);
    if (value !== undefined) timing[spec.timing] = value;
  }
  const input = timing as TotemConfigInput;
  // A rejected timer was reported already; derived checks on the defaults would only add noise.
  if (!TIMING_KEYS.some((k) => totem?.invalid.has(k.name))) {
    checkTiming(input, (...keys) => {
      const written = keys.find((k) => present(totem, k)) ?? keys[0]!;
      return { line: lineOf(totem, written), key: `totem.${written}` };
    }, sink);
  }
  return input;
}
