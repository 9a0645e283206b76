/**
 * SA Forum AIS error codes (`SaAisErrorT`, include/saAis.h of the B.01.01 specifications that
 * OpenAIS implemented), shared by the CLM and EVT services and their client handles. The values
 * are the SA Forum's; Corosync's cs_error_t kept the same numbers for the codes both have, so a
 * transport status (CS_ERR_LIBRARY = 2 ...) reads as the SA code of the same value.
 *
 * Names are the full C names (`SA_AIS_ERR_NOT_EXIST`): applications and operators grep for them.
 */

/** Every SaAisErrorT value (B.01.01). */
export const SA_AIS_ERROR = {
  SA_AIS_OK: 1,
  SA_AIS_ERR_LIBRARY: 2,
  SA_AIS_ERR_VERSION: 3,
  SA_AIS_ERR_INIT: 4,
  SA_AIS_ERR_TIMEOUT: 5,
  SA_AIS_ERR_TRY_AGAIN: 6,
  SA_AIS_ERR_INVALID_PARAM: 7,
  SA_AIS_ERR_NO_MEMORY: 8,
  SA_AIS_ERR_BAD_HANDLE: 9,
  SA_AIS_ERR_BUSY: 10,
  SA_AIS_ERR_ACCESS: 11,
  SA_AIS_ERR_NOT_EXIST: 12,
  SA_AIS_ERR_NAME_TOO_LONG: 13,
  SA_AIS_ERR_EXIST: 14,
  SA_AIS_ERR_NO_SPACE: 15,
  SA_AIS_ERR_INTERRUPT: 16,
  SA_AIS_ERR_NAME_NOT_FOUND: 17,
  SA_AIS_ERR_NO_RESOURCES: 18,
  SA_AIS_ERR_NOT_SUPPORTED: 19,
  SA_AIS_ERR_BAD_OPERATION: 20,
  SA_AIS_ERR_FAILED_OPERATION: 21,
  SA_AIS_ERR_MESSAGE_ERROR: 22,
  SA_AIS_ERR_QUEUE_FULL: 23,
  SA_AIS_ERR_QUEUE_NOT_AVAILABLE: 24,
  SA_AIS_ERR_BAD_FLAGS: 25,
  SA_AIS_ERR_TOO_BIG: 26,
  SA_AIS_ERR_NO_SECTIONS: 27,
  SA_AIS_ERR_SECURITY: 100,
} as const;

export type SaAisStatus = keyof typeof SA_AIS_ERROR;
/** An error name: every status but SA_AIS_OK. */
export type SaAisErrorName = Exclude<SaAisStatus, 'SA_AIS_OK'>;

const NAME_OF_VALUE = new Map<number, SaAisStatus>(Object.entries(SA_AIS_ERROR).map(([name, value]) => [value, name as SaAisStatus]));

/** The name of a SaAisErrorT value, or undefined for a number the specification does not define. */
export function saStatusName(value: number): SaAisStatus | undefined {
  return NAME_OF_VALUE.get(value);
}

/**
 * The error CLM and EVT calls reject with: `code` is the SA name (`SA_AIS_ERR_NOT_EXIST`), `value`
 * its number; `ABORT_ERR` (value 0) when the caller's AbortSignal fired. `reason` narrows a
 * transport failure where the library knows more (DAEMON_NOT_RUNNING, a disconnect reason).
 */
export class SaAisError extends Error {
  readonly code: SaAisErrorName | 'ABORT_ERR';
  readonly value: number;
  readonly reason: string | undefined;

  constructor(code: SaAisErrorName | 'ABORT_ERR', message: string, options: { reason?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code === 'ABORT_ERR' ? 'AbortError' : 'SaAisError';
    this.code = code;
    this.value = code === 'ABORT_ERR' ? 0 : SA_AIS_ERROR[code];
    this.reason = options.reason;
  }
}
