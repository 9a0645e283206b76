/**
 * A service for the executive's unit tests: it records every call the executive makes into it,
 * in order. Exec message 0 is an ordinary "note" (UTF-8), 1 a sync "state"; lib request 0 sends a
 * note for the client and answers when it is applied.
 */
import type { ConfigChange } from '../../totem/state.js';
import type { NodeId, RingId } from '../../totem/wire/types.js';
import type { ClientConnection, ExecHandler, LibHandler, Service, ServiceApi, ServiceSync } from '../service.js';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface RecorderOptions {
  readonly id: number;
  readonly name?: string;
  /** No sync step at all. */
  readonly noSync?: boolean;
  /** process() answers false this many times per round before it sends and answers true. */
  readonly processDelays?: number;
}

export class RecorderService implements Service {
  readonly id: number;
  readonly name: string;
  readonly calls: string[] = [];
  readonly notes: string[] = [];
  readonly states: string[] = [];
  api: ServiceApi | undefined;
  private delaysLeft = 0;
  private sent = false;

  constructor(private readonly options: RecorderOptions) {
    this.id = options.id;
    this.name = options.name ?? `recorder${options.id}`;
    if (options.noSync) (this as { sync?: ServiceSync }).sync = undefined;
  }

  readonly libHandlers: readonly LibHandler[] = [
    {
      name: 'note',
      handle: (req) => {
        const sent = this.api!.send(0, req.payload, { request: req });
        if (!sent.ok) req.respond(sent.code);
      },
    },
  ];

  readonly execHandlers: readonly ExecHandler<any>[] = [
    {
      name: 'note',
      decode: (body: Uint8Array) => (body.length > 0 && body[0] === 0xff ? { ok: false, code: 'BAD', detail: 'test' } : { ok: true, value: fromUtf8.decode(body) }),
      apply: (text: string, meta) => {
        this.notes.push(text);
        this.calls.push(`apply note ${text} from ${meta.from}${meta.request ? ' (mine)' : ''}`);
        meta.request?.respond('CS_OK', utf8.encode(`ok ${text}`));
      },
    } satisfies ExecHandler<string>,
    {
      name: 'state',
      sync: true,
      // A state that starts with "late:" also applies outside sync (ExecHandler.outsideSync).
      outsideSync: (text: string) => text.startsWith('late:'),
      decode: (body: Uint8Array) => ({ ok: true, value: fromUtf8.decode(body) }),
      apply: (text: string, meta) => {
        this.states.push(`${meta.from}:${text}`);
        this.calls.push(`apply state ${text} from ${meta.from}`);
      },
    } satisfies ExecHandler<string>,
  ];

  sync?: ServiceSync = {
    init: (members: readonly NodeId[], ringId: RingId, transitional: readonly NodeId[]) => {
      this.calls.push(`init ${ringId.rep}.${ringId.seq} [${members.join(',')}] trans [${transitional.join(',')}]`);
      this.delaysLeft = this.options.processDelays ?? 0;
      this.sent = false;
    },
    process: () => {
      if (this.delaysLeft > 0) {
        this.delaysLeft--;
        this.calls.push('process (not done)');
        return false;
      }
      if (!this.sent) this.sent = this.api!.send(1, utf8.encode(`s${this.api!.localNodeId}`)).ok;
      this.calls.push(`process (${this.sent ? 'done' : 'ring full'})`);
      return this.sent;
    },
    activate: () => this.calls.push('activate'),
    abort: () => this.calls.push('abort'),
  };

  start(api: ServiceApi): void {
    this.api = api;
    this.calls.push('start');
  }

  stop(): void {
    this.calls.push('stop');
  }

  onConfigChange(change: ConfigChange): void {
    this.calls.push(`config ${change.type} [${change.members.join(',')}]`);
  }

  onConnectionClosed(conn: ClientConnection): void {
    this.calls.push(`closed ${conn.id}`);
  }

  /** The sync calls only (init/process/activate/abort), for ordering assertions. */
  syncCalls(): string[] {
    return this.calls.filter((c) => /^(init|activate|abort|process)/.test(c));
  }
}
