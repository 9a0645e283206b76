/**
 * The daemon's 'status' service: what `ringcast status` and `ringcast members` show, as JSON
 * payloads. One IPC connection per client, opened by connect() (so connect() fails at once when
 * no daemon listens) and reopened with backoff after a disconnect when the client reconnects.
 */
import type { IpcClient } from '../ipc/client.js';
import { CS_ERROR } from '../ipc/errors.js';
import { StatusRequest, type DaemonStatus, type MembersAnswer } from '../protocol/status.js';
import { abortable, type BackoffOptions } from './backoff.js';
import { RingcastError, statusError, toRingcastError } from './errors.js';
import { openLink, reopenLink, type LinkTarget } from './link.js';

/** The daemon's status, as in status.json (membership, ring id, counters, rates). */
export type RingcastStatus = DaemonStatus & Record<string, unknown>;

/** The current ring: its id, its members' node ids, the daemon's membership state. Unknown fields may follow. */
export type RingcastMembers = MembersAnswer;

export class StatusLink {
  readonly #target: LinkTarget;
  readonly #reconnect: BackoffOptions | undefined;
  #ipc: IpcClient;
  #reopening: Promise<IpcClient> | undefined;

  constructor(target: LinkTarget, ipc: IpcClient, reconnect: BackoffOptions | undefined) {
    this.#target = target;
    this.#ipc = ipc;
    this.#reconnect = reconnect;
  }

  static async open(target: LinkTarget, reconnect: BackoffOptions | undefined, signal?: AbortSignal): Promise<StatusLink> {
    return new StatusLink(target, await openLink(target, signal), reconnect);
  }

  get nodeId(): number {
    return this.#ipc.nodeId;
  }

  async status(signal?: AbortSignal): Promise<RingcastStatus> {
    return (await this.#ask(StatusRequest.status, 'status', signal)) as RingcastStatus;
  }

  async members(signal?: AbortSignal): Promise<RingcastMembers> {
    const answer = await this.#ask(StatusRequest.members, 'members', signal);
    const { ringId, ring, members } = answer as Partial<RingcastMembers>;
    if (typeof ringId !== 'object' || ringId === null || typeof ring !== 'string' || !Array.isArray(members)) {
      throw new RingcastError('CS_ERR_LIBRARY', 'status members: answer lacks ringId, ring or members', { reason: 'BAD_RESPONSE' });
    }
    return answer as unknown as RingcastMembers;
  }

  async close(): Promise<void> {
    await this.#ipc.close();
  }

  async #ask(messageId: number, what: string, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    const ipc = await this.#link(signal);
    let res;
    try {
      res = await ipc.request(messageId, new Uint8Array(0), signal ? { signal } : {});
    } catch (err) {
      throw toRingcastError(err, `status ${what}`);
    }
    if (res.status !== CS_ERROR.CS_OK) throw statusError(res.status, `status ${what}`);
    try {
      const value: unknown = JSON.parse(new TextDecoder().decode(res.payload));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // fall through to the error below
    }
    throw new RingcastError('CS_ERR_LIBRARY', `status ${what}: the answer is not a JSON object`, { reason: 'BAD_RESPONSE' });
  }

  async #link(signal: AbortSignal | undefined): Promise<IpcClient> {
    if (!this.#ipc.closed) return this.#ipc;
    const lost = this.#ipc.disconnectReason;
    if (!this.#reconnect || lost?.reason === 'CLOSED_LOCALLY') {
      throw new RingcastError('CS_ERR_LIBRARY', `connection to ringcastd lost: ${lost?.reason} (${lost?.detail})`, { reason: lost?.reason });
    }
    // One reopen at a time; concurrent callers share it, each free to stop waiting for it.
    this.#reopening ??= reopenLink(this.#target, this.#reconnect, undefined, true).then(
      (ipc) => ((this.#ipc = ipc), ipc),
    ).finally(() => (this.#reopening = undefined));
    return abortable(this.#reopening, signal);
  }
}
