import { z } from 'zod';
import type { Request } from 'express';
import { AppError } from '../errors';
import { fieldErrors, parseBody, parseParams, parseQuery } from './validation';

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

describe('parseQuery, parseParams and parseBody', () => {
  const thrown = (run: () => unknown): AppError => {
    try {
      run();
    } catch (error) {
      return error as AppError;
    }
    throw new Error('expected a validation error');
  };

  test('refuse a NUL character anywhere in a string as a 400 naming the field', () => {
    // Postgres refuses NUL in text; before this check such a request was a 500 (found by the fuzz test).
    const req = {
      query: { customer_id: 'c\u00001' },
      params: { id: 'o-1\u0000' },
      body: { items: [{ name: 'ok' }, { name: 'a\u0000b' }] },
      is: () => 'application/json',
    } as unknown as Request;
    const query = thrown(() => parseQuery(z.object({ customer_id: z.string() }), req));
    expect(query.httpStatus).toBe(400);
    expect(query.details?.errors).toEqual([
      { field: 'query.customer_id', message: 'must not contain a NUL character' },
    ]);
    const params = thrown(() => parseParams(z.object({ id: z.string() }), req));
    expect(params.details?.errors).toEqual([
      { field: 'params.id', message: 'must not contain a NUL character' },
    ]);
    const body = thrown(() => parseBody(z.object({ items: z.array(z.object({ name: z.string() })) }), req));
    expect(body.details?.errors).toEqual([
      { field: 'body.items.1.name', message: 'must not contain a NUL character' },
    ]);
  });

  test('let strings without NUL through', () => {
    const req = { query: { customer_id: 'c-1 ü 😀' } } as unknown as Request;
    expect(parseQuery(z.object({ customer_id: z.string() }), req)).toEqual({ customer_id: 'c-1 ü 😀' });
  });
});
