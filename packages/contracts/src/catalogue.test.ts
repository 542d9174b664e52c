import {
  allTopicSpecs,
  dlqTopic,
  dlqTopics,
  keyOf,
  ORDER_FLOW_PARTITIONS,
  SERVICES,
  topicNames,
  topics,
} from './catalogue';
import { buildInventoryStockLevels, buildOrdersPlaced } from './testing';

const configOf = (topic: string) => {
  const spec = allTopicSpecs().find((candidate) => candidate.topic === topic);
  if (!spec) throw new Error(`no spec for ${topic}`);
  return Object.fromEntries(spec.configEntries.map(({ name, value }) => [name, value]));
};

describe('topic catalogue', () => {
  test('every topic, DLQs included, has the order-flow partition count', () => {
    const specs = allTopicSpecs();
    expect(specs).toHaveLength(topicNames.length + SERVICES.length);
    expect(new Set(specs.map((spec) => spec.numPartitions))).toEqual(new Set([ORDER_FLOW_PARTITIONS]));
  });

  test('subjects follow the TopicNameStrategy', () => {
    for (const topic of topicNames) expect(topics[topic].subject).toBe(`${topic}-value`);
  });

  test('facts analytics replays are kept forever, working topics for 7 days', () => {
    for (const topic of ['orders.finished', 'refunds.processed', 'refunds.rejected']) {
      expect(configOf(topic)).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '-1' });
    }
    for (const topic of [
      'orders.placed',
      'inventory.reserved',
      'inventory.rejected',
      'payments.succeeded',
      'payments.failed',
      'refunds.requested',
    ]) {
      expect(configOf(topic)).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': String(7 * 86_400_000) });
    }
    expect(configOf('inventory.stock-levels')).toEqual({ 'cleanup.policy': 'compact' });
  });

  test('each service has a DLQ kept for 14 days', () => {
    expect(dlqTopic('orders')).toBe('dlq.orders');
    for (const service of SERVICES) {
      expect(dlqTopics[dlqTopic(service)].service).toBe(service);
      expect(configOf(`dlq.${service}`)['retention.ms']).toBe(String(14 * 86_400_000));
    }
  });

  test('keys are the order id, or the SKU for stock levels', () => {
    const placed = buildOrdersPlaced();
    expect(keyOf('orders.placed', placed)).toBe(placed.order_id);
    const stock = buildInventoryStockLevels();
    expect(keyOf('inventory.stock-levels', stock)).toBe(stock.sku);
  });
});
