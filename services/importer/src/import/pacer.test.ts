import { Pacer } from './pacer';

describe('Pacer', () => {
  it('spaces orders 1/rate seconds apart from the start', () => {
    let now = 10_000;
    const pacer = new Pacer(500, () => now);
    expect(pacer.delayMs(0)).toBe(0);
    expect(pacer.delayMs(1)).toBe(2);
    expect(pacer.delayMs(500)).toBe(1000);
    now += 400;
    expect(pacer.delayMs(500)).toBe(600);
  });

  it('never asks to wait for an order that is late', () => {
    let now = 0;
    const pacer = new Pacer(10, () => now);
    now = 5_000;
    expect(pacer.delayMs(3)).toBe(0);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => new Pacer(0)).toThrow(/positive/);
    expect(() => new Pacer(Number.NaN)).toThrow(/positive/);
  });
});
