import { randomBytes } from 'node:crypto';
import type { Redis } from '@orderflow/runtime';
import type { AnalyticsKeys } from '../redis/keys';
import { compareAndDeleteScript, refreshLockScript } from '../redis/scripts';

/** Another process holds the rebuild lock. */
export class RebuildBusyError extends Error {
  readonly code = 'ANALYTICS.REBUILD_RUNNING';

  constructor(readonly holder: string) {
    super(`a rebuild is already running (lock held by ${holder})`);
    this.name = 'RebuildBusyError';
  }
}

/**
 * The one-rebuild-at-a-time lock: `SET <prefix>:rebuild-lock <token> NX PX <lease>`, refreshed every
 * third of the lease while the rebuild runs. A holder that dies loses it when the lease runs out. The
 * rebuild's status key lives and dies with it.
 */
export class RebuildLock {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  private constructor(
    private readonly redis: Redis,
    private readonly keys: AnalyticsKeys,
    readonly token: string,
    private readonly leaseMs: number,
  ) {}

  static async acquire(
    redis: Redis,
    keys: AnalyticsKeys,
    owner: string,
    leaseMs: number,
  ): Promise<RebuildLock> {
    const token = `${owner}/${randomBytes(4).toString('hex')}`;
    const taken = await redis.set(keys.rebuildLock, token, 'PX', leaseMs, 'NX');
    if (taken !== 'OK') throw new RebuildBusyError((await redis.get(keys.rebuildLock)) ?? 'unknown');
    return new RebuildLock(redis, keys, token, leaseMs);
  }

  static holder(redis: Redis, keys: AnalyticsKeys): Promise<string | null> {
    return redis.get(keys.rebuildLock);
  }

  /** Keeps the lease alive; `onLost` runs once if another process got the lock or it vanished. */
  keepAlive(onLost: (error: Error) => void): void {
    this.timer = setInterval(
      () => {
        void this.refresh().then(
          (held) => {
            if (held || this.lost) return;
            this.lost = true;
            onLost(new Error('the rebuild lock was lost (expired, or Redis was wiped)'));
          },
          // Redis briefly away: keep trying until the lease really runs out.
          () => undefined,
        );
      },
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    this.timer.unref();
  }

  async refresh(): Promise<boolean> {
    const answer = await refreshLockScript.run(
      this.redis,
      [this.keys.rebuildLock, this.keys.rebuildStatus],
      [this.token, this.leaseMs],
    );
    return Number(answer) === 1;
  }

  /** Publishes progress for /readyz and other instances; expires with the lock. */
  async publishStatus(status: unknown): Promise<void> {
    await this.redis.set(this.keys.rebuildStatus, JSON.stringify(status), 'PX', this.leaseMs);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await compareAndDeleteScript.run(
      this.redis,
      [this.keys.rebuildLock, this.keys.rebuildStatus],
      [this.token],
    );
  }
}
