/**
 * The extended virtual synchrony checker: judges a set of histories (one per node, each possibly
 * several incarnations) against the properties defined in design.md. Every incarnation is a
 * separate process; a restarted node is a new process that shares the node id.
 */
import { buildModel } from './build.js';
import { checkConfigurationAgreement, checkConvergence } from './configs.js';
import { checkDeliveries } from './deliveries.js';
import type { HistoryRecord } from '../history/records.js';
import { checkAgreedOrder, checkRegularPrefixes } from './order.js';
import { DEFAULT_MAX_VIOLATIONS_PER_PROPERTY, Reporter, type CheckReport } from './report.js';
import { checkVirtualSynchrony } from './synchrony.js';

export interface CheckOptions {
  /**
   * The run ended healed and quiet: alive processes must share one last regular configuration
   * whose members are exactly their nodes (convergence). Default false.
   */
  readonly requireConvergence?: boolean;
  /**
   * The run ended quiet (no message in flight): an alive process must have delivered every
   * message it sent (self delivery). Default: the value of `requireConvergence`.
   */
  readonly quiescent?: boolean;
  /** Histories with regular configurations only (see BuildOptions.regularOnly). Default false. */
  readonly regularOnly?: boolean;
  /** Violations listed per property; more are only counted. Default 25. */
  readonly maxViolationsPerProperty?: number;
}

export function checkHistories(histories: readonly (readonly HistoryRecord[])[], options: CheckOptions = {}): CheckReport {
  const reporter = new Reporter(options.maxViolationsPerProperty ?? DEFAULT_MAX_VIOLATIONS_PER_PROPERTY);
  const model = buildModel(histories, reporter, { regularOnly: options.regularOnly ?? false });
  checkConfigurationAgreement(model, reporter);
  const quiescent = options.quiescent ?? options.requireConvergence ?? false;
  checkAgreedOrder(model, reporter);
  checkRegularPrefixes(model, reporter);
  checkVirtualSynchrony(model, reporter, { quiescent });
  checkDeliveries(model, reporter, { quiescent });
  if (options.requireConvergence) checkConvergence(model, reporter);
  return {
    ok: reporter.total === 0,
    violations: reporter.violations(),
    counts: { ...reporter.counts },
    stats: {
      nodes: new Set(model.incarnations.map((inc) => inc.node)).size,
      incarnations: model.incarnations.length,
      configs: model.stats.configs,
      sends: model.stats.sends,
      deliveries: model.stats.deliveries,
      messages: model.messages.size,
    },
  };
}
