/**
 * `npm run bench`: prints the project's benchmark figures. Benchmarks measure; tests assert.
 */
import { measureFailover, measureThroughput } from './totem-sim.js';
import { benchDaemons, placement, type Placement, type Scenario } from './daemons.js';
import { benchCorosync, corosyncKey, corosyncLab, type CorosyncResults } from './corosync.js';
import { benchCpg } from './cpg.js';
import { benchEvt, type EvtLayout } from './evt.js';
import { benchMixedRing } from './mixed.js';
import { corosyncAvailable } from '../test/lab/mixed-ring.js';

function row(cells: (string | number)[]): string {
  return cells.map((c) => String(c).padStart(12)).join('');
}

/** Corosync 3.1.7 figures measured earlier on the project's lab (knet + aes256/sha256), shown only when Corosync cannot run here. */
const COROSYNC_RESULTS_MD: Record<string, number> = {
  'one/64': 33_800, 'one/1024': 28_000, 'one/8192': 9_900, 'one/65536': 965,
  'all/64': 34_500, 'all/1024': 30_500, 'all/8192': 1_435, 'all/65536': 70,
};

/** Message sizes of the daemon and CPG sections; `BENCH_SIZES="1024"` narrows a run. */
const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(/[\s,]+/).filter(Boolean).map(Number) : [64, 1024, 8192, 65536];
/** `BENCH_SCENARIOS="one"` narrows a run to some of light, one, all. */
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'light one all').split(/[\s,]+/));

/** Corosync's figures at node 2 (cpgload), measured once and shared by the sections below. */
interface Reference {
  readonly measured: CorosyncResults | undefined;
  /** Msgs/s delivered at node 2: this run's figure, else the earlier reference figure (only when Corosync did not run at all). */
  rate(scenario: Scenario, size: number): number | undefined;
  /** This run's figure only: the one a ratio may use. */
  ratioRate(scenario: Scenario, size: number): number | undefined;
}

async function corosyncReference(seconds: number): Promise<Reference> {
  const lab = corosyncLab();
  let measured: CorosyncResults | undefined;
  if (lab.ok) {
    console.log(`\nCorosync in the same run: three nodes in network namespaces, knet aes256/sha256, cpgload (bench/corosync/cpgload.c), node 2 ...`);
    try {
      measured = await benchCorosync(lab.client, SIZES, seconds, SCENARIOS);
    } catch (err) {
      console.log(`  the Corosync lab failed: ${(err as Error).message.split('\n')[0]}; using earlier reference figures`);
    }
  } else {
    console.log(`\nCorosync column: earlier reference figures, not this run (${lab.reason})`);
  }
  return {
    measured,
    rate: (scenario, size) => measured?.get(corosyncKey(scenario, size))?.deliveredPerSec ?? (measured ? undefined : COROSYNC_RESULTS_MD[corosyncKey(scenario, size)]),
    ratioRate: (scenario, size) => measured?.get(corosyncKey(scenario, size))?.deliveredPerSec,
  };
}

/**
 * Ratios compare like with like: Corosync measured in this run, and ringcast placed as Corosync's
 * lab places it (network namespaces on a bridge). Otherwise the table shows both columns and says
 * why it prints no ratio.
 */
function comparable(ref: Reference, where: Placement): { ok: true } | { ok: false; why: string } {
  if (!ref.measured) return { ok: false, why: 'Corosync was not measured in this run (its column, if any, holds earlier reference figures)' };
  if (!where.namespaces) return { ok: false, why: `ringcast runs on ${where.name} here but Corosync's lab runs in network namespaces` };
  return { ok: true };
}

async function daemons(seconds: number, ref: Reference): Promise<void> {
  const reference = ref.measured;
  const where = placement();
  try {
    console.log(`\nThree ringcastd, aes256/sha256, own --load, delivered at node 2; ${where.name}`);
    const fair = comparable(ref, where);
    console.log(fair.ok
      ? 'ratio: msgs/s ours / Corosync (target >= 1 at 64 B and 1 KiB); light rows: p50 ours / Corosync (target <= 1.5)'
      : `no ratio: this run compares nothing, ${fair.why}`);
    console.log(row(['scenario', 'msg bytes', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'cpu %', 'rss MB', 'own MB', 'cs msgs/s', 'cs p50 ms', 'cs cpu %', 'ratio']));
    const cases: [Scenario, number][] = [...SIZES.filter((z) => z <= 1024).map((z): [Scenario, number] => ['light', z]), ...(['one', 'all'] as const).flatMap((s) => SIZES.map((z): [Scenario, number] => [s, z]))]
      .filter(([s]) => SCENARIOS.has(s));
    for (const [scenario, size] of cases) {
      const r = await benchDaemons(where, scenario, size, seconds);
      const cs = reference?.get(corosyncKey(scenario, size));
      const csRate = ref.rate(scenario, size);
      const ratioRate = ref.ratioRate(scenario, size);
      const ratio = !fair.ok ? '-' : scenario === 'light'
        ? (cs && r.p50Ms !== undefined ? (r.p50Ms / cs.p50Ms).toFixed(2) : '-')
        : (ratioRate ? (r.deliveredPerSec / ratioRate).toFixed(2) : '-');
      console.log(row([scenario, size, r.deliveredPerSec, r.mbPerSec.toFixed(2), r.p50Ms?.toFixed(2) ?? '-', r.p99Ms?.toFixed(2) ?? '-',
        r.cpuPercent, r.rssMaxMb, r.privateMb, csRate ?? '-', cs ? cs.p50Ms.toFixed(2) : '-', cs ? cs.cpuPercent : '-', ratio]));
    }
  } finally {
    where.close();
  }
}

async function main(): Promise<void> {
  const virtualMs = Number(process.env.BENCH_VIRTUAL_MS ?? 1000);
  console.log('Totem core + group layer in the simulator, no faults (protocol cost, all nodes in one process)');
  console.log(row(['nodes', 'msg bytes', 'ordered', 'cpu s', 'msgs/cpu-s', 'MB/cpu-s']));
  for (const nodes of [3, 16]) {
    for (const size of [64, 1024]) {
      const r = measureThroughput(nodes, size, virtualMs);
      console.log(row([r.nodes, r.sizeBytes, r.ordered, r.cpuSeconds.toFixed(2), Math.round(r.perCpuSecond),
        ((r.perCpuSecond * size) / 1e6).toFixed(1)]));
    }
  }
  console.log('\nFailure to new regular configuration (virtual time, Corosync 3.1 default timeouts)');
  console.log(row(['nodes', 'token ms', 'consensus ms', 'to regular ms']));
  for (const nodes of [3, 16]) {
    const r = measureFailover(nodes);
    console.log(row([r.nodes, r.tokenTimeoutMs, r.consensusMs, r.virtualMsToRegular.toFixed(0)]));
  }
  const seconds = Number(process.env.BENCH_DAEMON_SECONDS ?? 5);
  const runDaemons = process.env.BENCH_DAEMONS !== '0';
  const runCpg = process.env.BENCH_CPG !== '0';
  const runEvt = process.env.BENCH_EVT !== '0';
  if (!runDaemons && !runCpg && !runEvt) return;
  const ref: Reference = runDaemons || runCpg ? await corosyncReference(seconds) : { measured: undefined, rate: () => undefined, ratioRate: () => undefined };
  if (runDaemons) await daemons(seconds, ref);
  const cpgRates = runCpg ? await cpg(seconds, ref) : new Map<string, number>();
  if (runEvt) await evt(seconds, cpgRates.get('one/1024'));
  if (process.env.BENCH_MIXED !== '0') await mixed(seconds);
}

/**
 * A ring shared with Corosync beside an all-Corosync ring, same run, same topology and the same
 * libcpg applications (bench/mixed.ts): the ratio says what a ringcast member costs the ring.
 */
async function mixed(seconds: number): Promise<void> {
  const lab = corosyncLab();
  const corosync = corosyncAvailable();
  if (!lab.ok || !corosync.ok) {
    console.log(`\nMixed ring: not measured (${!lab.ok ? lab.reason : (corosync as { reason: string }).reason})`);
    return;
  }
  console.log('\nMixed ring: Corosync on nodes 1 and 2 with ringcastd (corosync_compat) on node 3, beside three Corosync; udpu, no crypto; cpgload sender on node 1, figures at node 2');
  console.log('ratio: msgs/s mixed / all-Corosync; light row: p50 mixed / all-Corosync');
  console.log(row(['scenario', 'msg bytes', 'cs msgs/s', 'cs p50 ms', 'mixed msgs/s', 'mixed p50 ms', 'ratio']));
  try {
    const results = await benchMixedRing(lab.client, SIZES.filter((z) => z <= 8192), seconds);
    for (const [key, { all, mixed: m }] of results) {
      const [scenario, size] = key.split('/');
      const ratio = scenario === 'light' ? (m.p50Ms / all.p50Ms).toFixed(2) : (m.deliveredPerSec / all.deliveredPerSec).toFixed(2);
      console.log(row([scenario!, size!, all.deliveredPerSec, all.p50Ms.toFixed(2), m.deliveredPerSec, m.p50Ms.toFixed(2), ratio]));
    }
  } catch (err) {
    console.log(`  the mixed-ring bench failed: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * EVT beside CPG in the same run: 1 KiB events, one publisher on node 1, 1/10/100 subscribers
 * over the three daemons, in two layouts (bench/evt.ts: a handle per subscriber, or one handle per
 * process with an open per subscriber). Ratio: events/s each subscriber receives / CPG's 1 KiB
 * msgs/s at node 2 with one sender (targets: >= 0.8 with one subscriber; with 100, each subscriber
 * >= 0.5 of the one-subscriber rate, the lead's reading of the issue); the target lines say which
 * layout meets it.
 */
async function evt(seconds: number, cpgOne1k: number | undefined): Promise<void> {
  const where = placement();
  try {
    if (cpgOne1k === undefined) {
      // The CPG section did not run (or skipped 1 KiB): measure the reference here, in the same run.
      cpgOne1k = (await benchCpg(where, 'one', 1024, seconds)).deliveredPerSec;
    }
    const counts = (process.env.BENCH_EVT_SUBSCRIBERS ?? '1 10 100').split(/[\s,]+/).filter(Boolean).map(Number);
    const layouts = (process.env.BENCH_EVT_LAYOUTS ?? 'handles opens').split(/[\s,]+/).filter((l): l is EvtLayout => l === 'handles' || l === 'opens');
    console.log(`\nEVT through IPC: three ringcastd (aes256/sha256), one publisher (node 1, 64 publishes in flight), subscribers spread over the three nodes; ${where.name}`);
    console.log('layout handles: one EvtHandle (IPC connection) per subscriber; opens: one EvtHandle per subscriber process (one per node), each subscriber its own channel open on it (events sent once per connection with their targets)');
    console.log(`1 KiB events. per sub: events/s each subscriber received; ratio: per sub / CPG one 1 KiB (${cpgOne1k} msgs/s in this run); vs 1 sub: per sub / the 1-subscriber per sub; p50/p99: means of the subscriber processes' percentiles, weighted by deliveries`);
    console.log('cpu µs/dlv: CPU of the daemons and subscriber processes per delivery (what bounds total/s on a given machine)');
    console.log(row(['layout', 'subscribers', 'per sub/s', 'total/s', 'p50 ms', 'p99 ms', 'lost', 'daemon cpu%', 'client cpu%', 'cpu µs/dlv', 'dlv/frame', 'rss MB', 'ratio', 'vs 1 sub']));
    let one: number | undefined;
    const at100 = new Map<EvtLayout, number>();
    for (const n of counts) {
      // One subscriber is one handle with one open: the two layouts are the same thing, measured once.
      for (const layout of n === 1 ? [layouts[0] ?? 'handles'] : layouts) {
        const r = await benchEvt(where, n, 1024, seconds, layout);
        const ratio = cpgOne1k ? r.perSubscriberPerSec / cpgOne1k : undefined;
        if (n === 1) one = r.perSubscriberPerSec;
        const vsOne = one ? r.perSubscriberPerSec / one : undefined;
        if (n === 100 && vsOne !== undefined) at100.set(layout, vsOne);
        console.log(row([n === 1 ? 'either' : layout, n, r.perSubscriberPerSec, r.totalPerSec, r.p50Ms?.toFixed(2) ?? '-', r.p99Ms?.toFixed(2) ?? '-', r.lost,
          r.daemonCpuPercent, r.clientCpuPercent, r.cpuMicrosPerDelivery?.toFixed(1) ?? '-', r.deliveriesPerFrame?.toFixed(1) ?? '-', r.rssMaxMb,
          ratio?.toFixed(2) ?? '-', vsOne?.toFixed(2) ?? '-']));
      }
    }
    const oneRatio = one && cpgOne1k ? one / cpgOne1k : undefined;
    if (oneRatio !== undefined) console.log(`target: 1 subscriber >= 0.8x CPG's 1 KiB rate: ${oneRatio.toFixed(2)}, ${oneRatio >= 0.8 ? 'met' : 'NOT met'}`);
    for (const [layout, v] of at100) {
      console.log(`target: 100 subscribers, each >= 0.5x the 1-subscriber rate: layout ${layout} ${v.toFixed(2)}, ${v >= 0.5 ? 'met' : 'NOT met'}`);
    }
  } finally {
    where.close();
  }
}

/** CPG applications through IPC (bench/cpg.ts) beside Corosync's (cpgload). */
async function cpg(seconds: number, ref: Reference): Promise<Map<string, number>> {
  const rates = new Map<string, number>();
  const where = placement();
  try {
    console.log(`\nCPG through IPC: three ringcastd (aes256/sha256), one application process per node on ringcast.sock, delivered at node 2; ${where.name}`);
    const fair = comparable(ref, where);
    console.log('one: node 1 sends as fast as accepted (64 mcasts in flight); all: every node does. ' +
      (fair.ok ? 'ratio: msgs/s ours / Corosync (cpgload)' : `no ratio: this run compares nothing, ${fair.why}`));
    console.log(row(['scenario', 'msg bytes', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'daemon cpu%', 'client cpu%', 'rss MB', 'cs msgs/s', 'cs cpu %', 'ratio']));
    for (const scenario of (['one', 'all'] as const).filter((s) => SCENARIOS.has(s))) {
      for (const size of SIZES) {
        const r = await benchCpg(where, scenario, size, seconds);
        rates.set(`${scenario}/${size}`, r.deliveredPerSec);
        const csRate = ref.rate(scenario, size);
        const cs = ref.measured?.get(corosyncKey(scenario, size));
        console.log(row([scenario, size, r.deliveredPerSec, r.mbPerSec.toFixed(2), r.p50Ms?.toFixed(2) ?? '-', r.p99Ms?.toFixed(2) ?? '-',
          r.daemonCpuPercent, r.clientCpuPercent, r.rssMaxMb, csRate ?? '-', cs ? cs.cpuPercent : '-', ratioOf(fair.ok, r.deliveredPerSec, ref.ratioRate(scenario, size))]));
      }
    }
  } finally {
    where.close();
  }
  return rates;
}

function ratioOf(fair: boolean, ours: number, theirs: number | undefined): string {
  return fair && theirs ? (ours / theirs).toFixed(2) : '-';
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
