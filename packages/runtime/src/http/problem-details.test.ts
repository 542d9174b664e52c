import { AppError } from '../errors';
import { codeForStatus, toProblem } from './problem-details';

const context = { instance: '/orders/42', requestId: 'req-1' };

describe('toProblem', () => {
  test('an AppError keeps its status, code and message and carries the request id and path', () => {
    const { problem, internal } = toProblem(
      new AppError({ code: 'ORDERS.NOT_FOUND', message: 'No order 42.', httpStatus: 404 }),
      context,
    );
    expect(internal).toBe(false);
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      code: 'ORDERS.NOT_FOUND',
      detail: 'No order 42.',
      instance: '/orders/42',
      request_id: 'req-1',
    });
  });

  test('field errors in AppError details are shown, other details are not', () => {
    const errors = [{ field: 'query.limit', message: 'Too big' }];
    const { problem } = toProblem(
      new AppError({
        code: 'HTTP.VALIDATION',
        message: 'bad',
        httpStatus: 400,
        details: { errors, sql: 'select secret' },
      }),
      context,
    );
    expect(problem.errors).toEqual(errors);
    expect(JSON.stringify(problem)).not.toContain('secret');
  });

  test('a 5xx AppError keeps its code but not its message', () => {
    const { problem, internal } = toProblem(
      new AppError({ code: 'DB.DOWN', message: 'connect ECONNREFUSED 10.1.2.3:5432', httpStatus: 503 }),
      context,
    );
    expect(internal).toBe(true);
    expect(problem.status).toBe(503);
    expect(problem.code).toBe('DB.DOWN');
    expect(problem.detail).not.toContain('10.1.2.3');
  });

  test('an AppError with a status outside 4xx/5xx becomes a 500', () => {
    const { problem } = toProblem(new AppError({ code: 'X.Y', message: 'm', httpStatus: 200 }), context);
    expect(problem.status).toBe(500);
  });

  test('an unknown error becomes a generic 500 that says nothing about it', () => {
    const { problem, internal } = toProblem(
      new TypeError('cannot read properties of undefined (db.password)'),
      context,
    );
    expect(internal).toBe(true);
    expect(problem).toMatchObject({ status: 500, code: 'HTTP.INTERNAL', title: 'Internal Server Error' });
    expect(problem.detail).not.toMatch(/password|undefined/);
  });

  test('body-parser errors map to their client status with a fixed detail', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token s in "secret'), {
      status: 400,
      type: 'entity.parse.failed',
      expose: true,
    });
    expect(toProblem(parse, context).problem).toMatchObject({ status: 400, code: 'HTTP.MALFORMED_JSON' });
    expect(toProblem(parse, context).problem.detail).not.toContain('secret');

    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      type: 'entity.too.large',
      limit: 100,
    });
    expect(toProblem(tooLarge, context)).toEqual({
      internal: false,
      problem: expect.objectContaining({
        status: 413,
        code: 'HTTP.PAYLOAD_TOO_LARGE',
        detail: expect.stringContaining('100 bytes'),
      }),
    });
  });

  test('an error claiming a 5xx status is still treated as unknown', () => {
    const { problem } = toProblem(Object.assign(new Error('boom'), { status: 502 }), context);
    expect(problem).toMatchObject({ status: 500, code: 'HTTP.INTERNAL' });
  });
});

describe('codeForStatus', () => {
  test('derives a code from the status phrase', () => {
    expect(codeForStatus(415)).toBe('HTTP.UNSUPPORTED_MEDIA_TYPE');
    expect(codeForStatus(400)).toBe('HTTP.BAD_REQUEST');
    expect(codeForStatus(418)).toBe('HTTP.I_M_A_TEAPOT');
  });
});
