/**
 * The `status` service (id 33): what `ringcast status` and `ringcast members` ask a running
 * daemon over IPC instead of reading status.json. Local reads only: no executive messages, no
 * sync, nothing replicated.
 *
 * Requests (payload must be empty, else CS_ERR_INVALID_PARAM; answers are UTF-8 JSON):
 * | id | request | CS_OK answer                                                                       |
 * |----|---------|------------------------------------------------------------------------------------|
 * |  0 | status  | the daemon status, the same object status.json holds (DaemonStatus)               |
 * |  1 | members | `{"ringId":{"rep":N,"seq":N},"ring":"<rep hex>.<seq hex>","state":"…","members":[N…]}` |
 * JSON rather than a binary layout: these answers are for tools and people, they are small, and
 * their fields grow with the daemon's counters; a client must ignore fields it does not know.
 */
import type { ConfigChange } from '../totem/state.js';
import type { NodeId, RingId } from '../totem/wire/types.js';
import type { ClientConnection, ExecHandler, LibHandler, LibRequest, Service, ServiceApi } from '../exec/index.js';
import type { DaemonStatus } from './status-file.js';

/** ringcast's own services take ids from 32 up (orderlog is 32). */
export const STATUS_SERVICE_ID = 33;
export const STATUS_SERVICE_NAME = 'status';
export const StatusRequest = { status: 0, members: 1 } as const;

export interface MembersAnswer {
  readonly ringId: RingId;
  /** The ring id as the logs and status.json print it. */
  readonly ring: string;
  readonly state: string;
  readonly members: readonly NodeId[];
}

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
