/**
 * Per-service counters for the metrics endpoint (docs/metrics.md): client requests read, answers
 * other than CS_OK, and executive messages applied, by service id. The executive keeps totals
 * only; these are bumped where the service host already handles each event, with one array
 * index per event (ids are 0..63), so a scrape reads them without touching the ring.
 */
import { SERVICES_COUNT_MAX, type CsStatus } from '../exec/index.js';

/** The executive's service table bound (Corosync's SERVICES_COUNT_MAX): ids 0..63. */
const SERVICE_IDS_MAX = SERVICES_COUNT_MAX;

export interface ServiceCount {
  readonly serviceId: number;
  readonly requests: number;
  readonly errors: number;
  readonly deliveries: number;
}

export class ServiceCounters {
  readonly #requests = new Float64Array(SERVICE_IDS_MAX);
  readonly #errors = new Float64Array(SERVICE_IDS_MAX);
  readonly #deliveries = new Float64Array(SERVICE_IDS_MAX);

  request(serviceId: number): void {
    if (serviceId < SERVICE_IDS_MAX) this.#requests[serviceId]!++;
  }

  answered(serviceId: number, status: CsStatus): void {
    if (status !== 'CS_OK' && serviceId < SERVICE_IDS_MAX) this.#errors[serviceId]!++;
  }

  applied(serviceId: number): void {
    if (serviceId < SERVICE_IDS_MAX) this.#deliveries[serviceId]!++;
  }

  /** The counts of the given services (every hosted one, even at 0, so its series exist from the start). */
  read(serviceIds: Iterable<number>): ServiceCount[] {
    const out: ServiceCount[] = [];
    for (const id of serviceIds) {
      if (id >= SERVICE_IDS_MAX) continue;
      out.push({ serviceId: id, requests: this.#requests[id]!, errors: this.#errors[id]!, deliveries: this.#deliveries[id]! });
    }
    return out;
  }
}
