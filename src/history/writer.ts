/**
 * Where a node's history goes: a buffered file writer for the daemon and the tools, an array sink
 * for the simulator. Both validate every record through records.ts.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { recordProblem, serializeRecord, type HistoryRecord } from './records.js';

/** Where a node's history goes. Both writers validate every record (a bad one is a programmer error). */
export interface HistorySink {
  write(record: HistoryRecord): void;
  close(): void;
}

/** The simulator's sink: records stay in memory, in order. */
export class MemoryHistoryWriter implements HistorySink {
  readonly records: HistoryRecord[] = [];
  private closed = false;

  write(record: HistoryRecord): void {
    if (this.closed) throw new Error('history writer is closed');
    const problem = recordProblem(record);
    if (problem !== undefined) throw new TypeError(`invalid history record: ${problem}`);
    this.records.push(record);
  }

  close(): void {
    this.closed = true;
  }

  /** The file this history would be: one line per record, each ending in a newline. */
  toText(): string {
    return this.records.map((r) => `${serializeRecord(r)}\n`).join('');
  }
}

/** Arms a one-shot timer for `flush` after `delayMs`; returns a function that cancels it. */
export type FlushScheduler = (flush: () => void, delayMs: number) => () => void;

/** The daemon's scheduler: a real timer that does not keep the process alive. */
export const timerScheduler: FlushScheduler = (flush, delayMs) => {
  const timer = setTimeout(flush, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface HistoryWriterOptions {
  /** Longest time a written record stays buffered. Default 100 ms (history.md). */
  readonly flushIntervalMs?: number;
  /**
   * Arms the flush timer. Default: `timerScheduler`. `null`: no timer, the owner calls `flush()`
   * or `close()` (the simulator writes synchronously at the end).
   */
  readonly scheduler?: FlushScheduler | null;
  /** Appends text to the file. Default: `fs.appendFileSync`. */
  readonly append?: (path: string, text: string) => void;
  /** Start from an empty file instead of appending to what is there. Default false: a restart appends. */
  readonly truncate?: boolean;
  /**
   * Most records held while the file cannot be written; beyond it records are counted in
   * `dropped` instead of buffered, so a full disk degrades the history, never the daemon.
   * Default 100,000.
   */
  readonly maxPending?: number;
  /** Called when a timer-driven flush fails; the records stay buffered for the next attempt. */
  readonly onError?: (error: unknown) => void;
}

export const HISTORY_FLUSH_INTERVAL_MS = 100;
export const HISTORY_MAX_PENDING = 100_000;

/**
 * Buffered writer for one history file. `write` buffers a line; the first buffered line arms a
 * flush `flushIntervalMs` later, so no record waits longer than that; `close` flushes the rest.
 * An explicit `flush()` or `close()` throws if the file cannot be written; a timer flush reports
 * through `onError` and keeps the records.
 */
export class HistoryWriter implements HistorySink {
  private buffer: string[] = [];
  private cancelTimer: (() => void) | undefined;
  private closed = false;
  private droppedCount = 0;
  private readonly flushIntervalMs: number;
  private readonly scheduler: FlushScheduler | null;
  private readonly append: (path: string, text: string) => void;
  private readonly maxPending: number;
  private readonly onError: ((error: unknown) => void) | undefined;

  constructor(readonly path: string, options: HistoryWriterOptions = {}) {
    this.flushIntervalMs = options.flushIntervalMs ?? HISTORY_FLUSH_INTERVAL_MS;
    this.scheduler = options.scheduler === undefined ? timerScheduler : options.scheduler;
    this.append = options.append ?? ((p, text) => appendFileSync(p, text, 'utf8'));
    this.maxPending = options.maxPending ?? HISTORY_MAX_PENDING;
    this.onError = options.onError;
    if (options.truncate) writeFileSync(path, '', 'utf8');
  }

  /** Records buffered and not yet flushed. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Records not kept because `maxPending` were already waiting. */
  get dropped(): number {
    return this.droppedCount;
  }

  write(record: HistoryRecord): void {
    if (this.closed) throw new Error(`history writer for ${this.path} is closed`);
    const line = `${serializeRecord(record)}\n`;
    if (this.buffer.length >= this.maxPending) {
      this.droppedCount++;
      return;
    }
    this.buffer.push(line);
    this.armTimer();
  }

  /** Appends everything buffered to the file now. */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.buffer.length === 0) return;
    this.append(this.path, this.buffer.join(''));
    this.buffer = [];
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private armTimer(): void {
    if (this.cancelTimer !== undefined || this.scheduler === null) return;
    this.cancelTimer = this.scheduler(() => {
      this.cancelTimer = undefined;
      try {
        this.flush();
      } catch (error) {
        this.onError?.(error);
      }
    }, this.flushIntervalMs);
  }
}
