import { readFileSync } from 'node:fs';
import { SCHEMAS_DIR, TYPES_FILE } from '../scripts/codegen';
import { generateTypes } from '../scripts/generate-types';

describe('generated types', () => {
  test('src/generated/types.ts is what codegen makes of the current schemas', async () => {
    const expected = await generateTypes(SCHEMAS_DIR, TYPES_FILE);
    const committed = readFileSync(TYPES_FILE, 'utf8');
    // On failure: run `npm run codegen -w @orderflow/contracts` and commit the result.
    expect(committed).toBe(expected);
  });
});
