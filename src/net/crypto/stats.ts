/**
 * Counters for dropped frames and the rule for logging them: "the log says why, once, not per
 * packet". A (source, reason) pair is logged the first time it is seen, then at most once per
 * interval, and the line it earns reports how many were dropped silently since. A global budget
 * per interval keeps a flood from spoofed addresses (every packet a "new" source) from becoming
 * a log flood; the table of sources is bounded and forgets the least recently logged first.
 * Time comes in as `nowMs`; nothing here reads a clock.
 */
import type { OpenFailureCode } from './frame-crypto.js';

export interface DropCounters {
  authFailed: number;
  truncated: number;
  badVersion: number;
  wrongCipher: number;
}

export interface LogDecision {
  /** True when the caller should log this drop now. */
  readonly log: boolean;
  /** Drops of this reason from this source not logged since the last line that was (0 the first time). */
  readonly suppressed: number;
}

export interface CryptoStatsOptions {
  /** Default 10,000 ms. */
  readonly logIntervalMs?: number;
  /** Sources remembered at once; default 1024. */
  readonly sourcesMax?: number;
  /** Log lines allowed per interval over all sources; default 20. */
  readonly logLinesPerIntervalMax?: number;
}

export interface CryptoStats {
  readonly counters: Readonly<DropCounters>;
  /** Counts a dropped frame and says whether to log it. */
  record(code: OpenFailureCode, source: string, nowMs: number): LogDecision;
  total(): number;
}

export const COUNTER_BY_CODE: Readonly<Record<OpenFailureCode, keyof DropCounters>> = {
  AUTH_FAILED: 'authFailed',
  TRUNCATED: 'truncated',
  BAD_VERSION: 'badVersion',
  WRONG_CIPHER: 'wrongCipher',
};

interface SourceEntry {
  lastLoggedMs: number;
  suppressed: number;
}

export function createCryptoStats(options: CryptoStatsOptions = {}): CryptoStats {
  const intervalMs = options.logIntervalMs ?? 10_000;
  const sourcesMax = options.sourcesMax ?? 1024;
  const budgetMax = options.logLinesPerIntervalMax ?? 20;
  if (!(intervalMs >= 0) || !(sourcesMax >= 1) || !(budgetMax >= 1)) throw new RangeError('invalid crypto stats options');

  const counters: DropCounters = { authFailed: 0, truncated: 0, badVersion: 0, wrongCipher: 0 };
  /** Map order is the order of the last log line: the first entry is the one to forget. */
  const sources = new Map<string, SourceEntry>();
  let budgetWindowStartMs = -Infinity;
  let budgetUsed = 0;

  function takeBudget(nowMs: number): boolean {
    if (nowMs - budgetWindowStartMs >= intervalMs) {
      budgetWindowStartMs = nowMs;
      budgetUsed = 0;
    }
    if (budgetUsed >= budgetMax) return false;
    budgetUsed++;
    return true;
  }

  function record(code: OpenFailureCode, source: string, nowMs: number): LogDecision {
    counters[COUNTER_BY_CODE[code]]++;
    const key = `${code} ${source}`;
    let entry = sources.get(key);
    if (!entry) {
      if (sources.size >= sourcesMax) sources.delete(sources.keys().next().value!);
      entry = { lastLoggedMs: -Infinity, suppressed: 0 };
      sources.set(key, entry);
    }
    if (nowMs - entry.lastLoggedMs < intervalMs || !takeBudget(nowMs)) {
      entry.suppressed++;
      return { log: false, suppressed: entry.suppressed };
    }
    const suppressed = entry.suppressed;
    entry.lastLoggedMs = nowMs;
    entry.suppressed = 0;
    sources.delete(key);
    sources.set(key, entry);
    return { log: true, suppressed };
  }

  return {
    counters,
    record,
    total: () => counters.authFailed + counters.truncated + counters.badVersion + counters.wrongCipher,
  };
}
