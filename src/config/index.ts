/** Configuration in corosync.conf syntax: parser, loader, effective timing. See docs/config.md. */
export { DEFAULT_FRAME_SIZE, DEFAULT_SHUTDOWN_TIMEOUT_MS, loadConfig } from './load.js';
export { parseConf, CONFIG_TEXT_MAX, NESTING_MAX, type ConfEntry, type ConfKey, type ConfSection, type ParseResult } from './parse.js';
export { describeEffectiveTiming } from './timing.js';
export { DEFAULT_LMS_WINDOW_MS, VOTEQUORUM_PROVIDER } from './quorum.js';
export { formatIssue, ISSUES_MAX, type ConfigIssue } from './issues.js';
export { DEFAULT_CLUSTER_NAME, DEFAULT_KEYFILE, DEFAULT_PORT, clusterMcastAddress } from './totem.js';
export type {
  CfgSettings, CryptoCipher, CryptoHash, DebugLevel, IpVersion, LoadResult, LogFormat, LoggerSubsys, LoggingSettings, NodeEntry,
  QuorumSettings, RingcastConfig, TieBreakerSetting, RingcastSettings, TimestampMode, TotemSettings, Transport,
} from './types.js';
