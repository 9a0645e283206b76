/**
 * What the CPG state machine hands the executive besides callbacks' contents: which local handle
 * each callback is for, and why a library request failed (Corosync's cs_error_t names).
 */
import type { CpgCallback } from '../../protocol/cpg/callbacks.js';

/** A local client handle, assigned by the executive (one per IPC connection in Corosync). */
export type HandleId = number;

/** A callback addressed to one local handle. The executive forwards them in array order. */
export interface HandleCallback {
  readonly handle: HandleId;
  readonly callback: CpgCallback;
}

/** Stable error codes a library request can fail with (Corosync's cs_error_t names). */
export type CpgErrorCode =
  | 'CS_ERR_BAD_HANDLE'
  | 'CS_ERR_EXIST'
  | 'CS_ERR_NOT_EXIST'
  | 'CS_ERR_BUSY'
  | 'CS_ERR_TRY_AGAIN'
  | 'CS_ERR_NAME_TOO_LONG'
  | 'CS_ERR_INVALID_PARAM'
  | 'CS_ERR_TOO_BIG'
  | 'CS_ERR_NO_RESOURCES';

export interface CpgError {
  readonly code: CpgErrorCode;
  readonly detail: string;
}
