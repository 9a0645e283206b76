/**
 * The corosync.conf syntax (Corosync's exec/coroparse.c), as a tree that remembers lines:
 *
 *   # a comment: '#' as the first non-blank character of a line
 *   totem {                  a section: a name, optionally ':', then '{' ending the line
 *       token: 3000          a key: a name, ':', and the rest of the line (trimmed) as value
 *       cluster_name: "a b"  one pair of surrounding quotes is removed
 *   }                        '}' alone on its line
 *
 * Sections may repeat (several `node {}` in `nodelist {}`); the tree keeps every occurrence in
 * order. There are no inline comments: in `token: 3000 # ms` the value is `3000 # ms`, as in
 * Corosync. Keys outside any section are syntactically fine (Corosync accepts them too); the
 * schema decides what they mean. Unlike Corosync, which stops at the first problem, the parser
 * reports every line it cannot read, and an unclosed section at the line that opened it.
 * It never throws: problems come back as values.
 */
import { IssueSink, quote, type ConfigIssue } from './issues.js';

export interface ConfKey {
  readonly kind: 'key';
  readonly name: string;
  readonly value: string;
  /** The value was written in quotes (which are not part of `value`). */
  readonly quoted: boolean;
  readonly line: number;
}

export interface ConfSection {
  readonly kind: 'section';
  /** '' for the root, which stands for the whole file (line 0). */
  readonly name: string;
  readonly line: number;
  /** Line of the closing '}' (for the root: the last line of the file). */
  readonly endLine: number;
  readonly entries: readonly ConfEntry[];
}

export type ConfEntry = ConfKey | ConfSection;

export type ParseResult =
  | { readonly ok: true; readonly root: ConfSection }
  | { readonly ok: false; readonly errors: ConfigIssue[] };

/** Bounds: a corosync.conf is a few kilobytes; Corosync's own key paths cap nesting near here. */
export const CONFIG_TEXT_MAX = 1024 * 1024;
export const NESTING_MAX = 16;

/** Corosync's keys and sections are all spelled with these (icmap allows a few more). */
const NAME = /^[A-Za-z0-9_-]+$/;

interface OpenSection {
  readonly section: { name: string; line: number; endLine: number; entries: ConfEntry[]; kind: 'section' };
  readonly path: string;
  readonly indent: string;
}

interface ParseState {
  readonly sink: IssueSink;
  readonly stack: OpenSection[];
  lastClosed?: { path: string; line: number; closeLine: number };
  misindented?: { path: string; line: number; closeLine: number };
}

export function parseConf(text: string, source = 'corosync.conf'): ParseResult {
  const sink = new IssueSink(source);
  if (text.length > CONFIG_TEXT_MAX) {
    sink.error(1, '', `the file has ${text.length} characters, more than the ${CONFIG_TEXT_MAX} accepted (a corosync.conf is a few kilobytes)`);
    return { ok: false, errors: sink.finish().errors };
  }
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  const root: OpenSection = { section: { kind: 'section', name: '', line: 0, endLine: lines.length, entries: [] }, path: '', indent: '' };
  const state: ParseState = { sink, stack: [root] };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    parseLine(state, raw, i + 1);
  }
  reportUnclosed(state);
  if (sink.failed) return { ok: false, errors: sink.finish().errors };
  return { ok: true, root: root.section };
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function parseLine(state: ParseState, raw: string, line: number): void {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return;
  if (text === '}') closeSection(state, raw, line);
  else if (text.endsWith('{') && !/^[^{]*:\s*["']/.test(text)) openSection(state, raw, text, line);
  else parseKey(state, text, line);
}

function openSection(state: ParseState, raw: string, text: string, line: number): void {
  const { sink, stack } = state;
  const parent = stack[stack.length - 1]!;
  let name = text.slice(0, -1).trim();
  if (name.endsWith(':')) name = name.slice(0, -1).trim();
  if (name === '') {
    sink.error(line, parent.path, "'{' without a section name before it");
  } else if (name.includes('{')) {
    sink.error(line, parent.path, `two '{' on one line (${quote(text)}): open one section per line`);
  } else if (!NAME.test(name)) {
    sink.error(line, join(parent.path, name), `invalid section name ${quote(name)}: use letters, digits, '_' and '-'`);
  } else if (stack.length > NESTING_MAX) {
    sink.error(line, join(parent.path, name), `sections nested more than ${NESTING_MAX} deep`);
  }
  // Even a bad section is pushed, so the braces after it still pair up and later lines are checked.
  const section = { kind: 'section' as const, name, line, endLine: line, entries: [] as ConfEntry[] };
  parent.section.entries.push(section);
  stack.push({ section, path: join(parent.path, name), indent: raw.slice(0, raw.length - raw.trimStart().length) });
}

function closeSection(state: ParseState, raw: string, line: number): void {
  const { sink, stack } = state;
  if (stack.length === 1) {
    const last = state.lastClosed;
    const hint = last ? ` (the last one, ${last.path}, opened at line ${last.line}, was closed at line ${last.closeLine})` : '';
    sink.error(line, last?.path ?? '', `unexpected '}': no section is open${hint}`);
    return;
  }
  const open = stack.pop()!;
  open.section.endLine = line;
  const indent = raw.slice(0, raw.length - raw.trimStart().length);
  if (indent !== open.indent && !state.misindented) {
    state.misindented = { path: open.path, line: open.section.line, closeLine: line };
  }
  state.lastClosed = { path: open.path, line: open.section.line, closeLine: line };
}

function parseKey(state: ParseState, text: string, line: number): void {
  const { sink, stack } = state;
  const parent = stack[stack.length - 1]!;
  const colon = text.indexOf(':');
  const brace = text.search(/[{}]/);
  if (colon < 0 || (brace >= 0 && brace < colon)) {
    badLine(state, text, line, brace >= 0 ? text[brace]! : '');
    return;
  }
  const name = text.slice(0, colon).trim();
  const key = join(parent.path, name);
  if (!NAME.test(name)) {
    sink.error(line, join(parent.path, name === '' ? '?' : name), name === ''
      ? "':' without a key name before it"
      : `invalid key name ${quote(name)}: use letters, digits, '_' and '-'`);
    return;
  }
  let value = text.slice(colon + 1).trim();
  let quoted = false;
  const q = value[0];
  if (q === '"' || q === "'") {
    if (value.length < 2 || !value.endsWith(q)) {
      const hint = value.includes('#') ? " ('#' starts a comment only at the beginning of a line)" : '';
      sink.error(line, key, `unterminated quote in ${quote(value)}: the value must end with ${q}${hint}`);
      return;
    }
    value = value.slice(1, -1);
    quoted = true;
  } else if (value.includes('{')) {
    sink.error(line, key, `unexpected '{' in the value ${quote(value)}: a section's '{' must end its line (quote a value that contains '{')`);
    return;
  } else if (value.includes('}')) {
    sink.error(line, key, `unexpected '}' in the value ${quote(value)}: '}' must stand alone on its line (quote a value that contains '}')`);
    return;
  }
  parent.section.entries.push({ kind: 'key', name, value, quoted, line });
}

function badLine(state: ParseState, text: string, line: number, brace: string): void {
  const parent = state.stack[state.stack.length - 1]!;
  const word = /^[A-Za-z0-9_-]+/.exec(text)?.[0];
  const key = word ? join(parent.path, word) : parent.path;
  if (brace === '{') {
    state.sink.error(line, key, `text after '{' in ${quote(text)}: a section's '{' must end its line, one key per line`);
  } else if (brace === '}') {
    state.sink.error(line, key, `${quote(text)}: '}' must stand alone on its line`);
  } else {
    const hint = word && word !== text ? ` (a ':' missing after ${word}?)` : '';
    state.sink.error(line, key, `expected "key: value", "name {" or "}", got ${quote(text)}${hint}`);
  }
}

function reportUnclosed(state: ParseState): void {
  const open = state.stack.slice(1);
  for (const [i, s] of open.entries()) {
    const m = state.misindented;
    const hint = i === 0 && m
      ? `; the '}' at line ${m.closeLine} closes ${m.path} (opened at line ${m.line}) but is not indented like that line: is a '}' missing above it?`
      : '';
    state.sink.error(s.section.line, s.path, `section opened here is never closed (missing '}')${hint}`);
  }
}
