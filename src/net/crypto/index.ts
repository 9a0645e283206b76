/** Frame authentication and encryption, key files and `ringcast keygen`. See design.md. */
export {
  createFrameCrypto,
  CLUSTER_NAME_BYTES_MAX,
  type FrameCrypto,
  type FrameCryptoOptions,
  type OpenFailureCode,
  type OpenResult,
} from './frame-crypto.js';
export { AEAD_OVERHEAD_BYTES, type CipherName, type HashName } from './envelope.js';
export {
  generateKey,
  readKeyFile,
  writeKeyFile,
  KEY_FILE_MODE,
  KEY_LEN_DEFAULT,
  KEY_LEN_MAX,
  KEY_LEN_MIN,
  type ReadKeyFileCode,
  type ReadKeyFileResult,
  type WriteKeyFileCode,
  type WriteKeyFileResult,
} from './keyfile.js';
export {
  createCryptoStats,
  COUNTER_BY_CODE,
  type CryptoStats,
  type CryptoStatsOptions,
  type DropCounters,
  type LogDecision,
} from './stats.js';
