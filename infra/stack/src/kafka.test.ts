import { newClusterId } from './kafka';

describe('newClusterId', () => {
  test('is 22 characters of URL-safe base64 (16 bytes)', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });

  test('never starts with "-", which the storage tool would take for an option', () => {
    // 0xf8... encodes to a leading '-' in URL-safe base64; the second draw does not.
    const draws = ['f8000000-0000-4000-8000-000000000000', '12345678-0000-4000-8000-000000000000'];
    const id = newClusterId(() => draws.shift()!);
    expect(id.startsWith('-')).toBe(false);
    expect(draws).toEqual([]);
    for (let i = 0; i < 2000; i++) expect(newClusterId().startsWith('-')).toBe(false);
  });
});
