/**
 * The SA-style CLM layer: saClm* calls with numeric handles and SaAisErrorT return values, after
 * the B.01.01 API OpenAIS's lib/clm.c implemented, so conformance programs (OpenAIS's testclm.c and
 * testclm2.c) can be written call for call. Every call returns a Promise of the SaAisErrorT value
 * (SA_AIS_OK = 1); out-parameters are objects the call fills. Applications should prefer
 * client.clm() (clm.ts); this layer exists for conformance.
 *
 * Differences from C that JavaScript imposes: no selection object (callbacks wait in a queue per
 * handle and saClmDispatch runs them; SA_DISPATCH_ONE runs one pending callback and does not block,
 * as the design note recommends); SA_DISPATCH_BLOCKING runs callbacks as they come until finalize.
 */
import { connectIpc, type IpcClient } from '../ipc/client.js';
import { CS_ERROR } from '../ipc/errors.js';
import {
  CLM_SERVICE_NAME,
  SA_TRACK_CHANGES,
  SA_TRACK_CHANGES_ONLY,
  SA_TRACK_CURRENT,
  decodeClmLibAnswer,
  decodeClmLibEvent,
  encodeClmLibRequest,
  type ClmLibAnswer,
  type ClmLibRequest,
  type ClmNotification,
} from '../protocol/clm-protocol.js';
import { SA_AIS_ERROR, saStatusName } from '../protocol/sa-errors.js';
import { resolveSocketPath } from '../protocol/paths.js';
import { toClmNode, type ClmNode, type ClmNotificationItem } from './clm-types.js';

export const SA_DISPATCH_ONE = 1;
export const SA_DISPATCH_ALL = 2;
export const SA_DISPATCH_BLOCKING = 3;
export const SA_TIME_END = 0x7fffffffffffffffn;

export interface SaVersion {
  releaseCode: string;
  majorVersion: number;
  minorVersion: number;
}

/** SaClmClusterNotificationBufferT: `notification` null asks the library to allocate (testclm2.c). */
export interface SaClmClusterNotificationBuffer {
  viewNumber: number;
  numberOfItems: number;
  notification: ClmNotificationItem[] | null;
}

export interface SaClmCallbacks {
  saClmClusterNodeGetCallback?: ((invocation: number, clusterNode: ClmNode | null, error: number) => void) | null;
  saClmClusterTrackCallback?: ((buffer: SaClmClusterNotificationBuffer, numberOfMembers: number, error: number) => void) | null;
}

/** The versions this library supports, in order (CLM B.01.01 only, as OpenAIS). */
const SUPPORTED: readonly SaVersion[] = [{ releaseCode: 'B', majorVersion: 1, minorVersion: 1 }];

const OK = SA_AIS_ERROR.SA_AIS_OK;

/** saVersionVerify (OpenAIS lib/util.c): the version is overwritten with the matched (or last) entry. */
export function saVersionVerify(version: SaVersion | null | undefined): number {
  if (!version) return SA_AIS_ERROR.SA_AIS_ERR_INVALID_PARAM;
  let result: number = SA_AIS_ERROR.SA_AIS_ERR_VERSION;
  let chosen = SUPPORTED[SUPPORTED.length - 1]!;
  for (const entry of SUPPORTED) {
    if (version.releaseCode < entry.releaseCode) break;
    if (version.releaseCode === entry.releaseCode) {
      if (entry.majorVersion >= version.majorVersion) {
        result = OK;
        chosen = entry;
      }
      break;
    }
  }
  Object.assign(version, chosen);
  return result;
}

interface SaHandle {
  readonly ipc: IpcClient;
  readonly callbacks: SaClmCallbacks;
  readonly pending: (() => void)[];
  finalizing: boolean;
  tracking: boolean;
  wake: (() => void) | undefined;
}

const handles = new Map<number, SaHandle>();
let nextHandle = 1;

function transportError(status: number): number {
  const name = saStatusName(status);
  return name === undefined || name === 'SA_AIS_OK' ? SA_AIS_ERROR.SA_AIS_ERR_LIBRARY : SA_AIS_ERROR[name];
}

async function ask(h: SaHandle, req: ClmLibRequest): Promise<ClmLibAnswer | number> {
  const frame = encodeClmLibRequest(req);
  let res;
  try {
    res = await h.ipc.request(frame.messageId, frame.payload);
  } catch {
    return SA_AIS_ERROR.SA_AIS_ERR_LIBRARY;
  }
  if (res.status !== CS_ERROR.CS_OK) return transportError(res.status);
  const decoded = decodeClmLibAnswer(req.kind, res.payload);
  return decoded.ok ? decoded.value : SA_AIS_ERROR.SA_AIS_ERR_LIBRARY;
}

function live(handle: number): SaHandle | undefined {
  const h = handles.get(handle);
  return h === undefined || h.finalizing ? undefined : h;
}

function queue(h: SaHandle, run: () => void): void {
  h.pending.push(run);
  h.wake?.();
}

function toBuffer(n: ClmNotification): SaClmClusterNotificationBuffer {
  const items = n.items.map((i) => ({ ...toClmNode(i.node, i.member), change: i.change }));
  return { viewNumber: n.viewNumber, numberOfItems: items.length, notification: items };
}

/** saClmInitialize: `out.handle` receives the handle; `version` is overwritten as saVersionVerify does. */
export async function saClmInitialize(
  out: { handle?: number } | null,
  callbacks: SaClmCallbacks | null,
  version: SaVersion | null,
  options: { stateDir?: string } = {},
): Promise<number> {
  if (!out || !version) return SA_AIS_ERROR.SA_AIS_ERR_INVALID_PARAM;
  const verified = saVersionVerify(version);
  if (verified !== OK) return verified;
  let ipc: IpcClient;
  try {
    ipc = await connectIpc({ path: resolveSocketPath(options.stateDir), serviceName: CLM_SERVICE_NAME });
  } catch {
    return SA_AIS_ERROR.SA_AIS_ERR_LIBRARY;
  }
  const h: SaHandle = { ipc, callbacks: { ...callbacks }, pending: [], finalizing: false, tracking: false, wake: undefined };
  ipc.on('event', (raw: { messageId: number; payload: Uint8Array }) => {
    const decoded = decodeClmLibEvent(raw.messageId, raw.payload);
    if (!decoded.ok) return;
    const n = decoded.value;
    // A pending message whose callback is NULL is consumed silently (OpenAIS 87377fb).
    queue(h, () => h.callbacks.saClmClusterTrackCallback?.(toBuffer(n), n.numberOfMembers, OK));
  });
  // A lost connection ends a blocking dispatch (the C library sees BAD_HANDLE there and returns OK).
  ipc.once('disconnected', () => h.wake?.());
  const handle = nextHandle++;
  handles.set(handle, h);
  out.handle = handle;
  return OK;
}

/** saClmFinalize: the handle is invalid afterwards; pending callbacks are discarded. */
export async function saClmFinalize(handle: number): Promise<number> {
  const h = live(handle);
  if (!h) return SA_AIS_ERROR.SA_AIS_ERR_BAD_HANDLE;
  h.finalizing = true;
  h.pending.length = 0;
  h.wake?.();
  await h.ipc.close();
  handles.delete(handle);
  return OK;
}

/**
 * saClmClusterTrack with the library-side checks in OpenAIS's order (bad handle, both CHANGES
 * flags, unknown bits, an empty caller array, no callback), then the daemon's (flags 0:
 * BAD_FLAGS). CURRENT with a buffer: filled synchronously (NO_SPACE with the required count when
 * the caller's array is too short: the SA rule, not OpenAIS's silent truncation); CURRENT without
 * a buffer: delivered once through the track callback.
 */
export async function saClmClusterTrack(handle: number, trackFlags: number, buffer: SaClmClusterNotificationBuffer | null): Promise<number> {
  const h = live(handle);
  if (!h) return SA_AIS_ERROR.SA_AIS_ERR_BAD_HANDLE;
  if ((trackFlags & SA_TRACK_CHANGES) && (trackFlags & SA_TRACK_CHANGES_ONLY)) return SA_AIS_ERROR.SA_AIS_ERR_BAD_FLAGS;
  if (trackFlags & ~(SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)) return SA_AIS_ERROR.SA_AIS_ERR_BAD_FLAGS;
  if (buffer && buffer.notification !== null && buffer.numberOfItems === 0) return SA_AIS_ERROR.SA_AIS_ERR_INVALID_PARAM;
  const changes = (trackFlags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)) !== 0;
  if (!h.callbacks.saClmClusterTrackCallback && (buffer === null || changes)) return SA_AIS_ERROR.SA_AIS_ERR_INIT;
  const answer = await ask(h, { kind: 'track', flags: trackFlags });
  if (typeof answer === 'number') return answer;
  if (answer.error !== 'SA_AIS_OK') return SA_AIS_ERROR[answer.error];
  if (changes) h.tracking = true;
  const view = answer.value.kind === 'track' ? answer.value.view : undefined;
  if (view === undefined) return OK;
  const filled = toBuffer(view);
  if (buffer === null) {
    queue(h, () => h.callbacks.saClmClusterTrackCallback?.(filled, view.numberOfMembers, OK));
    return OK;
  }
  buffer.viewNumber = filled.viewNumber;
  if (buffer.notification !== null && buffer.numberOfItems < filled.numberOfItems) {
    buffer.numberOfItems = filled.numberOfItems;
    return SA_AIS_ERROR.SA_AIS_ERR_NO_SPACE;
  }
  buffer.numberOfItems = filled.numberOfItems;
  buffer.notification = filled.notification;
  return OK;
}

/** saClmClusterTrackStop: NOT_EXIST when the handle is not tracking changes. */
export async function saClmClusterTrackStop(handle: number): Promise<number> {
  const h = live(handle);
  if (!h) return SA_AIS_ERROR.SA_AIS_ERR_BAD_HANDLE;
  const answer = await ask(h, { kind: 'trackStop' });
  if (typeof answer === 'number') return answer;
  if (answer.error === 'SA_AIS_OK') h.tracking = false;
  return SA_AIS_ERROR[answer.error];
}

/** saClmClusterNodeGet: `timeout` in ns (bigint, SA_TIME_END for none); 0 is TIMEOUT, checked before the handle. */
export async function saClmClusterNodeGet(handle: number, nodeId: number, timeout: bigint, out: { clusterNode?: ClmNode } | null): Promise<number> {
  if (!out) return SA_AIS_ERROR.SA_AIS_ERR_INVALID_PARAM;
  if (timeout === 0n) return SA_AIS_ERROR.SA_AIS_ERR_TIMEOUT;
  const h = live(handle);
  if (!h) return SA_AIS_ERROR.SA_AIS_ERR_BAD_HANDLE;
  const answer = await ask(h, { kind: 'nodeGet', nodeId });
  if (typeof answer === 'number') return answer;
  if (answer.error !== 'SA_AIS_OK') return SA_AIS_ERROR[answer.error];
  if (answer.value.kind === 'nodeGet') out.clusterNode = toClmNode(answer.value.node, true);
  return OK;
}

/** saClmClusterNodeGetAsync: OK, then one callback with NOT_EXIST (and a null node) for an unknown id. */
export async function saClmClusterNodeGetAsync(handle: number, invocation: number, nodeId: number): Promise<number> {
  const h = live(handle);
  if (!h) return SA_AIS_ERROR.SA_AIS_ERR_BAD_HANDLE;
  if (!h.callbacks.saClmClusterNodeGetCallback) return SA_AIS_ERROR.SA_AIS_ERR_INIT;
  const answer = await ask(h, { kind: 'nodeGet', nodeId });
  if (typeof answer === 'number') return answer;
  if (answer.error === 'SA_AIS_OK' && answer.value.kind === 'nodeGet') {
    const node = toClmNode(answer.value.node, true);
    queue(h, () => h.callbacks.saClmClusterNodeGetCallback?.(invocation, node, OK));
  } else {
    const error = SA_AIS_ERROR[answer.error];
    queue(h, () => h.callbacks.saClmClusterNodeGetCallback?.(invocation, null, error));
  }
  return OK;
}

/** saClmDispatch: flags checked before the handle; ONE and ALL never block; BLOCKING runs until finalize. */
export async function saClmDispatch(handle: number, dispatchFlags: number): Promise<number> {
  if (dispatchFlags !== SA_DISPATCH_ONE && dispatchFlags !== SA_DISPATCH_ALL && dispatchFlags !== SA_DISPATCH_BLOCKING) {
    return SA_AIS_ERROR.SA_AIS_ERR_INVALID_PARAM;
  }
  const h = live(handle);
  if (!h) return SA_AIS_ERROR.SA_AIS_ERR_BAD_HANDLE;
  if (dispatchFlags === SA_DISPATCH_ONE) {
    h.pending.shift()?.();
    return OK;
  }
  if (dispatchFlags === SA_DISPATCH_ALL) {
    while (h.pending.length > 0) h.pending.shift()!();
    return OK;
  }
  while (!h.finalizing) {
    while (h.pending.length > 0 && !h.finalizing) h.pending.shift()!();
    if (h.finalizing || h.ipc.closed) break;
    await new Promise<void>((resolve) => (h.wake = resolve));
    h.wake = undefined;
  }
  return OK;
}

/** Callbacks waiting for saClmDispatch on `handle` (what a readable selection object would say). */
export function saClmPendingCallbacks(handle: number): number {
  return live(handle)?.pending.length ?? 0;
}
