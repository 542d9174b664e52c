import { errorMessage, type Logger } from '@orderflow/runtime';
import type { AnalyticsStore } from '../redis/analytics.store';
import { Generations } from '../rebuild/generations';
import { RebuildBusyError, RebuildLock } from '../rebuild/rebuild-lock';
import type { RebuildProgress, Rebuilder } from '../rebuild/rebuilder';

export interface GenerationGuardOptions {
  store: AnalyticsStore;
  /** A fresh rebuilder per attempt. */
  rebuilder: () => Rebuilder;
  intervalMs: number;
  logger: Logger;
}

export type GuardState = 'starting' | 'ready' | 'rebuilding' | 'waiting_for_rebuild' | 'redis_unavailable';

export interface GuardStatus {
  state: GuardState;
  active_generation: string | null;
  building_generation: string | null;
  /** The rebuild in progress: this instance's, or another process' as published in Redis. */
  rebuild: RebuildProgress | null;
  last_rebuild: { generation: string; replayed: number; duration_ms: number; finished_at: string } | null;
  last_error: string | null;
}

/**
 * Makes sure Redis holds the analytics: at start and every `intervalMs` (and whenever the live consumer
 * finds no generation to write to) it checks the active-generation pointer and that generation's
 * marker. Missing means Redis lost the data (wiped, restarted without persistence, evicted): unless
 * another process is already rebuilding, this instance rebuilds from Kafka, and is not ready meanwhile.
 */
export class GenerationGuard {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private running: { rebuilder: Rebuilder; abort: AbortController; done: Promise<void> } | undefined;
  private stopped = false;
  private failures = 0;
  private nextAttemptAt = 0;
  private status: GuardStatus = {
    state: 'starting',
    active_generation: null,
    building_generation: null,
    rebuild: null,
    last_rebuild: null,
    last_error: null,
  };

  constructor(private readonly options: GenerationGuardOptions) {}

  report(): GuardStatus {
    const local = this.running?.rebuilder.progress();
    return { ...this.status, rebuild: local ?? this.status.rebuild };
  }

  get ready(): boolean {
    return this.status.state === 'ready';
  }

  start(): void {
    this.stopped = false;
    this.poke();
    this.timer = setInterval(() => this.poke(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Checks now (once at a time). */
  poke(): void {
    if (this.stopped || this.checking) return;
    this.checking = this.check().finally(() => {
      this.checking = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
    if (this.running) {
      this.running.abort.abort(new Error('service stopping'));
      await this.running.done;
    }
  }

  private async check(): Promise<void> {
    if (this.running) return;
    const { store } = this.options;
    try {
      const health = await store.health();
      this.status = {
        ...this.status,
        active_generation: health.active ?? null,
        building_generation: health.building ?? null,
      };
      // Read after the pointers: a rebuild takes the lock before it points `building` anywhere.
      const holder = await RebuildLock.holder(store.redis, store.keys);
      if (health.building && !holder && health.building !== health.active) {
        await this.dropAbandonedBuild(health.building);
      }
      if (health.active && health.intact) {
        this.status = { ...this.status, state: 'ready', rebuild: await this.publishedRebuild() };
        return;
      }
      if (holder) {
        this.status = {
          ...this.status,
          state: 'waiting_for_rebuild',
          rebuild: await this.publishedRebuild(),
        };
        return;
      }
      if (Date.now() < this.nextAttemptAt) return;
      this.options.logger.warn(
        { active: health.active ?? null, intact: health.intact },
        'analytics data missing in Redis; rebuilding from Kafka',
      );
      this.rebuild();
    } catch (error) {
      this.status = { ...this.status, state: 'redis_unavailable', last_error: errorMessage(error) };
    }
  }

  /**
   * A build whose rebuild died without cleaning up (killed, lock expired): stop the live consumer
   * writing to it and delete what it holds. A no-op if a new rebuild took over the pointer meanwhile.
   */
  private async dropAbandonedBuild(generation: string): Promise<void> {
    const generations = new Generations(this.options.store.redis, this.options.store.keys);
    await generations.abandon(generation);
    if ((await this.options.store.buildingGeneration()) === generation) return;
    const deleted = await generations.deleteAllBut((g) => g !== generation);
    this.options.logger.warn({ generation, deletedKeys: deleted }, 'dropped an abandoned rebuild');
  }

  private async publishedRebuild(): Promise<RebuildProgress | null> {
    const text = await this.options.store.redis.get(this.options.store.keys.rebuildStatus);
    if (!text) return null;
    try {
      return JSON.parse(text) as RebuildProgress;
    } catch {
      return null;
    }
  }

  private rebuild(): void {
    const rebuilder = this.options.rebuilder();
    const abort = new AbortController();
    this.status = { ...this.status, state: 'rebuilding' };
    const done = rebuilder.run(abort.signal).then(
      (result) => {
        this.failures = 0;
        this.status = {
          ...this.status,
          state: 'ready',
          active_generation: result.generation,
          building_generation: null,
          rebuild: null,
          last_error: null,
          last_rebuild: {
            generation: result.generation,
            replayed: result.replayed,
            duration_ms: result.durationMs,
            finished_at: new Date().toISOString(),
          },
        };
      },
      (error: unknown) => {
        if (error instanceof RebuildBusyError) {
          this.status = { ...this.status, state: 'waiting_for_rebuild' };
          return;
        }
        this.failures++;
        // Back off between failed attempts (Kafka away, say), up to a minute.
        this.nextAttemptAt = Date.now() + Math.min(60_000, 500 * 2 ** Math.min(this.failures, 7));
        this.status = { ...this.status, state: 'starting', last_error: errorMessage(error) };
        if (!this.stopped) this.options.logger.error({ err: error }, 'rebuild failed; will try again');
      },
    );
    this.running = {
      rebuilder,
      abort,
      done: done.finally(() => {
        this.running = undefined;
        // Look again at once: the data may be back, or the wipe may have hit the rebuild itself.
        if (!this.stopped) setImmediate(() => this.poke());
      }),
    };
  }
}
