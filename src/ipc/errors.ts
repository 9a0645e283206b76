/**
 * Errors a client or the daemon's owner code sees from the IPC layer. Codes reuse Corosync's
 * cs_error_t names (include/corosync/corotypes.h) so client code and operators read the same
 * words as with Corosync; the numbers are Corosync's too, so a service can put them straight into
 * a response status.
 */

/** cs_error_t values from Corosync's corotypes.h (the subset a ringcast client can meet). */
export const CS_ERROR = {
  CS_OK: 1,
  CS_ERR_LIBRARY: 2,
  CS_ERR_VERSION: 3,
  CS_ERR_TIMEOUT: 5,
  CS_ERR_TRY_AGAIN: 6,
  CS_ERR_INVALID_PARAM: 7,
  CS_ERR_NO_MEMORY: 8,
  CS_ERR_BAD_HANDLE: 9,
  CS_ERR_BUSY: 10,
  CS_ERR_ACCESS: 11,
  CS_ERR_NOT_EXIST: 12,
  CS_ERR_NAME_TOO_LONG: 13,
  CS_ERR_EXIST: 14,
  CS_ERR_NAME_NOT_FOUND: 17,
  CS_ERR_NO_RESOURCES: 18,
  CS_ERR_NOT_SUPPORTED: 19,
  CS_ERR_MESSAGE_ERROR: 22,
  CS_ERR_TOO_BIG: 26,
  /** cmap: the end of an iteration (Corosync's answer to cmap_iter_next past the last key). */
  CS_ERR_NO_SECTIONS: 27,
} as const;

export type CsErrorName = keyof typeof CS_ERROR;

/** Codes an IpcError can carry: a cs_error_t name, or ABORT_ERR when the caller's signal fired. */
export type IpcErrorCode = Exclude<CsErrorName, 'CS_OK'> | 'ABORT_ERR';

/**
 * The one error class of the transport and of the client library, which exports it as
 * RingcastError (src/client/errors.ts): one class, so `instanceof` holds under either name and an
 * error crosses from the transport to the application without being copied into another class.
 * Its name is RingcastError, the name applications have always seen.
 */
export class IpcError extends Error {
  readonly code: IpcErrorCode;
  /** Finer reason where one exists (a RejectCode, a DisconnectReason), stable like `code`. */
  readonly reason: string | undefined;

  constructor(code: IpcErrorCode, message: string, options: { reason?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code === 'ABORT_ERR' ? 'AbortError' : 'RingcastError';
    this.code = code;
    this.reason = options.reason;
  }
}

/** What a call rejects with when its AbortSignal fires; the signal's reason is the cause. */
export function abortError(signal: AbortSignal | undefined): IpcError {
  return new IpcError('ABORT_ERR', 'the operation was aborted', { cause: signal?.reason });
}
