/**
 * The daemon's log lines for people: pino writes one JSON object a line, and on a terminal (or
 * with `logging { format: text }`) each is rendered as
 *
 *   02:10:52.123 info  node 1: Completed service synchronization, ready to provide service. ring=1.8
 *
 * time (as `timestamp` asks), level, node, message, then the record's other fields as key=value.
 * An error shows its message and code, not its stack (the stack is in the JSON format).
 */
import type { DestinationStream } from 'pino';

const LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields every record has, shown in the line's head rather than as key=value. */
const HEAD_FIELDS = new Set(['level', 'time', 'node', 'msg', 'pid', 'hostname']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
    const e = v as { message: string; code?: unknown };
    return JSON.stringify(typeof e.code === 'string' ? `${e.message} [${e.code}]` : e.message);
  }
  return JSON.stringify(v) ?? String(v);
}

/** One JSON log line as text; a line that is not a JSON object is returned as it is. */
export function formatLogLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    rec = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof rec['time'] === 'string' ? `${(rec['time'] as string).slice(11, 23)} ` : '';
  const level = (LEVELS[rec['level'] as number] ?? String(rec['level'])).padEnd(5);
  const node = rec['node'] === undefined ? '' : `node ${String(rec['node'])}: `;
  const extra = Object.entries(rec).filter(([k]) => !HEAD_FIELDS.has(k)).map(([k, v]) => `${k}=${value(v)}`);
  return `${time}${level} ${node}${String(rec['msg'] ?? '')}${extra.length ? `  ${extra.join(' ')}` : ''}`;
}

/** A destination that renders each JSON line as text before handing it on. */
export class TextDestination implements DestinationStream {
  constructor(private readonly inner: DestinationStream) {}

  write(chunk: string): void {
    // pino hands over whole lines, each ending in a newline.
    const body = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
    this.inner.write(`${body.split('\n').map(formatLogLine).join('\n')}\n`);
  }
}
