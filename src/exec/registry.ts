/**
 * The service table (Corosync's corosync_service[SERVICES_COUNT_MAX]). Registering a service
 * touches no other service; ids and names must be unique. Registration errors are programmer
 * errors (a daemon built with two services on one id) and throw at boot.
 */
import { SERVICES_COUNT_MAX } from './header.js';
import type { Service } from './service.js';

export class ServiceRegistry {
  private readonly table: (Service | undefined)[] = new Array(SERVICES_COUNT_MAX).fill(undefined);

  constructor(services: readonly Service[] = []) {
    for (const service of services) this.register(service);
  }

  register(service: Service): void {
    if (!Number.isInteger(service.id) || service.id < 0 || service.id >= SERVICES_COUNT_MAX) {
      throw new RangeError(`service "${service.name}": id ${service.id} outside 0..${SERVICES_COUNT_MAX - 1}`);
    }
    const taken = this.table[service.id];
    if (taken) throw new Error(`service "${service.name}": id ${service.id} already taken by "${taken.name}"`);
    const sameName = this.list().find((s) => s.name === service.name);
    if (sameName) throw new Error(`service name "${service.name}" already registered with id ${sameName.id}`);
    this.table[service.id] = service;
  }

  get(serviceId: number): Service | undefined {
    return serviceId >= 0 && serviceId < SERVICES_COUNT_MAX ? this.table[serviceId] : undefined;
  }

  /** Registered services in id order: the order of start, config changes and sync. */
  list(): Service[] {
    return this.table.filter((s): s is Service => s !== undefined);
  }
}
