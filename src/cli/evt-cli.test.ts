/**
 * `ringcast evt ...` against a real daemon (in-process ringcastd on loopback): the stable flags and
 * JSON fields of issue 9, exit codes, the SA error name on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestDaemon } from '../daemon/testing.js';
import { parseEvtArgs } from './evt-args.js';

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), 'ringcast.js');

function runCli(args: string[], deadlineMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> & { child: ReturnType<typeof spawn>; lines: string[] } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RINGCAST_STATE_DIR: '' } });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  child.stdout.on('data', (c: Buffer) => {
    stdout += c;
    lines.splice(0, lines.length, ...stdout.split('\n').filter(Boolean));
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ringcast ${args.join(' ')} did not finish in ${deadlineMs} ms; stderr: ${stderr}`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return Object.assign(done, { child, lines });
}

test('evt argument parsing: defaults, repeated flags, bad values', () => {
  const p = parseEvtArgs(['publish', 'ch', '--pattern', 'a', '--pattern', 'b', '--retention-ms', '500', '--json']);
  assert.ok(p.ok && p.options.command === 'publish');
  assert.deepEqual([p.options.patterns, p.options.priority, p.options.retentionMs, p.options.count, p.options.json], [['a', 'b'], 3, 500, 1, true]);
  const s = parseEvtArgs(['subscribe', 'ch', '--filter', 'prefix:x', '--filter', 'all', '--filter', 'exact:']);
  assert.ok(s.ok && s.options.command === 'subscribe');
  assert.deepEqual(s.options.filters, [{ type: 'prefix', pattern: 'x' }, { type: 'passAll' }, { type: 'exact', pattern: '' }]);
  const none = parseEvtArgs(['subscribe', 'ch']);
  assert.ok(none.ok && none.options.command === 'subscribe');
  assert.deepEqual(none.options.filters, [{ type: 'passAll' }]);
  for (const bad of [['publish', 'ch', '--priority', '4'], ['publish', 'ch', '--data', 'x', '--data-file', 'f'], ['subscribe', 'ch', '--filter', 'regex:x'],
    ['clear', 'ch', 'abc'], ['clear', 'ch', '18446744073709551616'], ['unlink'], ['nope']]) {
    assert.equal(parseEvtArgs(bad).ok, false, bad.join(' '));
  }
});

test('ringcast evt publish | subscribe | channels | clear | unlink against a daemon', { timeout: 60_000 }, async (t) => {
  const d = await startTestDaemon();
  t.after(() => d.stop());
  const dir = ['--state-dir', d.stateDir];
  // A subscriber first (it creates the channel), then a publisher with a retained event.
  const sub = runCli(['evt', 'subscribe', 'cli', '--filter', 'prefix:or', '--count', '2', '--json', ...dir]);
  const deadline = Date.now() + 10_000;
  while (!(d.daemon.host.evt.table.active(new TextEncoder().encode('cli'))?.opens.size)) {
    if (Date.now() > deadline) throw new Error('the subscriber did not open the channel');
    await new Promise((r) => setTimeout(r, 10));
  }
  const file = join(d.stateDir, 'data.txt');
  writeFileSync(file, 'from a file');
  const pub = await runCli(['evt', 'publish', 'cli', '--pattern', 'order', '--pattern', 'x', '--priority', '1', '--retention-ms', '60000',
    '--publisher', 'tester', '--data-file', file, '--count', '2', '--json', ...dir]);
  assert.equal(pub.code, 0, pub.stderr);
  const ids = pub.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { eventId: string }).eventId);
  assert.equal(ids.length, 2);
  for (const id of ids) assert.match(id, /^\d+$/);
  const got = await sub;
  assert.equal(got.code, 0, got.stderr);
  const deliveries = got.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(deliveries.map((x) => x.eventId), ids);
  const first = deliveries[0]!;
  assert.deepEqual(Object.keys(first), ['subscriptionId', 'eventId', 'patterns', 'priority', 'retentionMs', 'publisher', 'publishTime', 'data', 'lost']);
  assert.deepEqual([first.patterns, first.priority, first.retentionMs, first.publisher, first.data, first.lost], [['order', 'x'], 1, 60000, 'tester', 'from a file', false]);
  assert.ok(Math.abs((first.publishTime as number) - Date.now()) < 60_000);

  // A filter that matches nothing: exits 0 at the timeout with no output.
  const quiet = await runCli(['evt', 'subscribe', 'cli', '--filter', 'exact:nothing', '--timeout-ms', '300', '--json', ...dir]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stdout, '');

  const listed = await runCli(['evt', 'channels', '--json', ...dir]);
  assert.equal(listed.code, 0, listed.stderr);
  const channels = (JSON.parse(listed.stdout) as { channels: { name: string; unlinked: boolean; retained: number }[] }).channels;
  assert.deepEqual(channels.map((c) => [c.name, c.unlinked, c.retained]), [['cli', false, 2]]);

  const cleared = await runCli(['evt', 'clear', 'cli', ids[0]!, ...dir]);
  assert.equal(cleared.code, 0, cleared.stderr);
  const again = await runCli(['evt', 'clear', 'cli', ids[0]!, ...dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /SA_AIS_ERR_NOT_EXIST/);

  const unlinked = await runCli(['evt', 'unlink', 'cli', ...dir]);
  assert.equal(unlinked.code, 0, unlinked.stderr);
  const missing = await runCli(['evt', 'unlink', 'cli', ...dir]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /SA_AIS_ERR_NOT_EXIST/);
  const usage = await runCli(['evt', 'publish', ...dir]);
  assert.equal(usage.code, 2);
});
