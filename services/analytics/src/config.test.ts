import { ConfigError } from '@orderflow/runtime';
import { loadAnalyticsConfig } from './config';

describe('analytics configuration', () => {
  test('defaults: port 3006, prefix analytics, KPIs kept 400 days, event ids for ever', () => {
    const config = loadAnalyticsConfig({});
    expect(config).toMatchObject({
      PORT: 3006,
      ANALYTICS_KEY_PREFIX: 'analytics',
      ANALYTICS_KPI_TTL_DAYS: 400,
      ANALYTICS_EVENT_ID_TTL_DAYS: 0,
    });
  });

  test('an event-id TTL shorter than a week is refused, naming the variable', () => {
    expect(() => loadAnalyticsConfig({ ANALYTICS_EVENT_ID_TTL_DAYS: '3' })).toThrow(
      /ANALYTICS_EVENT_ID_TTL_DAYS/,
    );
    expect(() => loadAnalyticsConfig({ ANALYTICS_EVENT_ID_TTL_DAYS: '3' })).toThrow(ConfigError);
    expect(loadAnalyticsConfig({ ANALYTICS_EVENT_ID_TTL_DAYS: '7' }).ANALYTICS_EVENT_ID_TTL_DAYS).toBe(7);
  });

  test('a key prefix with Redis glob characters or colons is refused', () => {
    expect(() => loadAnalyticsConfig({ ANALYTICS_KEY_PREFIX: 'a*b' })).toThrow(/ANALYTICS_KEY_PREFIX/);
    expect(() => loadAnalyticsConfig({ ANALYTICS_KEY_PREFIX: 'a:b' })).toThrow(/ANALYTICS_KEY_PREFIX/);
  });

  test('a negative KPI TTL is refused', () => {
    expect(() => loadAnalyticsConfig({ ANALYTICS_KPI_TTL_DAYS: '-1' })).toThrow(/ANALYTICS_KPI_TTL_DAYS/);
  });
});
