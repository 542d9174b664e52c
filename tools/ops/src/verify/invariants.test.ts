import { checkPartitions, type CheckInput } from './invariants';
import type { EventScan, FlowEvent } from './event-scan';

function event(
  topic: FlowEvent['topic'],
  eventId: string,
  partition: number,
  causationId: string | null,
): FlowEvent {
  return { topic, partition, offset: 0, timestamp: 1000, eventId, orderId: 'order-1', causationId };
}

function input(events: FlowEvent[]): CheckInput {
  const scan = { events: new Map(events.map((e) => [e.eventId, e])), copies: [] } as unknown as EventScan;
  return { scan, scope: new Set(['order-1']) } as unknown as CheckInput;
}

describe('checkPartitions', () => {
  const placed = event('orders.placed', 'e-placed', 2, null);
  const reserved = event('inventory.reserved', 'e-reserved', 2, 'e-placed');
  const stray = event('inventory.reserved', 'e-stray', 3, 'e-placed');

  test.each([
    ['the stray event read first', [stray, placed, reserved]],
    ['the stray event read last', [placed, reserved, stray]],
  ])('an order with one event on another partition is reported once, %s', (_, events) => {
    const result = checkPartitions(input(events));
    expect(result.ok).toBe(false);
    expect(result.violationCount).toBe(1);
    expect(result.violations).toEqual([
      {
        id: 'order-1',
        problem: 'inventory.reserved partition 3 (offset 0) but orders.placed partition 2',
      },
    ]);
  });

  test('an order whose events share one partition passes', () => {
    expect(checkPartitions(input([reserved, placed])).ok).toBe(true);
  });
});
