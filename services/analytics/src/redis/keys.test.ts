import { AnalyticsKeys, inGeneration, parseKpiField } from './keys';

describe('analytics keys', () => {
  const keys = new AnalyticsKeys('analytics');

  test('bookkeeping keys sit directly under the prefix', () => {
    expect(keys.active).toBe('analytics:active');
    expect(keys.building).toBe('analytics:building');
    expect(keys.rebuildLock).toBe('analytics:rebuild-lock');
  });

  test('data keys sit under a generation', () => {
    expect(keys.inGeneration('g3-abc123', inGeneration.kpiDay('2025-01-31'))).toBe(
      'analytics:g3-abc123:kpi:2025-01-31',
    );
    expect(inGeneration.leaderboard('EUR')).toBe('lb:EUR:all');
    expect(inGeneration.leaderboard('EUR', '2025-01')).toBe('lb:EUR:2025-01');
    expect(inGeneration.customer('c:1')).toBe('customer:c:1');
  });

  test('the generation of a key is recognised, bookkeeping keys have none', () => {
    expect(keys.generationOf('analytics:g3-abc123:seen:e1')).toBe('g3-abc123');
    expect(keys.generationOf('analytics:generation')).toBeUndefined();
    expect(keys.generationOf('analytics:active')).toBeUndefined();
    expect(keys.generationOf('analyticsx:g3-abc123:seen:e1')).toBeUndefined();
  });

  test('KPI fields split into currency and counter', () => {
    expect(parseKpiField(inGeneration.kpiField('EUR', 'revenue_cents'))).toEqual({
      currency: 'EUR',
      counter: 'revenue_cents',
    });
    expect(parseKpiField('nonsense')).toBeUndefined();
  });
});
