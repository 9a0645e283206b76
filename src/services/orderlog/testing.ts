/** Helpers for the ordered log's simulation tests: a cluster of executives running the log. */
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import { SimExecCluster, type SimExecOptions } from '../../exec/testing/sim-exec.js';
import { encodeLine } from './codec.js';
import { ORDERLOG_SERVICE_ID, OrderLogRequest, OrderLogService } from './orderlog.js';

export class OrderLogCluster extends SimExecCluster<OrderLogService> {
  private readonly conns = new Map<number, FakeConnection>();
  private nextRequestId = 1;
  private nextConnId = 1;

  constructor(options: Omit<SimExecOptions<OrderLogService>, 'services'> & { readonly maxLines?: number }) {
    super({ ...options, services: () => [new OrderLogService({ maxLines: options.maxLines ?? 64 })] });
  }

  override start(nodeId: number): void {
    super.start(nodeId);
    this.conns.set(nodeId, new FakeConnection(this.nextConnId++));
  }

  /** The client connection of a node's current incarnation. */
  conn(nodeId: number): FakeConnection {
    return this.conns.get(nodeId)!;
  }

  /** A client of `nodeId` appends `line`; returns the request id. */
  append(nodeId: number, line: string): number {
    const requestId = this.nextRequestId++;
    this.exec(nodeId)!.request(this.conn(nodeId), ORDERLOG_SERVICE_ID, OrderLogRequest.append, requestId, encodeLine(line));
    return requestId;
  }

  log(nodeId: number): OrderLogService['log'] {
    return this.services(nodeId)[0]!.log;
  }

  /** `count:hash` of each live node. */
  digests(): Map<number, string> {
    return new Map(this.liveNodes().map((id) => [id, this.log(id).digest()]));
  }
}
