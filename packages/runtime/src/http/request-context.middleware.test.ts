import { resolveRequestId } from './request-context.middleware';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resolveRequestId', () => {
  test('keeps a sane incoming id', () => {
    expect(resolveRequestId('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    expect(resolveRequestId('x'.repeat(128))).toBe('x'.repeat(128));
  });

  test('takes the first of repeated headers', () => {
    expect(resolveRequestId(['first', 'second'])).toBe('first');
  });

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'x'.repeat(129)],
    ['with spaces', 'a b'],
    ['with a newline', 'a\nb'],
    ['with quotes', 'a"b'],
  ])('replaces a %s id with a new UUID', (_case, incoming) => {
    expect(resolveRequestId(incoming)).toMatch(UUID);
  });

  test('generates a different id each time', () => {
    expect(resolveRequestId(undefined)).not.toBe(resolveRequestId(undefined));
  });
});
