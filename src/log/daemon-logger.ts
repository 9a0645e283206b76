/**
 * The daemon's logger, built from `logging {}` (src/config): pino JSON lines (or, on a terminal
 * or with `format: text`, the same records as text lines: text-format.ts) to stderr and/or a
 * log file, at the level `debug` selects (off → info, on → debug, trace → trace), with
 * Corosync's timestamp modes (off: no time; on/hires: ISO time with milliseconds).
 *
 * `reload(settings)` applies a re-read file on SIGHUP: the level changes at once, and the log
 * file is reopened (at its new path if it moved), which is also what logrotate's postrotate
 * needs. Syslog is not written directly: Node has no client for the /dev/log datagram socket,
 * and under systemd the journal collects stderr; `to_syslog: yes` says so once in the log.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import type { LoggingSettings } from '../config/types.js';
import { formatLogLine } from './text-format.js';

export interface DaemonLogger {
  readonly logger: Logger;
  /** Applies re-read logging settings: level, timestamp kept, log file reopened or moved. */
  reload(settings: LoggingSettings): void;
  /** Flushes and closes the log file. */
  close(): void;
}

export interface DaemonLoggerOptions {
  readonly nodeId: number;
  /** Where stderr lines go (tests pass their own stream). */
  readonly stderr?: DestinationStream;
  /** Whether stderr is a terminal, for `format: auto` (default: process.stderr.isTTY). */
  readonly stderrIsTty?: boolean;
}

/** Which destinations get text lines: `text` both, `json` neither, `auto` a terminal stderr only. */
export function textDestinations(settings: LoggingSettings, stderrIsTty: boolean): { stderr: boolean; file: boolean } {
  const format = settings.format ?? 'auto';
  return { stderr: format === 'text' || (format === 'auto' && stderrIsTty), file: format === 'text' };
}

export function levelOf(settings: LoggingSettings): Level {
  return settings.debug === 'trace' ? 'trace' : settings.debug === 'on' ? 'debug' : 'info';
}

/** A file destination that can be pointed elsewhere or reopened after rotation. */
class LogFile implements DestinationStream {
  private dest: ReturnType<typeof pino.destination> | undefined;
  constructor(private path: string | undefined) {
    this.open();
  }
  write(line: string): void {
    this.dest?.write(line);
  }
  moveTo(path: string | undefined): void {
    if (path === this.path) {
      this.dest?.reopen();
      return;
    }
    this.dest?.end();
    this.path = path;
    this.open();
  }
  close(): void {
    this.dest?.end();
    this.dest = undefined;
  }
  private open(): void {
    if (this.path === undefined) return;
    mkdirSync(dirname(this.path), { recursive: true });
    // Synchronous: log lines are few, and the last ones before a crash are the ones that matter.
    this.dest = pino.destination({ dest: this.path, append: true, sync: true });
  }
}

/** Sends each line to stderr and/or the file, as JSON or as text, as the current settings say. */
class Router implements DestinationStream {
  toStderr = true;
  text = { stderr: false, file: false };
  readonly file: LogFile;
  constructor(settings: LoggingSettings, private readonly stderr: DestinationStream, private readonly stderrIsTty: boolean) {
    this.file = new LogFile(settings.toLogfile ? settings.logfile : undefined);
    this.apply(settings);
  }
  apply(settings: LoggingSettings): void {
    this.toStderr = settings.toStderr;
    this.text = textDestinations(settings, this.stderrIsTty);
  }
  write(line: string): void {
    const text = this.text.stderr || this.text.file ? `${formatLogLine(line.replace(/\n$/, ''))}\n` : line;
    if (this.toStderr) this.stderr.write(this.text.stderr ? text : line);
    this.file.write(this.text.file ? text : line);
  }
}

export function createDaemonLogger(settings: LoggingSettings, options: DaemonLoggerOptions): DaemonLogger {
  const router = new Router(settings, options.stderr ?? pino.destination(2), options.stderrIsTty ?? (options.stderr === undefined && process.stderr.isTTY === true));
  const logger = pino({
    base: { node: options.nodeId },
    level: levelOf(settings),
    timestamp: settings.timestamp === 'off' ? false : pino.stdTimeFunctions.isoTime,
  }, router);
  let syslogNoted = false;
  const noteSyslog = (s: LoggingSettings): void => {
    if (!s.toSyslog || syslogNoted) return;
    syslogNoted = true;
    logger.warn('logging.to_syslog: ringcastd does not write to syslog directly; under systemd the journal collects stderr (to_stderr: yes)');
  };
  noteSyslog(settings);
  return {
    logger,
    reload(next) {
      logger.level = levelOf(next);
      router.apply(next);
      router.file.moveTo(next.toLogfile ? next.logfile : undefined);
      noteSyslog(next);
    },
    close() {
      router.file.close();
    },
  };
}
