import { eventIdFrom } from './ids';

describe('eventIdFrom', () => {
  test('is stable for the same parts and a valid version-8 UUID', () => {
    const id = eventIdFrom('orders.placed', 'o-1', 'abc');
    expect(id).toBe(eventIdFrom('orders.placed', 'o-1', 'abc'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('differs when parts differ, including how a string is split into parts', () => {
    expect(eventIdFrom('ab', 'c')).not.toBe(eventIdFrom('a', 'bc'));
    expect(eventIdFrom('o-1')).not.toBe(eventIdFrom('o-2'));
  });
});
