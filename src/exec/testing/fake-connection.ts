/** A ClientConnection that records what the executive sends it, for tests. */
import type { ClientConnection } from '../service.js';
import type { CsStatus } from '../status.js';

export interface RecordedResponse {
  readonly requestId: number;
  readonly status: CsStatus;
  readonly payload: Uint8Array;
}

export class FakeConnection implements ClientConnection {
  readonly responses: RecordedResponse[] = [];
  readonly events: { readonly messageId: number; readonly payload: Uint8Array }[] = [];

  constructor(readonly id: number, readonly pid = 1000 + id) {}

  respond(requestId: number, status: CsStatus, payload: Uint8Array): void {
    this.responses.push({ requestId, status, payload });
  }

  sendEvent(messageId: number, payload: Uint8Array, tail?: Uint8Array): void {
    this.events.push({ messageId, payload: tail === undefined ? payload : Buffer.concat([payload, tail]) });
  }

  responsesTo(requestId: number): RecordedResponse[] {
    return this.responses.filter((r) => r.requestId === requestId);
  }
}

/**
 * A connection that can hold its requests, as the daemon's IPC connections do: it records every
 * holdRequests call. Tests play the IPC layer: while `held`, they send it no further request.
 */
export class HoldingConnection extends FakeConnection {
  readonly holds: boolean[] = [];

  get held(): boolean {
    return this.holds.at(-1) ?? false;
  }

  holdRequests(held: boolean): void {
    this.holds.push(held);
  }
}
