/**
 * Reads a parsed tree against the schema: checks every known value, warns about keys and sections
 * ringcast does not know or ignores, and returns the values with their lines. Cross-key rules
 * (crypto, node list, derived timers) are the builders' job, on top of this.
 */
import { quote, type IssueSink } from './issues.js';
import type { ConfSection } from './parse.js';
import { ROOT_SPEC, type SectionSpec } from './schema.js';
import { keyHint, sectionHint } from './suggest.js';
import { checkValue, type CheckedValue } from './values.js';

export interface Setting {
  readonly value: CheckedValue;
  readonly line: number;
}

export interface SectionValues {
  /** Corosync's cmap-style path: `totem`, `totem.interface.0`, `nodelist.node.2`. */
  readonly path: string;
  readonly line: number;
  readonly values: Map<string, Setting>;
  /** Keys present but with a rejected value (already reported): line by key. */
  readonly invalid: Map<string, number>;
  readonly sections: Map<string, SectionValues[]>;
}

function newValues(path: string, line: number): SectionValues {
  return { path, line, values: new Map(), invalid: new Map(), sections: new Map() };
}

export function readConfig(root: ConfSection, sink: IssueSink): SectionValues {
  const out = newValues('', 0);
  readSection(root, ROOT_SPEC, out, sink);
  return out;
}

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

function readSection(section: ConfSection, spec: SectionSpec, out: SectionValues, sink: IssueSink): void {
  for (const entry of section.entries) {
    if (entry.kind === 'key') readKey(entry.name, entry.value, entry.line, spec, out, sink);
    else readChild(entry, spec, out, sink);
  }
}

function readKey(name: string, raw: string, line: number, spec: SectionSpec, out: SectionValues, sink: IssueSink): void {
  const path = join(out.path, name);
  const keySpec = spec.keys.find((k) => k.name === name);
  if (keySpec) {
    const checked = checkValue(keySpec.value, raw);
    if (!checked.ok) {
      sink.error(line, path, checked.detail);
      out.invalid.set(name, line);
      return;
    }
    const before = out.values.get(name);
    if (before) sink.warn(line, path, `set again: this value replaces ${quote(String(before.value))} from line ${before.line} (the last one wins, as in Corosync)`);
    out.values.set(name, { value: checked.value, line });
    out.invalid.delete(name);
    return;
  }
  const rejected = spec.rejectedKeys?.[name];
  if (rejected !== undefined) {
    sink.error(line, path, `not supported: ${rejected}`);
    return;
  }
  const ignored = spec.ignoredKeys?.[name];
  if (ignored !== undefined) {
    sink.warn(line, path, `ignored: ${ignored}`);
    return;
  }
  const where = out.path === '' ? ' outside any section' : '';
  sink.warn(line, path, `unknown key ${path}${where}${keyHint(name, spec)}; ignored`, true);
}

function readChild(section: ConfSection, spec: SectionSpec, out: SectionValues, sink: IssueSink): void {
  const path = join(out.path, section.name);
  const childSpec = spec.sections?.find((s) => s.name === section.name);
  if (!childSpec) {
    const ignored = spec.ignoredSections?.[section.name];
    if (ignored !== undefined) sink.warn(section.line, path, `section ignored: ${ignored}`);
    else sink.warn(section.line, path, `unknown section ${path}${sectionHint(section.name, spec)}; ignored with everything in it`, true);
    return;
  }
  const list = out.sections.get(section.name) ?? [];
  out.sections.set(section.name, list);
  let target = list[0];
  if (childSpec.repeated || !target) {
    target = newValues(childSpec.repeated ? `${path}.${list.length}` : path, section.line);
    list.push(target);
  } else {
    // Corosync files a repeated section under the same keys, so their contents merge.
    sink.warn(section.line, path, `section repeated: its keys are merged with the section at line ${target.line}, as Corosync does`);
  }
  readSection(section, childSpec, target, sink);
}

/* Typed access for the builders; the schema fixes each key's type, so a mismatch is a bug here. */

export function first(sv: SectionValues | undefined, section: string): SectionValues | undefined {
  return sv?.sections.get(section)?.[0];
}

export function all(sv: SectionValues | undefined, section: string): readonly SectionValues[] {
  return sv?.sections.get(section) ?? [];
}

export function str(sv: SectionValues | undefined, key: string): string | undefined {
  const v = sv?.values.get(key)?.value;
  return typeof v === 'string' ? v : undefined;
}

export function num(sv: SectionValues | undefined, key: string): number | undefined {
  const v = sv?.values.get(key)?.value;
  return typeof v === 'number' ? v : undefined;
}

export function bool(sv: SectionValues | undefined, key: string): boolean | undefined {
  const v = sv?.values.get(key)?.value;
  return typeof v === 'boolean' ? v : undefined;
}

/** The line of a key if written (even with a bad value), else of its section, else 0. */
export function lineOf(sv: SectionValues | undefined, key: string): number {
  return sv?.values.get(key)?.line ?? sv?.invalid.get(key) ?? sv?.line ?? 0;
}

export function present(sv: SectionValues | undefined, key: string): boolean {
  return sv !== undefined && (sv.values.has(key) || sv.invalid.has(key));
}
