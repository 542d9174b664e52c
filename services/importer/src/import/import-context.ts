import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EventSerde, type TopicName } from '@orderflow/contracts';
import { createKafka, type Logger } from '../runtime-parts';
import type { ImporterConfig } from '../config';
import { CsvReader, type CsvRecord } from '../csv/csv-reader';
import { CsvWriter } from '../csv/csv-writer';
import { FatalError } from '../fatal-error';
import { EventPublisher } from '../kafka/event-publisher';

/** What an import needs from the process around it; tests and the CLI pass their own. */
export interface ImportEnvironment {
  config: ImporterConfig;
  logger: Logger;
  stderr: NodeJS.WritableStream;
  /** Draw a progress bar on stderr. */
  progressBar: boolean;
  /** Aborted on Ctrl-C: the import stops reading, sends the complete orders it has, and reports. */
  signal?: AbortSignal | undefined;
  now?: () => number;
}

export interface OpenedCsv {
  reader: CsvReader;
  records: AsyncGenerator<CsvRecord>;
  header: CsvRecord;
  /** Base name, recorded in events and used in customer-json order ids. */
  fileName: string;
  size: number;
}

/** Opens a CSV file and reads its header, failing with one line when there is no file or no header. */
export async function openCsv(file: string, what: string): Promise<OpenedCsv> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new FatalError(`cannot read ${what} ${file}: not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof FatalError) throw error;
    const code = (error as { code?: string }).code;
    throw new FatalError(
      `cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : ((error as Error).message ?? code)}`,
    );
  }
  const reader = new CsvReader(file);
  const records = reader.records();
  const first = await records.next();
  if (first.done) throw new FatalError(`${what} ${file} is empty: no header line`);
  return { reader, records, header: first.value, fileName: path.basename(file), size };
}

export async function openRejects(
  file: string | undefined,
  header: readonly string[],
): Promise<CsvWriter | undefined> {
  if (file === undefined) return undefined;
  try {
    return await CsvWriter.open(file, header);
  } catch (error) {
    throw new FatalError(`cannot write rejects file ${file}: ${(error as Error).message}`);
  }
}

export async function connectPublisher<T extends TopicName>(
  topic: T,
  environment: ImportEnvironment,
  batchSize?: number,
): Promise<EventPublisher<T>> {
  const { config, logger } = environment;
  // kafkajs warns about things an import operator cannot act on (e.g. bounded retries on an idempotent
  // producer); unless LOG_LEVEL asks for more, only its errors are shown.
  const kafkaLogger = config.LOG_LEVEL ? logger : logger.child({}, { level: 'error' });
  const kafka = createKafka(config, 'importer', kafkaLogger);
  const serde = new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL });
  return EventPublisher.connect({
    kafka,
    serde,
    brokers: config.KAFKA_BROKERS,
    registryUrl: config.SCHEMA_REGISTRY_URL,
    topic,
    physicalTopic: `${config.TOPIC_PREFIX}${topic}`,
    batchSize,
  });
}
