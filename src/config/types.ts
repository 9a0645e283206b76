/**
 * The configuration ringcast runs with, in its own camelCase names, every default applied.
 * Corosync's key names appear only in the file and in messages (see docs/config.md).
 */
import type { TotemConfigInput } from '../totem/config.js';
import type { ConfigIssue } from './issues.js';

export type Transport = 'udpu' | 'udp';
export type CryptoCipher = 'aes256' | 'chacha20' | 'none';
export type CryptoHash = 'sha256' | 'sha384' | 'sha512' | 'none';
export type IpVersion = 'ipv4' | 'ipv6' | 'ipv4-6' | 'ipv6-4';
export type DebugLevel = 'off' | 'on' | 'trace';
export type TimestampMode = 'off' | 'on' | 'hires';

export interface TotemSettings {
  readonly clusterName: string;
  readonly transport: Transport;
  /** 'none' with cryptoHash 'none' means frames go unauthenticated and in clear. */
  readonly cryptoCipher: CryptoCipher;
  readonly cryptoHash: CryptoHash;
  readonly keyfile: string;
  /** How host names in ring0_addr resolve (Corosync's ip_version). */
  readonly ipVersion: IpVersion;
  /** The multicast group, with transport udp only: as written, or derived from cluster_name. */
  readonly mcastaddr?: string;
  /** UDP port of every node (Corosync's mcastport). */
  readonly port: number;
  /** Upper bound of the random delay before a join message; 0: none (Corosync's send_join). */
  readonly sendJoinMs: number;
  /**
   * Longest wait of a planned stop (SIGTERM) for the messages this node accepted to be delivered
   * back before it leaves the ring (ringcast's shutdown_drain_timeout; default 2 × (effective
   * token + consensus)).
   */
  readonly shutdownDrainTimeoutMs: number;
  /** nodeCount (the nodelist's length) and the timers the file sets; deriveTotemConfig does the rest. */
  readonly timing: TotemConfigInput;
}

export interface NodeEntry {
  readonly nodeId: number;
  /** ring0_addr as written: an IP address or a host name. */
  readonly address: string;
  readonly name?: string;
  /** nodelist.node.quorum_votes, when written (votequorum counts 1 otherwise). */
  readonly quorumVotes?: number;
  /** Line of the node's `node {` in the file. */
  readonly line: number;
}

export interface LoggerSubsys {
  readonly subsys: string;
  /** The subsystem's own debug, or logging.debug when it sets none. */
  readonly debug: DebugLevel;
  readonly line: number;
}

export interface LoggingSettings {
  readonly toStderr: boolean;
  readonly toLogfile: boolean;
  readonly logfile?: string;
  readonly toSyslog: boolean;
  readonly debug: DebugLevel;
  readonly timestamp: TimestampMode;
  /**
   * ringcast's own key: `text` (a line for people), `json` (one JSON object a line, for tools),
   * `auto` (the default): text on a terminal, JSON when stderr is a pipe or file, and in the log file.
   */
  readonly format?: LogFormat;
  readonly subsystems: readonly LoggerSubsys[];
}

export type LogFormat = 'auto' | 'text' | 'json';

/** auto_tie_breaker_node, as the votequorum service takes it ('none': auto_tie_breaker off). */
export type TieBreakerSetting =
  | { readonly kind: 'none' } | { readonly kind: 'lowest' } | { readonly kind: 'highest' }
  | { readonly kind: 'list'; readonly nodes: readonly number[] };

/**
 * quorum {}: votequorum's options after Corosync's rules (src/config/quorum.ts). Without a
 * provider the partition is always quorate and the options other than these two are ignored.
 */
export interface QuorumSettings {
  readonly provider?: 'corosync_votequorum';
  readonly expectedVotes?: number;
  readonly twoNode: boolean;
  /** Written, or following two_node when not written. */
  readonly waitForAll: boolean;
  readonly lastManStanding: boolean;
  readonly lastManStandingWindowMs: number;
  readonly autoTieBreaker: TieBreakerSetting;
  readonly allowDownscale: boolean;
  /** expected_votes_tracking, or implied by allow_downscale (Corosync turns it on for it). */
  readonly expectedVotesTracking: boolean;
}

export interface RingcastSettings {
  /** ringcast.state_dir, else Corosync's system.state_dir; unset: the daemon's default. */
  readonly stateDir?: string;
  /** File to append the delivery history to (docs/history.md), as `ringcastd --history`. */
  readonly history?: string;
  /** Largest Totem frame in bytes; frames above netmtu travel in pieces (src/net/fragments.ts). */
  readonly frameSize: number;
  /**
   * ringcast.ip_fragmentation: 'auto' sends frames above netmtu as one datagram (the kernel cuts
   * it into IP fragments) to each peer whose path answered a probe of that size; 'off' always
   * uses ringcast's own pieces.
   */
  readonly ipFragmentation: 'auto' | 'off';
  /**
   * ringcast.service: a JavaScript module exporting a service of your own
   * (docs/writing-a-service.md), loaded and checked by ringcastd at start; `line` for its errors.
   */
  readonly service?: { readonly path: string; readonly line: number };
  /** Mode of the IPC socket file (ringcast.socket_mode, octal); default 0o660. */
  readonly socketMode: number;
  /**
   * ringcast.send_queue_bytes: bytes of messages this node accepts and has not multicast yet; a
   * client over it is told to try again. Unset: the ring's default (16 MiB).
   */
  readonly sendQueueBytes?: number;
  /** ringcast.gc_young_every / gc_full_every: the daemon's memory pacer budgets (src/daemon/memory-pacer.ts); unset: its defaults, 0: off. */
  readonly gcYoungEveryBytes?: number;
  readonly gcFullEveryBytes?: number;
  /** ringcast.metrics_address: where the Prometheus endpoint listens (docs/metrics.md); unset: no endpoint. */
  readonly metricsAddress?: { readonly host: string; readonly port: number };
  /** Group given the IPC socket file (uidgid.gid): a name or a numeric id; unset: the daemon's. */
  readonly socketGroup?: string;
  /** ringcast.corosync_compat: this node shares its ring with Corosync 3.1 nodes (src/config/corosync-compat.ts). */
  readonly corosyncCompat?: boolean;
}

/** event {}: the EVT service's delivery queues and filter rule; unset keys keep the service's defaults. */
export interface EventSettings {
  readonly deliveryQueueSize?: number;
  readonly deliveryQueueResume?: number;
  readonly filterRule?: 'sa' | 'openais';
}

/** cfg {}: the cfg service (`ringcast cfg`). */
export interface CfgSettings {
  /** cfg.shutdown_timeout: how long clients registered for shutdown questions have to answer (Corosync's default 5000). */
  readonly shutdownTimeoutMs: number;
}

export interface RingcastConfig {
  readonly totem: TotemSettings;
  readonly nodes: readonly NodeEntry[];
  readonly logging: LoggingSettings;
  readonly quorum: QuorumSettings;
  readonly ringcast: RingcastSettings;
  readonly event: EventSettings;
  readonly cfg: CfgSettings;
}

export type LoadResult =
  | { readonly ok: true; readonly config: RingcastConfig; readonly warnings: ConfigIssue[] }
  /** Warnings too, since an ignored misspelt key often explains an error. */
  | { readonly ok: false; readonly errors: ConfigIssue[]; readonly warnings: ConfigIssue[] };
