/**
 * The sections and keys ringcast reads, in Corosync's spelling, with their value types; and the
 * Corosync 3.1 keys it knows but does not use, so that an operator's existing corosync.conf gets
 * "ignored by ringcast" instead of "unknown key" for them. Meanings, defaults and differences from
 * Corosync are in docs/config.md (a test checks that every key here is listed there).
 */
import type { TotemConfigInput } from '../totem/config.js';
import { TIMER_MS_MAX, UINT32_MAX, type ValueSpec } from './values.js';

export interface KeySpec {
  readonly name: string;
  readonly value: ValueSpec;
  /** Where the key goes in TotemConfigInput, for Totem timing and flow-control keys. */
  readonly timing?: keyof TotemConfigInput;
}

export interface SectionSpec {
  readonly name: string;
  /** May appear several times, each occurrence its own entry (node, logger_subsys). */
  readonly repeated?: boolean;
  readonly keys: readonly KeySpec[];
  readonly sections?: readonly SectionSpec[];
  /** Valid Corosync keys ringcast accepts and ignores, with the reason given in the warning. */
  readonly ignoredKeys?: Readonly<Record<string, string>>;
  readonly ignoredSections?: Readonly<Record<string, string>>;
  /** Valid Corosync keys whose meaning ringcast cannot honour: an error, not a warning. */
  readonly rejectedKeys?: Readonly<Record<string, string>>;
}

/** Corosync's MINIMUM_TIMEOUT (3 ticks of a 100 Hz clock) and MINIMUM_TIMEOUT_HOLD. */
export const MINIMUM_TIMEOUT_MS = 30;
export const MINIMUM_HOLD_MS = 14;
/** Bytes of UTF-8 the crypto layer accepts in a cluster name (it is part of key derivation). */
export const CLUSTER_NAME_BYTES_MAX = 255;

const timer = (min: number): ValueSpec =>
  ({ type: 'integer', unit: 'milliseconds', min, max: TIMER_MS_MAX, maxReason: 'the longest Node.js timer' });
const count = (unit: string, min: number): ValueSpec => ({ type: 'integer', unit, min, max: UINT32_MAX });
const bool: ValueSpec = { type: 'boolean' };
/** Corosync reads votequorum's switches as u8: 0 or 1, not yes/no. */
const zeroOne: ValueSpec = { type: 'enum', values: ['0', '1'] };
const path: ValueSpec = { type: 'path' };
const debug: ValueSpec = { type: 'enum', values: ['off', 'on', 'trace'] };
const port: ValueSpec = { type: 'integer', unit: '(UDP port)', min: 1, max: 65535 };
const link: ValueSpec = { type: 'integer', unit: '(link number)', min: 0, max: 255 };

const KNET = 'ringcast runs Totem over plain UDP and has no knet links';
const NOT_YET = 'not implemented by ringcast yet';

const interfaceSpec: SectionSpec = {
  name: 'interface',
  repeated: true,
  keys: [
    { name: 'ringnumber', value: link },
    { name: 'linknumber', value: link },
    { name: 'bindnetaddr', value: { type: 'ip' } },
    { name: 'mcastaddr', value: { type: 'ip' } },
    { name: 'mcastport', value: port },
  ],
  ignoredKeys: {
    ttl: `multicast TTL is ${NOT_YET} (the system default applies)`,
    broadcast: `broadcast is ${NOT_YET}`,
    knet_link_priority: KNET, knet_ping_interval: KNET, knet_ping_timeout: KNET,
    knet_ping_precision: KNET, knet_pong_count: KNET, knet_transport: KNET,
  },
  ignoredSections: { member: 'Corosync 2 member lists are replaced by nodelist' },
};

const totemSpec: SectionSpec = {
  name: 'totem',
  keys: [
    { name: 'version', value: { type: 'enum', values: ['2'] } },
    { name: 'cluster_name', value: { type: 'string', maxBytes: CLUSTER_NAME_BYTES_MAX } },
    {
      name: 'transport',
      value: {
        type: 'enum', values: ['udpu', 'udp'],
        unsupported: { knet: `${KNET}; use udpu (unicast to every node of the nodelist) or udp (multicast)` },
      },
    },
    { name: 'token', value: timer(MINIMUM_TIMEOUT_MS), timing: 'token' },
    { name: 'token_coefficient', value: timer(0), timing: 'tokenCoefficient' },
    { name: 'token_retransmit', value: timer(MINIMUM_TIMEOUT_MS), timing: 'tokenRetransmit' },
    { name: 'token_retransmits_before_loss_const', value: count('retransmissions', 0), timing: 'tokenRetransmitsBeforeLossConst' },
    { name: 'hold', value: timer(MINIMUM_HOLD_MS), timing: 'hold' },
    { name: 'join', value: timer(MINIMUM_TIMEOUT_MS), timing: 'join' },
    { name: 'consensus', value: timer(MINIMUM_TIMEOUT_MS), timing: 'consensus' },
    { name: 'merge', value: timer(MINIMUM_TIMEOUT_MS), timing: 'merge' },
    { name: 'downcheck', value: timer(MINIMUM_TIMEOUT_MS), timing: 'downcheck' },
    { name: 'fail_recv_const', value: count('token rotations', 1), timing: 'failRecvConst' },
    { name: 'seqno_unchanged_const', value: count('token rotations', 1), timing: 'seqnoUnchangedConst' },
    { name: 'miss_count_const', value: count('token visits', 1), timing: 'missCountConst' },
    { name: 'max_messages', value: count('messages', 1), timing: 'maxMessages' },
    { name: 'window_size', value: count('messages', 1), timing: 'windowSize' },
    { name: 'netmtu', value: { type: 'integer', unit: 'bytes', min: 576, max: 65535 }, timing: 'netmtu' },
    { name: 'send_join', value: timer(0) },
    { name: 'shutdown_drain_timeout', value: timer(0) },
    { name: 'secauth', value: bool },
    {
      name: 'crypto_cipher',
      value: {
        type: 'enum', values: ['aes256', 'chacha20', 'none'],
        unsupported: {
          aes128: 'use aes256 or chacha20 (ringcast offers only 256-bit AEAD ciphers)',
          aes192: 'use aes256 or chacha20 (ringcast offers only 256-bit AEAD ciphers)',
          '3des': 'use aes256 or chacha20 (3DES is obsolete and was removed from Corosync too)',
        },
      },
    },
    {
      name: 'crypto_hash',
      value: {
        type: 'enum', values: ['sha256', 'sha384', 'sha512', 'none'],
        unsupported: { md5: 'use sha256, sha384 or sha512', sha1: 'use sha256, sha384 or sha512' },
      },
    },
    { name: 'keyfile', value: path },
    { name: 'ip_version', value: { type: 'enum', values: ['ipv4', 'ipv6', 'ipv4-6', 'ipv6-4'] } },
    { name: 'mcastaddr', value: { type: 'ip' } },
    { name: 'mcastport', value: port },
    { name: 'clear_node_high_bit', value: bool },
    // cmap's totem.config_version (u64): exchanged in sync; a node older than the ring stops.
    { name: 'config_version', value: { type: 'integer', unit: '(configuration version)', min: 0, max: Number.MAX_SAFE_INTEGER } },
  ],
  sections: [interfaceSpec],
  ignoredKeys: {
    threads: 'Corosync\'s sender threads do not apply',
    token_warning: `token warnings are ${NOT_YET}`,
    nodeid: 'set nodeid in each nodelist.node instead (Corosync deprecates totem.nodeid too)',
    heartbeat_failures_allowed: `the heartbeat mechanism is ${NOT_YET}`,
    max_network_delay: `the heartbeat mechanism is ${NOT_YET}`,
    crypto_model: 'ringcast always uses Node.js crypto (OpenSSL)',
    key: 'an inline key is not supported; put the key in keyfile',
    link_mode: KNET, knet_pmtud_interval: KNET, knet_mtu: KNET,
    knet_compression_model: KNET, knet_compression_threshold: KNET, knet_compression_level: KNET,
    block_unlisted_ips: `dropping frames by source address is ${NOT_YET}`,
    cancel_token_hold_on_retransmit: NOT_YET,
  },
};

/** The totem keys that make up TotemConfigInput. */
export const TIMING_KEYS: readonly (KeySpec & { readonly timing: keyof TotemConfigInput })[] =
  totemSpec.keys.filter((k): k is KeySpec & { timing: keyof TotemConfigInput } => k.timing !== undefined);

const ringAddrRejected: Record<string, string> = {};
for (let i = 1; i <= 7; i++) ringAddrRejected[`ring${i}_addr`] = `${KNET}: a node has one address, ring0_addr`;

const nodelistSpec: SectionSpec = {
  name: 'nodelist',
  keys: [],
  sections: [{
    name: 'node',
    repeated: true,
    keys: [
      { name: 'ring0_addr', value: { type: 'host' } },
      { name: 'nodeid', value: { type: 'integer', unit: '(node id)', min: 1, max: UINT32_MAX } },
      { name: 'name', value: { type: 'string' } },
      { name: 'quorum_votes', value: { type: 'integer', unit: 'votes', min: 0, max: UINT32_MAX } },
    ],
    rejectedKeys: ringAddrRejected,
  }],
};

const perSubsysDestination = 'per-subsystem log destinations are not supported; set them in logging {}';
const loggingSpec: SectionSpec = {
  name: 'logging',
  keys: [
    { name: 'to_stderr', value: bool },
    { name: 'to_logfile', value: bool },
    { name: 'logfile', value: path },
    { name: 'to_syslog', value: bool },
    { name: 'debug', value: debug },
    { name: 'timestamp', value: { type: 'enum', values: ['off', 'on', 'hires'] } },
    { name: 'format', value: { type: 'enum', values: ['auto', 'text', 'json'] } },
  ],
  sections: [{
    name: 'logger_subsys',
    repeated: true,
    keys: [{ name: 'subsys', value: { type: 'string' } }, { name: 'debug', value: debug }],
    ignoredKeys: {
      to_stderr: perSubsysDestination, to_logfile: perSubsysDestination, to_syslog: perSubsysDestination,
      logfile: perSubsysDestination, logfile_priority: perSubsysDestination,
      syslog_facility: perSubsysDestination, syslog_priority: perSubsysDestination,
    },
  }],
  ignoredKeys: {
    fileline: 'log records carry no source locations',
    function_name: 'log records carry no source locations',
    blackbox: 'the blackbox is not implemented',
    logfile_priority: 'the log level follows debug',
    syslog_facility: `syslog output is ${NOT_YET}`,
    syslog_priority: `syslog output is ${NOT_YET}`,
  },
  ignoredSections: { logging_daemon: 'Corosync 1 logging_daemon sections are not supported; use logger_subsys' },
};

const quorumSpec: SectionSpec = {
  name: 'quorum',
  keys: [
    { name: 'provider', value: { type: 'string' } },
    { name: 'expected_votes', value: count('votes', 1) },
    { name: 'two_node', value: zeroOne },
    { name: 'wait_for_all', value: zeroOne },
    { name: 'last_man_standing', value: zeroOne },
    { name: 'last_man_standing_window', value: timer(1) },
    { name: 'auto_tie_breaker', value: zeroOne },
    { name: 'auto_tie_breaker_node', value: { type: 'string', maxBytes: 4096 } },
    { name: 'allow_downscale', value: zeroOne },
    { name: 'expected_votes_tracking', value: zeroOne },
  ],
  ignoredKeys: {
    votes: 'ringcast always has a nodelist: set nodelist.node.quorum_votes instead (Corosync deprecates quorum.votes too)',
    leaving_timeout: `${NOT_YET} (a node that leaves is dead at the next configuration)`,
  },
  ignoredSections: { device: `quorum devices (qdevice) are ${NOT_YET}` },
};

const ringcastSpec: SectionSpec = {
  name: 'ringcast',
  keys: [
    { name: 'state_dir', value: path },
    { name: 'history', value: path },
    { name: 'frame_size', value: { type: 'integer', unit: 'bytes', min: 576, max: 65536 } },
    { name: 'send_queue_bytes', value: { type: 'integer', unit: 'bytes', min: 65536, max: 256 * 1024 * 1024 } },
    { name: 'gc_young_every', value: { type: 'integer', unit: 'bytes', min: 0, max: 1024 * 1024 * 1024 } },
    { name: 'gc_full_every', value: { type: 'integer', unit: 'bytes', min: 0, max: 1024 * 1024 * 1024 } },
    { name: 'ip_fragmentation', value: { type: 'enum', values: ['auto', 'off'] } },
    { name: 'corosync_compat', value: bool },
    { name: 'socket_mode', value: { type: 'string', maxBytes: 4 } },
    { name: 'service', value: path },
    { name: 'metrics_address', value: { type: 'hostPort' } },
  ],
};

/** OpenAIS's event {} section (evt_exec_init), for the EVT service's per-connection queues. */
const eventSpec: SectionSpec = {
  name: 'event',
  keys: [
    { name: 'delivery_queue_size', value: { type: 'integer', unit: 'events', min: 1, max: 1_000_000 } },
    { name: 'delivery_queue_resume', value: { type: 'integer', unit: 'events', min: 1, max: 1_000_000 } },
    { name: 'filter_match', value: { type: 'enum', values: ['sa', 'openais'] } },
  ],
};

/** Corosync's cfg {} (exec/cfg.c reads cfg.shutdown_timeout): the cfg service's settings. */
const cfgSpec: SectionSpec = {
  name: 'cfg',
  keys: [{ name: 'shutdown_timeout', value: timer(0) }],
};

/** Corosync's uidgid {}: who may use the IPC. ringcast gives the socket file the group. */
const uidgidSpec: SectionSpec = {
  name: 'uidgid',
  repeated: true,
  keys: [{ name: 'uid', value: { type: 'string' } }, { name: 'gid', value: { type: 'string' } }],
};

/** Corosync's system {} holds state_dir, which ringcast reads when ringcast.state_dir is absent. */
const systemSpec: SectionSpec = {
  name: 'system',
  keys: [{ name: 'state_dir', value: path }],
  ignoredKeys: Object.fromEntries(['qb_ipc_type', 'sched_rr', 'priority', 'move_to_root_cgroup', 'allow_knet_handle_fallback']
    .map((k) => [k, 'process scheduling and IPC settings of Corosync do not apply to ringcast'])),
};

export const ROOT_SPEC: SectionSpec = {
  name: '',
  keys: [],
  sections: [totemSpec, nodelistSpec, loggingSpec, quorumSpec, ringcastSpec, systemSpec, uidgidSpec, eventSpec, cfgSpec],
  ignoredSections: {
    resources: `resource monitoring is ${NOT_YET}`,
    nozzle: 'libnozzle devices are not supported',
  },
};

/** Every section spec with its dotted path (`totem.interface`, `nodelist.node`), for docs and hints. */
export function allSections(spec: SectionSpec = ROOT_SPEC, path = ''): { path: string; spec: SectionSpec }[] {
  const out: { path: string; spec: SectionSpec }[] = [];
  for (const child of spec.sections ?? []) {
    const childPath = path === '' ? child.name : `${path}.${child.name}`;
    out.push({ path: childPath, spec: child }, ...allSections(child, childPath));
  }
  return out;
}
