/**
 * In-process daemons for tests: a one-node (or few-node) ring on UDP loopback with free ports, a
 * temporary state dir (so the IPC socket is `<dir>/ringcast.sock`), a silent or capturing pino
 * logger, and waits with deadlines. Usage:
 *
 *   const d = await startTestDaemon();            // ring formed and synced, IPC listening
 *   const client = await connectIpc({ path: d.socketPath, serviceName: 'cpg' });
 *   ...
 *   await d.stop();
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Daemon, type DaemonOptions } from './daemon.js';

export { freeUdpPorts, waitFor } from '../net/testing.js';
import { freeUdpPorts, waitFor } from '../net/testing.js';

export interface TestDaemon {
  readonly daemon: Daemon;
  readonly stateDir: string;
  readonly socketPath: string;
  /** Log lines (parsed pino JSON) written so far. */
  readonly logs: { level: number; msg: string; [key: string]: unknown }[];
  stop(): Promise<void>;
}

export interface TestDaemonOptions {
  readonly nodeId?: number;
  /** The whole ring's nodes (default: this node alone on a free port). */
  readonly nodes?: DaemonOptions['nodes'];
  readonly overrides?: Partial<DaemonOptions>;
  /** Wait until the executive's sync completed with this many members (default: nodes.length; 0: do not wait). */
  readonly waitMembers?: number;
}

export async function startTestDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const nodeId = options.nodeId ?? 1;
  const nodes = options.nodes ?? [{ nodeId, address: '127.0.0.1', port: (await freeUdpPorts(1))[0]! }];
  const stateDir = mkdtempSync(join(tmpdir(), 'ringcastd-test-'));
  const logs: TestDaemon['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as TestDaemon['logs'][number]);
      done();
    },
  });
  const daemon = new Daemon({
    nodeId,
    clusterName: 'test',
    nodes,
    totem: { token: 200, join: 20, consensus: 240 },
    stateDir,
    logger: pino({ level: 'debug' }, sink),
    ...options.overrides,
  });
  await daemon.start();
  const members = options.waitMembers ?? nodes.length;
  if (members > 0) await waitFor(`node ${nodeId}: a synced ring of ${members}`, () =>
    daemon.host.exec.syncState === 'done' && daemon.node.status().members.length === members && daemon.node.status().state === 'operational');
  return { daemon, stateDir, socketPath: daemon.host.ipc.path, logs, stop: () => daemon.stop() };
}

/** Two daemons on loopback forming one ring, returned once both have completed sync; stopped after the test. */
export async function startSyncedPair(t: { after(fn: () => Promise<unknown>): void }): Promise<[TestDaemon, TestDaemon]> {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const [a, b] = await Promise.all(nodes.map((n) => startTestDaemon({ nodeId: n.nodeId, nodes, waitMembers: 0 })));
  t.after(() => Promise.all([a!.stop(), b!.stop()]));
  await waitFor('a synced ring of two', () =>
    [a!, b!].every((x) => x.daemon.node.status().members.length === 2 && x.daemon.host.exec.syncState === 'done'), 20_000);
  return [a!, b!];
}
