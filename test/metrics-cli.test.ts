/**
 * ringcastd as a process with `ringcast { metrics_address: 127.0.0.1:0 }`: the port it chose is
 * in its log line and in status.json, a scrape answers, and a second ringcastd configured with
 * that very port stops at start with one line naming the key, the address and the cause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPorts } from '../src/net/testing.js';

const RINGCASTD = join(process.cwd(), 'dist/src/cli/ringcastd.js');

function config(dir: string, name: string, udpPort: number, metricsAddress: string | undefined): string {
  const path = join(dir, name);
  writeFileSync(path, `totem {\n  version: 2\n  cluster_name: m\n  token: 400\n  crypto_cipher: none\n  crypto_hash: none\n  mcastport: ${udpPort}\n}\n` +
    `nodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n  }\n}\nlogging {\n  to_stderr: yes\n}\n` +
    (metricsAddress === undefined ? '' : `ringcast {\n  metrics_address: ${metricsAddress}\n}\n`));
  return path;
}

/** A ringcastd process whose stdout and stderr are kept, with waits on them and a clean stop. */
interface RunningDaemon {
  readonly daemon: ChildProcess;
  /** Waits until `what` matches the process's stderr (or stdout), failing on exit or after `ms`. */
  until(what: RegExp, ms: number, stream?: 'stderr' | 'stdout'): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

function startRingcastd(args: readonly string[], nodeArgs: readonly string[] = []): RunningDaemon {
  const daemon = spawn(process.execPath, [...nodeArgs, RINGCASTD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const text = { stderr: '', stdout: '' };
  daemon.stderr!.on('data', (b: Buffer) => (text.stderr += b.toString()));
  daemon.stdout!.on('data', (b: Buffer) => (text.stdout += b.toString()));
  return {
    daemon,
    async until(what, ms, stream = 'stderr') {
      const started = Date.now();
      for (;;) {
        const m = what.exec(text[stream]);
        if (m) return m;
        if (daemon.exitCode !== null) throw new Error(`ringcastd exited ${daemon.exitCode}:\n${text.stderr}`);
        if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what} in:\n${text.stderr}\n${text.stdout}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (daemon.exitCode !== null || daemon.signalCode !== null) return;
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    },
  };
}

test('ringcastd: metrics_address port 0 is learnt from the log and status.json; the same port twice is a one-line start error; a reload leaves it', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-metrics-'));
  const [udp1, udp2] = await freeUdpPorts(2);
  const { daemon, until, stop } = startRingcastd(['--config', config(dir, 'a.conf', udp1!, '127.0.0.1:0'), '--state-dir', join(dir, 'a')]);
  try {
    const address = (await until(/metrics: Prometheus text at http:\/\/(127\.0\.0\.1:[0-9]+)\/metrics/, 10_000))[1]!;
    await until(/ready to provide service/, 10_000);
    const status = JSON.parse(readFileSync(join(dir, 'a', 'status.json'), 'utf8')) as { metricsAddress?: string };
    assert.equal(status.metricsAddress, address);
    const res = await fetch(`http://${address}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^ringcast_members 1$/m);

    const second = spawnSync(process.execPath, [RINGCASTD, '--config', config(dir, 'b.conf', udp2!, address), '--state-dir', join(dir, 'b')], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(second.status, 2, second.stderr);
    // The daemon's own log lines (pino, to stderr) may come after it: look for the one line.
    assert.ok(second.stderr.split('\n').includes(
      `ringcastd: ringcast.metrics_address ${address}: cannot listen: the port is in use (another ringcastd or exporter?); choose another port`), second.stderr);
    assert.doesNotMatch(second.stderr, /^\s+at /m, 'no stack trace');

    // A reload does not move the endpoint: the log says the change waits for a restart.
    config(dir, 'a.conf', udp1!, '127.0.0.1:9');
    daemon.kill('SIGHUP');
    await until(/SIGHUP: Modified entry 'ringcast\.metrics_address' in corosync\.conf is read at start only/, 5_000);
    assert.equal((await fetch(`http://${address}/metrics`)).status, 200, 'still where it was');
  } finally {
    await stop();
  }
});

/**
 * Loaded into ringcastd with --import: on SIGUSR2 it prints whether the process has loaded
 * node:http and prom-client (CommonJS, so in require's cache even when imported).
 */
const MODULE_PROBE = 'data:text/javascript,' + encodeURIComponent(`
import { createRequire } from 'node:module';
const cache = createRequire('/').cache;
process.on('SIGUSR2', () => process.stdout.write(JSON.stringify({
  http: process.moduleLoadList.includes('NativeModule http'),
  promClient: Object.keys(cache).some((f) => f.includes('/node_modules/prom-client/')),
}) + '\\n'));
`);

async function loadedModules(metricsAddress: string | undefined): Promise<{ http: boolean; promClient: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-modules-'));
  const [udp] = await freeUdpPorts(1);
  const { daemon, until, stop } = startRingcastd(['--config', config(dir, 'a.conf', udp!, metricsAddress), '--state-dir', join(dir, 'a')], ['--import', MODULE_PROBE]);
  try {
    await until(/ready to provide service/, 10_000);
    daemon.kill('SIGUSR2');
    return JSON.parse((await until(/^\{.*\}$/m, 5_000, 'stdout'))[0]) as { http: boolean; promClient: boolean };
  } finally {
    await stop();
  }
}

test('ringcastd loads node:http and prom-client only when metrics_address is set (they cost a daemon 2-3 MB)', { timeout: 40_000 }, async () => {
  assert.deepEqual(await loadedModules(undefined), { http: false, promClient: false });
  assert.deepEqual(await loadedModules('127.0.0.1:0'), { http: true, promClient: true });
});
