/**
 * Problems found in a configuration file. Every issue names its line and its key, and its message
 * is complete on its own (`corosync.conf:12: totem.token: expected ...`), so a caller can print
 * `message` without knowing the rest. Line 0 means the file as a whole (a missing section).
 */
export interface ConfigIssue {
  readonly line: number;
  /** Dotted path in Corosync's spelling (`totem.token`, `nodelist.node.1.nodeid`); '' when none applies. */
  readonly key: string;
  readonly message: string;
}

/** Bound on the issues kept per kind: a file of garbage gets a readable report, not a flood. */
export const ISSUES_MAX = 100;

export function formatIssue(source: string, line: number, key: string, detail: string): string {
  const where = line > 0 ? `${source}:${line}` : source;
  return key === '' ? `${where}: ${detail}` : `${where}: ${key}: ${detail}`;
}

/** Quotes an operator's text for a message, cut short so one long line cannot swamp the log. */
export function quote(text: string, max = 60): string {
  const shown = text.length > max ? `${text.slice(0, max)}...` : text;
  return JSON.stringify(shown);
}

/** Collects errors and warnings for one file, each list bounded by ISSUES_MAX. */
export class IssueSink {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  private droppedErrors = 0;
  private droppedWarnings = 0;

  constructor(readonly source: string) {}

  /** `detail` is the message after `source:line: key: `; with `keyInDetail` it names the key itself. */
  error(line: number, key: string, detail: string, keyInDetail = false): void {
    if (this.errors.length >= ISSUES_MAX) this.droppedErrors++;
    else this.errors.push({ line, key, message: formatIssue(this.source, line, keyInDetail ? '' : key, detail) });
  }

  warn(line: number, key: string, detail: string, keyInDetail = false): void {
    if (this.warnings.length >= ISSUES_MAX) this.droppedWarnings++;
    else this.warnings.push({ line, key, message: formatIssue(this.source, line, keyInDetail ? '' : key, detail) });
  }

  get failed(): boolean {
    return this.errors.length > 0;
  }

  /** The lists as returned to callers, with a last entry saying how many were left out. */
  finish(): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
    const more = (n: number): ConfigIssue => ({ line: 0, key: '', message: formatIssue(this.source, 0, '', `${n} more not shown`) });
    // In file order (stable, so issues of one line keep the order they were found in).
    const sorted = (list: ConfigIssue[]): ConfigIssue[] => [...list].sort((a, b) => a.line - b.line);
    return {
      errors: this.droppedErrors > 0 ? [...sorted(this.errors), more(this.droppedErrors)] : sorted(this.errors),
      warnings: this.droppedWarnings > 0 ? [...sorted(this.warnings), more(this.droppedWarnings)] : sorted(this.warnings),
    };
  }
}
