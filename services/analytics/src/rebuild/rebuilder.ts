import type { Admin, EachBatchPayload, Kafka } from 'kafkajs';
import { errorMessage, type Logger } from '@orderflow/runtime';
import type { EventEffects } from '../domain/event-effects';
import { backoff, retryDelay } from '../kafka/batch-retry';
import type { DecodedMessage, EventDecoder } from '../kafka/event-decoder';
import type { AnalyticsStore } from '../redis/analytics.store';
import { isStaleRebuild } from '../redis/lua-script';
import { Generations } from './generations';
import { RebuildLock } from './rebuild-lock';

export interface RebuildProgress {
  generation: string | null;
  owner: string;
  state: 'starting' | 'replaying' | 'switching' | 'done' | 'failed';
  started_at: string;
  /** Events below the end offsets captured at the start: what the replay has to read. */
  total_events: number;
  replayed_events: number;
  percent: number;
  error?: string;
}

export interface RebuildResult {
  generation: string;
  previous: string | undefined;
  replayed: number;
  /** Events applied to the new generation by the replay (the live consumer may have added others). */
  applied: number;
  /** Undecodable or invalid events skipped (the live consumer dead-lettered them). */
  invalid: number;
  durationMs: number;
  deletedKeys: number;
}

export interface RebuilderOptions {
  store: AnalyticsStore;
  kafka: Kafka;
  decoder: EventDecoder;
  logger: Logger;
  /** Who rebuilds, shown in the lock and the status (e.g. `analytics@host/1234`, `cli@host/99`). */
  owner: string;
  topicPrefix: string;
  lockLeaseMs: number;
  sessionTimeoutMs?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** Test hook: runs once the end offsets are captured, before the replay starts. */
  afterCapture?: (generation: string) => Promise<void>;
}

interface PartitionRange {
  topic: string;
  partition: number;
  low: bigint;
  /** The high watermark when the rebuild started: the replay reads up to here. */
  end: bigint;
  next: bigint;
}

const PUBLISH_EVERY_MS = 500;

/**
 * Rebuilds the analytics from Kafka into a fresh generation and switches readers to it atomically.
 *
 * 1. Take the rebuild lock; create generation G and point `<prefix>:building` at it. From then on the
 *    live consumer writes every batch to G as well as to the active generation.
 * 2. Capture the end offsets of both topics. Everything below them is replayed into G here; everything
 *    at or above them can only be consumed live after step 1, so the live consumer writes it to G.
 *    Overlap is harmless: G dedupes by event id like any generation.
 * 3. Switch: one script sets `<prefix>:active` to G (if G is still the one being built) and drops the
 *    building pointer. Readers resolve the pointer inside their read script, so they see the old
 *    generation or G, never a mix. Then the old generations are deleted.
 *
 * No pause of the live consumer is needed, so a rebuild from the CLI works beside running services.
 */
export class Rebuilder {
  private current: RebuildProgress | undefined;
  private publishedAt = 0;
  private lock: RebuildLock | undefined;
  private readonly log: Logger;

  constructor(private readonly options: RebuilderOptions) {
    this.log = options.logger.child({ component: 'rebuild' });
  }

  progress(): RebuildProgress | undefined {
    return this.current && { ...this.current };
  }

  async run(signal?: AbortSignal): Promise<RebuildResult> {
    const { store } = this.options;
    const started = Date.now();
    const lock = await RebuildLock.acquire(
      store.redis,
      store.keys,
      this.options.owner,
      this.options.lockLeaseMs,
    );
    this.lock = lock;
    const generations = new Generations(store.redis, store.keys);
    const failure = new AbortController();
    const onAbort = () => failure.abort(signal?.reason ?? new Error('rebuild aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    lock.keepAlive((error) => failure.abort(error));
    this.current = {
      generation: null,
      owner: this.options.owner,
      state: 'starting',
      started_at: new Date(started).toISOString(),
      total_events: 0,
      replayed_events: 0,
      percent: 0,
    };
    let generation: string | undefined;
    let switched = false;
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      generation = await generations.create();
      await generations.startBuilding(generation);
      const previous = await store.activeGeneration();
      this.update({ generation }, true);
      this.log.info({ generation, previous }, 'rebuild started');
      // Leftovers of rebuilds that crashed or were abandoned.
      const built = generation;
      await generations.deleteAllBut((g) => g === built || g === previous);
      const ranges = await this.captureEnds(admin);
      const total = [...ranges.values()].reduce((sum, r) => sum + Number(r.end - r.low), 0);
      this.update({ state: 'replaying', total_events: total }, true);
      await this.options.afterCapture?.(generation);
      const counts = await this.replay(generation, ranges, admin, failure.signal);
      failure.signal.throwIfAborted();
      this.update({ state: 'switching' }, true);
      await generations.switchTo(generation);
      switched = true;
      const deletedKeys = await generations.deleteAllBut((g) => g === built);
      this.update({ state: 'done', replayed_events: total, percent: 100 }, true);
      const result: RebuildResult = {
        generation,
        previous,
        replayed: total,
        applied: counts.applied,
        invalid: counts.invalid,
        durationMs: Date.now() - started,
        deletedKeys,
      };
      this.log.info(result, 'rebuild finished; readers switched');
      return result;
    } catch (error) {
      this.update({ state: 'failed', error: errorMessage(error) }, true);
      // Once switched, the generation is the active one: a failure after that (cleaning up the old
      // ones) must not touch it; the next rebuild deletes what was left.
      if (generation && !switched) {
        const abandoned = generation;
        await generations.abandon(abandoned).catch(() => undefined);
        await generations.deleteAllBut((g) => g !== abandoned).catch(() => undefined);
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await lock.release().catch(() => undefined);
      this.lock = undefined;
      await admin.disconnect().catch(() => undefined);
    }
  }

  private update(change: Partial<RebuildProgress>, force = false): void {
    if (!this.current) return;
    const next = { ...this.current, ...change };
    next.percent =
      next.total_events === 0
        ? next.state === 'done'
          ? 100
          : 0
        : Math.floor((100 * next.replayed_events) / next.total_events);
    this.current = next;
    this.options.onProgress?.({ ...next });
    if (force || Date.now() - this.publishedAt >= PUBLISH_EVERY_MS) {
      this.publishedAt = Date.now();
      void this.lock?.publishStatus(next).catch(() => undefined);
    }
  }

  private async captureEnds(admin: Admin): Promise<Map<string, PartitionRange>> {
    const ranges = new Map<string, PartitionRange>();
    for (const topic of this.options.decoder.physicalTopics()) {
      for (const offsets of await admin.fetchTopicOffsets(topic)) {
        const low = BigInt(offsets.low);
        ranges.set(`${topic}:${offsets.partition}`, {
          topic,
          partition: offsets.partition,
          low,
          end: BigInt(offsets.high),
          next: low,
        });
      }
    }
    return ranges;
  }

  private async replay(
    generation: string,
    ranges: Map<string, PartitionRange>,
    admin: Admin,
    signal: AbortSignal,
  ): Promise<{ applied: number; invalid: number }> {
    signal.throwIfAborted();
    const counts = { applied: 0, invalid: 0 };
    const pending = new Set([...ranges].filter(([, r]) => r.end > r.low).map(([key]) => key));
    if (pending.size === 0) return counts;
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    const groupId = `${this.options.topicPrefix}analytics-rebuild-${generation}`;
    const consumer = this.options.kafka.consumer({
      groupId,
      sessionTimeout,
      heartbeatInterval: Math.max(1000, Math.floor(sessionTimeout / 10)),
      maxWaitTimeInMs: 200,
      maxBytesPerPartition: 2_097_152,
      retry: { retries: 10 },
    });
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) fail(event.payload.error);
    });

    const onBatch = async (payload: EachBatchPayload): Promise<void> => {
      const { batch } = payload;
      const key = `${batch.topic}:${batch.partition}`;
      const range = ranges.get(key);
      if (!range || !pending.has(key)) {
        payload.pause();
        return;
      }
      const wanted = batch.messages.filter((m) => BigInt(m.offset) < range.end);
      let decoded: DecodedMessage[] | undefined;
      let applied: number | undefined;
      for (let attempt = 0; wanted.length > 0 && applied === undefined; attempt++) {
        if (signal.aborted || !payload.isRunning() || payload.isStale()) return;
        try {
          decoded ??= await this.options.decoder.decodeAll(batch.topic, wanted);
          const effects: EventEffects[] = [];
          for (const item of decoded) if (item.ok) effects.push(item.effects);
          applied = await this.options.store.apply(effects, { kind: 'generation', generation });
          counts.applied += applied;
          counts.invalid += decoded.length - effects.length;
        } catch (error) {
          if (isStaleRebuild(error)) {
            fail(
              new Error(
                `generation ${generation} is no longer the one being built (Redis wiped, or a newer rebuild)`,
              ),
            );
            return;
          }
          const delayMs = retryDelay(attempt);
          this.log.warn(
            { err: error, topic: batch.topic, partition: batch.partition, delayMs },
            'replay batch failed; retrying',
          );
          await backoff(payload, delayMs);
        }
      }
      payload.resolveOffset(batch.lastOffset());
      range.next = BigInt(batch.lastOffset()) + 1n;
      if (range.next >= range.end) {
        pending.delete(key);
        payload.pause();
      }
      const replayed = [...ranges.values()].reduce(
        (sum, r) => sum + Number((r.next < r.end ? r.next : r.end) - r.low),
        0,
      );
      this.update({ replayed_events: replayed });
      if (pending.size === 0) finish();
    };

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.options.decoder.physicalTopics(), fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: onBatch });
      await finished;
      return counts;
    } finally {
      signal.removeEventListener('abort', onAbort);
      await consumer.disconnect().catch(() => undefined);
      // The group only served this replay.
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }
}
