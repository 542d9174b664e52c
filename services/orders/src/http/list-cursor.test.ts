import { decodeCursor, encodeCursor } from './list-cursor';

describe('list cursor', () => {
  test('round-trips the position to the millisecond', () => {
    const position = { placedAt: new Date(Date.UTC(2025, 0, 15, 10, 30, 0, 123)), orderId: 'ord-1' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  test.each(['', 'not a cursor', Buffer.from('{"x":1}').toString('base64url'), 'e30'])(
    'refuses %j',
    (cursor) => {
      expect(decodeCursor(cursor)).toBeUndefined();
    },
  );
});
