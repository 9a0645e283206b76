/**
 * The cfg service (id 1, Corosync's CFG_SERVICE): cluster control, after Corosync's exec/cfg.c.
 *
 *   linkstatus (lib 16)       → this node's view of link 0 to every nodelist node (host.linkStatus)
 *   localget (lib 6)          → this node's id
 *   reloadconfig (lib 7)      → multicast RELOAD_CONFIG (fn 3); EVERY node, on delivery in agreed
 *                               order, re-reads its own configuration file (host.reloadConfig);
 *                               the sourcing node answers its client with its own result
 *   trackstart/trackstop (10, 11) → register a client for shutdown questions
 *   tryshutdown (lib 3)       → ask the registered clients (shutdown-vote.ts), then, if agreed,
 *                               multicast SHUTDOWN (fn 2); on delivery every node logs it and the
 *                               sender stops as on SIGTERM (host.shutdown: drain, then leave)
 *   replytoshutdown (lib 4)   → a registered client's yes or no
 *
 * The host supplies what is not the ring's: the link view, the configuration file, the daemon's
 * stop. The question's timer runs on the clock the host gives (`timer`), so the service stays a
 * deterministic state machine. cfg has no sync step (Corosync's has none either).
 */
import type { ConfigChange } from '../../totem/state.js';
import type { ClientConnection, ExecHandler, ExecMeta, LibHandler, LibRequest, Service, ServiceApi } from '../../exec/index.js';
import {
  CFG_CS_ERR_INVALID_PARAM, CFG_CS_ERR_TIMEOUT, CFG_CS_OK, CFG_SERVICE_NAME, CfgEvent, CfgRequest, ShutdownFlag, decodeU32, encodeLinkStatus,
  encodeReload, encodeTestShutdown, encodeU32, type LinkStatusAnswer, type ReloadAnswer, type ShutdownFlagValue,
} from '../../protocol/cfg.js';
import { ShutdownVote } from './shutdown-vote.js';
import {
  CFG_SERVICE_ID, CfgMessageId, decodeReloadConfig, decodeRingReenable, decodeShutdown, encodeCfgMessage, type CfgExecMessage,
} from './wire.js';

/** Corosync's DEFAULT_SHUTDOWN_TIMEOUT (exec/cfg.c): how long registered clients have to answer. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/** What re-reading the configuration file did on this node. */
export interface CfgReloadOutcome {
  /** false: the file could not be read or has an error; nothing was applied. */
  readonly ok: boolean;
  /** The first error, with the file's line and key ('' when ok). */
  readonly message: string;
  /** Keys whose new values are in effect. */
  readonly applied: readonly string[];
  /** Keys that changed but cannot change at run time (kept at their running values). */
  readonly refused: readonly string[];
}

export interface CfgHost {
  /** Link 0 as this node sees it (everything but the local node id). */
  linkStatus(): Omit<LinkStatusAnswer, 'localNodeId'>;
  /** Re-reads this node's own configuration file and applies what may change at run time. Never throws. */
  reloadConfig(): CfgReloadOutcome;
  /** This node stops as on SIGTERM (drain, then leave the ring). Called outside executive handlers. */
  shutdown(): void;
  /** cfg.shutdown_timeout: read at each question, so a reload changes it. */
  shutdownTimeoutMs(): number;
}

export type CfgLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface CfgServiceOptions {
  readonly host: CfgHost;
  /** One-shot timer on the host's clock; returns a cancel function. */
  readonly timer: (ms: number, run: () => void) => () => void;
  /** Runs `run` after the current executive handler returned (the host's defer). */
  readonly defer: (run: () => void) => void;
  readonly log?: (level: CfgLogLevel, message: string, fields: Record<string, unknown>) => void;
}

export interface CfgStats {
  reloads: number;
  reloadFailures: number;
  shutdownRequests: number;
  shutdownsVetoed: number;
  shutdownQuestionsTimedOut: number;
  questionsSent: number;
  eventErrors: number;
}

interface Pending {
  readonly vote: ShutdownVote;
  readonly request: LibRequest;
  cancelTimer: () => void;
}


export class CfgService implements Service {
  readonly id = CFG_SERVICE_ID;
  readonly name = CFG_SERVICE_NAME;
  readonly stats: CfgStats = { reloads: 0, reloadFailures: 0, shutdownRequests: 0, shutdownsVetoed: 0, shutdownQuestionsTimedOut: 0, questionsSent: 0, eventErrors: 0 };
  readonly #options: CfgServiceOptions;
  readonly #trackers = new Map<number, ClientConnection>();
  readonly #reloadListeners = new Set<(outcome: CfgReloadOutcome, fromNodeId: number) => void>();
  #api: ServiceApi | undefined;
  #pending: Pending | undefined;
  /** SHUTDOWN of this node was delivered: the daemon is on its way out. */
  #leaving = false;
  /** SHUTDOWN of this node was sent (agreed): later requests are answered CS_ERR_EXIST. */
  #shutdownSent = false;

  constructor(options: CfgServiceOptions) {
    this.#options = options;
  }

  /**
   * Calls `listener` after every cluster-wide reload was applied on this node (in agreed order
   * with the other services' messages), whatever its outcome. Returns the unsubscribe function.
   */
  onReloaded(listener: (outcome: CfgReloadOutcome, fromNodeId: number) => void): () => void {
    this.#reloadListeners.add(listener);
    return () => this.#reloadListeners.delete(listener);
  }

  /** The `cfg` section of the daemon's status. */
  statusSection(): Record<string, unknown> {
    return { trackers: this.#trackers.size, shutdownPending: this.#pending !== undefined, ...this.stats };
  }

  // ---- library handlers --------------------------------------------------------------------

  readonly libHandlers: readonly (LibHandler | undefined)[] = (() => {
    const table: (LibHandler | undefined)[] = [];
    const add = (id: number, name: string, handle: (req: LibRequest) => void): void => {
      table[id] = { name, handle };
    };
    add(CfgRequest.tryShutdown, 'tryshutdown', (req) => this.#tryShutdown(req));
    add(CfgRequest.replyToShutdown, 'replytoshutdown', (req) => this.#replyToShutdown(req));
    add(CfgRequest.localGet, 'localget', (req) => this.#localGet(req));
    add(CfgRequest.reloadConfig, 'reloadconfig', (req) => this.#reloadConfig(req));
    add(CfgRequest.trackStart, 'trackstart', (req) => this.#trackStart(req));
    add(CfgRequest.trackStop, 'trackstop', (req) => this.#trackStop(req));
    add(CfgRequest.linkStatus, 'linkstatus', (req) => this.#linkStatus(req));
    return table;
  })();

  #localGet(req: LibRequest): void {
    if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    req.respond('CS_OK', encodeU32(this.#localNodeId()));
  }

  #linkStatus(req: LibRequest): void {
    if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    req.respond('CS_OK', encodeLinkStatus({ localNodeId: this.#localNodeId(), ...this.#options.host.linkStatus() }));
  }

  #reloadConfig(req: LibRequest): void {
    if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    const sent = this.#send({ kind: 'reloadConfig', source: { nodeId: this.#localNodeId(), conn: req.conn.id } }, req);
    if (sent.ok) return;
    if (sent.code === 'CS_ERR_TRY_AGAIN' && req.retryLater()) return;
    req.respond(sent.code);
  }

  #trackStart(req: LibRequest): void {
    if (decodeU32(req.payload).ok === false) return req.respond('CS_ERR_INVALID_PARAM');
    this.#trackers.set(req.conn.id, req.conn);
    req.respond('CS_OK');
    // A question is open: the newcomer is asked too (Corosync's trackstart does the same).
    const p = this.#pending;
    if (p && p.vote.join(req.conn.id)) this.#ask(req.conn, CFG_CS_OK, p.vote.flags);
  }

  #trackStop(req: LibRequest): void {
    if (req.payload.length !== 0) return req.respond('CS_ERR_INVALID_PARAM');
    this.#trackers.delete(req.conn.id);
    req.respond('CS_OK');
    this.#pending?.vote.leave(req.conn.id);
    this.#check();
  }

  #tryShutdown(req: LibRequest): void {
    const r = decodeU32(req.payload);
    if (!r.ok || r.value > ShutdownFlag.immediate) return req.respond('CS_ERR_INVALID_PARAM');
    const flags = r.value as ShutdownFlagValue;
    this.stats.shutdownRequests++;
    if (this.#shutdownSent || this.#leaving || this.#pending) return req.respond('CS_ERR_EXIST');
    const vote = new ShutdownVote(req.conn.id, flags, this.#trackers.keys());
    if (flags === ShutdownFlag.immediate || vote.expected === 0) {
      this.#log('info', `shutdown requested by client pid ${req.conn.pid}${flags === ShutdownFlag.immediate ? ' (immediate)' : ', no client registered to be asked'}`, { flags });
      this.#shutdownAgreed(req);
      return;
    }
    const timeoutMs = this.#options.host.shutdownTimeoutMs();
    const pending: Pending = { vote, request: req, cancelTimer: () => {} };
    this.#pending = pending;
    pending.cancelTimer = this.#options.timer(timeoutMs, () => this.#expired(pending));
    this.#log('info', `shutdown requested by client pid ${req.conn.pid}: asking ${vote.expected} registered client(s), ${timeoutMs} ms to answer`, { flags, asked: vote.expected });
    for (const id of vote.waitingFor()) this.#ask(this.#trackers.get(id)!, CFG_CS_OK, flags);
  }

  #replyToShutdown(req: LibRequest): void {
    const r = decodeU32(req.payload);
    if (!r.ok || r.value > 1) return req.respond('CS_ERR_INVALID_PARAM');
    const p = this.#pending;
    if (!p || !p.vote.answer(req.conn.id, r.value === 1 ? 'yes' : 'no')) return req.respond('CS_ERR_ACCESS');
    req.respond('CS_OK');
    this.#log('debug', `shutdown: client pid ${req.conn.pid} answered ${r.value === 1 ? 'yes' : 'no'}`, {});
    this.#check();
  }

  // ---- the shutdown question ---------------------------------------------------------------

  #ask(conn: ClientConnection, status: number, flags: number): void {
    try {
      conn.sendEvent(CfgEvent.testShutdown, encodeTestShutdown({ status, flags }));
      this.stats.questionsSent++;
    } catch {
      // The connection's failure is its own (the IPC layer cuts it, which counts as yes).
      this.stats.eventErrors++;
    }
  }

  #check(): void {
    const p = this.#pending;
    if (!p) return;
    const decision = p.vote.decision();
    if (decision === 'pending') return;
    p.cancelTimer();
    this.#pending = undefined;
    this.#log('info', `shutdown decision is: (yes count: ${p.vote.yes}, no count: ${p.vote.no}) flags=${p.vote.flags.toString(16)}: ${decision === 'shutdown' ? 'shutting down' : 'cancelled'}`,
      { yes: p.vote.yes, no: p.vote.no, flags: p.vote.flags });
    if (decision === 'shutdown') {
      this.#shutdownAgreed(p.request);
    } else {
      this.stats.shutdownsVetoed++;
      p.request.respond('CS_ERR_BUSY');
    }
  }

  #expired(p: Pending): void {
    if (this.#pending !== p) return;
    this.stats.shutdownQuestionsTimedOut++;
    this.#log('info', `shutdown: ${p.vote.waitingFor().length} registered client(s) did not answer in time (their answers count as no)`, {});
    p.vote.expire();
    this.#check();
    for (const conn of this.#trackers.values()) this.#ask(conn, CFG_CS_ERR_TIMEOUT, p.vote.flags);
  }

  /** Corosync's order: the requester hears CS_OK, then SHUTDOWN goes to the ring. */
  #shutdownAgreed(req: LibRequest): void {
    const sent = this.#send({ kind: 'shutdown' });
    if (!sent.ok) return req.respond(sent.code);
    this.#shutdownSent = true;
    req.respond('CS_OK');
  }

  // ---- executive handlers ------------------------------------------------------------------

  readonly execHandlers: readonly (ExecHandler<CfgExecMessage> | undefined)[] = (() => {
    const table: (ExecHandler<CfgExecMessage> | undefined)[] = [];
    table[CfgMessageId.ringReenable] = { name: 'ringreenable', decode: (_b, m) => decodeRingReenable(m), apply: () => {} };
    table[CfgMessageId.shutdown] = { name: 'shutdown', decode: (_b, m) => decodeShutdown(m), apply: (_msg, meta) => this.#applyShutdown(meta) };
    table[CfgMessageId.reloadConfig] = { name: 'reload_config', decode: (_b, m) => decodeReloadConfig(m), apply: (_msg, meta) => this.#applyReload(meta) };
    return table;
  })();

  #applyShutdown(meta: ExecMeta): void {
    this.#log('info', `Node ${meta.from} was shut down by sysadmin`, { from: meta.from });
    if (!meta.local || this.#leaving) return;
    this.#leaving = true;
    // Stopping re-enters the executive (it drains, closes connections): not from inside a handler.
    this.#options.defer(() => this.#options.host.shutdown());
  }

  #applyReload(meta: ExecMeta): void {
    this.#log('info', `Config reload requested by node ${meta.from}`, { from: meta.from });
    const outcome = this.#options.host.reloadConfig();
    this.stats.reloads++;
    if (!outcome.ok) this.stats.reloadFailures++;
    for (const l of [...this.#reloadListeners]) l(outcome, meta.from);
    const req = meta.request;
    if (req === undefined || req.answered) return;
    const answer: ReloadAnswer = {
      status: outcome.ok ? CFG_CS_OK : CFG_CS_ERR_INVALID_PARAM, message: outcome.message, applied: outcome.applied, refused: outcome.refused,
    };
    req.respond('CS_OK', encodeReload(answer));
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  start(api: ServiceApi): void {
    this.#api = api;
  }

  stop(): void {
    this.#pending?.cancelTimer();
    this.#pending = undefined;
    this.#trackers.clear();
    this.#api = undefined;
  }

  onConfigChange(_change: ConfigChange): void {}

  onConnectionClosed(conn: ClientConnection): void {
    this.#trackers.delete(conn.id);
    const p = this.#pending;
    if (!p) return;
    if (p.vote.requester === conn.id) {
      // Nobody is left to hear the answer: the question is cancelled (Corosync does the same).
      p.cancelTimer();
      this.#pending = undefined;
      this.#log('info', 'shutdown cancelled: the requesting client went away', {});
      return;
    }
    p.vote.leave(conn.id);
    this.#check();
  }

  #localNodeId(): number {
    return this.#api?.localNodeId ?? 0;
  }

  #send(msg: CfgExecMessage, request?: LibRequest): ReturnType<ServiceApi['send']> {
    if (this.#api === undefined) return { ok: false, code: 'CS_ERR_LIBRARY', detail: 'cfg service stopped' };
    const id = msg.kind === 'shutdown' ? CfgMessageId.shutdown : msg.kind === 'reloadConfig' ? CfgMessageId.reloadConfig : CfgMessageId.ringReenable;
    // Corosync sends every cfg message TOTEM_SAFE.
    return this.#api.send(id, encodeCfgMessage(msg), { headerRoom: true, safe: true, ...(request ? { request } : {}) });
  }

  #log(level: CfgLogLevel, message: string, fields: Record<string, unknown>): void {
    this.#options.log?.(level, message, fields);
  }
}

