import { ConfigError } from '@orderflow/runtime';
import { DEV_API_TOKEN, DEV_NOTIFY_WEBHOOK_SECRET, loadNotifierConfig } from './config';

describe('notifier config', () => {
  test('defaults: port 3005, log channel only, local SMTP, 8 attempts from 1 s up to 5 min', () => {
    expect(loadNotifierConfig({})).toMatchObject({
      PORT: 3005,
      NOTIFY_CHANNELS: ['log'],
      SMTP_URL: 'smtp://127.0.0.1:1025',
      MAIL_FROM: 'orderflow <notifications@orderflow.local>',
      API_TOKEN: DEV_API_TOKEN,
      NOTIFY_RETRY_BASE_MS: 1_000,
      NOTIFY_RETRY_MAX_MS: 300_000,
      NOTIFY_MAX_ATTEMPTS: 8,
      NOTIFY_LOCALE: 'en-US',
    });
  });

  test('NOTIFY_CHANNELS is a list of known channels, each once', () => {
    expect(
      loadNotifierConfig({
        NOTIFY_CHANNELS: ' Log, email,log,webhook ',
        NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9000/hook',
      }).NOTIFY_CHANNELS,
    ).toEqual(['log', 'email', 'webhook']);
    expect(() => loadNotifierConfig({ NOTIFY_CHANNELS: 'log,sms' })).toThrow(/NOTIFY_CHANNELS/);
    expect(() => loadNotifierConfig({ NOTIFY_CHANNELS: ' , ' })).toThrow(
      /NOTIFY_CHANNELS: at least one channel/,
    );
  });

  test('the webhook channel needs a URL', () => {
    expect(() => loadNotifierConfig({ NOTIFY_CHANNELS: 'webhook' })).toThrow(
      /NOTIFY_WEBHOOK_URL: required when NOTIFY_CHANNELS includes webhook/,
    );
    expect(() => loadNotifierConfig({ NOTIFY_WEBHOOK_URL: 'ftp://x' })).toThrow(/NOTIFY_WEBHOOK_URL/);
  });

  test('bad values are refused naming the variable', () => {
    expect(() => loadNotifierConfig({ SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/);
    expect(() => loadNotifierConfig({ MAIL_FROM: 'nobody' })).toThrow(/MAIL_FROM/);
    expect(() => loadNotifierConfig({ API_TOKEN: 'short' })).toThrow(/API_TOKEN: at least 16 characters/);
    expect(() => loadNotifierConfig({ NOTIFY_MAX_ATTEMPTS: '0' })).toThrow(/NOTIFY_MAX_ATTEMPTS/);
    expect(() => loadNotifierConfig({ NOTIFY_LOCALE: 'not a locale!' })).toThrow(/NOTIFY_LOCALE/);
    expect(() => loadNotifierConfig({ NOTIFY_RETRY_BASE_MS: '5000', NOTIFY_RETRY_MAX_MS: '1000' })).toThrow(
      /NOTIFY_RETRY_MAX_MS/,
    );
    expect(() => loadNotifierConfig({ NOTIFY_SEND_TIMEOUT_MS: '30000', NOTIFY_LEASE_MS: '60000' })).toThrow(
      /NOTIFY_LEASE_MS/,
    );
    expect(() => loadNotifierConfig({ SMTP_URL: 'http://mail' })).toThrow(ConfigError);
  });

  test('production refuses the public dev token, and the dev webhook secret when webhooks are on', () => {
    expect(() => loadNotifierConfig({ NODE_ENV: 'production' })).toThrow(
      /API_TOKEN: must be set in production/,
    );
    const production = { NODE_ENV: 'production', API_TOKEN: 'a-real-token-from-the-vault' };
    expect(loadNotifierConfig(production).API_TOKEN).toBe('a-real-token-from-the-vault');
    const webhook = {
      ...production,
      NOTIFY_CHANNELS: 'webhook',
      NOTIFY_WEBHOOK_URL: 'https://hooks.example/n',
    };
    expect(() => loadNotifierConfig(webhook)).toThrow(/NOTIFY_WEBHOOK_SECRET: must be set in production/);
    expect(
      loadNotifierConfig({ ...webhook, NOTIFY_WEBHOOK_SECRET: 'another-real-secret' }).NOTIFY_WEBHOOK_SECRET,
    ).not.toBe(DEV_NOTIFY_WEBHOOK_SECRET);
  });
});
