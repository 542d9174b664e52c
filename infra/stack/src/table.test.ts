import { formatTable } from './table';

describe('formatTable', () => {
  test('pads every column to its widest cell and underlines the header', () => {
    expect(formatTable(['a', 'long header'], [['wide cell', 'x']]).split('\n')).toEqual([
      'a          long header',
      '---------  -----------',
      'wide cell  x',
    ]);
  });
});
