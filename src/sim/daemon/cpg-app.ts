/**
 * Simulated CPG applications: client processes of one simulated daemon, speaking the CPG library
 * protocol (the same codecs as the client library) over a SimConnection.
 *
 * - The *recorder*: one per node incarnation, in the group `sim` for the node's whole life. It
 *   writes the node's application-level history: its CPG deliveries, and every configuration
 *   its daemon installs, transitional and regular, in order with those deliveries. CPG itself
 *   tells a client only the regular configuration of a ring whose sync completed, at the end of
 *   that sync; `ringcast cpg watch` therefore derives the transitional one and writes both late,
 *   which misplaces old-ring messages and rings whose sync was cut short. The simulated daemon
 *   tells its recorder of each configuration through the connection instead, in order with the
 *   events (`installed`), so the history is what an application would see with that guarantee.
 *   It multicasts messages that carry history ids. It asks to join before its daemon's ring runs,
 *   so the join is often ordered in the node's first ring, which holds the node alone. When the
 *   join is ordered in a ring that had begun, CPG delivers to it only what was ordered after the
 *   join (messages sent in an earlier ring may be ordered there first): its history then starts
 *   with `midRing`, and the checker holds that first configuration to a subset of the ring's.
 *   An incarnation that ends before its join is ordered records nothing (`unrecorded`). A planned
 *   stop: the recorder sends nothing more and waits (bounded) until the daemon took every request
 *   it made; the daemon then drains (it delivers what it accepted before leaving the ring) and
 *   closes the connection, and the recorder writes `stop`, listing as abandoned its own messages
 *   it never saw delivered.
 * - *Churners*: short-lived processes that join other groups, multicast a little, and leave
 *   cleanly or die (procdown), so group tables meet every kind of change under faults.
 */
import { CS_ERROR } from '../../ipc/errors.js';
import { decodeCpgLibEvent, encodeCpgLibRequest, type CpgLibEvent, type CpgLibRequest } from '../../protocol/cpg/lib-protocol.js';
import type { HistoryRecord } from '../../history/records.js';
import { makePayload, payloadId } from '../../history/payload.js';
import type { Prng } from '../prng.js';
import type { ConnectionClient, SimConnection } from './sim-connection.js';

export const RECORDER_GROUP = 'sim';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What an application needs of its world: the clock, timers, and a connection to its daemon. */
export interface AppWorld {
  readonly now: () => number;
  /** Runs `run` after `delayMs`, unless the application's node incarnation ended meanwhile. */
  after(delayMs: number, run: () => void): void;
  /** A connection to `serviceName` (default 'cpg'). */
  connect(client: ConnectionClient, pid: number, serviceName?: string): SimConnection;
  /** Whether the daemon process runs (not paused): a paused daemon's clients wait too. */
  readonly daemonRunning: boolean;
}

export type AppState = 'connecting' | 'joining' | 'member' | 'leaving' | 'gone';

/** The member an application is, and what its group looks like to it. */
export interface AppView {
  readonly group: string;
  readonly pid: number;
  readonly state: AppState;
  /** The group's members as its last confchg listed them, `node/pid`, sorted. */
  readonly members: readonly string[];
}

abstract class CpgApp implements ConnectionClient {
  protected conn: SimConnection | undefined;
  protected state: AppState = 'connecting';
  #members: string[] = [];
  #nextRequestId = 1;
  readonly #pending = new Map<number, (ok: boolean) => void>();

  constructor(
    protected readonly world: AppWorld,
    readonly node: number,
    readonly pid: number,
    readonly group: string,
  ) {}

  get connection(): SimConnection | undefined {
    return this.conn;
  }

  /** Requests sent and not answered yet. */
  protected get unanswered(): number {
    return this.#pending.size;
  }

  view(): AppView {
    return { group: this.group, pid: this.pid, state: this.state, members: this.#members };
  }

  start(): void {
    this.conn = this.world.connect(this, this.pid);
    this.state = 'joining';
    this.request({ kind: 'join', group: encoder.encode(this.group), deliverInitialTotemConf: this.initialTotemConf }, (ok) => {
      if (this.state !== 'joining') return;
      this.state = ok ? 'member' : 'gone';
      if (ok) this.joined();
    });
  }

  protected request(req: CpgLibRequest, done: (ok: boolean) => void = () => {}): void {
    const requestId = this.#nextRequestId++;
    const { messageId, payload } = encodeCpgLibRequest(req);
    this.#pending.set(requestId, done);
    this.conn!.send(messageId, requestId, payload);
  }

  onResponse(requestId: number, code: number): void {
    const done = this.#pending.get(requestId);
    this.#pending.delete(requestId);
    done?.(code === CS_ERROR.CS_OK);
  }

  onEvent(messageId: number, payload: Uint8Array): void {
    const decoded = decodeCpgLibEvent(messageId, payload);
    if (!decoded.ok) throw new Error(`node ${this.node} pid ${this.pid}: undecodable CPG event ${messageId}: ${JSON.stringify(decoded.error)}`);
    const ev = decoded.value;
    if (ev.kind === 'confchg' && decoder.decode(ev.group) === this.group) {
      this.#members = ev.members.map((m) => `${m.nodeId}/${m.pid}`).sort();
    }
    this.heard(ev);
  }

  onClosed(): void {
    this.state = 'gone';
  }

  /** Leaves the group and hangs up (a clean exit). */
  protected exit(): void {
    if (this.state === 'gone') return;
    this.state = 'leaving';
    this.request({ kind: 'leave', group: encoder.encode(this.group) }, () => this.hangUp());
  }

  /** Hangs up without leaving: the daemon reports procdown. */
  protected hangUp(): void {
    this.state = 'gone';
    this.conn?.hangUp();
  }

  /** Whether the join asks for the ring it was ordered in (a totem confchg right after it). */
  protected readonly initialTotemConf: boolean = false;
  protected abstract joined(): void;
  protected abstract heard(ev: CpgLibEvent): void;
}

export interface RecorderOptions {
  readonly boot: string;
  readonly rng: Prng;
  readonly ratePerSec: number;
  readonly safeFraction: number;
  readonly history: HistoryRecord[];
  /** Bound on a planned stop's wait for the daemon to take the requests already made. */
  readonly drainMs: number;
}

export class RecorderApp extends CpgApp {
  protected override readonly initialTotemConf = true;
  #recording = false;
  #wrote = false;
  #sending = false;
  #stopping = false;
  #counter = 0;
  /** Ids this process sent and has not delivered yet. */
  readonly #outstanding = new Set<string>();

  /** Its join was ordered in a ring with other nodes: its history starts with `midRing`. */
  joinedMidRing = false;
  /**
   * Its own join confchg arrived: the join was applied. A join is answered when the ring took the
   * message, but CPG sends every handle a totem confchg at each sync activation, so a totem confchg
   * can come between the answer and the join's confchg (the procjoin was dropped because it was
   * ordered before CPG's activation and is resent when the whole sync completes; a service that
   * syncs after CPG, such as CLM, opens that window). Only the totem confchg after the own join
   * names the join's ring.
   */
  #joinApplied = false;
  /** Configurations installed since the last transitional one, while not recording yet. */
  #installedBefore: { kind: 'transitional' | 'regular'; ring: string; members: number[] }[] = [];
  /** The recorder starts with this ring's regular configuration (see heard()). */
  #beginAtRegular: string | undefined;

  constructor(world: AppWorld, node: number, pid: number, private readonly options: RecorderOptions) {
    super(world, node, pid, RECORDER_GROUP);
  }

  get sent(): number {
    return this.#counter;
  }

  /** Whether this incarnation wrote a history (its join was ordered in its node's first ring). */
  get wroteHistory(): boolean {
    return this.#wrote;
  }

  /** Sending on or off (the quiet end of a run turns it off). */
  setSending(on: boolean): void {
    const was = this.#sending;
    this.#sending = on;
    if (on && !was) this.#scheduleSend();
  }

  /**
   * A planned stop of its daemon: no new message; once the daemon took every request made so far
   * (or `drainMs` passed), `done` lets the daemon drain and stop. The `stop` record is written
   * when the daemon closes the connection (onClosed).
   */
  stop(done: () => void): void {
    this.#stopping = true;
    const deadline = this.world.now() + this.options.drainMs;
    const check = (): void => {
      if (this.unanswered > 0 && this.world.now() < deadline && this.state !== 'gone') return this.world.after(5, check);
      done();
    };
    check();
  }

  /**
   * The daemon closed the connection. After a planned stop, that is the end of this incarnation:
   * what it sent and never saw delivered was abandoned by the daemon's bounded drain.
   */
  override onClosed(): void {
    super.onClosed();
    if (!this.#stopping || !this.#recording) return;
    const abandoned = [...this.#outstanding];
    this.#record(abandoned.length > 0 ? { ev: 'stop', abandoned } : { ev: 'stop' });
    this.#recording = false;
  }

  /** The node died under it. */
  crashed(): void {
    if (this.#recording) this.#record({ ev: 'crash' });
    this.#recording = false;
    this.state = 'gone';
  }

  protected joined(): void {
    // Recording starts with the totem confchg of the join's ring, which comes right after it.
  }

  protected heard(ev: CpgLibEvent): void {
    if (ev.kind === 'confchg' && decoder.decode(ev.group) === RECORDER_GROUP && ev.joined.some((j) => j.nodeId === this.node && j.pid === this.pid)) {
      this.#joinApplied = true;
    }
    if (ev.kind === 'totem_confchg') {
      if (!this.#joinApplied) return;
      // Only the join's ring decides whether this incarnation records; later rings come in
      // through installed().
      if (this.#recording || this.state !== 'member' || this.#beginAtRegular !== undefined) return;
      const ring = `${ev.ringId.nodeId}.${ev.ringId.seq}`;
      // CPG names the ring a join landed in with this totem confchg, which can come after its
      // daemon installed the next ring's transitional configuration (a join ordered in the
      // transitional part): the process then saw only the end of that part, so its history
      // starts with the next ring (its node came from a ring it did not record: midRing).
      const next = this.#installedBefore.find((c) => c.kind === 'transitional' && c.ring !== ring);
      if (next !== undefined) {
        const regular = this.#installedBefore.find((c) => c.kind === 'regular' && c.ring === next.ring);
        if (regular !== undefined) this.#begin(regular.ring, regular.members, true);
        else this.#beginAtRegular = next.ring;
        return;
      }
      // A join ordered in a ring that already carried messages: the history says so, and the
      // checker holds this first configuration to a subset of what the ring delivered.
      const alone = ev.nodes.length === 1 && ev.nodes[0] === this.node;
      this.#begin(ring, ev.nodes, !alone);
      return;
    }
    if (ev.kind !== 'deliver' || !this.#recording || decoder.decode(ev.group) !== this.group) return;
    const id = payloadId(ev.data);
    if (id === undefined) return;
    this.#outstanding.delete(id);
    this.#record({ ev: 'deliver', id, from: ev.nodeId });
  }

  /** The history's first records: start, then the first ring as a new process sees it. */
  #begin(ring: string, members: readonly number[], midRing: boolean): void {
    this.#recording = true;
    this.#wrote = true;
    this.#beginAtRegular = undefined;
    this.#installedBefore = [];
    if (midRing) this.joinedMidRing = true;
    this.#record(midRing ? { ev: 'start', node: this.node, boot: this.options.boot, midRing: true } : { ev: 'start', node: this.node, boot: this.options.boot });
    // Its node may come from an earlier ring, which this process did not see: as for any new
    // process, its first transitional configuration holds itself only.
    this.#record({ ev: 'config', kind: 'transitional', ring, members: [this.node] });
    this.#record({ ev: 'config', kind: 'regular', ring, members: [...members].sort((a, b) => a - b) });
    if (this.#sending) this.#scheduleSend();
  }

  /** The daemon installed a configuration; this arrives in order with the connection's events. */
  installed(kind: 'transitional' | 'regular', ring: string, members: readonly number[]): void {
    if (!this.#recording) {
      if (kind === 'regular' && this.#beginAtRegular === ring) return this.#begin(ring, members, true);
      // Not recording yet: the daemon may already be past the join's ring when the recorder
      // learns of it (a join ordered in a ring's transitional part); keep what came since.
      if (kind === 'transitional') this.#installedBefore = [];
      this.#installedBefore.push({ kind, ring, members: [...members] });
      return;
    }
    this.#record({ ev: 'config', kind, ring, members: [...members] });
  }

  #scheduleSend(): void {
    const gap = -Math.log(1 - this.options.rng.float()) * (1000 / this.options.ratePerSec);
    this.world.after(gap, () => {
      if (!this.#sending || this.#stopping || this.state === 'gone') return;
      if (this.#recording && this.state === 'member' && this.world.daemonRunning) this.#send();
      this.#scheduleSend();
    });
  }

  #send(): void {
    const id = `${this.node}.${this.options.boot}:${++this.#counter}`;
    const size = this.options.rng.int(16, 300);
    const guarantee = this.options.rng.chance(this.options.safeFraction) ? 'safe' : 'agreed';
    // The send is on record before the daemon sees the message: a delivery elsewhere must never
    // precede it, even if this process dies right after.
    this.#record({ ev: 'send', id });
    this.#outstanding.add(id);
    this.request({ kind: 'mcast', group: encoder.encode(this.group), guarantee, data: makePayload(id, size) }, (ok) => {
      if (!ok) throw new Error(`node ${this.node}: mcast of ${id} refused`);
    });
  }

  #record(r: HistoryRecord): void {
    this.options.history.push({ ...r, t: Math.round(this.world.now() * 1000) / 1000 });
  }
}

export interface ChurnerOptions {
  readonly rng: Prng;
  readonly lifeMs: number;
  /** Exit by leaving (true) or by dying with the group joined (procdown). */
  readonly clean: boolean;
  readonly onExit: () => void;
}

export class ChurnerApp extends CpgApp {
  constructor(world: AppWorld, node: number, pid: number, group: string, private readonly options: ChurnerOptions) {
    super(world, node, pid, group);
  }

  protected joined(): void {
    const sends = this.options.rng.int(0, 5);
    for (let i = 0; i < sends; i++) {
      this.world.after(this.options.rng.float() * this.options.lifeMs, () => {
        if (this.state !== 'member' || !this.world.daemonRunning) return;
        this.request({ kind: 'mcast', group: encoder.encode(this.group), guarantee: 'agreed', data: encoder.encode(`churn ${this.node}/${this.pid} ${i}`) });
      });
    }
    this.world.after(this.options.lifeMs, () => this.end());
  }

  /** Ends now, the way this churner was told to. */
  end(): void {
    if (this.state === 'gone' || this.state === 'leaving') return;
    if (this.options.clean && this.state === 'member') this.exit();
    else this.hangUp();
    this.options.onExit();
  }

  protected heard(): void {}
}
