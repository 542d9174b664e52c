import { ConfigError } from '@orderflow/runtime';
import { DEV_WEBHOOK_SECRET, loadPaymentsConfig } from './config';
import { loadGatewayConfig } from './gateway/gateway.config';

describe('payments config', () => {
  test('defaults follow DESIGN.md: port 3003, 90 % success, 200 ms delay, embedded gateway on 3013', () => {
    expect(loadPaymentsConfig({})).toMatchObject({
      PORT: 3003,
      PAYMENT_SUCCESS_RATE: 0.9,
      PAYMENT_DELAY_MS: 200,
      PAYMENT_SEED: 'orderflow',
      PAYMENT_TIMEOUT_MS: 30_000,
      GATEWAY_EMBEDDED: true,
      GATEWAY_PORT: 3013,
      GATEWAY_URL: 'http://127.0.0.1:3013',
      WEBHOOK_SECRET: DEV_WEBHOOK_SECRET,
    });
  });

  test('a success rate outside 0..1 is refused, naming the variable', () => {
    expect(() => loadPaymentsConfig({ PAYMENT_SUCCESS_RATE: '1.5' })).toThrow(/PAYMENT_SUCCESS_RATE/);
    expect(() => loadPaymentsConfig({ PAYMENT_SUCCESS_RATE: 'most' })).toThrow(ConfigError);
  });

  test('a short webhook secret is refused', () => {
    expect(() => loadPaymentsConfig({ WEBHOOK_SECRET: 'short' })).toThrow(/WEBHOOK_SECRET/);
  });

  test('production refuses the public dev secret, in the service and the standalone gateway', () => {
    expect(() => loadPaymentsConfig({ NODE_ENV: 'production' })).toThrow(
      /WEBHOOK_SECRET: must be set in production/,
    );
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRET/);
    expect(
      loadPaymentsConfig({ NODE_ENV: 'production', WEBHOOK_SECRET: 'a-real-secret-from-the-vault' })
        .WEBHOOK_SECRET,
    ).toBe('a-real-secret-from-the-vault');
  });

  test('GATEWAY_PORT=0 is allowed (tests bind a free port) and GATEWAY_EMBEDDED reads env booleans', () => {
    expect(loadPaymentsConfig({ GATEWAY_PORT: '0', GATEWAY_EMBEDDED: 'false' })).toMatchObject({
      GATEWAY_PORT: 0,
      GATEWAY_EMBEDDED: false,
    });
  });
});
