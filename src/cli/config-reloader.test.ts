/** ConfigReloader: a broken or unreadable file changes nothing; refused keys are logged; listeners get the effective configuration. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig, type RingcastConfig } from '../config/index.js';
import { ConfigReloader } from './config-reloader.js';

const file = (token: string, name = 'one'): string =>
  `totem {\n  cluster_name: ${name}\n  token: ${token}\n  crypto_cipher: none\n  crypto_hash: none\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 1\n  }\n}\n`;

function setup(initial: string) {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l)); done(); } });
  const loaded = loadConfig(initial, '/etc/c.conf');
  assert.ok(loaded.ok);
  let text: string | Error = initial;
  const reloader = new ConfigReloader('/etc/c.conf', loaded.config, pino(sink), () => {
    if (text instanceof Error) throw text;
    return text;
  });
  const heard: RingcastConfig[] = [];
  reloader.onConfigReloaded((c) => heard.push(c));
  return { reloader, lines, heard, set: (t: string | Error) => (text = t) };
}

test('applied and refused keys; the listener gets the effective configuration', () => {
  const s = setup(file('1000'));
  s.set(file('2000', 'two'));
  const out = s.reloader.reload('cfg reload');
  assert.equal(out.ok, true);
  assert.ok(out.applied.includes('totem.token'));
  assert.deepEqual(out.refused, ['totem.cluster_name']);
  assert.equal(s.heard.length, 1);
  assert.equal(s.heard[0]!.totem.timing.token, 2000);
  assert.equal(s.heard[0]!.totem.clusterName, 'one', 'the refused key keeps its running value');
  assert.equal(s.reloader.current, s.heard[0]);
  assert.ok(s.lines.some((l) => l.msg === "cfg reload: Modified entry 'totem.cluster_name' in corosync.conf cannot be changed at run-time"));
});

test('a file with an error or one that cannot be read changes nothing; a listener that throws makes the reload fail', () => {
  const s = setup(file('1000'));
  const before = s.reloader.current;
  s.set(file('soon'));
  const bad = s.reloader.reload('SIGHUP');
  assert.equal(bad.ok, false);
  assert.match(bad.message, /^\/etc\/c\.conf:3: totem\.token: /);
  s.set(new Error('EACCES: permission denied'));
  const unreadable = s.reloader.reload('SIGHUP');
  assert.match(unreadable.message, /cannot read \/etc\/c\.conf: EACCES/);
  assert.equal(s.reloader.current, before);
  assert.equal(s.heard.length, 0, 'no listener heard a failed reload');
  s.reloader.onConfigReloaded(() => {
    throw new Error('log file not writable');
  });
  s.set(file('1500'));
  const failed = s.reloader.reload('SIGHUP');
  assert.equal(failed.ok, false);
  assert.match(failed.message, /log file not writable/);
});
