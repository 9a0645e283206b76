/** Reading a history file from disk; parsing and its per-line errors are records.ts's. */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseHistory, type ParsedHistory } from './records.js';

export async function readHistoryFile(path: string): Promise<ParsedHistory> {
  return parseHistory(await readFile(path, 'utf8'));
}

export function readHistoryFileSync(path: string): ParsedHistory {
  return parseHistory(readFileSync(path, 'utf8'));
}
