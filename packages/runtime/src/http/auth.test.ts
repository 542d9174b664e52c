import { bearerToken, requireBearer } from './auth';

describe('bearerToken', () => {
  test.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
  ])('reads the token from %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  test.each([[undefined], [''], ['Bearer'], ['Bearer '], ['Basic YTpi'], ['Bearer a b']])(
    'finds no token in %j',
    (header) => {
      expect(bearerToken(header)).toBeUndefined();
    },
  );
});

describe('requireBearer', () => {
  test('refuses to be built with a blank token', () => {
    expect(() => requireBearer('')).toThrow(/empty/);
    expect(() => requireBearer('  ')).toThrow(/empty/);
  });
});
