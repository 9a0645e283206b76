/**
 * The running configuration of ringcastd and its reload: `ringcast cfg reload` (every node, in
 * agreed order, through the cfg service) and SIGHUP (this node) both come here. The file is read
 * and checked whole; with an error nothing changes and the log names the file, line and key. The
 * rules for what applies at once are src/config/reload.ts's; each refused key gets a log line.
 *
 * onConfigReloaded(listener) is the hook for whoever holds state derived from the configuration:
 * the daemon's logger and ring timers here, a runtime key map (cmap) later. Listeners run in
 * registration order, inside the reload, so on every node they see the change at the same point
 * of the ring's agreed order.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadConfig, type RingcastConfig } from '../config/index.js';
import { planReload, type ReloadPlan } from '../config/reload.js';
import type { CfgReloadOutcome } from '../daemon/cfg-host.js';

export type ConfigReloadedListener = (config: RingcastConfig, plan: ReloadPlan) => void;

export class ConfigReloader {
  #current: RingcastConfig;
  readonly #listeners: ConfigReloadedListener[] = [];

  constructor(
    readonly path: string,
    initial: RingcastConfig,
    private readonly logger: Logger,
    private readonly readText: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  ) {
    this.#current = initial;
  }

  /** The configuration the daemon runs with now (the file's reloadable parts, the rest as started). */
  get current(): RingcastConfig {
    return this.#current;
  }

  /** Called after every reload that was applied, with the effective configuration. Returns the unsubscribe function. */
  onConfigReloaded(listener: ConfigReloadedListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /** Re-reads the file and applies it; `trigger` names the cause in the log. Never throws. */
  reload(trigger: string): CfgReloadOutcome {
    const log = this.logger;
    let text: string;
    try {
      text = this.readText(this.path);
    } catch (err) {
      const message = `cannot read ${this.path}: ${(err as Error).message}`;
      log.error(`${trigger}: configuration not reloaded: ${message}; running on with the current one`);
      return { ok: false, message, applied: [], refused: [] };
    }
    const next = loadConfig(text, this.path);
    for (const w of next.warnings) log.warn(`${trigger}: ${w.message}`);
    if (!next.ok) {
      for (const e of next.errors) log.error({ line: e.line, key: e.key }, `${trigger}: configuration not reloaded: ${e.message}`);
      const more = next.errors.length > 1 ? ` (and ${next.errors.length - 1} more error(s), see the log)` : '';
      log.error(`${trigger}: running on with the current configuration`);
      return { ok: false, message: `${next.errors[0]!.message}${more}`, applied: [], refused: [] };
    }
    const plan = planReload(this.#current, next.config);
    for (const r of plan.refused) log.warn({ key: r.key }, `${trigger}: ${r.message}`);
    this.#current = plan.effective;
    try {
      for (const l of this.#listeners) l(plan.effective, plan);
    } catch (err) {
      log.error({ err }, `${trigger}: applying the reloaded configuration failed: ${(err as Error).message}`);
      return { ok: false, message: `applying the reloaded configuration failed: ${(err as Error).message}`, applied: plan.applied, refused: plan.refused.map((r) => r.key) };
    }
    log.info({ applied: plan.applied, refused: plan.refused.map((r) => r.key) },
      `${trigger}: configuration reloaded: ${plan.applied.length ? `${plan.applied.join(', ')} now in effect` : 'no run-time setting changed'}` +
      (plan.refused.length ? `; kept at their running values: ${plan.refused.map((r) => r.key).join(', ')}` : ''));
    return { ok: true, message: '', applied: plan.applied, refused: plan.refused.map((r) => r.key) };
  }
}
