/**
 * Rings whose message sequence passes 2^32 (Totem config seqStart just below it, the simulator's
 * `--seq-start`): every fault profile keeps EVS and converges. And since the sequence's start is
 * only an offset modulo 2^32, a run must behave exactly as the same seed with the default start:
 * identical histories, which a single comparison left unconverted would break at the wrap.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation, type SimRunResult } from '../src/sim/run.js';
import { FAULT_PROFILES, type FaultProfile } from '../src/sim/faults.js';

const SEEDS_PER_PROFILE = Number(process.env.SIM_WRAP_SEEDS ?? 20);
const SAME_AS_DEFAULT_SEEDS = 6;

/** Each ring wraps within its first 400 messages; the offset varies with the seed. */
function seqStartFor(seed: number): number {
  return 2 ** 32 - 1 - ((seed * 7919) % 400);
}

function explain(r: SimRunResult, seqStart: number): string {
  const lines = r.report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`);
  if (!r.converged) lines.push(`not converged: ${r.convergenceDetail}`);
  return `seed=${r.seed} nodes=${r.options.nodes} faults=${r.options.faults} seqStart=${seqStart}\n${lines.join('\n')}\n` +
    `reproduce: npm run sim -- --seed ${r.seed} --nodes ${r.options.nodes} --faults ${r.options.faults} ` +
    `--duration-ms ${r.options.durationMs} --seq-start ${seqStart} --verbose`;
}

for (const faults of FAULT_PROFILES) {
  describe(`runs across the 2^32 sequence wrap, faults=${faults}`, () => {
    test(`${SEEDS_PER_PROFILE} seeds, 2 to 7 nodes, EVS holds and the ring converges`, () => {
      let deliveries = 0;
      for (let seed = 1; seed <= SEEDS_PER_PROFILE; seed++) {
        const nodes = 2 + (seed % 6);
        const seqStart = seqStartFor(seed);
        const r = runSimulation({ seed: seed * 104_729 + faults.length, nodes, durationMs: 20_000, faults: faults as FaultProfile, totem: { seqStart } });
        assert.ok(r.report.ok && r.converged, explain(r, seqStart));
        deliveries += r.deliveries;
      }
      // Far more messages than the 400 before the wrap: rings really carried traffic across it.
      assert.ok(deliveries > SEEDS_PER_PROFILE * 1000, `only ${deliveries} deliveries`);
    });

    test(`${SAME_AS_DEFAULT_SEEDS} seeds behave exactly as with the default start`, () => {
      for (let seed = 1; seed <= SAME_AS_DEFAULT_SEEDS; seed++) {
        const options = { seed: seed * 31 + faults.length, nodes: 3 + seed, durationMs: 10_000, faults: faults as FaultProfile };
        const wrapped = runSimulation({ ...options, totem: { seqStart: 2 ** 32 - 200 } });
        const plain = runSimulation(options);
        assert.ok(plain.deliveries > 1000, `only ${plain.deliveries} deliveries`);
        assert.deepEqual(wrapped.histories, plain.histories, `seed ${options.seed}: histories differ with seqStart 2^32 - 200`);
      }
    });
  });
}
