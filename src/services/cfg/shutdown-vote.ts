/**
 * One pending shutdown question (`ringcast cfg shutdown`, corosync_cfg_try_shutdown), as a pure
 * state machine after Corosync's exec/cfg.c (shutdown_con, shutdown_yes/no/expected,
 * check_shutdown_status): every client that registered for shutdown questions (trackstart),
 * other than the requester, is asked; each answers yes or no; a tracker that leaves or stops
 * tracking counts as yes; one that registers while the question is open is asked too. Once every
 * asked client answered: all yes, or flag REGARDLESS, means shut down; otherwise vetoed. When the
 * timer runs out the missing answers count as no.
 *
 * Differences from Corosync 3.1.7, on purpose: a client's answer is counted once (a second
 * answer replaces its first instead of adding to the count), and only a client that was asked
 * may answer (others get CS_ERR_ACCESS), so one client cannot outvote the rest.
 */
import { ShutdownFlag, type ShutdownFlagValue } from '../../protocol/cfg.js';

export type ShutdownAnswer = 'yes' | 'no';
export type ShutdownDecision = 'pending' | 'shutdown' | 'vetoed';

export class ShutdownVote {
  /** Connection id → its answer (undefined: not yet). */
  readonly #asked = new Map<number, ShutdownAnswer | undefined>();

  constructor(
    /** The connection that asked for the shutdown; it is not asked itself. */
    readonly requester: number,
    readonly flags: ShutdownFlagValue,
    trackers: Iterable<number>,
  ) {
    for (const id of trackers) if (id !== requester) this.#asked.set(id, undefined);
  }

  get expected(): number {
    return this.#asked.size;
  }

  get yes(): number {
    return [...this.#asked.values()].filter((a) => a === 'yes').length;
  }

  get no(): number {
    return [...this.#asked.values()].filter((a) => a === 'no').length;
  }

  /** Connections asked and not yet answered. */
  waitingFor(): number[] {
    return [...this.#asked].filter(([, a]) => a === undefined).map(([id]) => id);
  }

  asked(conn: number): boolean {
    return this.#asked.has(conn);
  }

  /** A client's answer; false when it was not asked. */
  answer(conn: number, answer: ShutdownAnswer): boolean {
    if (!this.#asked.has(conn)) return false;
    this.#asked.set(conn, answer);
    return true;
  }

  /** A tracker registered while the question is open: it is asked too (returns whether it is new). */
  join(conn: number): boolean {
    if (conn === this.requester || this.#asked.has(conn)) return false;
    this.#asked.set(conn, undefined);
    return true;
  }

  /** A tracker left (disconnected or trackstop): an implicit yes, replacing any answer it gave. */
  leave(conn: number): void {
    if (this.#asked.has(conn)) this.#asked.set(conn, 'yes');
  }

  /** The timer ran out: every missing answer counts as no. */
  expire(): void {
    for (const [id, a] of this.#asked) if (a === undefined) this.#asked.set(id, 'no');
  }

  decision(): ShutdownDecision {
    const yes = this.yes;
    if (yes + this.no < this.expected) return 'pending';
    return yes >= this.expected || this.flags === ShutdownFlag.regardless ? 'shutdown' : 'vetoed';
  }
}
