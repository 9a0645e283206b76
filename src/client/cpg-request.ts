/** One CPG library request on one connection: encode, send, map the status to an error, decode the answer. */
import type { IpcClient } from '../ipc/client.js';
import { CS_ERROR } from '../ipc/errors.js';
import {
  decodeCpgLibResponse,
  encodeCpgLibRequest,
  type CpgLibRequest,
  type CpgLibResponse,
} from '../protocol/cpg/lib-protocol.js';
import { groupText } from './cpg-types.js';
import { RingcastError, statusError, toRingcastError } from './errors.js';

const WAIT = { whenFull: 'wait' } as const;
const REJECT = { whenFull: 'reject' } as const;

/** `wait`: when the IPC client's own queue is full, line up for room instead of failing CS_ERR_TRY_AGAIN. */
export async function requestOn(ipc: IpcClient, request: CpgLibRequest, signal: AbortSignal | undefined, wait: boolean): Promise<CpgLibResponse> {
  // Named only when something fails: an mcast flood should not build a string per message.
  const what = (): string => 'group' in request ? `cpg ${request.kind} "${groupText(request.group)}"` : `cpg ${request.kind}`;
  const frame = encodeCpgLibRequest(request);
  let res;
  try {
    res = await ipc.request(frame.messageId, frame.payload, signal ? { whenFull: wait ? 'wait' : 'reject', signal } : wait ? WAIT : REJECT);
  } catch (err) {
    throw toRingcastError(err, what());
  }
  if (res.status !== CS_ERROR.CS_OK) throw statusError(res.status, what());
  const decoded = decodeCpgLibResponse(request.kind, res.payload);
  if (!decoded.ok) {
    throw new RingcastError('CS_ERR_LIBRARY', `${what()}: undecodable answer (${decoded.error.code}: ${decoded.error.detail})`, { reason: 'BAD_RESPONSE' });
  }
  return decoded.value;
}

/** A map key for a group name (bytes compare bytewise, as the daemon does). */
export function keyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
