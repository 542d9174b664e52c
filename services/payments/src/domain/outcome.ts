import { createHash } from 'node:crypto';

export type GatewayOutcome = 'SUCCEEDED' | 'DECLINED';

/** 2^48: the first six bytes of the hash read as an integer, scaled into [0, 1). */
const SCALE = 2 ** 48;

/**
 * Where an order falls in [0, 1) for a seed: a pure function of both, so a run can be repeated and a test
 * can tell in advance which orders the simulated gateway will accept.
 */
export function outcomeDraw(seed: string, orderId: string): number {
  // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
  const digest = createHash('sha256').update(seed, 'utf8').update('\u0000').update(orderId, 'utf8').digest();
  return digest.readUIntBE(0, 6) / SCALE;
}

/**
 * What the simulated gateway answers for an order: SUCCEEDED with probability `rate` over order ids, the
 * same answer every time for the same seed and order.
 */
export function gatewayOutcome(seed: string, orderId: string, rate: number): GatewayOutcome {
  return outcomeDraw(seed, orderId) < rate ? 'SUCCEEDED' : 'DECLINED';
}
