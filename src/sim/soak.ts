#!/usr/bin/env node
/**
 * `npm run soak -- --seeds 1..20000 [options]`: the simulator over many seeds of every fault
 * profile, spread over worker threads (one per core by default). Each run is exactly the run
 * `npm run sim` makes for the same flags, so every failure is printed with the command that
 * reproduces it alone. Exit 0 when every run passed, 1 when any failed, 2 on a usage error.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FAULT_PROFILES, type FaultProfile } from './faults.js';
import { SIM_TOTEM_DEFAULTS, runSimulation, type SimRunResult } from './run.js';
import { quietEnoughToFormMs } from './drain-watch.js';
import { DAEMON_SERVICES, type DaemonService } from './daemon/cluster.js';
import { runDaemonSimulation, type DaemonRunResult } from './daemon/run.js';
import { deriveTotemConfig, type TotemConfigInput } from '../totem/config.js';

const USAGE = `usage: npm run soak -- --seeds A..B [options]
  --seeds A..B         seeds to run for every profile (required)
  --faults LIST        profiles, comma-separated (default: all of ${FAULT_PROFILES.join(',')})
  --nodes N            processors in each ring, 1..32 (default 5)
  --duration-ms T      virtual duration of each run (default 30000)
  --stack STACK        totem (default) or daemon, as npm run sim
  --services LIST      with --stack daemon (default cpg)
  --seq-start N        as npm run sim: start every ring's sequence at N (runs across the wrap)
  --jobs N             worker threads (default: the machine's cores, ${availableParallelism()} here)
  --max-failures N     stop after N failing runs (default 20)
  --json               one JSON object per failing run, then one summary object`;

/** One run to make: the flags `npm run sim` would take for it. */
interface SoakTask {
  readonly seed: number;
  readonly faults: FaultProfile;
}

interface SoakSettings {
  readonly nodes: number;
  readonly durationMs: number;
  readonly stack: 'totem' | 'daemon';
  readonly services: readonly DaemonService[];
  readonly seqStart: number | undefined;
}

/** What a worker sends back for one run. */
interface SoakOutcome {
  readonly seed: number;
  readonly faults: FaultProfile;
  readonly ok: boolean;
  readonly wallMs: number;
  readonly deliveries: number;
  /** Clean stops, and the messages their bounded drains abandoned (listed in `stop`). */
  readonly stops: number;
  readonly abandoned: number;
  /** The longest fault-free stretch any abandoning drain of the run had (0: none abandoned). */
  readonly longestQuietAbandonMs: number;
  readonly problems: readonly string[];
}

function runOne(task: SoakTask, s: SoakSettings): SoakOutcome {
  const totem: TotemConfigInput | undefined = s.seqStart === undefined ? undefined : { seqStart: s.seqStart };
  const options = { seed: task.seed, nodes: s.nodes, durationMs: s.durationMs, faults: task.faults, totem };
  const result: SimRunResult | DaemonRunResult = s.stack === 'daemon'
    ? runDaemonSimulation({ ...options, services: s.services })
    : runSimulation(options);
  const serviceProblems: readonly string[] = 'serviceProblems' in result ? (result as DaemonRunResult).serviceProblems : [];
  const problems = [
    ...result.report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`),
    ...serviceProblems.slice(0, 5).map((p) => `service: ${p}`),
    ...('drainProblems' in result ? result.drainProblems.slice(0, 5).map((p) => `drain: ${p}`) : []),
    ...(result.converged ? [] : [`not converged: ${result.convergenceDetail}`]),
  ];
  return {
    seed: task.seed, faults: task.faults, ok: problems.length === 0, wallMs: result.wallMs, deliveries: result.deliveries,
    stops: result.stops.count, abandoned: result.stops.abandoned, problems,
    longestQuietAbandonMs: Math.max(0, ...(result.stops.drains ?? []).map((d) => d.longestQuietMs)),
  };
}

function reproduce(o: SoakOutcome, s: SoakSettings): string {
  const stack = s.stack === 'daemon' ? ` --stack daemon --services ${s.services.join(',')}` : '';
  const seq = s.seqStart === undefined ? '' : ` --seq-start ${s.seqStart}`;
  return `npm run sim --${stack} --seed ${o.seed} --nodes ${s.nodes} --faults ${o.faults} --duration-ms ${s.durationMs}${seq} --verbose`;
}

function workerMain(): void {
  const settings = workerData as SoakSettings;
  const port = parentPort!;
  port.on('message', (task: SoakTask | null) => {
    if (task === null) {
      port.close();
      return;
    }
    let outcome: SoakOutcome;
    try {
      outcome = runOne(task, settings);
    } catch (err) {
      // A crash inside a run is a failure of that seed, not of the soak.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      outcome = { seed: task.seed, faults: task.faults, ok: false, wallMs: 0, deliveries: 0, stops: 0, abandoned: 0, longestQuietAbandonMs: 0, problems: [`crash: ${message}`] };
    }
    port.postMessage(outcome);
  });
}

interface SoakArgs {
  readonly first: number;
  readonly last: number;
  readonly profiles: readonly FaultProfile[];
  readonly jobs: number;
  readonly maxFailures: number;
  readonly json: boolean;
  readonly settings: SoakSettings;
}

function intArg(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got "${value}"`);
  return n;
}

function listArg<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (value === undefined) return [...fallback];
  const items = value.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new Error(`--${name}: unknown "${item}" (one of ${allowed.join(', ')})`);
  }
  if (items.length === 0) throw new Error(`--${name} needs at least one value`);
  return items as T[];
}

function parseSoakArgs(argv: string[]): SoakArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string' }, faults: { type: 'string' }, nodes: { type: 'string' }, 'duration-ms': { type: 'string' },
      stack: { type: 'string' }, services: { type: 'string' }, 'seq-start': { type: 'string' }, jobs: { type: 'string' },
      'max-failures': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const m = /^(\d+)\.\.(\d+)$/.exec(values.seeds ?? '');
  if (!m) throw new Error(`--seeds A..B is required, got "${values.seeds ?? ''}"`);
  const [first, last] = [Number(m[1]), Number(m[2])];
  if (last < first) throw new Error(`--seeds ${first}..${last}: the range is empty`);
  const stack = values.stack ?? 'totem';
  if (stack !== 'totem' && stack !== 'daemon') throw new Error(`--stack must be totem or daemon, got "${stack}"`);
  if (values.services !== undefined && stack !== 'daemon') throw new Error('--services needs --stack daemon');
  return {
    first,
    last,
    profiles: listArg('faults', values.faults, FAULT_PROFILES, FAULT_PROFILES),
    jobs: intArg('jobs', values.jobs, availableParallelism(), 1, 256),
    maxFailures: intArg('max-failures', values['max-failures'], 20, 1, 1_000_000),
    json: values.json === true,
    settings: {
      nodes: intArg('nodes', values.nodes, 5, 1, 32),
      durationMs: intArg('duration-ms', values['duration-ms'], 30_000, 1, 86_400_000),
      stack,
      services: listArg('services', values.services, DAEMON_SERVICES, ['cpg']),
      seqStart: values['seq-start'] === undefined ? undefined : intArg('seq-start', values['seq-start'], 0, 0, 0xffffffff),
    },
  };
}

/** Per-profile tallies, printed as the soak's summary. */
class SoakTally {
  readonly runs = new Map<FaultProfile, number>();
  readonly failures = new Map<FaultProfile, number>();
  deliveries = 0;
  total = 0;
  failed = 0;
  readonly stops = new Map<FaultProfile, number>();
  readonly abandoned = new Map<FaultProfile, number>();
  longestQuietAbandonMs = 0;

  add(o: SoakOutcome): void {
    this.longestQuietAbandonMs = Math.max(this.longestQuietAbandonMs, o.longestQuietAbandonMs);
    this.total++;
    this.deliveries += o.deliveries;
    this.stops.set(o.faults, (this.stops.get(o.faults) ?? 0) + o.stops);
    this.abandoned.set(o.faults, (this.abandoned.get(o.faults) ?? 0) + o.abandoned);
    this.runs.set(o.faults, (this.runs.get(o.faults) ?? 0) + 1);
    if (!o.ok) {
      this.failed++;
      this.failures.set(o.faults, (this.failures.get(o.faults) ?? 0) + 1);
    }
  }
}

function* tasks(a: SoakArgs): Generator<SoakTask> {
  for (let seed = a.first; seed <= a.last; seed++) for (const faults of a.profiles) yield { seed, faults };
}

async function soak(a: SoakArgs): Promise<number> {
  const started = performance.now();
  const tally = new SoakTally();
  const queue = tasks(a);
  const planned = (a.last - a.first + 1) * a.profiles.length;
  let stopping = false;
  let lastProgress = started;

  const report = (o: SoakOutcome): void => {
    tally.add(o);
    if (!o.ok) {
      if (a.json) console.log(JSON.stringify({ seed: o.seed, faults: o.faults, ok: false, problems: o.problems, reproduce: reproduce(o, a.settings) }));
      else {
        console.log(`FAIL seed=${o.seed} faults=${o.faults}`);
        for (const p of o.problems) console.log(`  ${p.split('\n')[0]}`);
        console.log(`  reproduce: ${reproduce(o, a.settings)}`);
      }
      if (tally.failed >= a.maxFailures) stopping = true;
    }
    const now = performance.now();
    if (!a.json && process.stderr.isTTY && now - lastProgress > 2000) {
      lastProgress = now;
      process.stderr.write(`\r${tally.total}/${planned} runs, ${tally.failed} failed   `);
    }
  };

  const runWorker = (): Promise<void> => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: a.settings });
    const next = (): void => {
      const item = stopping ? undefined : queue.next();
      worker.postMessage(item === undefined || item.done ? null : item.value);
    };
    worker.on('message', (o: SoakOutcome) => {
      report(o);
      next();
    });
    worker.on('error', reject);
    worker.on('exit', () => resolve());
    next();
  });
  await Promise.all(Array.from({ length: Math.min(a.jobs, planned) }, runWorker));

  const wallS = (performance.now() - started) / 1000;
  const perProfile = a.profiles.map((p) => `${p} ${tally.failures.get(p) ?? 0}/${tally.runs.get(p) ?? 0}`);
  if (!a.json && process.stderr.isTTY) process.stderr.write('\r');
  const s = a.settings;
  const what = `seeds ${a.first}..${a.last}, ${s.nodes} nodes, ${s.stack} stack${s.stack === 'daemon' ? ` (${s.services.join(',')})` : ''}` +
    `${s.seqStart === undefined ? '' : `, seq-start ${s.seqStart}`}`;
  if (a.json) {
    console.log(JSON.stringify({ summary: true, runs: tally.total, failed: tally.failed, planned, stoppedEarly: tally.total < planned,
      perProfile: Object.fromEntries(a.profiles.map((p) => [p, {
        runs: tally.runs.get(p) ?? 0, failed: tally.failures.get(p) ?? 0, stops: tally.stops.get(p) ?? 0, abandoned: tally.abandoned.get(p) ?? 0,
      }])),
      longestQuietAbandonMs: tally.longestQuietAbandonMs, deliveries: tally.deliveries, wallS: Math.round(wallS), jobs: a.jobs, nodes: s.nodes, stack: s.stack }));
  } else {
    console.log(`soak: ${what}: ${tally.total} runs, ${tally.failed} failed (failed/runs: ${perProfile.join(', ')}); ` +
      `${tally.deliveries} deliveries checked in ${wallS.toFixed(0)} s on ${a.jobs} threads` +
      (tally.total < planned ? `; stopped early after ${a.maxFailures} failures` : ''));
    const stopped = a.profiles.filter((p) => (tally.stops.get(p) ?? 0) > 0);
    if (stopped.length > 0) {
      console.log(`soak: clean stops / messages their drains abandoned: ${stopped.map((p) => `${p} ${tally.stops.get(p)}/${tally.abandoned.get(p) ?? 0}`).join(', ')}; ` +
        `the longest fault-free stretch in a drain that abandoned: ${tally.longestQuietAbandonMs} ms (a drain with ${quietEnoughToFormMs(deriveTotemConfig(SIM_TOTEM_DEFAULTS))} ms fails the run)`);
    }
  }
  return tally.failed > 0 ? 1 : 0;
}

if (!isMainThread) {
  workerMain();
} else {
  let args: SoakArgs | 'help';
  try {
    args = parseSoakArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`soak: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exit(2);
  }
  if (args === 'help') console.log(USAGE);
  else process.exitCode = await soak(args);
}
