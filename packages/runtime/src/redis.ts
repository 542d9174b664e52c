import Redis from 'ioredis';

export type { Redis } from 'ioredis';

/**
 * ioredis with reconnects that never give up (a Redis restart must not kill a service) and commands
 * that fail fast while disconnected, so callers can retry their whole unit of work.
 */
export function createRedis(url: string, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  });
  // Connection errors surface on the commands that fail; the event itself only needs a listener.
  redis.on('error', () => undefined);
  return redis;
}

export async function pingRedis(redis: Redis): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
}
