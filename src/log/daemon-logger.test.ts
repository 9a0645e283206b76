/** The daemon logger: destinations, levels, timestamps, reload and reopen after rotation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggingSettings } from '../config/types.js';
import { createDaemonLogger } from './daemon-logger.js';

const base: LoggingSettings = { toStderr: true, toLogfile: false, toSyslog: false, debug: 'off', timestamp: 'hires', subsystems: [] };

function memory(): { write(line: string): void; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  return { write: (line) => chunks.push(line), lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

const fileLines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('stderr only by default, at info, with an ISO time and the node id', () => {
  const err = memory();
  const { logger, close } = createDaemonLogger(base, { nodeId: 3, stderr: err });
  logger.debug('hidden');
  logger.info('shown');
  close();
  const lines = err.lines();
  assert.deepEqual(lines.map((l) => l.msg), ['shown']);
  assert.equal(lines[0]!.node, 3);
  assert.match(String(lines[0]!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('to_logfile writes the file (creating its directory); timestamp off drops the time; to_stderr no silences stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-log-'));
  const path = join(dir, 'sub', 'ringcast.log');
  const err = memory();
  const { logger, close } = createDaemonLogger({ ...base, toStderr: false, toLogfile: true, logfile: path, timestamp: 'off' }, { nodeId: 1, stderr: err });
  logger.info('to the file');
  close();
  assert.deepEqual(err.lines(), []);
  const lines = fileLines(path);
  assert.deepEqual(lines.map((l) => l.msg), ['to the file']);
  assert.equal('time' in lines[0]!, false);
});

test('reload: the level changes at once, and a rotated file is reopened at its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-log-'));
  const path = join(dir, 'ringcast.log');
  const settings: LoggingSettings = { ...base, toStderr: false, toLogfile: true, logfile: path };
  const { logger, reload, close } = createDaemonLogger(settings, { nodeId: 1, stderr: memory() });
  logger.info('before rotation');
  logger.debug('not yet');
  renameSync(path, `${path}.1`);
  reload({ ...settings, debug: 'on' });
  logger.debug('after rotation');
  close();
  assert.deepEqual(fileLines(`${path}.1`).map((l) => l.msg), ['before rotation']);
  assert.deepEqual(fileLines(path).map((l) => l.msg), ['after rotation']);
});

test('reload can move the log file; to_syslog is explained once, not refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-log-'));
  const first = join(dir, 'a.log');
  const second = join(dir, 'b.log');
  const err = memory();
  const { logger, reload, close } = createDaemonLogger({ ...base, toLogfile: true, logfile: first, toSyslog: true }, { nodeId: 1, stderr: err });
  logger.info('one');
  reload({ ...base, toLogfile: true, logfile: second, toSyslog: true });
  logger.info('two');
  close();
  assert.deepEqual(fileLines(first).map((l) => l.msg).filter((m) => m !== undefined && !String(m).startsWith('logging.to_syslog')), ['one']);
  assert.deepEqual(fileLines(second).map((l) => l.msg), ['two']);
  assert.equal(err.lines().filter((l) => String(l.msg).startsWith('logging.to_syslog')).length, 1);
  assert.equal(existsSync(second), true);
});

test('format: auto is text on a terminal and JSON otherwise; text and json force it; the log file is JSON unless text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-log-'));
  const raw = (): { write(line: string): void; text: () => string } => {
    const chunks: string[] = [];
    return { write: (line) => chunks.push(line), text: () => chunks.join('') };
  };
  const tty = raw();
  const a = createDaemonLogger({ ...base, toLogfile: true, logfile: join(dir, 'auto.log') }, { nodeId: 2, stderr: tty, stderrIsTty: true });
  a.logger.info({ ring: '1.8', err: Object.assign(new Error('boom'), { code: 'EX' }) }, 'Ring formed');
  a.close();
  assert.match(tty.text(), /^\d\d:\d\d:\d\d\.\d{3} info  node 2: Ring formed {2}ring=1\.8 err="boom \[EX\]"\n$/);
  assert.equal(fileLines(join(dir, 'auto.log'))[0]!.msg, 'Ring formed', 'the file stays JSON under auto');
  const pipe = raw();
  const j = createDaemonLogger({ ...base, timestamp: 'off' }, { nodeId: 2, stderr: pipe, stderrIsTty: false });
  j.logger.warn('as JSON');
  j.close();
  assert.deepEqual(JSON.parse(pipe.text()), { level: 40, node: 2, msg: 'as JSON' });
  const forced = raw();
  const t = createDaemonLogger({ ...base, timestamp: 'off', format: 'text', toLogfile: true, logfile: join(dir, 'text.log') }, { nodeId: 5, stderr: forced, stderrIsTty: false });
  t.logger.error('as text');
  t.reload({ ...base, timestamp: 'off', format: 'json', toLogfile: true, logfile: join(dir, 'text.log') });
  t.logger.error('json again');
  t.close();
  assert.equal(forced.text().split('\n')[0], 'error node 5: as text');
  assert.deepEqual(JSON.parse(forced.text().split('\n')[1]!), { level: 50, node: 5, msg: 'json again' });
  assert.equal(readFileSync(join(dir, 'text.log'), 'utf8').split('\n')[0], 'error node 5: as text');
});
