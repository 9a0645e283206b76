/**
 * History files (shared/design/history.md): what one node saw, one JSON object per line. This
 * module owns the record types, their strict validation, one-line serialization, parsing with
 * per-line errors, and the writers (a buffered file writer for the daemon, an array sink for the
 * simulator). The format is a stable interface read by tools outside the project: field names,
 * values and meanings must not change here without changing history.md.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export type NodeId = number;

/** First line of each process incarnation; a restart appends a new `start`. */
export interface StartRecord {
  readonly ev: 'start';
  readonly node: NodeId;
  /** Unique per process start; part of every message id the incarnation sends. */
  readonly boot: string;
  readonly t?: number;
}

export type ConfigKind = 'transitional' | 'regular';

/** A configuration delivered to the application; `ring` is the new ring's id `<rep>.<seq>`. */
export interface ConfigRecord {
  readonly ev: 'config';
  readonly kind: ConfigKind;
  readonly ring: string;
  readonly members: readonly NodeId[];
  readonly t?: number;
}

/** The application handed message `id` (`<node>.<boot>:<counter>`) to the ring. */
export interface SendRecord {
  readonly ev: 'send';
  readonly id: string;
  readonly t?: number;
}

/** Message `id` from node `from` was delivered to the application. */
export interface DeliverRecord {
  readonly ev: 'deliver';
  readonly id: string;
  readonly from: NodeId;
  readonly t?: number;
}

/** Clean exit, after leaving the ring. */
export interface StopRecord {
  readonly ev: 'stop';
  readonly t?: number;
}

/** Appended by the simulator or a test harness after it killed the process. */
export interface CrashRecord {
  readonly ev: 'crash';
  readonly t?: number;
}

export type HistoryRecord = StartRecord | ConfigRecord | SendRecord | DeliverRecord | StopRecord | CrashRecord;
export type HistoryEvent = HistoryRecord['ev'];

export interface HistoryParseError {
  /** 1-based line number in the text. */
  readonly line: number;
  readonly message: string;
}

export interface ParsedHistory {
  readonly records: HistoryRecord[];
  readonly errors: HistoryParseError[];
}

// ---------------------------------------------------------------------------------------------
// Ring ids and message ids

export interface RingId {
  /** Node id of the ring's representative (the member that formed it). */
  readonly rep: NodeId;
  readonly seq: number;
}

export function formatRingId(rep: NodeId, seq: number): string {
  return `${rep}.${seq}`;
}

const RING_ID = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/** `"<rep>.<seq>"` as numbers, or undefined if the text is not a ring id. */
export function parseRingId(text: string): RingId | undefined {
  const m = RING_ID.exec(text);
  if (!m) return undefined;
  const rep = Number(m[1]);
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(rep) || !Number.isSafeInteger(seq) || rep > NODE_ID_MAX) return undefined;
  return { rep, seq };
}

export interface MessageId {
  readonly node: NodeId;
  readonly boot: string;
  /** From 1, one per message the incarnation sends. */
  readonly counter: number;
}

/** Corosync node ids are unsigned 32-bit. */
export const NODE_ID_MAX = 0xffff_ffff;

// The boot may contain dots but no colon or whitespace, so `<node>.<boot>:<counter>` splits
// unambiguously at the first dot and the last colon.
const BOOT = /^[^\s:]+$/;
const MESSAGE_ID = /^(0|[1-9][0-9]*)\.([^\s:]+):([1-9][0-9]*)$/;

export function formatMessageId(node: NodeId, boot: string, counter: number): string {
  return `${node}.${boot}:${counter}`;
}

/** `"<node>.<boot>:<counter>"` split into its parts, or undefined if malformed. */
export function parseMessageId(text: string): MessageId | undefined {
  const m = MESSAGE_ID.exec(text);
  if (!m) return undefined;
  const node = Number(m[1]);
  const counter = Number(m[3]);
  if (node > NODE_ID_MAX || !Number.isSafeInteger(counter)) return undefined;
  return { node, boot: m[2]!, counter };
}

// ---------------------------------------------------------------------------------------------
// Validation

function isNodeId(v: unknown): v is NodeId {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= NODE_ID_MAX;
}

type Fields = Record<string, unknown>;

function checkTime(o: Fields): string | undefined {
  if (o['t'] === undefined) return undefined;
  return typeof o['t'] === 'number' && Number.isFinite(o['t']) ? undefined : '"t" must be a finite number';
}

function checkStart(o: Fields): string | undefined {
  if (!isNodeId(o['node'])) return '"node" must be a node id (integer 0..2^32-1)';
  const boot = o['boot'];
  if (typeof boot !== 'string' || !BOOT.test(boot)) return '"boot" must be a non-empty string without ":" or whitespace';
  return undefined;
}

function checkConfig(o: Fields): string | undefined {
  if (o['kind'] !== 'transitional' && o['kind'] !== 'regular') return '"kind" must be "transitional" or "regular"';
  if (typeof o['ring'] !== 'string' || parseRingId(o['ring']) === undefined) return '"ring" must be "<rep>.<seq>"';
  const members = o['members'];
  if (!Array.isArray(members) || !members.every(isNodeId)) return '"members" must be an array of node ids';
  return undefined;
}

function checkId(o: Fields): string | undefined {
  if (typeof o['id'] !== 'string' || parseMessageId(o['id']) === undefined) {
    return '"id" must be "<node>.<boot>:<counter>" with counter >= 1';
  }
  return undefined;
}

/** Why `value` is not a valid history record, or undefined if it is one. Extra fields are allowed. */
export function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const o = value as Fields;
  const ev = o['ev'];
  let problem: string | undefined;
  switch (ev) {
    case 'start': problem = checkStart(o); break;
    case 'config': problem = checkConfig(o); break;
    case 'send': problem = checkId(o); break;
    case 'deliver': problem = checkId(o) ?? (isNodeId(o['from']) ? undefined : '"from" must be a node id'); break;
    case 'stop':
    case 'crash': break;
    default: return typeof ev === 'string' ? `unknown "ev" ${JSON.stringify(ev)}` : 'missing "ev"';
  }
  return problem === undefined ? checkTime(o) : `${ev}: ${problem}`;
}

/** A fresh record holding only the known fields of an already validated object. */
function pickRecord(o: Fields): HistoryRecord {
  const r = pickFields(o);
  return o['t'] === undefined ? r : { ...r, t: o['t'] as number };
}

function pickFields(o: Fields): HistoryRecord {
  switch (o['ev'] as HistoryEvent) {
    case 'start': return { ev: 'start', node: o['node'] as number, boot: o['boot'] as string };
    case 'config':
      return { ev: 'config', kind: o['kind'] as ConfigKind, ring: o['ring'] as string, members: [...(o['members'] as number[])] };
    case 'send': return { ev: 'send', id: o['id'] as string };
    case 'deliver': return { ev: 'deliver', id: o['id'] as string, from: o['from'] as number };
    case 'stop': return { ev: 'stop' };
    case 'crash': return { ev: 'crash' };
  }
}

// ---------------------------------------------------------------------------------------------
// Serialization and parsing

/** One JSON line (no newline), fields in the order history.md shows them, `t` last. */
export function serializeRecord(r: HistoryRecord): string {
  const problem = recordProblem(r);
  if (problem !== undefined) throw new TypeError(`invalid history record: ${problem}`);
  const t = r.t === undefined ? '' : `,"t":${JSON.stringify(r.t)}`;
  switch (r.ev) {
    case 'start': return `{"ev":"start","node":${r.node},"boot":${JSON.stringify(r.boot)}${t}}`;
    case 'config':
      return `{"ev":"config","kind":"${r.kind}","ring":"${r.ring}","members":[${r.members.join(',')}]${t}}`;
    case 'send': return `{"ev":"send","id":${JSON.stringify(r.id)}${t}}`;
    case 'deliver': return `{"ev":"deliver","id":${JSON.stringify(r.id)},"from":${r.from}${t}}`;
    case 'stop': return `{"ev":"stop"${t}}`;
    case 'crash': return `{"ev":"crash"${t}}`;
  }
}

/**
 * Parses a whole history file. Every line must be one valid record; a bad line is skipped and
 * reported with its 1-based number. Only the empty remainder after the final newline is ignored:
 * a blank line anywhere else is an error (the writer never produces one). `\r\n` is accepted.
 */
export function parseHistory(text: string): ParsedHistory {
  const records: HistoryRecord[] = [];
  const errors: HistoryParseError[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.trim() === '') {
      errors.push({ line: i + 1, message: 'empty line' });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push({ line: i + 1, message: `invalid JSON: ${(error as Error).message}` });
      continue;
    }
    const problem = recordProblem(value);
    if (problem !== undefined) errors.push({ line: i + 1, message: problem });
    else records.push(pickRecord(value as Fields));
  }
  return { records, errors };
}

export async function readHistoryFile(path: string): Promise<ParsedHistory> {
  return parseHistory(await readFile(path, 'utf8'));
}

export function readHistoryFileSync(path: string): ParsedHistory {
  return parseHistory(readFileSync(path, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// Writers

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
