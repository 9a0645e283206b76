/**
 * QuorumHandle: votequorum from an application, `client.quorum()`. One IPC connection to the
 * daemon's votequorum service (src/protocol/votequorum.ts); the same idioms as the CPG handle:
 * promises with an AbortSignal, RingcastError with Corosync's CS_ERR_* codes, events as one
 * async iterator.
 *
 *   const q = await client.quorum();
 *   const s = await q.state();                  // { quorate, expectedVotes, quorum, nodes, ... }
 *   for await (const ev of q.changes()) {       // CURRENT then CHANGES, as votequorum_trackstart
 *     if (ev.type === 'quorum') console.log(ev.quorate);
 *   }
 *   await q.setExpected(3);                     // resolves once applied in agreed order
 *
 * A daemon without `quorum { provider: corosync_votequorum }` hosts no votequorum service:
 * client.quorum() then fails with CS_ERR_NOT_EXIST (such a partition is always quorate).
 */
import { ServiceBackedHandle } from './service-backed-handle.js';
import {
  TrackFlag, VOTEQUORUM_SERVICE_NAME, VotequorumRequest, corosyncRingId, decodeEvent, decodeInfo, decodeState, encodeU32s,
  quorumFlagWords, type QuorumInfo, type QuorumRingId, type VotequorumEventValue,
} from '../protocol/votequorum.js';
import { RingcastError } from './errors.js';
import { ServiceHandle, type ServiceHandleOptions } from './service.js';

export type QuorumNodeState = 'member' | 'dead' | 'leaving';
const STATE_NAMES: Record<number, QuorumNodeState> = { 1: 'member', 2: 'dead', 3: 'leaving' };
const stateName = (n: number): QuorumNodeState => STATE_NAMES[n] ?? 'dead';

/** The partition's quorum as `ringcast quorum --json` prints it. */
export interface QuorumStatus {
  readonly quorate: boolean;
  readonly expectedVotes: number;
  readonly highestExpected: number;
  readonly totalVotes: number;
  readonly quorum: number;
  /** corosync-quorumtool's words: 2Node, Quorate, WaitForAll, LastManStanding, AutoTieBreaker, AllowDownscale. */
  readonly flags: readonly string[];
  /** As Corosync prints it: "<representative hex>.<sequence hex>", e.g. "1.1c". */
  readonly ringId: string;
  /** The current configuration's members, by node id. */
  readonly nodes: readonly { readonly nodeId: number; readonly votes: number; readonly name: string; readonly local: boolean }[];
}

/** votequorum_getinfo of one node. */
export interface QuorumNodeInfo extends Omit<QuorumInfo, 'state' | 'flags'> {
  readonly state: QuorumNodeState;
  readonly flags: readonly string[];
}

export type QuorumEvent =
  | { readonly type: 'nodelist'; readonly ringId: string; readonly ring: QuorumRingId; readonly members: readonly number[] }
  | { readonly type: 'quorum'; readonly quorate: boolean; readonly ringId: string; readonly ring: QuorumRingId; readonly nodes: readonly { readonly nodeId: number; readonly state: QuorumNodeState }[] }
  | { readonly type: 'expectedVotes'; readonly expectedVotes: number };

export interface QuorumChangesOptions {
  /** true (default): first the current node list and quorum (CS_TRACK_CURRENT), then changes. */
  readonly current?: boolean;
  readonly signal?: AbortSignal;
}

export type QuorumHandleOptions = Omit<ServiceHandleOptions, 'retry'>;

export class QuorumHandle extends ServiceBackedHandle {
  #tracking = false;

  /** Connects to the daemon's votequorum service; CS_ERR_NOT_EXIST when it has no quorum provider. */
  static async open(path: string, options: QuorumHandleOptions = {}): Promise<QuorumHandle> {
    return new QuorumHandle(await ServiceHandle.open(path, VOTEQUORUM_SERVICE_NAME, options));
  }

  private constructor(svc: ServiceHandle) {
    super(svc);
  }

  /** The whole picture in one answer: what `ringcast quorum` prints. */
  async state(options: { signal?: AbortSignal } = {}): Promise<QuorumStatus> {
    const s = decoded(decodeState(await this.svc.request(VotequorumRequest.state, undefined, options)), 'quorum state');
    const local = this.nodeId;
    return {
      quorate: s.quorate, expectedVotes: s.expectedVotes, highestExpected: s.highestExpected, totalVotes: s.totalVotes,
      quorum: s.quorum, flags: quorumFlagWords(s.flags), ringId: corosyncRingId(s.ringId),
      nodes: s.nodes.map((n) => ({ nodeId: n.nodeId, votes: n.votes, name: n.name, local: n.nodeId === local })),
    };
  }

  /** votequorum_getinfo: node 0 (default) is this node; CS_ERR_NOT_EXIST for a node never heard of. */
  async info(nodeId = 0, options: { signal?: AbortSignal } = {}): Promise<QuorumNodeInfo> {
    checkU32(nodeId, 'nodeId');
    const i = decoded(decodeInfo(await this.svc.request(VotequorumRequest.getinfo, encodeU32s(nodeId), options)), 'quorum getinfo');
    return { ...i, state: stateName(i.state), flags: quorumFlagWords(i.flags) };
  }

  /**
   * votequorum_setexpected: resolves once every node applied it. CS_ERR_INVALID_PARAM below the
   * current total votes, or when the partition would lose quorum by it.
   */
  async setExpected(expectedVotes: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkU32(expectedVotes, 'expectedVotes', 1);
    await this.svc.request(VotequorumRequest.setexpected, encodeU32s(expectedVotes), options);
  }

  /** votequorum_setvotes: nodeId 0 is this node. CS_ERR_NAME_NOT_FOUND for an unknown node, CS_ERR_INVALID_PARAM when refused. */
  async setVotes(nodeId: number, votes: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkU32(nodeId, 'nodeId');
    checkU32(votes, 'votes');
    await this.svc.request(VotequorumRequest.setvotes, encodeU32s(votes, nodeId), options);
  }

  /**
   * Node-list and quorum changes (votequorum_trackstart): with `current` (default) the present
   * node list and quorum come first. Ends when the loop is left (trackstop) or the handle closes.
   * One iterator at a time.
   */
  changes(options: QuorumChangesOptions = {}): AsyncIterableIterator<QuorumEvent> {
    if (this.#tracking) throw new RingcastError('CS_ERR_EXIST', 'quorum changes: already tracking on this handle');
    this.#tracking = true;
    const flags = options.current === false ? TrackFlag.changesOnly : TrackFlag.current | TrackFlag.changes;
    const events = this.svc.events(options.signal ? { signal: options.signal } : {});
    // Settled here (an unawaited rejection would crash the process); next() throws what it held.
    const started: Promise<unknown> = this.svc.request(VotequorumRequest.trackstart, encodeU32s(flags), options.signal ? { signal: options.signal } : {})
      .then(() => undefined, (err: unknown) => {
        this.#tracking = false;
        return err ?? new RingcastError('CS_ERR_LIBRARY', 'quorum changes: trackstart failed');
      });
    const stop = async (): Promise<void> => {
      if (!this.#tracking) return;
      this.#tracking = false;
      if (!this.svc.closed) await this.svc.request(VotequorumRequest.trackstop).catch(() => undefined);
    };
    const self = this;
    const iterator: AsyncIterableIterator<QuorumEvent> = {
      async next(): Promise<IteratorResult<QuorumEvent>> {
        const failed = await started;
        if (failed !== undefined) throw failed;
        for (;;) {
          const r = await events.next();
          if (r.done) return { done: true, value: undefined };
          if (r.value.type === 'disconnected') {
            self.#tracking = false;
            throw new RingcastError('CS_ERR_LIBRARY', `quorum changes: connection to ringcastd lost: ${r.value.reason} (${r.value.detail})`, { reason: r.value.reason });
          }
          const e = decodeEvent(r.value.messageId, r.value.data);
          if (!e.ok) throw new RingcastError('CS_ERR_LIBRARY', `quorum changes: bad event from the daemon: ${e.code} ${e.detail}`, { reason: 'BAD_RESPONSE' });
          return { done: false, value: publicEvent(e.value) };
        }
      },
      async return(): Promise<IteratorResult<QuorumEvent>> {
        await events.return?.();
        await stop();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

}

function publicEvent(e: VotequorumEventValue): QuorumEvent {
  switch (e.type) {
    case 'expectedVotes': return e;
    case 'nodelist': return { type: 'nodelist', ringId: corosyncRingId(e.ringId), ring: e.ringId, members: e.members };
    case 'quorum': return { type: 'quorum', quorate: e.quorate, ringId: corosyncRingId(e.ringId), ring: e.ringId, nodes: e.nodes.map((n) => ({ nodeId: n.nodeId, state: stateName(n.state) })) };
  }
}

function decoded<T>(r: { ok: true; value: T } | { ok: false; code: string; detail: string }, what: string): T {
  if (r.ok) return r.value;
  throw new RingcastError('CS_ERR_LIBRARY', `${what}: bad answer from the daemon: ${r.code} ${r.detail}`, { reason: 'BAD_RESPONSE' });
}

function checkU32(v: number, what: string, min = 0): void {
  if (!Number.isInteger(v) || v < min || v > 0xffff_ffff) throw new RingcastError('CS_ERR_INVALID_PARAM', `${what} must be an integer from ${min} to 4294967295, not ${v}`);
}
