/** Local IPC over a Unix domain socket: the daemon's server side and the client transport. See design.md. */
export { IpcServer, type HelloInfo, type IpcLogger, type IpcServerOptions } from './server.js';
export { Connection, type IpcRequest } from './connection.js';
export {
  connectIpc,
  IpcClient,
  type IpcClientOptions,
  type IpcClientStats,
  type IpcDisconnect,
  type IpcEvent,
  type IpcRequestOptions,
  type IpcResponse,
} from './client.js';
export { CS_ERROR, IpcError, type CsErrorName, type IpcErrorCode } from './errors.js';
export { DISCONNECT_REASONS, REJECT_CS_ERROR, type DisconnectReason, type RejectCode } from './codes.js';
export { DEFAULT_SERVER_LIMITS, MIN_FRAME_BYTES, type IpcServerLimits } from './limits.js';
export type { IpcServerStats } from './stats.js';
export {
  IPC_PROTOCOL_VERSION,
  SERVICE_NAME_BYTES_MAX,
  REQUEST_HEADER_BYTES,
  RESPONSE_HEADER_BYTES,
  EVENT_HEADER_BYTES,
} from './frame.js';
export { SOCKET_PATH_BYTES_MAX } from './socket-file.js';
