/**
 * Times the checker on a large synthetic correct run:
 *   npm run build && node dist/src/check/bench.js [nodes] [epochs] [messagesPerNodePerEpoch]
 */
import { checkHistories } from './checker.js';
import { syntheticRun } from './fixtures.js';

function main(argv: string[]): void {
  const [nodes = 10, epochs = 20, perEpoch = 325] = argv.map(Number);
  const histories = syntheticRun({ nodes, epochs, messagesPerNodePerEpoch: perEpoch });
  const runs: number[] = [];
  let report = checkHistories(histories, { requireConvergence: true });
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    report = checkHistories(histories, { requireConvergence: true });
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  const { stats } = report;
  console.log(`${stats.nodes} nodes, ${stats.incarnations} incarnations, ${stats.configs} configs, ${stats.sends} sends, ` +
    `${stats.deliveries} deliveries: ok=${report.ok}; check ${runs[0]!.toFixed(0)} ms best, ${runs[2]!.toFixed(0)} ms median of 5`);
}

main(process.argv.slice(2));
