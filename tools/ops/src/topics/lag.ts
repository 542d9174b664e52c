import { AssignerProtocol } from 'kafkajs';
import { logicalTopic, type OpsContext } from '../context';
import { topicOffsets, type TopicOffsets } from '../kafka/range-reader';

export interface PartitionLag {
  /** Name without TOPIC_PREFIX. */
  topic: string;
  partition: number;
  /** Committed offset (next to read); null when the group has not committed on this partition. */
  committed: string | null;
  end: string;
  /** Messages the group still has to read: end minus committed (or minus the start offset if none). */
  lag: string;
}

export interface GroupLag {
  group: string;
  /** Stable, Empty, PreparingRebalance, Dead, ... as the coordinator reports it. */
  state: string;
  members: number;
  partitions: PartitionLag[];
  total: string;
}

/** Topics a group's members are assigned right now (a group that has not committed yet still has lag). */
function assignedTopics(members: { memberAssignment: Buffer }[]): Set<string> {
  const topics = new Set<string>();
  for (const member of members) {
    if (!member.memberAssignment || member.memberAssignment.length === 0) continue;
    try {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      for (const topic of Object.keys(decoded?.assignment ?? {})) topics.add(topic);
    } catch {
      // Not a consumer-protocol assignment: nothing to add.
    }
  }
  return topics;
}

/**
 * Lag per consumer group and partition: committed offset against the partition's end. Without `group`,
 * every consumer group (only those starting with TOPIC_PREFIX when it is set), the ops CLIs' own
 * throwaway groups excepted.
 */
export async function consumerLag(ctx: OpsContext, options: { group?: string } = {}): Promise<GroupLag[]> {
  let groups: string[];
  if (options.group) {
    groups = [options.group];
  } else {
    const listed = await ctx.admin.listGroups();
    groups = listed.groups
      .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
      .map((g) => g.groupId)
      .filter((g) => !ctx.prefix || g.startsWith(ctx.prefix))
      .filter((g) => !g.includes('orderflow-ops-'))
      .sort();
  }
  if (groups.length === 0) return [];
  const described = await ctx.admin.describeGroups(groups);
  const ends = new Map<string, Promise<TopicOffsets[] | undefined>>();
  const endsOf = (topic: string): Promise<TopicOffsets[] | undefined> => {
    let found = ends.get(topic);
    if (!found) {
      // A committed topic may have been deleted since.
      found = topicOffsets(ctx.admin, topic).catch(() => undefined);
      ends.set(topic, found);
    }
    return found;
  };
  const lags = await Promise.all(
    groups.map(async (group): Promise<GroupLag> => {
      const description = described.groups.find((g) => g.groupId === group);
      const committed = await ctx.admin.fetchOffsets({ groupId: group });
      const topics = new Set([
        ...committed.map((c) => c.topic),
        ...assignedTopics(description?.members ?? []),
      ]);
      const partitions: PartitionLag[] = [];
      for (const topic of [...topics].sort()) {
        const offsets = await endsOf(topic);
        if (!offsets) continue;
        const byPartition = new Map(
          (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]),
        );
        for (const { partition, low, high } of offsets) {
          const raw = byPartition.get(partition);
          const at = raw !== undefined && BigInt(raw) >= 0n ? BigInt(raw) : null;
          // Below the start offset (retention removed it) the group can only resume at the start.
          const from = at === null || at < low ? low : at;
          const lag = high > from ? high - from : 0n;
          partitions.push({
            topic: logicalTopic(ctx, topic),
            partition,
            committed: at === null ? null : at.toString(),
            end: high.toString(),
            lag: lag.toString(),
          });
        }
      }
      return {
        group,
        state: description?.state ?? 'Unknown',
        members: description?.members.length ?? 0,
        partitions,
        total: partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n).toString(),
      };
    }),
  );
  // Listing everything: leave out groups with nothing to show (left behind by deleted topics).
  return options.group ? lags : lags.filter((g) => g.partitions.length > 0 || g.members > 0);
}
