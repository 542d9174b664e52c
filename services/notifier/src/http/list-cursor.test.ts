import { decodeCursor, encodeCursor } from './list-cursor';

describe('list cursor', () => {
  test('round-trips a position', () => {
    expect(decodeCursor(encodeCursor(1))).toBe(1);
    expect(decodeCursor(encodeCursor(9_007_199_254))).toBe(9_007_199_254);
  });

  test('anything else is not a cursor', () => {
    for (const bad of [
      '',
      'abc',
      '!!!',
      Buffer.from('n1:-3').toString('base64url'),
      Buffer.from('n1:0').toString('base64url'),
      Buffer.from('{"seq":1}').toString('base64url'),
      'x'.repeat(100),
    ]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });
});
