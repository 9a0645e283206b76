#!/usr/bin/env node
/**
 * ringcast: the operator's tool. Each subcommand is one entry of COMMANDS (its lines in the
 * overview, its own --help text, its entry point); the dispatch below only looks names up.
 * Every command but keygen and check finds the daemon by its socket `<state dir>/ringcast.sock`
 * (--state-dir, else RINGCAST_STATE_DIR, else /var/lib/ringcast); exit code 2 when it cannot be
 * reached or the command line is wrong, 1 when the daemon answered and the operation failed.
 */
import { readFileSync } from 'node:fs';
import { RingcastError } from '../client/index.js';
import { didYouMean } from './args.js';
import { CFG_USAGE, cfgCommand } from './cfg-commands.js';
import { CHECK_USAGE, checkCommand } from './check-command.js';
import { CPG_USAGE } from './cpg-args.js';
import { CliExit, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE } from './cpg-client.js';
import { CLM_USAGE, clmCommand } from './clm-commands.js';
import { cpgCommand } from './cpg-commands.js';
import { EVT_USAGE } from './evt-args.js';
import { evtCommand } from './evt-commands.js';
import { keygenCommand, KEYGEN_USAGE } from './keygen.js';
import { LOG_USAGE, logCommand } from './log-commands.js';
import { QUORUM_USAGE, quorumCommand } from './quorum-commands.js';
import { MEMBERS_USAGE, membersCommand, STATUS_USAGE, statusCommand } from './status-commands.js';

export interface CliCommand {
  /** The command's lines in `ringcast --help`. */
  readonly overview: string;
  /** What `ringcast <command> --help` prints. */
  readonly help: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Readonly<Record<string, CliCommand>> = {
  keygen: {
    overview: '  keygen -k FILE [--force] [--size BYTES]   write a new cluster key file',
    help: KEYGEN_USAGE,
    run: (args) => keygenCommand(args),
  },
  status: {
    overview: '  status [--state-dir DIR] [--json]         show the local daemon\'s membership and counters',
    help: STATUS_USAGE,
    run: statusCommand,
  },
  members: {
    overview: '  members [--state-dir DIR] [--json]        show the current ring id and its members',
    help: MEMBERS_USAGE,
    run: membersCommand,
  },
  quorum: {
    overview: '  quorum [--json] [--list | --set-expected N | --set-votes N [--nodeid ID]]   votequorum, as corosync-quorumtool',
    help: QUORUM_USAGE,
    run: quorumCommand,
  },
  cfg: {
    overview: '  cfg status [--brief] [--json] | reload | shutdown [--force]   cluster control, as corosync-cfgtool -s, -R, -H',
    help: CFG_USAGE,
    run: cfgCommand,
  },
  cpg: {
    overview: '  cpg list [--json]                         CPG groups and their members\n' +
      '  cpg send GROUP [--count N] [--size BYTES] [--rate MSGS_PER_S] [--guarantee agreed|safe] [--json]\n' +
      '  cpg watch GROUP [--history FILE] [--count N] [--json]',
    help: CPG_USAGE,
    run: cpgCommand,
  },
  clm: {
    overview: '  clm nodes [--json]                        the SA Forum CLM view: every member node\'s record\n' +
      '  clm track [--changes-only] [--count N] [--timeout-ms T] [--json]',
    help: CLM_USAGE,
    run: clmCommand,
  },
  evt: {
    overview: '  evt publish CHANNEL [--pattern P]... [--priority 0-3] [--retention-ms MS] [--publisher NAME] [--data TEXT | --data-file F] [--count N] [--json]\n' +
      '  evt subscribe CHANNEL [--filter prefix:P|suffix:P|exact:P|all]... [--count N] [--timeout-ms T] [--json]\n' +
      '  evt unlink CHANNEL | evt clear CHANNEL EVENT_ID | evt channels [--json]   the SA Forum event service',
    help: EVT_USAGE,
    run: evtCommand,
  },
  check: {
    overview: '  check FILE... [--converged] [--json]      the EVS checker\'s verdict on history files',
    help: CHECK_USAGE,
    run: checkCommand,
  },
  log: {
    overview: '  log append LINE... | read [--last N] | watch [--count N]   the cluster\'s ordered log',
    help: LOG_USAGE,
    run: logCommand,
  },
};

function usage(): string {
  return `usage: ringcast <command> [options]
${Object.values(COMMANDS).map((c) => c.overview).join('\n')}
  --version                                 print the version
Run "ringcast <command> --help" for a command's options.
The daemon is found through --state-dir DIR or RINGCAST_STATE_DIR (default /var/lib/ringcast).
Exit codes: 0 done, 1 failed, 2 usage error or daemon not reachable.`;
}

/** The package's version, from the package.json two levels above dist/src/cli. */
export function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

async function run(command: string | undefined, rest: string[]): Promise<number> {
  if (command === undefined) {
    console.error(usage());
    return EXIT_UNREACHABLE;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    console.log(topic ? topic.help : usage());
    return EXIT_OK;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    console.log(packageVersion());
    return EXIT_OK;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (entry === undefined) {
    const hint = command.startsWith('-')
      ? `unknown option ${command}${didYouMean(command, ['--version', '--help'])}`
      : `unknown command "${command}"${didYouMean(command, Object.keys(COMMANDS))}`;
    console.error(`ringcast: ${hint}; "ringcast --help" lists the commands`);
    return EXIT_UNREACHABLE;
  }
  if (wantsHelp(rest)) {
    console.log(entry.help);
    return EXIT_OK;
  }
  return entry.run(rest);
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    return await run(command, rest);
  } catch (err) {
    if (err instanceof CliExit) {
      console.error(`ringcast: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof RingcastError) {
      console.error(`ringcast: ${err.message} [${err.code}]`);
      return EXIT_FAILED;
    }
    throw err;
  }
}

main().then((code) => (process.exitCode = code), (err) => {
  console.error(`ringcast: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
