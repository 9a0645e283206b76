/**
 * The generic service handle and `ringcast log` against a real daemon: the ordered log appended
 * from the shell and read back, events from TRACK, an unknown service refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestDaemon } from '../src/daemon/testing.js';
import { connect, RingcastError } from '../src/client/index.js';
import { decodeAppendedEvent, encodeLine, OrderLogRequest } from '../src/protocol/orderlog.js';

const RINGCAST = join(process.cwd(), 'dist/src/cli/ringcast.js');

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> & { output: () => string } {
  const child = spawn(process.execPath, [RINGCAST, ...args]);
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (err += b));
  return Object.assign(new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ringcast ${args.join(' ')} did not finish: ${out} ${err}`));
    }, 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  }), { output: () => out });
}

async function until(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('ringcast log append, read and watch; client.service() requests and events; an unknown service is CS_ERR_NOT_EXIST', { timeout: 60_000 }, async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const client = await connect({ stateDir: d.stateDir });
  t.after(() => client.close());

  await assert.rejects(client.service('nope'), (e: RingcastError) => e.code === 'CS_ERR_NOT_EXIST' || e.code === 'CS_ERR_LIBRARY');

  const log = await client.service('orderlog');
  await log.request(OrderLogRequest.track);
  const watcher = cli(['log', 'watch', '--count', '2', '--state-dir', d.stateDir]);
  // The watcher says so once its TRACK was answered: from then on it hears every append.
  await until(() => watcher.output().startsWith('watching the ordered log on node 1'), 'the watcher to track');
  const appended = await cli(['log', 'append', 'first line', 'second line', '--state-dir', d.stateDir]);
  assert.equal(appended.code, 0, appended.err);
  assert.equal(appended.out, '1: first line\n2: second line\n');
  const read = await cli(['log', 'read', '--state-dir', d.stateDir]);
  assert.equal(read.code, 0, read.err);
  assert.match(read.out, /^2 line\(s\) appended in all, hash [0-9a-f]{16}; the last 2:\n1: first line\n2: second line\n$/);
  const json = JSON.parse((await cli(['log', 'read', '--last', '1', '--json', '--state-dir', d.stateDir])).out) as { count: number; lines: string[] };
  assert.deepEqual([json.count, json.lines], [2, ['second line']]);

  // The handle tracked before the appends: it heard both, as events, in order (kept until this listener).
  const heard: string[] = [];
  log.on('event', (e) => {
    const v = decodeAppendedEvent(e.data);
    if (v.ok) heard.push(`${v.value.index} ${v.value.line}`);
  });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(heard, ['1 first line', '2 second line']);
  await assert.rejects(log.request(OrderLogRequest.append, encodeLine('a\nb')), { code: 'CS_ERR_INVALID_PARAM' });

  const bad = await cli(['log', 'append', 'x\ny', '--state-dir', d.stateDir]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /cannot append "x\\ny": a line must not contain a newline/);
  assert.match((await cli(['log', 'appned', '--state-dir', d.stateDir])).err, /unknown log command "appned" \(did you mean append\?\)/);
  const w = await watcher;
  assert.equal(w.code, 0, w.err);
  assert.equal(w.out, 'watching the ordered log on node 1 (Ctrl-C stops)\n1: first line\n2: second line\n');
});
