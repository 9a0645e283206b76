/** fast-check generators for EVT deliveries, shared by the codec tests (batch and shared frames). */
import fc from 'fast-check';
import type { EvtDelivery, EvtPriority } from '../evt-lib.js';
import type { EvtDeliveryBody } from '../evt-batch.js';

export const arbitraryBytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

/** A delivery's event part: everything but the channel and subscription it goes to. */
export const arbitraryDeliveryBody: fc.Arbitrary<EvtDeliveryBody> = fc.record({
  lost: fc.boolean(),
  priority: fc.constantFrom<EvtPriority>(0, 1, 2, 3),
  eventId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  retentionNs: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
  publishTimeNs: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  publisherNodeId: fc.nat({ max: 0xffffffff }),
  publisherName: arbitraryBytes(40),
  patterns: fc.array(arbitraryBytes(20), { maxLength: 6 }),
  data: arbitraryBytes(300),
});

export const arbitraryDelivery: fc.Arbitrary<EvtDelivery> = fc
  .tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), arbitraryDeliveryBody)
  .map(([channel, subscriptionId, body]) => ({ channel, subscriptionId, ...body }));
