import { randomBytes } from 'node:crypto';
import type { Redis } from '@orderflow/runtime';
import { AnalyticsKeys, inGeneration } from '../redis/keys';
import { compareAndDeleteScript, switchGenerationScript } from '../redis/scripts';

const SCAN_COUNT = 1000;
const UNLINK_CHUNK = 500;

/** Creating, switching to and deleting generations (namespaces of the analytics data). */
export class Generations {
  constructor(
    private readonly redis: Redis,
    readonly keys: AnalyticsKeys,
  ) {}

  /**
   * A new generation id: a counter for people, random hex so that a counter reset by a wipe never gives
   * an id an unfinished rebuild still writes under.
   */
  async create(): Promise<string> {
    const counter = await this.redis.incr(this.keys.generationCounter);
    return AnalyticsKeys.generationId(counter, randomBytes(3).toString('hex'));
  }

  /** From now on the live consumer writes to this generation too (besides the active one). */
  async startBuilding(generation: string): Promise<void> {
    await this.redis.set(this.keys.building, generation);
  }

  /** Stops the live consumer writing to an abandoned build, unless a newer rebuild took over. */
  async abandon(generation: string): Promise<void> {
    await compareAndDeleteScript.run(this.redis, [this.keys.building], [generation]);
  }

  /** Atomically: the generation becomes the one readers and the live consumer use. */
  async switchTo(generation: string): Promise<void> {
    await switchGenerationScript.run(
      this.redis,
      [this.keys.active, this.keys.building, this.keys.inGeneration(generation, inGeneration.marker)],
      [generation, new Date().toISOString()],
    );
  }

  /** Deletes every key of every generation `keep` refuses (SCAN + UNLINK: never blocks Redis). */
  async deleteAllBut(keep: (generation: string) => boolean): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, found] = await this.redis.scan(
        cursor,
        'MATCH',
        this.keys.generationsPattern,
        'COUNT',
        SCAN_COUNT,
      );
      cursor = next;
      const doomed = found.filter((key) => {
        const generation = this.keys.generationOf(key);
        return generation !== undefined && !keep(generation);
      });
      for (let i = 0; i < doomed.length; i += UNLINK_CHUNK) {
        deleted += await this.redis.unlink(...doomed.slice(i, i + UNLINK_CHUNK));
      }
    } while (cursor !== '0');
    return deleted;
  }
}
