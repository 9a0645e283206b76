/**
 * The one error class applications see from the client library. Codes are Corosync's cs_error_t
 * names (the same words `cpg_*` callers and operators already know), plus ABORT_ERR when the
 * caller's signal fired; `reason` narrows the code where the transport knows more (a
 * DisconnectReason, a RejectCode, or DAEMON_NOT_RUNNING).
 *
 * RingcastError is the transport's IpcError under its public name (src/ipc/errors.ts): the two
 * were identical classes, and one class means `instanceof` holds whichever name a caller uses.
 */
import { CS_ERROR, IpcError as RingcastError, type IpcErrorCode } from '../ipc/errors.js';

export { abortError } from '../ipc/errors.js';
export { RingcastError };
export type RingcastErrorCode = IpcErrorCode;

const NAME_OF_STATUS = new Map<number, RingcastErrorCode>(
  Object.entries(CS_ERROR).filter(([name]) => name !== 'CS_OK').map(([name, value]) => [value, name as RingcastErrorCode]),
);

/** A non-OK response status as an error; a number we do not know is a library fault. */
export function statusError(status: number, what: string, detail?: string): RingcastError {
  const code = NAME_OF_STATUS.get(status);
  const suffix = detail ? `: ${detail}` : '';
  if (code === undefined) return new RingcastError('CS_ERR_LIBRARY', `${what}: daemon answered unknown status ${status}${suffix}`);
  return new RingcastError(code, `${what} failed with ${code}${suffix}`);
}

/** Socket errors that mean nobody is listening at the path. */
const NOT_RUNNING = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTDIR']);

/**
 * Wraps what the transport threw, naming the call that failed (`what`); code and reason stay.
 * Only for errors straight from the transport: errors the library made itself already name it.
 */
export function toRingcastError(err: unknown, what: string): RingcastError {
  if (err instanceof RingcastError) {
    return new RingcastError(err.code, `${what}: ${err.message}`, { reason: err.reason, cause: err });
  }
  return new RingcastError('CS_ERR_LIBRARY', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * What connecting to the socket threw, rephrased for the common case of no daemon: the IPC
 * client reports a refused or missing socket as CS_ERR_LIBRARY with the errno as its detail.
 */
export function connectError(err: unknown, path: string, serviceName: string): RingcastError {
  if (err instanceof RingcastError && err.code === 'CS_ERR_LIBRARY' && err.reason === 'SOCKET_ERROR') {
    const errno = (err.cause as NodeJS.ErrnoException | undefined)?.code ?? err.message.match(/\((E[A-Z]+)\)/)?.[1];
    if (errno !== undefined && NOT_RUNNING.has(errno)) {
      return new RingcastError('CS_ERR_LIBRARY', `ringcastd is not running: nothing listens on ${path} (${errno})`, {
        reason: 'DAEMON_NOT_RUNNING',
        cause: err,
      });
    }
  }
  return toRingcastError(err, `connecting to ${serviceName} at ${path}`);
}
