/**
 * CfgHandle: cluster control from an application, `client.cfg()`, after Corosync's libcfg. One
 * IPC connection to the daemon's cfg service (src/protocol/cfg.ts); promises with an AbortSignal,
 * RingcastError with Corosync's CS_ERR_* codes.
 *
 *   const cfg = await client.cfg();
 *   const links = await cfg.linkStatus();        // what `ringcast cfg status --json` prints
 *   await cfg.reload();                          // every node re-reads its own file; rejects with
 *                                                // CS_ERR_INVALID_PARAM (the line and key) if this node's has an error
 *   await cfg.onShutdownRequest(async (req) => { // asked before `ringcast cfg shutdown` stops this node
 *     return canStopNow();                       // true: agree; false: refuse (the shutdown is cancelled)
 *   });
 *   await cfg.shutdown({ force: false });        // rejects CS_ERR_BUSY when a registered client said no
 *
 * A handler that throws, or does not settle before the daemon's cfg.shutdown_timeout, counts as
 * no (for a REGARDLESS request the node stops anyway). Closing the handle counts as yes.
 */
import { ServiceBackedHandle } from './service-backed-handle.js';
import {
  CFG_CS_ERR_TIMEOUT, CFG_CS_OK, CFG_SERVICE_NAME, CfgEvent, CfgRequest, HEARD_NEVER, LinkFlag, ShutdownFlag, ShutdownReply, decodeLinkStatus,
  decodeReload, decodeTestShutdown, decodeU32, encodeU32, type ShutdownFlagValue,
} from '../protocol/cfg.js';
import { corosyncRingId } from '../protocol/votequorum.js';
import { CS_ERROR } from '../ipc/errors.js';
import { RingcastError, type RingcastErrorCode } from './errors.js';
import { ServiceHandle, type ServiceEvent, type ServiceHandleOptions } from './service.js';

export type CfgShutdownFlags = 'request' | 'regardless' | 'immediate';
const FLAG_NAMES: Record<number, CfgShutdownFlags> = { 0: 'request', 1: 'regardless', 2: 'immediate' };

/** One node as link 0 of this node sees it. */
export interface CfgLinkNode {
  readonly nodeId: number;
  readonly address: string;
  /** This node. */
  readonly local: boolean;
  /** A member of this node's current operational ring. */
  readonly member: boolean;
  /** In the ring, or heard from within the token timeout (always true for this node). */
  readonly connected: boolean;
  /** What `ringcast cfg status` prints: `localhost`, `connected` or `disconnected`. */
  readonly status: 'localhost' | 'connected' | 'disconnected';
  /** Milliseconds since its last authenticated frame arrived; null for this node or if none arrived since the daemon started. */
  readonly heardAgoMs: number | null;
}

/** `ringcast cfg status --json`. */
export interface CfgLinkStatus {
  readonly localNodeId: number;
  /** totem.transport: `udpu` or `udp`. */
  readonly transport: string;
  /** The current ring as Corosync prints it, `<rep hex>.<seq hex>`. */
  readonly ringId: string;
  readonly operational: boolean;
  /** ringcast has one link, link 0 over UDP. */
  readonly links: readonly { readonly linkId: number; readonly address: string; readonly nodes: readonly CfgLinkNode[] }[];
}

export interface CfgReloadResult {
  /** Changed keys now in effect on this node (Corosync's spelling). */
  readonly applied: readonly string[];
  /** Changed keys kept at their running values (cannot change at run time, or read at start only). */
  readonly refused: readonly string[];
}

export interface CfgShutdownRequest {
  readonly flags: CfgShutdownFlags;
}

export interface CfgShutdownOptions {
  /** Stop even if a registered client says no or does not answer (Corosync's REGARDLESS, `--force`). */
  readonly force?: boolean;
  /** Ask nobody (Corosync's IMMEDIATE). */
  readonly immediate?: boolean;
  readonly signal?: AbortSignal;
}

export type CfgShutdownHandler = (request: CfgShutdownRequest) => boolean | Promise<boolean>;
export type CfgHandleOptions = Omit<ServiceHandleOptions, 'retry'>;

/** The cs_error_t number of a code, as Corosync's tools print it (`Could not shutdown (error = 10)`); 0 if none. */
export function csErrorNumber(code: string): number {
  return (CS_ERROR as Record<string, number>)[code] ?? 0;
}

const NAME_OF_STATUS = new Map<number, RingcastErrorCode>(Object.entries(CS_ERROR).map(([n, v]) => [v, n as RingcastErrorCode]));

export class CfgHandle extends ServiceBackedHandle {
  #handler: CfgShutdownHandler | undefined;
  #listening = false;
  /** Shutdown questions the handler was asked and the outcome, for tests and status. */
  readonly stats = { questions: 0, answeredYes: 0, answeredNo: 0, timeouts: 0, replyErrors: 0 };

  /** Connects to the daemon's cfg service. */
  static async open(path: string, options: CfgHandleOptions = {}): Promise<CfgHandle> {
    return new CfgHandle(await ServiceHandle.open(path, CFG_SERVICE_NAME, options));
  }

  private constructor(svc: ServiceHandle) {
    super(svc);
  }

  /** corosync_cfg_local_get. */
  async localNodeId(options: { signal?: AbortSignal } = {}): Promise<number> {
    return decoded(decodeU32(await this.svc.request(CfgRequest.localGet, undefined, options)), 'cfg localget');
  }

  /** Link 0 to every nodelist node, in node id order. */
  async linkStatus(options: { signal?: AbortSignal } = {}): Promise<CfgLinkStatus> {
    const a = decoded(decodeLinkStatus(await this.svc.request(CfgRequest.linkStatus, undefined, options)), 'cfg linkstatus');
    const nodes: CfgLinkNode[] = a.nodes.map((n) => {
      const local = (n.flags & LinkFlag.local) !== 0;
      const connected = (n.flags & LinkFlag.connected) !== 0;
      return {
        nodeId: n.nodeId, address: n.address, local, member: (n.flags & LinkFlag.member) !== 0, connected,
        status: local ? 'localhost' : connected ? 'connected' : 'disconnected',
        heardAgoMs: local || n.heardAgoMs === HEARD_NEVER ? null : n.heardAgoMs,
      };
    });
    const address = nodes.find((n) => n.local)?.address ?? '';
    return {
      localNodeId: a.localNodeId, transport: a.transport, ringId: corosyncRingId(a.ringId), operational: a.operational,
      links: [{ linkId: 0, address, nodes }],
    };
  }

  /**
   * Every node of the ring re-reads its own configuration file (in agreed order). Resolves with
   * this node's result; rejects CS_ERR_INVALID_PARAM, with the file's line and key in the message,
   * when this node's file has an error (it then runs on with its running configuration).
   */
  async reload(options: { signal?: AbortSignal } = {}): Promise<CfgReloadResult> {
    const r = decoded(decodeReload(await this.svc.request(CfgRequest.reloadConfig, undefined, options)), 'cfg reload');
    if (r.status !== CFG_CS_OK) {
      const code = NAME_OF_STATUS.get(r.status) ?? 'CS_ERR_LIBRARY';
      throw new RingcastError(code, `cfg reload failed on node ${this.nodeId}: ${r.message}`, { reason: 'RELOAD_FAILED' });
    }
    return { applied: r.applied, refused: r.refused };
  }

  /**
   * Asks the daemon to stop this node (corosync_cfg_try_shutdown): registered clients are asked
   * first. Resolves once the stop was agreed (the daemon then drains as on SIGTERM and exits);
   * rejects CS_ERR_BUSY when refused, CS_ERR_EXIST when another shutdown is pending.
   */
  async shutdown(options: CfgShutdownOptions = {}): Promise<void> {
    const flags: ShutdownFlagValue = options.immediate ? ShutdownFlag.immediate : options.force ? ShutdownFlag.regardless : ShutdownFlag.request;
    await this.svc.request(CfgRequest.tryShutdown, encodeU32(flags), options.signal ? { signal: options.signal } : {});
  }

  /**
   * Registers this handle to be asked before the node is shut down (trackstart); `handler`
   * answers. One handler per handle (a second call replaces it). Resolves once registered.
   */
  async onShutdownRequest(handler: CfgShutdownHandler, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#handler = handler;
    if (!this.#listening) {
      this.#listening = true;
      this.svc.on('event', (e) => void this.#onEvent(e));
    }
    await this.svc.request(CfgRequest.trackStart, encodeU32(0), options);
  }

  /** Stops being asked (trackstop; a pending question counts this handle as yes). */
  async offShutdownRequest(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#handler = undefined;
    await this.svc.request(CfgRequest.trackStop, undefined, options);
  }


  async #onEvent(e: ServiceEvent): Promise<void> {
    if (e.messageId !== CfgEvent.testShutdown) return;
    const q = decodeTestShutdown(e.data);
    if (!q.ok) return;
    if (q.value.status === CFG_CS_ERR_TIMEOUT) {
      this.stats.timeouts++;
      return;
    }
    const handler = this.#handler;
    if (handler === undefined || q.value.status !== CFG_CS_OK) return;
    this.stats.questions++;
    let yes: boolean;
    try {
      yes = (await handler({ flags: FLAG_NAMES[q.value.flags] ?? 'request' })) === true;
    } catch {
      yes = false;
    }
    if (yes) this.stats.answeredYes++;
    else this.stats.answeredNo++;
    if (this.svc.closed) return;
    // CS_ERR_ACCESS: the question was decided meanwhile (timeout, the requester left); nothing to do.
    await this.svc.request(CfgRequest.replyToShutdown, encodeU32(yes ? ShutdownReply.yes : ShutdownReply.no)).catch(() => {
      this.stats.replyErrors++;
    });
  }
}

function decoded<T>(r: { ok: true; value: T } | { ok: false; code: string; detail: string }, what: string): T {
  if (r.ok) return r.value;
  throw new RingcastError('CS_ERR_LIBRARY', `${what}: bad answer from the daemon: ${r.code} ${r.detail}`, { reason: 'BAD_RESPONSE' });
}
