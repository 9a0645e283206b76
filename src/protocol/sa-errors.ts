/**
 * SA Forum AIS error codes (`SaAisErrorT`, saAis.h of the B.01.01 specifications OpenAIS
 * implemented), shared by the CLM and EVT services and their client handles. Values 1..26 are the
 * same numbers as Corosync's cs_error_t, so a transport status and an SA code of the same name
 * never disagree. Names are the full C names (`SA_AIS_ERR_NOT_EXIST`): applications and operators
 * grep for them.
 */
export const SA_AIS_OK = 1;
export const SA_AIS_ERR_LIBRARY = 2;
export const SA_AIS_ERR_VERSION = 3;
export const SA_AIS_ERR_INIT = 4;
export const SA_AIS_ERR_TIMEOUT = 5;
export const SA_AIS_ERR_TRY_AGAIN = 6;
export const SA_AIS_ERR_INVALID_PARAM = 7;
export const SA_AIS_ERR_NO_MEMORY = 8;
export const SA_AIS_ERR_BAD_HANDLE = 9;
export const SA_AIS_ERR_BUSY = 10;
export const SA_AIS_ERR_ACCESS = 11;
export const SA_AIS_ERR_NOT_EXIST = 12;
export const SA_AIS_ERR_NAME_TOO_LONG = 13;
export const SA_AIS_ERR_EXIST = 14;
export const SA_AIS_ERR_NO_SPACE = 15;
export const SA_AIS_ERR_INTERRUPT = 16;
export const SA_AIS_ERR_NAME_NOT_FOUND = 17;
export const SA_AIS_ERR_NO_RESOURCES = 18;
export const SA_AIS_ERR_NOT_SUPPORTED = 19;
export const SA_AIS_ERR_BAD_OPERATION = 20;
export const SA_AIS_ERR_FAILED_OPERATION = 21;
export const SA_AIS_ERR_MESSAGE_ERROR = 22;
export const SA_AIS_ERR_QUEUE_FULL = 23;
export const SA_AIS_ERR_QUEUE_NOT_AVAILABLE = 24;
export const SA_AIS_ERR_BAD_FLAGS = 25;
export const SA_AIS_ERR_TOO_BIG = 26;
export const SA_AIS_ERR_NO_SECTIONS = 27;
export const SA_AIS_ERR_SECURITY = 100;

/** Every SaAisErrorT name with its value. */
export const SA_AIS_ERRORS = {
  SA_AIS_OK,
  SA_AIS_ERR_LIBRARY,
  SA_AIS_ERR_VERSION,
  SA_AIS_ERR_INIT,
  SA_AIS_ERR_TIMEOUT,
  SA_AIS_ERR_TRY_AGAIN,
  SA_AIS_ERR_INVALID_PARAM,
  SA_AIS_ERR_NO_MEMORY,
  SA_AIS_ERR_BAD_HANDLE,
  SA_AIS_ERR_BUSY,
  SA_AIS_ERR_ACCESS,
  SA_AIS_ERR_NOT_EXIST,
  SA_AIS_ERR_NAME_TOO_LONG,
  SA_AIS_ERR_EXIST,
  SA_AIS_ERR_NO_SPACE,
  SA_AIS_ERR_INTERRUPT,
  SA_AIS_ERR_NAME_NOT_FOUND,
  SA_AIS_ERR_NO_RESOURCES,
  SA_AIS_ERR_NOT_SUPPORTED,
  SA_AIS_ERR_BAD_OPERATION,
  SA_AIS_ERR_FAILED_OPERATION,
  SA_AIS_ERR_MESSAGE_ERROR,
  SA_AIS_ERR_QUEUE_FULL,
  SA_AIS_ERR_QUEUE_NOT_AVAILABLE,
  SA_AIS_ERR_BAD_FLAGS,
  SA_AIS_ERR_TOO_BIG,
  SA_AIS_ERR_NO_SECTIONS,
  SA_AIS_ERR_SECURITY,
} as const;

/** The same table under the name the CLM code uses. */
export const SA_AIS_ERROR = SA_AIS_ERRORS;

/** Every status, SA_AIS_OK included. */
export type SaAisStatus = keyof typeof SA_AIS_ERRORS;
/** An error name: every status but SA_AIS_OK. */
export type SaAisErrorName = Exclude<SaAisStatus, 'SA_AIS_OK'>;

const NAME_OF = new Map<number, SaAisStatus>(
  (Object.entries(SA_AIS_ERRORS) as [SaAisStatus, number][]).map(([name, value]) => [value, name]),
);

/** The name of an SaAisErrorT value; undefined for a number the specification does not define. */
export function saAisErrorName(value: number): SaAisStatus | undefined {
  return NAME_OF.get(value);
}

/** The same lookup under the name the CLM code uses. */
export const saStatusName = saAisErrorName;

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
    this.value = code === 'ABORT_ERR' ? 0 : SA_AIS_ERRORS[code];
    this.reason = options.reason;
  }
}
