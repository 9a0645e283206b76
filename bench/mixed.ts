/**
 * A mixed ring beside an all-Corosync ring, in the same run (issue 14): three nodes in network
 * namespaces, udpu without crypto (the only way Corosync can share a ring with ringcast), token
 * 1000 ms. The all-Corosync ring runs Corosync on nodes 1-3; the mixed ring runs Corosync on
 * nodes 1 and 2 and ringcastd (corosync_compat) on node 3. In both, libcpg applications (cpgload)
 * on nodes 1 and 2 measure: one sender on node 1, a receiver on nodes 1 and 2; node 2's figures.
 * The topology and the applications are the same; only the third member's engine differs.
 */
import { spawn } from 'node:child_process';
import { MixedRing, type Engine } from '../test/lab/mixed-ring.js';

export interface MixedFigures {
  readonly deliveredPerSec: number;
  readonly p50Ms: number;
}

interface LoadResult {
  readonly rx_msgs_per_s: number;
  readonly lat_us_p50: number;
}

const LIGHT_RATE = 200;

function run(r: MixedRing, id: number, client: string, args: readonly string[], deadlineMs: number): Promise<string> {
  const child = r.lab.spawnIn(id, client, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b));
  child.stderr!.on('data', (b: Buffer) => (err += b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cpgload on node ${id} did not finish`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`cpgload on node ${id} exited ${code}: ${err.trim().slice(0, 200)}`));
    });
  });
}

/** `light/64` (200 msgs/s, latency) and `one/SIZE` (one sender at full speed) for each engine mix. */
export async function benchMixedRing(client: string, sizes: readonly number[], seconds: number): Promise<Map<string, { all: MixedFigures; mixed: MixedFigures }>> {
  const out = new Map<string, { all?: MixedFigures; mixed?: MixedFigures }>();
  const topologies: [keyof { all: 1; mixed: 1 }, Engine[]][] = [['all', ['corosync', 'corosync', 'corosync']], ['mixed', ['corosync', 'corosync', 'ringcast']]];
  let runId = process.pid * 1000;
  for (const [name, engines] of topologies) {
    const ring = new MixedRing(engines);
    try {
      await ring.form();
      const cases: [string, number, number][] = [['light', 64, LIGHT_RATE], ...sizes.map((z): [string, number, number] => ['one', z, 0])];
      for (const [scenario, size, rate] of cases) {
        runId++;
        const common = ['--size', String(size), '--duration', String(seconds), '--run-id', String(runId), '--timeout', String(seconds + 60), '--group', 'mixedbench'];
        const receivers = [1, 2].map((id) => run(ring, id, client, ['--mode', 'recv', '--senders', '1', ...common], (seconds + 90) * 1000));
        const sender = run(ring, 1, client, ['--mode', 'send', '--wait-members', '3', '--rate', String(rate), ...common], (seconds + 90) * 1000);
        const [, node2] = await Promise.all([...receivers, sender]);
        const r = JSON.parse(node2!) as LoadResult;
        const key = `${scenario}/${size}`;
        out.set(key, { ...out.get(key), [name]: { deliveredPerSec: Math.round(r.rx_msgs_per_s), p50Ms: r.lat_us_p50 / 1000 } });
      }
    } finally {
      await ring.destroy();
    }
  }
  return new Map([...out].filter(([, v]) => v.all && v.mixed).map(([k, v]) => [k, { all: v.all!, mixed: v.mixed! }]));
}
