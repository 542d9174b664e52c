// The topic catalogue: every topic the system uses, its schema, key and Kafka config. The stack creates topics
// from allTopicSpecs(), the serde registers schemas from it, services import topic names from here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type } from 'avsc';
import type {
  InventoryRejected,
  InventoryReserved,
  InventoryStockLevels,
  OrdersFinished,
  OrdersPlaced,
  PaymentsFailed,
  PaymentsSucceeded,
  RefundsProcessed,
  RefundsRejected,
  RefundsRequested,
} from './generated/types';

/**
 * Every order-flow topic has this many partitions so that, with the default (murmur2) partitioner, one
 * order's events land on the same partition number on every topic.
 */
export const ORDER_FLOW_PARTITIONS = 6;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Working topics: consumers are minutes behind at worst, a week leaves room to replay after an incident. */
const RETAIN_7_DAYS = { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) } as const;
/** Facts analytics rebuilds from by replaying from the beginning, so they are never deleted. */
const RETAIN_FOREVER = { 'cleanup.policy': 'delete', 'retention.ms': '-1' } as const;
/** Latest value per key is all that matters. */
const COMPACTED = { 'cleanup.policy': 'compact' } as const;
/** Dead letters wait for a human, who needs more time than a consumer. */
export const DLQ_CONFIG = { 'cleanup.policy': 'delete', 'retention.ms': String(14 * DAY_MS) } as const;

export const topics = {
  'orders.placed': {
    name: 'orders.placed',
    schemaFile: 'orders.placed.avsc',
    subject: 'orders.placed-value',
    recordName: 'OrdersPlaced',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_7_DAYS,
  },
  'inventory.reserved': {
    name: 'inventory.reserved',
    schemaFile: 'inventory.reserved.avsc',
    subject: 'inventory.reserved-value',
    recordName: 'InventoryReserved',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_7_DAYS,
  },
  'inventory.rejected': {
    name: 'inventory.rejected',
    schemaFile: 'inventory.rejected.avsc',
    subject: 'inventory.rejected-value',
    recordName: 'InventoryRejected',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_7_DAYS,
  },
  'payments.succeeded': {
    name: 'payments.succeeded',
    schemaFile: 'payments.succeeded.avsc',
    subject: 'payments.succeeded-value',
    recordName: 'PaymentsSucceeded',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_7_DAYS,
  },
  'payments.failed': {
    name: 'payments.failed',
    schemaFile: 'payments.failed.avsc',
    subject: 'payments.failed-value',
    recordName: 'PaymentsFailed',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_7_DAYS,
  },
  'orders.finished': {
    name: 'orders.finished',
    schemaFile: 'orders.finished.avsc',
    subject: 'orders.finished-value',
    recordName: 'OrdersFinished',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_FOREVER,
  },
  'refunds.requested': {
    name: 'refunds.requested',
    schemaFile: 'refunds.requested.avsc',
    subject: 'refunds.requested-value',
    recordName: 'RefundsRequested',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_7_DAYS,
  },
  'refunds.processed': {
    name: 'refunds.processed',
    schemaFile: 'refunds.processed.avsc',
    subject: 'refunds.processed-value',
    recordName: 'RefundsProcessed',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_FOREVER,
  },
  'refunds.rejected': {
    name: 'refunds.rejected',
    schemaFile: 'refunds.rejected.avsc',
    subject: 'refunds.rejected-value',
    recordName: 'RefundsRejected',
    key: 'order_id',
    partitions: ORDER_FLOW_PARTITIONS,
    config: RETAIN_FOREVER,
  },
  'inventory.stock-levels': {
    name: 'inventory.stock-levels',
    schemaFile: 'inventory.stock-levels.avsc',
    subject: 'inventory.stock-levels-value',
    recordName: 'InventoryStockLevels',
    key: 'sku',
    partitions: ORDER_FLOW_PARTITIONS,
    config: COMPACTED,
  },
} as const;

export type TopicName = keyof typeof topics;

/** The TS type of each topic's value (generated from its schema). */
export interface TopicValueMap {
  'orders.placed': OrdersPlaced;
  'inventory.reserved': InventoryReserved;
  'inventory.rejected': InventoryRejected;
  'payments.succeeded': PaymentsSucceeded;
  'payments.failed': PaymentsFailed;
  'orders.finished': OrdersFinished;
  'refunds.requested': RefundsRequested;
  'refunds.processed': RefundsProcessed;
  'refunds.rejected': RefundsRejected;
  'inventory.stock-levels': InventoryStockLevels;
}

export type TopicValue<T extends TopicName> = TopicValueMap[T];

// Fails to compile when a topic is added to one of `topics` / `TopicValueMap` but not the other, or when a
// topic's key is not a string field of its value.
type KeysMatch = [TopicName] extends [keyof TopicValueMap]
  ? [keyof TopicValueMap] extends [TopicName]
    ? true
    : never
  : never;
type KeyField<T extends TopicName> = (typeof topics)[T]['key'];
type KeyIsString = {
  [T in TopicName]: TopicValueMap[T] extends Record<KeyField<T>, string> ? true : false;
}[TopicName];
type KeysAreStrings = false extends KeyIsString ? never : true;
const _catalogueIsConsistent: [KeysMatch, KeysAreStrings] = [true, true];

export const topicNames = Object.keys(topics) as TopicName[];

export function isTopicName(name: string): name is TopicName {
  return Object.prototype.hasOwnProperty.call(topics, name);
}

/** The message key of an event: its order id, or its SKU on inventory.stock-levels. */
export function keyOf<T extends TopicName>(topic: T, value: TopicValue<T>): string {
  const field = topics[topic].key;
  return (value as unknown as Record<string, string>)[field] as string;
}

export const SERVICES = ['orders', 'inventory', 'payments', 'refunds', 'notifier', 'analytics'] as const;
export type ServiceName = (typeof SERVICES)[number];
export type DlqTopicName = `dlq.${ServiceName}`;

export function dlqTopic(service: ServiceName): DlqTopicName {
  return `dlq.${service}`;
}

export interface DlqTopicSpec {
  readonly name: DlqTopicName;
  readonly service: ServiceName;
  /** Same as the order-flow topics so a dead letter keeps its key's partition number. */
  readonly partitions: number;
  readonly config: typeof DLQ_CONFIG;
}

/** One dead-letter topic per consuming service; values are the original bytes, no schema. */
export const dlqTopics = Object.fromEntries(
  SERVICES.map((service) => [
    dlqTopic(service),
    { name: dlqTopic(service), service, partitions: ORDER_FLOW_PARTITIONS, config: DLQ_CONFIG },
  ]),
) as Readonly<Record<DlqTopicName, DlqTopicSpec>>;

/** Shape kafkajs `admin.createTopics({ topics })` takes. */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries: { name: string; value: string }[];
}

/** Every topic the system needs, DLQs included, ready for kafkajs admin.createTopics. */
export function allTopicSpecs(): TopicSpec[] {
  const all: { name: string; partitions: number; config: Readonly<Record<string, string>> }[] = [
    ...Object.values(topics),
    ...Object.values(dlqTopics),
  ];
  return all.map(({ name, partitions, config }) => ({
    topic: name,
    numPartitions: partitions,
    configEntries: Object.entries(config).map(([configName, value]) => ({ name: configName, value })),
  }));
}

/** Folder with the .avsc files; src/ and dist/ are siblings of it, so this works from both. */
export const SCHEMAS_DIR = path.join(__dirname, '..', 'schemas');

/** An Avro record schema as stored in an .avsc file. */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: { name: string; type: unknown; doc?: string; default?: unknown }[];
}

function loadSchema(topic: TopicName): AvroRecordSchema {
  const file = path.join(SCHEMAS_DIR, topics[topic].schemaFile);
  return JSON.parse(readFileSync(file, 'utf8')) as AvroRecordSchema;
}

/** The parsed .avsc JSON of every topic's value schema. */
export const avroSchemas = Object.fromEntries(
  topicNames.map((topic) => [topic, loadSchema(topic)]),
) as Readonly<Record<TopicName, AvroRecordSchema>>;

const avroTypeCache = new Map<TopicName, Type>();

/** The avsc Type of a topic's value schema (parsed once). */
export function avroType(topic: TopicName): Type {
  let type = avroTypeCache.get(topic);
  if (!type) {
    type = Type.forSchema(avroSchemas[topic] as Parameters<typeof Type.forSchema>[0]);
    avroTypeCache.set(topic, type);
  }
  return type;
}
