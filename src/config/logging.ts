/**
 * logging {}: destinations, debug level, timestamps, and per-subsystem debug in logger_subsys {}.
 * Defaults are Corosync's (stderr on, timestamp hires) except to_syslog, off in ringcast: the
 * daemon logs to stderr, which systemd's journal already collects.
 */
import type { IssueSink } from './issues.js';
import { all, bool, first, lineOf, str, type SectionValues } from './read.js';
import type { DebugLevel, LogFormat, LoggerSubsys, LoggingSettings, TimestampMode } from './types.js';

export function buildLogging(root: SectionValues, sink: IssueSink): LoggingSettings {
  const logging = first(root, 'logging');
  const toLogfile = bool(logging, 'to_logfile') ?? false;
  const logfile = str(logging, 'logfile');
  if (toLogfile && logfile === undefined && !logging?.invalid.has('logfile')) {
    sink.error(lineOf(logging, 'to_logfile'), 'logging.logfile', 'missing: to_logfile is yes, so logfile must name the file');
  }
  const debug = (str(logging, 'debug') as DebugLevel | undefined) ?? 'off';
  const subsystems: LoggerSubsys[] = [];
  for (const s of all(logging, 'logger_subsys')) {
    const subsys = str(s, 'subsys');
    if (subsys === undefined) {
      if (!s.invalid.has('subsys')) sink.error(s.line, `${s.path}.subsys`, 'missing: every logger_subsys needs subsys, the subsystem it configures');
      continue;
    }
    subsystems.push({ subsys, debug: (str(s, 'debug') as DebugLevel | undefined) ?? debug, line: s.line });
  }
  const settings = {
    toStderr: bool(logging, 'to_stderr') ?? true,
    toLogfile,
    toSyslog: bool(logging, 'to_syslog') ?? false,
    debug,
    timestamp: (str(logging, 'timestamp') as TimestampMode | undefined) ?? 'hires',
    format: (str(logging, 'format') as LogFormat | undefined) ?? 'auto',
    subsystems,
  };
  return logfile === undefined ? settings : { ...settings, logfile };
}
