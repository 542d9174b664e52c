import { z } from 'zod';
import { fieldErrors } from './validation';

describe('fieldErrors', () => {
  test('names each field with its place in the request', () => {
    const schema = z.object({
      limit: z.coerce.number().int().max(100),
      items: z.array(z.object({ qty: z.number().int().positive() })),
    });
    const result = schema.safeParse({ limit: '500', items: [{ qty: 1 }, { qty: -1 }] });
    expect(result.success).toBe(false);
    const errors = fieldErrors('body', result.error!.issues);
    expect(errors.map((e) => e.field)).toEqual(['body.limit', 'body.items.1.qty']);
    for (const error of errors) expect(error.message).toEqual(expect.any(String));
  });

  test('an issue about the whole part is named after the part', () => {
    const result = z.object({ a: z.string() }).safeParse(undefined);
    expect(fieldErrors('query', result.error!.issues).map((e) => e.field)).toEqual(['query']);
  });
});
