import { InvalidArgumentError } from 'commander';
import { parseAmount, problemLine } from './refunds-client';

describe('problemLine', () => {
  test('shows the status, code and detail of a problem', () => {
    expect(
      problemLine(422, { status: 422, code: 'REFUNDS.IDEMPOTENCY_CONFLICT', detail: 'This key was used.' }),
    ).toBe('HTTP 422 REFUNDS.IDEMPOTENCY_CONFLICT: This key was used.');
  });

  test('adds the field errors the detail does not mention', () => {
    expect(
      problemLine(400, {
        code: 'HTTP.VALIDATION',
        detail: 'The request params is invalid.',
        errors: [{ field: 'params.order_id', message: 'must not be empty' }],
      }),
    ).toBe('HTTP 400 HTTP.VALIDATION: The request params is invalid. (params.order_id must not be empty)');
    expect(
      problemLine(400, {
        code: 'HTTP.VALIDATION',
        detail: 'The request is invalid: body.reason must not be empty.',
        errors: [{ field: 'body.reason', message: 'must not be empty' }],
      }),
    ).toBe('HTTP 400 HTTP.VALIDATION: The request is invalid: body.reason must not be empty.');
  });

  test('an answer that is not a problem still gives one line', () => {
    expect(problemLine(502, '<html>\nBad gateway</html>')).toBe('HTTP 502: <html>');
    expect(problemLine(500, undefined)).toBe('HTTP 500: no detail');
  });
});

describe('parseAmount', () => {
  test('takes a positive whole number of cents', () => {
    expect(parseAmount('1250')).toBe(1250);
  });

  test.each(['0', '-5', '12.5', '1e3', 'ten', '99999999999999999999'])('refuses %s', (value) => {
    expect(() => parseAmount(value)).toThrow(InvalidArgumentError);
  });
});
