/**
 * Status words a service answers its clients with. The names are Corosync's cs_error_t names
 * (include/corosync/corotypes.h), so client code, logs and operators read the same words as with
 * Corosync; the IPC layer maps them to Corosync's numbers on the wire. The executive itself only
 * ever produces the ones listed in `ExecSendError`.
 */
export type CsStatus =
  | 'CS_OK'
  | 'CS_ERR_LIBRARY'
  | 'CS_ERR_TRY_AGAIN'
  | 'CS_ERR_INVALID_PARAM'
  | 'CS_ERR_NO_MEMORY'
  | 'CS_ERR_BAD_HANDLE'
  | 'CS_ERR_BUSY'
  | 'CS_ERR_ACCESS'
  | 'CS_ERR_NOT_EXIST'
  | 'CS_ERR_NAME_TOO_LONG'
  | 'CS_ERR_NAME_NOT_FOUND'
  | 'CS_ERR_EXIST'
  | 'CS_ERR_NO_RESOURCES'
  | 'CS_ERR_NOT_SUPPORTED'
  | 'CS_ERR_MESSAGE_ERROR'
  | 'CS_ERR_TOO_BIG'
  | 'CS_ERR_NO_SECTIONS';

export type CsErrorCode = Exclude<CsStatus, 'CS_OK'>;

/** Why the executive refused to multicast a message for a service. */
export interface ExecSendError {
  readonly ok: false;
  /**
   * CS_ERR_TRY_AGAIN: the ring's queue is full, too many own messages are in flight, or (for a
   * client request) a synchronization is in progress, as Corosync's sending_allowed answers.
   * CS_ERR_TOO_BIG: larger than the ring's maximum message. CS_ERR_LIBRARY: the ring is not running
   * or the executive is stopped. CS_ERR_INVALID_PARAM: no such executive message id.
   */
  readonly code: 'CS_ERR_TRY_AGAIN' | 'CS_ERR_TOO_BIG' | 'CS_ERR_LIBRARY' | 'CS_ERR_INVALID_PARAM';
  readonly detail: string;
}

export type ExecSendResult = { readonly ok: true } | ExecSendError;
