/**
 * The error the SA Forum service handles (client.evt(), client.clm()) reject with is
 * `SaAisError` (src/protocol/sa-errors.ts): `code` is the SaAisErrorT name
 * (`SA_AIS_ERR_NOT_EXIST`...), `value` its number. Transport failures (daemon gone, aborted call)
 * keep their RingcastError; a non-OK transport status is read as the SA code of the same number
 * (cs_error_t and SaAisErrorT share them).
 */
import { SaAisError, saAisErrorName, type SaAisErrorName } from '../protocol/sa-errors.js';

export { SaAisError };
export type SaAisErrorCode = SaAisErrorName;

/** The error for a non-OK SA code (an unknown number is a library fault). */
export function saError(value: number, what: string): SaAisError {
  const name = saAisErrorName(value);
  if (name === undefined || name === 'SA_AIS_OK') return new SaAisError('SA_AIS_ERR_LIBRARY', `${what}: daemon answered unknown SA code ${value}`);
  return new SaAisError(name, `${what} failed with ${name}`);
}
