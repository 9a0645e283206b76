/**
 * The `status` service (id 33): what `ringcast status` and `ringcast members` ask a running
 * daemon over IPC instead of reading status.json. Local reads only: no executive messages, no
 * sync, nothing replicated.
 *
 * The requests and their answers are src/protocol/status.ts's.
 */
import type { ConfigChange } from '../totem/state.js';
import type { ClientConnection, ExecHandler, LibHandler, LibRequest, Service, ServiceApi } from '../exec/index.js';
import { STATUS_SERVICE_NAME, type DaemonStatus, type MembersAnswer } from '../protocol/status.js';

/** ringcast's own services take ids from 32 up (orderlog is 32). */
export const STATUS_SERVICE_ID = 33;

export interface StatusSource {
  status(): DaemonStatus;
  members(): MembersAnswer;
}

const encoder = new TextEncoder();

export class StatusService implements Service {
  readonly id = STATUS_SERVICE_ID;
  readonly name = STATUS_SERVICE_NAME;
  readonly execHandlers: readonly ExecHandler[] = [];
  readonly libHandlers: readonly LibHandler[];

  constructor(source: StatusSource) {
    this.libHandlers = [
      { name: 'status', handle: (req) => answerJson(req, () => source.status()) },
      { name: 'members', handle: (req) => answerJson(req, () => source.members()) },
    ];
  }

  start(_api: ServiceApi): void {}
  stop(): void {}
  onConfigChange(_change: ConfigChange): void {}
  onConnectionClosed(_conn: ClientConnection): void {}
}

function answerJson(req: LibRequest, value: () => unknown): void {
  if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
  req.respond('CS_OK', encoder.encode(JSON.stringify(value())));
}
