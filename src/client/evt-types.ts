/**
 * The EVT handle's option, call and event types (evt.ts): what an application passes in and gets
 * out, apart from the handle, channel and subscription classes.
 */
import type { ReconnectOptions } from './link.js';
import type { BackoffOptions } from './backoff.js';
import type { SaAisError } from './sa-error.js';
import type { EvtPriority } from '../protocol/evt-lib.js';

export interface EvtVersion {
  readonly releaseCode: string;
  readonly major: number;
  readonly minor: number;
}

/** The one version the service speaks (OpenAIS's table holds exactly B.1.1). */
export const EVT_VERSION: EvtVersion = { releaseCode: 'B', major: 1, minor: 1 };

export interface EvtHandleOptions {
  /** Requested version: release 'B', major <= 1 (any minor) is accepted and answered B.1.1; else SA_AIS_ERR_VERSION. */
  readonly version?: EvtVersion;
  readonly reconnect?: boolean | ReconnectOptions;
  /** Retries of SA_AIS_ERR_TRY_AGAIN. Default 10 ms doubling to 500 ms, 60 tries. */
  readonly retry?: Partial<BackoffOptions>;
  /** Deliveries the handle buffers before the daemon holds them back. Default 256. */
  readonly creditWindow?: number;
  /**
   * Deliveries the daemon may put in one IPC frame (protocol version 2; a daemon without it sends
   * them one by one). Default 256; 0: one frame per delivery. Order and content are the same.
   */
  readonly batchDeliveries?: number;
  /**
   * With batches: an event that reaches several channel opens of this handle comes once, with
   * the list of opens and subscriptions it is for (protocol version 3; a daemon without it sends
   * one copy per open). Default true. What each subscription sees is the same either way, except
   * that the `data` and `patterns` of those deliveries are the same bytes (read them, do not
   * write into them; slice() for a private copy).
   */
  readonly shareDeliveries?: boolean;
  readonly pid?: number;
  readonly signal?: AbortSignal;
}

export interface EvtCallOptions {
  readonly signal?: AbortSignal;
}

export interface EvtOpenFlags {
  readonly create?: boolean;
  readonly publisher?: boolean;
  readonly subscriber?: boolean;
  /** 'openais': extra filters are ignored (OpenAIS's rule) for this channel handle. Default: the daemon's rule ('sa'). */
  readonly filterRule?: 'sa' | 'openais';
}

export type EvtFilterSpec =
  | { readonly type: 'prefix' | 'suffix' | 'exact'; readonly pattern: string | Uint8Array }
  | { readonly type: 'passAll' };

export interface EvtPublishOptions extends EvtCallOptions {
  readonly patterns?: readonly (string | Uint8Array)[];
  /** 0 (highest) .. 3 (lowest, the default). */
  readonly priority?: EvtPriority;
  /** Retention; 0 (default): not retained. */
  readonly retentionMs?: number;
  readonly retentionNs?: bigint;
  readonly publisherName?: string;
  readonly data?: string | Uint8Array;
}

export interface EvtEvent {
  readonly subscriptionId: number;
  readonly eventId: bigint;
  /** The lost-event notice: events for this handle were dropped (eventId 1). */
  readonly lost: boolean;
  readonly patterns: Uint8Array[];
  readonly priority: EvtPriority;
  readonly retentionNs: bigint;
  readonly publisherName: string;
  /** SaTimeT: ns since the epoch, as the publisher's clock read it. */
  readonly publishTimeNs: bigint;
  readonly publisherNodeId: number;
  readonly data: Uint8Array;
}

export interface EvtChannelInfo {
  readonly name: string;
  readonly instanceId: string;
  readonly unlinked: boolean;
  readonly opens: number;
  readonly retained: number;
}

export interface EvtHandleEvents {
  disconnected: [{ reason: string; detail: string; reconnecting: boolean }];
  reconnected: [{ mayHaveMissed: true; failed: { channel: string; error: SaAisError }[] }];
  close: [SaAisError | undefined];
}
