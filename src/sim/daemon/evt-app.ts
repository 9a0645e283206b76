/**
 * A simulated EVT application: one per node incarnation when the run exercises 'evt'. It speaks
 * the EVT library protocol (the client library's codecs) over a SimConnection: opens the shared
 * channels with create, publisher and subscriber, subscribes pass-all, and then, at random
 * times, publishes (half of them retained for 0.3..6 s), clears one of its retained events,
 * unlinks a channel and opens it again (a new instance), so channel tables, unlinks, clears and
 * retained sets meet partitions, merges, crashes and restarts. It remembers every event id each
 * of its opens received: a second delivery of one id to one open is a duplicate (the check).
 * Applications with an even pid ask for batched deliveries, so batches meet the same faults; of
 * those, the ones on odd node ids open each channel twice on their one connection
 * and ask for shared deliveries (one copy of an event per connection with its targets), so the
 * fan-out meets them too.
 */
import { CS_ERROR } from '../../ipc/errors.js';
import {
  decodeEvtDelivery, decodeEvtLibResponse, encodeEvtLibRequest, EVT_EVENT_ID_LOST, EVT_OPEN_CREATE, EVT_OPEN_PUBLISHER, EVT_OPEN_SUBSCRIBER,
  EVT_SERVICE_NAME, type EvtDelivery, type EvtLibRequest, type EvtLibResponseBody,
} from '../../protocol/evt-lib.js';
import { decodeEvtDeliveryBatch, EVT_EVENT_DELIVER_BATCH } from '../../protocol/evt-batch.js';
import { decodeEvtDeliveryShared, EVT_EVENT_DELIVER_SHARED } from '../../protocol/evt-shared.js';
import { SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK } from '../../protocol/sa-errors.js';
import type { Prng } from '../prng.js';
import type { AppWorld } from './cpg-app.js';
import type { ConnectionClient, SimConnection } from './sim-connection.js';

export const EVT_SIM_CHANNELS = ['ev-a', 'ev-b'];
const encoder = new TextEncoder();

export interface EvtAppOptions {
  readonly rng: Prng;
  /** Operations per second. */
  readonly ratePerSec: number;
}

interface Open {
  readonly name: string;
  /** Its subscription id: unique among the connection's opens of one channel. */
  readonly subscriptionId: number;
  handle: number | undefined;
  /** (channel handle << 64 | event id) of every delivery: one open may see an id once. */
  readonly seen: Set<bigint>;
  readonly retained: bigint[];
}

export class EvtApp implements ConnectionClient {
  #conn: SimConnection | undefined;
  #nextRequest = 1;
  readonly #pending = new Map<number, { req: EvtLibRequest; done: (saCode: number, body?: EvtLibResponseBody) => void }>();
  readonly #opens: Open[] = [];
  #busy = false;
  #active = true;
  gone = false;
  /** batches: frames of several deliveries (event 1 or 2); shared: entries of event 2 (one event for one or more opens). */
  readonly stats = { published: 0, delivered: 0, duplicates: 0, lost: 0, unlinks: 0, clears: 0, tryAgain: 0, batches: 0, shared: 0 };
  readonly duplicates: string[] = [];

  constructor(
    private readonly world: AppWorld,
    readonly node: number,
    readonly pid: number,
    private readonly options: EvtAppOptions,
  ) {}

  start(): void {
    this.#conn = this.world.connect(this, this.pid, EVT_SERVICE_NAME);
    this.#request({ kind: 'take', credits: 1_000_000 }, () => {});
    // Half the applications (by pid, so the seeded choices stay as they were) read batched deliveries.
    if (this.pid % 2 === 0) this.#request({ kind: 'batch', maxDeliveries: 64, maxBytes: 64 * 1024 }, () => {});
    const sharing = this.pid % 2 === 0 && this.node % 2 === 1;
    if (sharing) this.#request({ kind: 'share', maxTargets: 64 }, () => {});
    for (const name of EVT_SIM_CHANNELS) for (let k = 0; k < (sharing ? 2 : 1); k++) this.#open(name);
    this.#schedule();
  }

  /** The quiet end: no new operation. */
  setActive(active: boolean): void {
    const was = this.#active;
    this.#active = active;
    if (active && !was) this.#schedule();
  }

  #open(name: string, existing?: Open): void {
    const open: Open = existing ?? { name, subscriptionId: this.#opens.length + 1, handle: undefined, seen: new Set(), retained: [] };
    if (!existing) this.#opens.push(open);
    this.#request({ kind: 'open', flags: EVT_OPEN_CREATE | EVT_OPEN_PUBLISHER | EVT_OPEN_SUBSCRIBER, name: encoder.encode(name) }, (code, body) => {
      if (code !== SA_AIS_OK || body?.kind !== 'open') return;
      open.handle = body.channel;
      this.#request({ kind: 'subscribe', channel: body.channel, subscriptionId: open.subscriptionId, filters: [] }, () => {});
    });
  }

  #schedule(): void {
    if (!this.#active || this.gone) return;
    const rng = this.options.rng;
    this.world.after(rng.int(1, Math.max(2, Math.round(2000 / this.options.ratePerSec))), () => {
      this.#step();
      this.#schedule();
    });
  }

  #step(): void {
    if (this.#busy || this.gone || !this.world.daemonRunning) return;
    const rng = this.options.rng;
    const open = rng.pick(this.#opens);
    if (open === undefined || open.handle === undefined) return;
    const roll = rng.int(0, 99);
    if (roll < 3) {
      // Unlink the channel and open it again: the old open is closed, a new instance is made.
      this.stats.unlinks++;
      const old = open.handle;
      open.handle = undefined;
      this.#request({ kind: 'unlink', name: encoder.encode(open.name) }, () => {
        this.#request({ kind: 'close', channel: old }, () => this.#open(open.name, open));
      });
      return;
    }
    if (roll < 10 && open.retained.length > 0) {
      this.stats.clears++;
      const id = open.retained.splice(rng.int(0, open.retained.length - 1), 1)[0]!;
      this.#request({ kind: 'clear', channel: open.handle, eventId: id }, () => {});
      return;
    }
    const retentionNs = rng.chance(0.5) ? BigInt(rng.int(300, 6000)) * 1_000_000n : 0n;
    this.#request({
      kind: 'publish', channel: open.handle, priority: rng.int(0, 3) as 0 | 1 | 2 | 3, retentionNs, publishTimeNs: BigInt(Math.floor(this.world.now())) * 1_000_000n,
      publisherName: encoder.encode(`${this.node}/${this.pid}`), patterns: [encoder.encode(open.name)], data: new Uint8Array(rng.int(0, 64)),
    }, (code, body) => {
      if (code !== SA_AIS_OK || body?.kind !== 'publish') return;
      this.stats.published++;
      if (retentionNs > 0n) open.retained.push(body.eventId);
      if (open.retained.length > 32) open.retained.shift();
    });
  }

  /** One request at a time; TRY_AGAIN (a sync) is tried again a little later. */
  #request(req: EvtLibRequest, done: (saCode: number, body?: EvtLibResponseBody) => void): void {
    if (this.gone || this.#conn === undefined) return;
    const id = this.#nextRequest++;
    this.#pending.set(id, { req, done });
    const { messageId, payload } = encodeEvtLibRequest(req);
    this.#busy = true;
    this.#conn.send(messageId, id, payload);
  }

  onResponse(requestId: number, code: number, payload: Uint8Array): void {
    const p = this.#pending.get(requestId);
    this.#pending.delete(requestId);
    this.#busy = this.#pending.size > 0;
    if (p === undefined) return;
    if (code !== CS_ERROR.CS_OK) return p.done(code);
    const decoded = decodeEvtLibResponse(p.req.kind, payload);
    if (!decoded.ok) throw new Error(`node ${this.node} pid ${this.pid}: undecodable EVT answer: ${decoded.error.detail}`);
    if (decoded.value.saCode === SA_AIS_ERR_TRY_AGAIN) {
      this.stats.tryAgain++;
      this.world.after(20, () => this.#request(p.req, p.done));
      return;
    }
    p.done(decoded.value.saCode, decoded.value.body);
  }

  onEvent(messageId: number, payload: Uint8Array): void {
    if (messageId === EVT_EVENT_DELIVER_SHARED) {
      const frame = decodeEvtDeliveryShared(payload);
      if (!frame.ok) throw new Error(`node ${this.node} pid ${this.pid}: undecodable EVT shared deliveries: ${frame.error.detail}`);
      this.stats.batches++;
      for (const entry of frame.value) {
        this.stats.shared++;
        for (let i = 0; i < entry.targets.length; i += 2) this.#delivered({ ...entry.body, channel: entry.targets[i]!, subscriptionId: entry.targets[i + 1]! });
      }
      return;
    }
    if (messageId === EVT_EVENT_DELIVER_BATCH) {
      const batch = decodeEvtDeliveryBatch(payload);
      if (!batch.ok) throw new Error(`node ${this.node} pid ${this.pid}: undecodable EVT delivery batch: ${batch.error.detail}`);
      this.stats.batches++;
      for (const ev of batch.value) this.#delivered(ev);
      return;
    }
    const d = decodeEvtDelivery(payload);
    if (!d.ok) throw new Error(`node ${this.node} pid ${this.pid}: undecodable EVT delivery: ${d.error.detail}`);
    this.#delivered(d.value);
  }

  #delivered(ev: EvtDelivery): void {
    if (ev.lost || ev.eventId === EVT_EVENT_ID_LOST) {
      this.stats.lost++;
      return;
    }
    const open = this.#opens.find((o) => o.handle === ev.channel);
    if (open === undefined) return;
    this.stats.delivered++;
    const key = BigInt(ev.channel) << 64n | ev.eventId;
    if (open.seen.has(key)) {
      this.stats.duplicates++;
      if (this.duplicates.length < 5) this.duplicates.push(`${open.name} handle ${ev.channel} event ${ev.eventId}`);
    }
    open.seen.add(key);
  }

  onClosed(): void {
    this.gone = true;
  }

  crashed(): void {
    this.gone = true;
  }
}
