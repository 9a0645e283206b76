/**
 * QuorumServiceHandle: Corosync's libquorum from an application, `client.quorumService()`. One
 * IPC connection to the daemon's quorum service (id 3, src/protocol/quorum.ts). It answers
 * "may this partition act?" whether or not the daemon runs a quorum provider (without one the
 * answer is always yes and `type` is 'free'), which is why it is a handle of its own beside
 * client.quorum() (votequorum: votes, expected votes, setExpected; CS_ERR_NOT_EXIST without a
 * provider), as libquorum sits beside libvotequorum in Corosync.
 *
 *   const qs = await client.quorumService();           // model 'v1' (default) or 'v0'
 *   qs.type;                                           // 'set' (votequorum) or 'free'
 *   await qs.quorate();                                // quorum_getquorate
 *   for await (const ev of qs.changes()) {             // quorum_trackstart(CURRENT | CHANGES)
 *     if (ev.type === 'quorum') console.log(ev.quorate, ev.members);
 *     // ev.type === 'nodelist' (V1 only): ev.members, ev.joined, ev.left
 *   }
 */
import { ServiceBackedHandle } from './service-backed-handle.js';
import {
  QUORUM_SERVICE_NAME, QuorumModel, QuorumRequest, QuorumType, decodeQuorumServiceEvent, decodeU32, encodeU32,
  type QuorumServiceRingId,
} from '../protocol/quorum.js';
import { corosyncRingId } from '../protocol/votequorum.js';
import { RingcastError } from './errors.js';
import { ServiceHandle, type ServiceHandleOptions } from './service.js';

export type QuorumServiceEvent =
  /** V1: the ring id is the whole ring id ("1.1c"); V0: only the sequence is known (`ringSeq`). */
  | { readonly type: 'quorum'; readonly quorate: boolean; readonly ringId: string | undefined; readonly ringSeq: number; readonly members: readonly number[] }
  | {
    readonly type: 'nodelist'; readonly ringId: string; readonly ring: QuorumServiceRingId;
    readonly members: readonly number[]; readonly joined: readonly number[]; readonly left: readonly number[];
  };

export interface QuorumServiceHandleOptions extends Omit<ServiceHandleOptions, 'retry'> {
  /** 'v1' (default, quorum_model_initialize): node-list events with joined/left, whole ring ids. 'v0': quorum events only. */
  readonly model?: 'v0' | 'v1';
}

const TRACK_CURRENT = 1;
const TRACK_CHANGES = 2;
const TRACK_CHANGES_ONLY = 4;

export class QuorumServiceHandle extends ServiceBackedHandle {
  #tracking = false;

  /** Connects and chooses the model (quorum_initialize / quorum_model_initialize). */
  static async open(path: string, options: QuorumServiceHandleOptions = {}): Promise<QuorumServiceHandle> {
    const { model = 'v1', ...rest } = options;
    if (model !== 'v0' && model !== 'v1') throw new RingcastError('CS_ERR_INVALID_PARAM', `model must be 'v0' or 'v1', not ${JSON.stringify(model)}`);
    const svc = await ServiceHandle.open(path, QUORUM_SERVICE_NAME, rest);
    try {
      const signal = options.signal ? { signal: options.signal } : {};
      const answer = await svc.request(QuorumRequest.modelGettype, encodeU32(model === 'v1' ? QuorumModel.v1 : QuorumModel.v0), signal);
      return new QuorumServiceHandle(svc, model, u32(answer, 'model_gettype'));
    } catch (err) {
      await svc.close();
      throw err;
    }
  }

  readonly model: 'v0' | 'v1';
  /** 'set' when the daemon runs a quorum provider (votequorum), 'free' when every partition is quorate. */
  readonly type: 'set' | 'free';

  private constructor(svc: ServiceHandle, model: 'v0' | 'v1', type: number) {
    super(svc);
    this.model = model;
    this.type = type === QuorumType.set ? 'set' : 'free';
  }

  /** quorum_getquorate: this node's last quorum decision. */
  async quorate(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const v = u32(await this.svc.request(QuorumRequest.getquorate, undefined, options), 'getquorate');
    if (v > 1) throw badAnswer('getquorate', `quorate ${v}`);
    return v === 1;
  }

  /**
   * Quorum (and, with V1, node-list) changes, as quorum_trackstart: with `current` (default) the
   * present node list and quorum come first. Ends when the loop is left (trackstop) or the handle
   * closes. One iterator at a time.
   */
  changes(options: { current?: boolean; signal?: AbortSignal } = {}): AsyncIterableIterator<QuorumServiceEvent> {
    if (this.#tracking) throw new RingcastError('CS_ERR_EXIST', 'quorum service changes: already tracking on this handle');
    this.#tracking = true;
    const flags = options.current === false ? TRACK_CHANGES_ONLY : TRACK_CURRENT | TRACK_CHANGES;
    const signal = options.signal ? { signal: options.signal } : {};
    const events = this.svc.events(signal);
    // Settled here (an unawaited rejection would crash the process); next() throws what it held.
    const started: Promise<unknown> = this.svc.request(QuorumRequest.trackstart, encodeU32(flags), signal).then(() => undefined, (err: unknown) => {
      this.#tracking = false;
      return err ?? new RingcastError('CS_ERR_LIBRARY', 'quorum service changes: trackstart failed');
    });
    const self = this;
    const iterator: AsyncIterableIterator<QuorumServiceEvent> = {
      async next(): Promise<IteratorResult<QuorumServiceEvent>> {
        const failed = await started;
        if (failed !== undefined) throw failed;
        const r = await events.next();
        if (r.done) return { done: true, value: undefined };
        if (r.value.type === 'disconnected') {
          self.#tracking = false;
          throw new RingcastError('CS_ERR_LIBRARY', `quorum service changes: connection to ringcastd lost: ${r.value.reason} (${r.value.detail})`, { reason: r.value.reason });
        }
        const e = decodeQuorumServiceEvent(r.value.messageId, r.value.data);
        if (!e.ok) throw badAnswer('event', `${e.code} ${e.detail}`);
        const v = e.value;
        switch (v.type) {
          case 'notification':
            return { done: false, value: { type: 'quorum', quorate: v.quorate, ringId: undefined, ringSeq: v.ringSeq, members: v.view } };
          case 'quorum':
            return { done: false, value: { type: 'quorum', quorate: v.quorate, ringId: corosyncRingId(v.ringId), ringSeq: v.ringId.seq, members: v.view } };
          case 'nodelist':
            return { done: false, value: { type: 'nodelist', ringId: corosyncRingId(v.ringId), ring: v.ringId, members: v.members, joined: v.joined, left: v.left } };
        }
      },
      async return(): Promise<IteratorResult<QuorumServiceEvent>> {
        await events.return?.();
        if (self.#tracking) {
          self.#tracking = false;
          if (!self.svc.closed) await self.svc.request(QuorumRequest.trackstop).catch(() => undefined);
        }
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

}

function u32(payload: Uint8Array, what: string): number {
  const r = decodeU32(payload);
  if (!r.ok) throw badAnswer(what, `${r.code} ${r.detail}`);
  return r.value;
}

function badAnswer(what: string, detail: string): RingcastError {
  return new RingcastError('CS_ERR_LIBRARY', `quorum ${what}: bad answer from the daemon: ${detail}`, { reason: 'BAD_RESPONSE' });
}
