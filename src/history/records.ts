/**
 * History files (docs/history.md): what one node saw, one JSON object per line. This
 * module owns the record types, their strict validation, one-line serialization, and parsing with
 * per-line errors; writer.ts writes files, read.ts reads them, ids.ts owns the ids inside. The
 * format is a stable interface read by tools outside the project: field names, values and
 * meanings must not change here without changing history.md.
 */
import { isBoot, parseMessageId, parseRingId, NODE_ID_MAX, type NodeId } from './ids.js';

/** First line of each process incarnation; a restart appends a new `start`. */
export interface StartRecord {
  readonly ev: 'start';
  readonly node: NodeId;
  /** Unique per process start; part of every message id the incarnation sends. */
  readonly boot: string;
  /**
   * The incarnation's first configuration is a ring it joined after the ring began (a process
   * joining a group mid-ring): in that first regular configuration it delivers only the ring's
   * later messages, so checkers hold it to a subset there, not to the same set.
   */
  readonly midRing?: true;
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

/**
 * Clean exit, after leaving the ring. `abandoned`: ids this process sent and had not delivered
 * when its bounded drain gave up (absent when nothing was abandoned).
 */
export interface StopRecord {
  readonly ev: 'stop';
  readonly abandoned?: readonly string[];
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
  if (typeof boot !== 'string' || !isBoot(boot)) return '"boot" must be a non-empty string without ":" or whitespace';
  if (o['midRing'] !== undefined && o['midRing'] !== true) return '"midRing" must be true when present';
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

function checkAbandoned(o: Fields): string | undefined {
  const abandoned = o['abandoned'];
  if (abandoned === undefined) return undefined;
  if (!Array.isArray(abandoned) || !abandoned.every((id) => typeof id === 'string' && parseMessageId(id) !== undefined)) {
    return '"abandoned" must be an array of message ids "<node>.<boot>:<counter>"';
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
    case 'stop': problem = checkAbandoned(o); break;
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
    case 'start':
      return o['midRing'] === true
        ? { ev: 'start', node: o['node'] as number, boot: o['boot'] as string, midRing: true }
        : { ev: 'start', node: o['node'] as number, boot: o['boot'] as string };
    case 'config':
      return { ev: 'config', kind: o['kind'] as ConfigKind, ring: o['ring'] as string, members: [...(o['members'] as number[])] };
    case 'send': return { ev: 'send', id: o['id'] as string };
    case 'deliver': return { ev: 'deliver', id: o['id'] as string, from: o['from'] as number };
    case 'stop': return o['abandoned'] === undefined ? { ev: 'stop' } : { ev: 'stop', abandoned: [...(o['abandoned'] as string[])] };
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
    case 'start': return `{"ev":"start","node":${r.node},"boot":${JSON.stringify(r.boot)}${r.midRing ? ',"midRing":true' : ''}${t}}`;
    case 'config':
      return `{"ev":"config","kind":"${r.kind}","ring":"${r.ring}","members":[${r.members.join(',')}]${t}}`;
    case 'send': return `{"ev":"send","id":${JSON.stringify(r.id)}${t}}`;
    case 'deliver': return `{"ev":"deliver","id":${JSON.stringify(r.id)},"from":${r.from}${t}}`;
    case 'stop':
      return r.abandoned === undefined ? `{"ev":"stop"${t}}` : `{"ev":"stop","abandoned":[${r.abandoned.map((id) => JSON.stringify(id)).join(',')}]${t}}`;
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
