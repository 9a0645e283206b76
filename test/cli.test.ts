/**
 * The operator's commands as an operator runs them: `ringcast keygen` and `ringcast status`,
 * and `ringcastd` refusing a bad configuration with the line and the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RINGCAST = join(process.cwd(), 'dist/src/cli/ringcast.js');
const RINGCASTD = join(process.cwd(), 'dist/src/cli/ringcastd.js');

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('ringcast keygen writes a 0400 key and refuses to overwrite it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-cli-'));
  const key = join(dir, 'authkey');
  const first = run(RINGCAST, ['keygen', '-k', key]);
  assert.equal(first.code, 0, first.err);
  const st = statSync(key);
  assert.equal(st.mode & 0o777, 0o400);
  assert.ok(st.size >= 128);
  const second = run(RINGCAST, ['keygen', '-k', key]);
  assert.notEqual(second.code, 0);
  assert.match(second.err + second.out, /exist/i);
});

test('ringcast status finds the daemon through the flag or RINGCAST_STATE_DIR, and falls back to status.json of a live daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-status-'));
  const missing = run(RINGCAST, ['status', '--state-dir', dir]);
  assert.equal(missing.code, 2, 'no daemon: exit 2, as every command that needs one');
  assert.match(missing.err, /ringcastd is not running: nothing listens on .*ringcast\.sock/);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'status.json'), JSON.stringify({
    pid: process.pid, nodeId: 2, clusterName: 'lab', state: 'operational', ringId: '1.1c', members: [1, 2, 3],
    since: new Date().toISOString(), updated: new Date().toISOString(), counters: { framesIn: 10 },
    rates: { tokenRotationsPerSec: 5, deliveriesPerSec: 7 },
  }));
  const text = run(RINGCAST, ['status'], { RINGCAST_STATE_DIR: dir });
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /Ring ID: 1\.1c/);
  assert.match(text.out, /Members: 1 2 3/);
  const json = run(RINGCAST, ['status', '--state-dir', dir, '--json']);
  const parsed = JSON.parse(json.out) as { members: number[]; alive: boolean };
  assert.deepEqual(parsed.members, [1, 2, 3]);
  assert.equal(parsed.alive, true);
});

test('ringcastd names the line and the key of a bad configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-bad-'));
  const conf = join(dir, 'corosync.conf');
  writeFileSync(conf, 'totem {\n  version: 2\n  token: fast\n}\nnodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n  }\n}\n');
  const r = run(RINGCASTD, ['--config', conf, '--state-dir', dir]);
  assert.equal(r.code, 2);
  assert.match(r.err, /corosync\.conf:3: totem\.token/);
});

test('socket file group and mode from uidgid and ringcast.socket_mode; SIGHUP reloads: logging and totem timing at once, what needs a restart is named; a broken file changes nothing', async () => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-hup-'));
  const conf = join(dir, 'corosync.conf');
  const logfile = join(dir, 'log', 'ringcast.log');
  const file = (token: number, debug: string, extraNode = ''): string =>
    `totem {\n  version: 2\n  token: ${token}\n  token_coefficient: 0\n  crypto_cipher: none\n  crypto_hash: none\n}\n` +
    `nodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n  }\n${extraNode}}\n` +
    `logging {\n  to_stderr: yes\n  to_logfile: yes\n  logfile: ${logfile}\n  debug: ${debug}\n}\n` +
    `ringcast {\n  socket_mode: 0640\n}\nuidgid {\n  gid: 1\n}\n`;
  writeFileSync(conf, file(1000, 'off'));
  const daemon = spawn(process.execPath, [RINGCASTD, '--config', conf, '--state-dir', join(dir, 'state')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  daemon.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const until = async (what: RegExp, ms: number): Promise<void> => {
    const started = Date.now();
    while (!what.test(err)) {
      if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what} in:\n${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    await until(/ready to provide service/, 10_000);
    // uidgid.gid and ringcast.socket_mode shape the IPC socket file.
    const socket = statSync(join(dir, 'state', 'ringcast.sock'));
    assert.equal(socket.mode & 0o777, 0o640);
    assert.equal(socket.gid, 1);
    writeFileSync(conf, file(400, 'on', '  node {\n    ring0_addr: 127.0.0.2\n    nodeid: 2\n  }\n').replace('socket_mode: 0640', 'socket_mode: 0600'));
    daemon.kill('SIGHUP');
    await until(/SIGHUP: configuration reloaded/, 5_000);
    assert.match(err, /SIGHUP: configuration reloaded: [^\n]*totem\.token[^\n]* now in effect/);
    assert.match(err, /SIGHUP: configuration reloaded: [^\n]*logging\.debug/);
    assert.match(err, /SIGHUP: configuration reloaded: [^\n]*nodelist\.node\.1\.nodeid/, 'a node added to the nodelist is taken at once');
    assert.match(err, /Modified entry 'ringcast\.socket_mode' in corosync\.conf is read at start only: it takes effect when ringcastd restarts/);
    assert.match(err, /token 400 ms/, 'the new effective timing is logged');
    writeFileSync(conf, 'totem {\n  token: soon\n}\n');
    daemon.kill('SIGHUP');
    await until(/SIGHUP: configuration not reloaded: .*totem\.token/, 5_000);
  } finally {
    // A daemon that already exited (a port in use, say) has nothing left to wait for.
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
  }
  const { readFileSync } = await import('node:fs');
  assert.match(readFileSync(logfile, 'utf8'), /SIGHUP: configuration reloaded/, 'the log file gets the same lines');
});

test('ringcast --version, --help per command, "did you mean", and no Node parser messages', () => {
  const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
  const version = run(RINGCAST, ['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.out, `${pkg.version}\n`);
  const help = run(RINGCAST, ['--help']);
  assert.equal(help.code, 0);
  for (const command of ['keygen', 'status', 'members', 'cpg']) assert.match(help.out, new RegExp(`^  ${command} `, 'm'));
  for (const [args, first] of [[['status', '--help'], /^usage: ringcast status/], [['cpg', 'send', '--help'], /^usage: ringcast cpg/],
    [['keygen', '-h'], /^Usage: ringcast keygen/], [['help', 'members'], /^usage: ringcast members/]] as const) {
    const r = run(RINGCAST, [...args]);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, first, args.join(' '));
  }
  const typo = run(RINGCAST, ['memebrs']);
  assert.equal(typo.code, 2);
  assert.equal(typo.err, 'ringcast: unknown command "memebrs" (did you mean members?); "ringcast --help" lists the commands\n');
  const option = run(RINGCAST, ['status', '--sate-dir', '/tmp']);
  assert.equal(option.code, 2);
  assert.match(option.err, /^ringcast: unknown option --sate-dir \(did you mean --state-dir\?\)\n/);
  const negative = run(RINGCAST, ['cpg', 'send', 'g', '--count', '-5']);
  assert.equal(negative.code, 2);
  assert.match(negative.err, /^ringcast: --count must be an integer from 1 to \d+, not "-5"\n/);
  assert.doesNotMatch(negative.err + option.err, /ERR_PARSE_ARGS|positional argument|Did you forget/);
  const keygen = run(RINGCAST, ['keygen']);
  assert.equal(keygen.code, 2);
  assert.match(keygen.err, /say where to write the key with -k FILE/);
});

test('ringcastd: everyday mistakes are one line with a hint, no stack (unknown flag, port in use, address not on this host)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-errors-'));
  const key = join(dir, 'authkey');
  assert.equal(run(RINGCAST, ['keygen', '-k', key]).code, 0);
  const flag = run(RINGCASTD, ['--conf', 'x']);
  assert.equal(flag.code, 2);
  assert.equal(flag.err, 'ringcastd: unknown option --conf (did you mean --config?); "ringcastd --help" lists the options\n');
  const busy = createSocket('udp4');
  await new Promise<void>((resolve) => busy.bind(0, '127.0.0.1', resolve));
  const port = busy.address().port;
  try {
    const conf = (addr: string): string => {
      const path = join(dir, `${addr}.conf`);
      writeFileSync(path, `totem {\n  version: 2\n  cluster_name: t\n  keyfile: ${key}\n  mcastport: ${port}\n}\n` +
        `nodelist {\n  node {\n    ring0_addr: ${addr}\n    nodeid: 1\n  }\n}\nlogging {\n  to_stderr: no\n}\n`);
      return path;
    };
    const inUse = run(RINGCASTD, ['--config', conf('127.0.0.1'), '--state-dir', join(dir, 's')]);
    assert.equal(inUse.code, 2, inUse.err);
    assert.equal(inUse.err, `ringcastd: cannot bind UDP 127.0.0.1:${port}: the port is in use (another ringcastd or corosync for this address?); ` +
      'stop it (ringcast status --state-dir DIR shows a running ringcastd), or give this cluster another totem { mcastport }\n');
    const away = run(RINGCASTD, ['--config', conf('198.51.100.7'), '--state-dir', join(dir, 's')]);
    assert.equal(away.code, 2);
    assert.match(away.err, /^ringcastd: no nodelist entry names an address of this host \(nodelist: 1 \(198\.51\.100\.7\); this host: [^\n]*\); run ringcastd on one of the listed hosts, or put this host's address in the nodelist\n$/);
    const forced = run(RINGCASTD, ['--config', conf('198.51.100.7'), '--nodeid', '1', '--state-dir', join(dir, 's')]);
    assert.equal(forced.code, 2);
    assert.match(forced.err, /^ringcastd: --nodeid 1: its address 198\.51\.100\.7 is not an address of this host/);
    for (const r of [inUse, away, forced]) assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
  } finally {
    busy.close();
  }
});

test('ringcast check: the checker\'s verdict on a run\'s history files; a reordered delivery is named; exit codes 0, 1, 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-check-'));
  const sim = spawnSync(process.execPath, [join(process.cwd(), 'dist/src/sim/cli.js'), '--nodes', '3', '--seed', '7', '--faults', 'lossy', '--history-dir', dir], { encoding: 'utf8' });
  assert.equal(sim.status, 0, sim.stderr);
  const files = readdirSync(join(dir, 'seed-7')).map((f) => join(dir, 'seed-7', f)).sort();
  assert.equal(files.length, 3);
  const good = run(RINGCAST, ['check', ...files, '--converged']);
  assert.equal(good.code, 0, good.out + good.err);
  assert.match(good.out, /^3 history file\(s\): 3 node\(s\), 3 incarnation\(s\), \d+ configuration\(s\), \d+ send\(s\), \d+ deliveries of \d+ message\(s\)\nchecker: all EVS properties hold/);
  // Swap two consecutive deliveries of one node: the agreed order breaks.
  const lines = readFileSync(files[0]!, 'utf8').split('\n');
  const i = lines.findIndex((l, k) => l.includes('"deliver"') && lines[k + 1]?.includes('"deliver"'));
  [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
  const swapped = join(dir, 'swapped.jsonl');
  writeFileSync(swapped, lines.join('\n'));
  const bad = run(RINGCAST, ['check', swapped, files[1]!, files[2]!]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /checker: VIOLATIONS \(.*agreed-order \d+/);
  assert.match(bad.out, /^ {3}agreed-order: /m);
  const json = JSON.parse(run(RINGCAST, ['check', ...files, '--json']).out) as { ok: boolean; files: number };
  assert.deepEqual([json.ok, json.files], [true, 3]);
  writeFileSync(join(dir, 'junk.jsonl'), '{"ev":"bogus"}\n');
  const junk = run(RINGCAST, ['check', join(dir, 'junk.jsonl')]);
  assert.equal(junk.code, 1);
  assert.match(junk.out, /junk\.jsonl:1: not a history record: .*\nchecker: NOT JUDGED WHOLE/);
  assert.equal(run(RINGCAST, ['check']).code, 2);
  assert.match(run(RINGCAST, ['check', join(dir, 'missing')]).err, /^ringcast: check: cannot read .*missing/);
});

test('ringcastd --version and --help', () => {
  const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
  assert.equal(run(RINGCASTD, ['--version']).out, `${pkg.version}\n`);
  const help = run(RINGCASTD, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: ringcastd --config FILE/);
  assert.match(help.out, /--nodeid N/);
});
