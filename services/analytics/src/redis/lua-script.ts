import { createHash } from 'node:crypto';
import type { Redis } from '@orderflow/runtime';

/**
 * A Lua script run by its SHA (EVALSHA). `load()` puts it in Redis' script cache up front; a cache that
 * was emptied since (Redis restarted, SCRIPT FLUSH) answers NOSCRIPT, and the call falls back to EVAL,
 * which caches it again.
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async load(redis: Redis): Promise<void> {
    await redis.script('LOAD', this.source);
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** A script refused to run because there is no generation to work on (Redis wiped, or never built). */
export function isNoGeneration(error: unknown): boolean {
  return error instanceof Error && error.message.includes('ANALYTICS_NO_GENERATION');
}

/** A rebuild's generation is no longer the one being built (a wipe, or a newer rebuild took over). */
export function isStaleRebuild(error: unknown): boolean {
  return error instanceof Error && error.message.includes('ANALYTICS_STALE_REBUILD');
}
