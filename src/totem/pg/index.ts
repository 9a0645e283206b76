/** Public API of the group layer's packet format (Corosync's totempg): codec, packer, assembler. */
export {
  PG_HEADER_SIZE,
  PG_LEN_SIZE,
  PG_MSG_COUNT_MAX,
  PG_PACKET_BYTES_MAX,
  PG_PIECE_BYTES_MAX,
  decodePgPacket,
  encodePgPacket,
  type PgCodecError,
  type PgCodecErrorCode,
  type PgDecodeResult,
  type PgEncodeResult,
  type PgPacket,
} from './packet.js';
export {
  PG_DEFAULT_MAX_QUEUED_BYTES,
  PG_DEFAULT_MAX_QUEUED_MESSAGES,
  MIN_FRAGMENT_BYTES,
  PgPacker,
  type PgEnqueueResult,
  type PgPackerOptions,
} from './packer.js';
export {
  PgAssembler,
  type PgAssemblerError,
  type PgAssemblerErrorCode,
  type PgAssemblerOptions,
  type PgAssemblerStats,
  type PgResult,
} from './assembler.js';
