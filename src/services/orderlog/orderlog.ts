/**
 * The ordered log: a cluster-wide append-only log, the example service of the guide
 * (docs/writing-a-service.md). Clients append lines; every node applies appends in agreed order,
 * so every member keeps the same count, hash and last lines. After a partition heals, sync brings
 * the merged configuration to one log: the longest wins (log.ts, betterSnapshot).
 *
 * Requests (lib messages)          Executive messages (ring)
 *   0 APPEND line  -> index, hash    0 APPEND line        (ordinary: applied in agreed order)
 *   1 READ   limit -> snapshot       1 STATE  snapshot    (sync: each member's log during sync)
 *   2 TRACK        -> ok, then events 0 APPENDED (index, line) and 1 RESET (snapshot, no lines)
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type { ClientConnection, ExecHandler, ExecMeta, LibHandler, Service, ServiceApi, ServiceSync } from '../../exec/index.js';
import {
  decodeLine, decodeSnapshot, decodeU32, encodeAppended, encodeAppendedEvent, encodeLine, encodeSnapshot, ORDERLOG_LINE_MAX_BYTES,
} from './codec.js';
import { OrderLogEvent, OrderLogRequest, ORDERLOG_SERVICE_NAME } from '../../protocol/orderlog.js';

export { OrderLogEvent, OrderLogRequest };
import { betterSnapshot, OrderLog, type LogSnapshot } from './log.js';

/** ringcast's own services take ids from 32 up, clear of Corosync's (0..7 in 3.x, 0..21 in 1.x). */
export const ORDERLOG_SERVICE_ID = 32;

export const OrderLogExec = { append: 0, state: 1 } as const;

export interface OrderLogOptions {
  /** Lines kept (the count and hash cover all). A STATE message must fit the ring: bounded below. */
  readonly maxLines?: number;
}

export const ORDERLOG_DEFAULT_MAX_LINES = 256;
/** 512 lines of at most 1 KiB keep a STATE message well under the ring's 1 MiB message bound. */
export const ORDERLOG_MAX_LINES_LIMIT = 512;

export class OrderLogService implements Service {
  readonly id = ORDERLOG_SERVICE_ID;
  readonly name = ORDERLOG_SERVICE_NAME;
  readonly log: OrderLog;
  private api: ServiceApi | undefined;
  /** Connections that asked to TRACK, by connection id. */
  private readonly trackers = new Map<number, ClientConnection>();
  /** Snapshots received during the current sync round, by sender. */
  private received = new Map<NodeId, LogSnapshot>();
  private stateSent = false;

  constructor(options: OrderLogOptions = {}) {
    const maxLines = options.maxLines ?? ORDERLOG_DEFAULT_MAX_LINES;
    if (maxLines > ORDERLOG_MAX_LINES_LIMIT) throw new RangeError(`maxLines ${maxLines} above ${ORDERLOG_MAX_LINES_LIMIT}`);
    this.log = new OrderLog(maxLines);
  }

  // ---- library handlers: requests from local clients -------------------------------------------

  readonly libHandlers: readonly LibHandler[] = [
    {
      name: 'append',
      handle: (req) => {
        const line = decodeLine(req.payload);
        if (!line.ok) return req.respond('CS_ERR_INVALID_PARAM');
        // Not answered here: the answer comes when the message is applied (execAppend below).
        const sent = this.ringApi().send(OrderLogExec.append, encodeLine(line.value), { request: req });
        if (!sent.ok) req.respond(sent.code);
      },
    },
    {
      name: 'read',
      handle: (req) => {
        // A local read of replicated state: answered at once, no ring message.
        const limit = decodeU32(req.payload);
        if (!limit.ok) return req.respond('CS_ERR_INVALID_PARAM');
        req.respond('CS_OK', encodeSnapshot(this.log.snapshot(Math.min(limit.value, this.log.maxLines))));
      },
    },
    {
      name: 'track',
      handle: (req) => {
        this.trackers.set(req.conn.id, req.conn);
        req.respond('CS_OK');
      },
    },
  ];

  // ---- executive handlers: applied on every node in agreed order --------------------------------

  private readonly execAppend: ExecHandler<string> = {
    name: 'append',
    decode: (body) => decodeLine(body),
    apply: (line: string, meta: ExecMeta) => {
      this.log.append(line);
      const index = this.log.count;
      for (const conn of this.trackers.values()) conn.sendEvent(OrderLogEvent.appended, encodeAppendedEvent(index, line));
      // Only the node that sourced the message has its request: it answers its own client.
      meta.request?.respond('CS_OK', encodeAppended(index, this.log.hash));
    },
  };

  private readonly execState: ExecHandler<LogSnapshot> = {
    name: 'state',
    sync: true,
    decode: (body) => decodeSnapshot(body, this.log.maxLines),
    apply: (snapshot: LogSnapshot, meta: ExecMeta) => {
      this.received.set(meta.from, snapshot);
    },
  };

  readonly execHandlers: readonly ExecHandler<any>[] = [this.execAppend, this.execState];

  // ---- synchronization --------------------------------------------------------------------------

  readonly sync: ServiceSync = {
    init: (_members: readonly NodeId[], _ringId: RingId, _transitional: readonly NodeId[]) => {
      this.received = new Map();
      this.stateSent = false;
    },
    process: () => {
      // Every member multicasts its log once; false (try later) while the ring is full.
      if (!this.stateSent) this.stateSent = this.ringApi().send(OrderLogExec.state, encodeSnapshot(this.log.snapshot())).ok;
      return this.stateSent;
    },
    activate: () => {
      // All barriers arrived, so every member's STATE did too (each sent it before its barrier).
      let best: LogSnapshot | undefined;
      for (const snapshot of this.received.values()) best = best ? betterSnapshot(best, snapshot) : snapshot;
      const before = this.log.digest();
      if (best) this.log.adopt(best);
      this.received = new Map();
      if (this.log.digest() !== before) {
        const reset = encodeSnapshot(this.log.snapshot(0));
        for (const conn of this.trackers.values()) conn.sendEvent(OrderLogEvent.reset, reset);
      }
    },
    abort: () => {
      this.received = new Map();
    },
  };

  // ---- lifecycle and membership -----------------------------------------------------------------

  start(api: ServiceApi): void {
    this.api = api;
  }

  stop(): void {
    this.trackers.clear();
    this.api = undefined;
  }

  /** The log does not depend on who is a member; sync does the merging. */
  onConfigChange(_change: ConfigChange): void {}

  onConnectionClosed(conn: ClientConnection): void {
    this.trackers.delete(conn.id);
  }

  private ringApi(): ServiceApi {
    if (!this.api) throw new Error('orderlog used before start()');
    return this.api;
  }
}

export { ORDERLOG_LINE_MAX_BYTES };
