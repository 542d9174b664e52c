import { ConfigError } from '@orderflow/runtime';
import { DEV_API_TOKEN, loadRefundsConfig } from './config';

describe('refunds config', () => {
  test('defaults: port 3004, a 60 s grace period, the public dev token', () => {
    expect(loadRefundsConfig({})).toMatchObject({
      PORT: 3004,
      REFUND_GRACE_MS: 60_000,
      REFUND_EXPIRY_BATCH: 100,
      API_TOKEN: DEV_API_TOKEN,
    });
  });

  test('a token shorter than 16 characters is refused, naming the variable', () => {
    expect(() => loadRefundsConfig({ API_TOKEN: 'too-short' })).toThrow(/API_TOKEN: at least 16/);
  });

  test('production refuses the public dev token and accepts a real one', () => {
    expect(() => loadRefundsConfig({ NODE_ENV: 'production' })).toThrow(
      /API_TOKEN: must be set in production/,
    );
    expect(
      loadRefundsConfig({ NODE_ENV: 'production', API_TOKEN: 'a-real-token-from-the-vault' }).API_TOKEN,
    ).toBe('a-real-token-from-the-vault');
  });

  test('a grace period that is not a positive whole number of ms is refused', () => {
    expect(() => loadRefundsConfig({ REFUND_GRACE_MS: '0' })).toThrow(/REFUND_GRACE_MS/);
    expect(() => loadRefundsConfig({ REFUND_GRACE_MS: 'soon' })).toThrow(ConfigError);
    expect(loadRefundsConfig({ REFUND_GRACE_MS: '1500' }).REFUND_GRACE_MS).toBe(1500);
  });
});
