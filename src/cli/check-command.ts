/**
 * `ringcast check FILE...`: the EVS checker's verdict on history files (docs/history.md), such as
 * `ringcastd --history`, `ringcast cpg watch --history` and `npm run sim -- --history-dir` write.
 * All the files of one run are judged together: the properties relate nodes to each other.
 *
 * Exit codes: 0 every property holds, 1 violations (or lines that are not history records),
 * 2 usage error or a file that cannot be read.
 */
import { readFileSync } from 'node:fs';
import { checkHistories, parseHistory, PROPERTY_NAMES, type CheckReport, type HistoryRecord } from '../check/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { CliExit, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE } from './cpg-client.js';

export const CHECK_USAGE = `usage: ringcast check FILE... [--converged] [--json]
  judge history files (docs/history.md) against extended virtual synchrony: configuration
  agreement, agreed order, virtual synchrony, self delivery, no duplication, no creation, FIFO
  --converged  the run ended healed and quiet: every live node must be in one last ring and have
               delivered what it sent (leave it off for histories of a cluster still running)
  --json       the verdict as one JSON object
Give every node's file of one run: the properties compare nodes. Exit 0 all hold, 1 violations.`;

/** Parse errors listed per file before the rest is only counted. */
const PARSE_ERRORS_SHOWN = 10;

export async function checkCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandArgs(args, { converged: { type: 'boolean' }, json: { type: 'boolean' } }, { maxPositionals: Number.MAX_SAFE_INTEGER });
  } catch (err) {
    if (err instanceof UsageError) throw new CliExit(EXIT_UNREACHABLE, `check: ${err.message}\n${CHECK_USAGE}`);
    throw err;
  }
  const files = parsed.positionals;
  if (files.length === 0) throw new CliExit(EXIT_UNREACHABLE, `check needs at least one history FILE\n${CHECK_USAGE}`);
  const histories: HistoryRecord[][] = [];
  const parseErrors: { file: string; line: number; message: string }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliExit(EXIT_UNREACHABLE, `check: cannot read ${file}: ${(err as Error).message}`);
    }
    const history = parseHistory(text);
    histories.push(history.records);
    for (const e of history.errors) parseErrors.push({ file, line: e.line, message: e.message });
  }
  const converged = parsed.values['converged'] === true;
  const report = checkHistories(histories, { requireConvergence: converged });
  const ok = report.ok && parseErrors.length === 0;
  if (parsed.values['json'] === true) {
    console.log(JSON.stringify({ ok, files: files.length, stats: report.stats, counts: report.counts, violations: report.violations, parseErrors }));
  } else {
    printVerdict(report, files.length, parseErrors);
  }
  return ok ? EXIT_OK : EXIT_FAILED;
}

function printVerdict(report: CheckReport, files: number, parseErrors: readonly { file: string; line: number; message: string }[]): void {
  const s = report.stats;
  console.log(`${files} history file(s): ${s.nodes} node(s), ${s.incarnations} incarnation(s), ${s.configs} configuration(s), ` +
    `${s.sends} send(s), ${s.deliveries} deliveries of ${s.messages} message(s)`);
  for (const e of parseErrors.slice(0, PARSE_ERRORS_SHOWN)) console.log(`   ${e.file}:${e.line}: not a history record: ${e.message}`);
  if (parseErrors.length > PARSE_ERRORS_SHOWN) console.log(`   ... and ${parseErrors.length - PARSE_ERRORS_SHOWN} more line(s) that are not history records`);
  if (report.ok && parseErrors.length > 0) {
    console.log(`checker: NOT JUDGED WHOLE: ${parseErrors.length} line(s) are not history records; the records that are satisfy every property`);
    return;
  }
  if (report.ok) {
    console.log(`checker: all EVS properties hold (${PROPERTY_NAMES.filter((p) => p !== 'convergence' && p !== 'well-formed').join(', ')})`);
    return;
  }
  const counts = Object.entries(report.counts).map(([p, n]) => `${p} ${n}`).join(', ');
  console.log(`checker: VIOLATIONS (${counts})`);
  for (const v of report.violations) console.log(`   ${v.property}: ${v.message}`);
}
