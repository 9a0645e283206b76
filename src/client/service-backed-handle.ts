/**
 * What every handle on one service connection shares (cfg, cmap, quorum, libquorum): the
 * connection, the node id it reported, whether it is closed, closing it, and the close event
 * RingcastClient tracks open handles by. Each handle adds its service's calls on `svc`.
 */
import type { ServiceHandle } from './service.js';

export abstract class ServiceBackedHandle {
  protected readonly svc: ServiceHandle;

  protected constructor(svc: ServiceHandle) {
    this.svc = svc;
  }

  get nodeId(): number {
    return this.svc.nodeId;
  }

  get closed(): boolean {
    return this.svc.closed;
  }

  async close(): Promise<void> {
    await this.svc.close();
  }

  /** For RingcastClient's bookkeeping. */
  once(event: 'close', listener: () => void): void {
    this.svc.once('close', listener);
  }
}
