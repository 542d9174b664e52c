import { ConfigResourceTypes } from 'kafkajs';
import { logicalTopic, type OpsContext } from '../context';
import { topicOffsets } from '../kafka/range-reader';

export interface TopicInfo {
  /** Name without TOPIC_PREFIX. */
  topic: string;
  physical: string;
  partitions: number;
  /** High watermark per partition, in partition order. */
  endOffsets: string[];
  /** Sum of the end offsets: every message ever written. */
  endTotal: string;
  /** Messages still retained (end minus start offset, summed). */
  retained: string;
  cleanupPolicy?: string;
  retentionMs?: string;
}

/**
 * Topics with their partitions and offsets. With TOPIC_PREFIX set only the prefixed topics are listed;
 * Kafka's internal topics (`__*`) only with `all`.
 */
export async function listTopics(ctx: OpsContext, options: { all?: boolean } = {}): Promise<TopicInfo[]> {
  const names = (await ctx.admin.listTopics())
    .filter((name) => options.all || !name.startsWith('__'))
    .filter((name) => !ctx.prefix || name.startsWith(ctx.prefix))
    .sort();
  if (names.length === 0) return [];
  const configs = await ctx.admin
    .describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['cleanup.policy', 'retention.ms'],
      })),
    })
    .catch(() => undefined);
  return Promise.all(
    names.map(async (physical): Promise<TopicInfo> => {
      const offsets = await topicOffsets(ctx.admin, physical);
      const entries = configs?.resources.find((r) => r.resourceName === physical)?.configEntries ?? [];
      const config = (name: string): string | undefined =>
        entries.find((e) => e.configName === name)?.configValue ?? undefined;
      const cleanupPolicy = config('cleanup.policy');
      const retentionMs = config('retention.ms');
      return {
        topic: logicalTopic(ctx, physical),
        physical,
        partitions: offsets.length,
        endOffsets: offsets.map((o) => o.high.toString()),
        endTotal: offsets.reduce((sum, o) => sum + o.high, 0n).toString(),
        retained: offsets.reduce((sum, o) => sum + (o.high - o.low), 0n).toString(),
        ...(cleanupPolicy !== undefined ? { cleanupPolicy } : {}),
        ...(retentionMs !== undefined ? { retentionMs } : {}),
      };
    }),
  );
}
