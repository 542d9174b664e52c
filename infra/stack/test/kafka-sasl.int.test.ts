// Kafka security settings end to end: a private Kafka (same jars as the stack, its own ports and data)
// with a SASL_SSL listener (SCRAM-SHA-512, certificate from a throwaway CA) and a SASL_PLAINTEXT listener
// (SCRAM-SHA-256). The runtime's own config loader and createKafka talk to it from env variables only.
// The shared broker on 9092 is not touched.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  baseEnv,
  createKafka,
  createLogger,
  kafkaSecurityEnv,
  loadConfig,
  uniqueName,
  waitFor,
  type BaseConfig,
} from '@orderflow/runtime';
import { allTopicSpecs } from '@orderflow/contracts';
import type { Kafka } from 'kafkajs';
import { ensureKafkaJars, formatKafkaStorage, startKafkaProcess, waitForKafka } from '../src/kafka';
import { stackPaths, type StackPaths } from '../src/paths';
import { isAlive, stopPid } from '../src/processes';
import { ensureTopics } from '../src/topics';

const USER = 'orderflow';
const PASSWORD = `pw${uniqueName('s').replace(/_/g, '')}`;
const KEYSTORE_PASSWORD = 'orderflow-test-keystore';
const logger = createLogger({ service: 'kafka-sasl-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
// Fail at once instead of kafkajs' half minute of retries when a test expects a refusal.
const noRetry = { retry: { retries: 0 } };

let dir = '';
let paths: StackPaths | undefined;
let pid: number | undefined;
const ports = { internal: 0, saslSsl: 0, saslPlain: 0, controller: 0 };
const clients: { disconnect(): Promise<void> }[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a broker certificate for 127.0.0.1/localhost signed by it, and the broker's PKCS12 keystore. */
function makeCertificates(): void {
  // prettier-ignore
  openssl(
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=orderflow test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  );
  // prettier-ignore
  openssl(
    'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr',
    '-subj', '/CN=localhost',
  );
  fs.writeFileSync(path.join(dir, 'broker.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  // prettier-ignore
  openssl(
    'x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '1', '-extfile', 'broker.ext', '-out', 'broker.pem',
  );
  // prettier-ignore
  openssl(
    'pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'ca.pem',
    '-name', 'broker', '-out', 'broker.p12', '-passout', `pass:${KEYSTORE_PASSWORD}`,
  );
}

/** The stack's server.properties with this broker's listeners, security and data folder on top. */
function writeConfig(target: StackPaths): void {
  const template = fs.readFileSync(path.join(target.kafkaHome, 'server.properties'), 'utf8');
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const overrides = [
    `controller.quorum.bootstrap.servers=127.0.0.1:${ports.controller}`,
    `listeners=INTERNAL://127.0.0.1:${ports.internal},SASL_SSL://127.0.0.1:${ports.saslSsl},` +
      `SASL_PLAINTEXT://127.0.0.1:${ports.saslPlain},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=INTERNAL://127.0.0.1:${ports.internal},SASL_SSL://127.0.0.1:${ports.saslSsl},` +
      `SASL_PLAINTEXT://127.0.0.1:${ports.saslPlain}`,
    'listener.security.protocol.map=INTERNAL:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=INTERNAL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}`,
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256',
    `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${scram}`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${path.join(dir, 'broker.p12')}`,
    `ssl.keystore.password=${KEYSTORE_PASSWORD}`,
    `ssl.key.password=${KEYSTORE_PASSWORD}`,
    `log.dirs=${target.kafkaData}`,
  ];
  fs.writeFileSync(target.kafkaConfig, `${template}\n# kafka-sasl.int.test.ts\n${overrides.join('\n')}\n`);
}

/** The runtime's config from env variables only, as a service would load it. */
function configFrom(env: Record<string, string>): BaseConfig {
  return loadConfig(baseEnv, env);
}

function sslEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: `127.0.0.1:${ports.saslSsl}`,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: path.join(dir, 'ca.pem'),
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: USER,
    KAFKA_SASL_PASSWORD: PASSWORD,
    ...extra,
  };
}

function kafkaFor(env: Record<string, string>, tuning: Parameters<typeof createKafka>[3] = {}): Kafka {
  return createKafka(configFrom(env), 'kafka-sasl-test', logger, tuning);
}

async function connectAdmin(kafka: Kafka): Promise<ReturnType<Kafka['admin']>> {
  const admin = kafka.admin();
  clients.push(admin);
  await admin.connect();
  return admin;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-kafka-sasl-'));
  const shared = stackPaths();
  paths = {
    ...shared,
    state: dir,
    kafkaData: path.join(dir, 'data'),
    kafkaConfig: path.join(dir, 'server.properties'),
    kafkaLog: path.join(dir, 'kafka.log'),
    kafkaPid: path.join(dir, 'kafka.pid'),
  };
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  ensureKafkaJars(paths, () => undefined);
  makeCertificates();
  writeConfig(paths);
  formatKafkaStorage(paths, [
    '--add-scram',
    `SCRAM-SHA-512=[name=${USER},password=${PASSWORD}]`,
    '--add-scram',
    `SCRAM-SHA-256=[name=${USER},password=${PASSWORD}]`,
  ]);
  pid = startKafkaProcess(paths, { heap: '-Xms128m -Xmx384m' });
  // Ready: the plaintext inter-broker listener answers metadata and the group coordinator is loaded.
  await waitForKafka(paths, [`127.0.0.1:${ports.internal}`], 150_000, true);
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
  if (pid !== undefined) {
    await stopPid(pid, 5_000);
    await waitFor('the private broker to exit', () => !isAlive(pid!), { timeoutMs: 10_000 }).catch(
      () => undefined,
    );
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('Kafka with SASL/SCRAM and TLS, configured from env only', () => {
  test('SASL_SSL + SCRAM-SHA-512 with a private CA: admin creates a topic, a message goes through', async () => {
    const kafka = kafkaFor(sslEnv());
    const admin = await connectAdmin(kafka);
    const topic = uniqueName('sasl.roundtrip');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });

    const producer = kafka.producer();
    clients.push(producer);
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'order-1', value: 'over TLS and SCRAM' }] });

    const consumer = kafka.consumer({ groupId: uniqueName('sasl-group'), sessionTimeout: 6_000 });
    clients.push(consumer);
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(`${message.key?.toString()}=${message.value?.toString()}`);
      },
    });
    await waitFor('the message back through the consumer', () => received.length > 0, { timeoutMs: 45_000 });
    expect(received).toEqual(['order-1=over TLS and SCRAM']);
  }, 90_000);

  test('SASL_PLAINTEXT + SCRAM-SHA-256 without TLS', async () => {
    const admin = await connectAdmin(
      kafkaFor({
        KAFKA_BROKERS: `127.0.0.1:${ports.saslPlain}`,
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: USER,
        KAFKA_SASL_PASSWORD: PASSWORD,
      }),
    );
    const { brokers } = await admin.describeCluster();
    expect(brokers.length).toBe(1);
  });

  test('the stack CLI creates the catalogue topics through the same settings (npm run topics:create)', async () => {
    const security = loadConfig(kafkaSecurityEnv, sslEnv());
    const results = await ensureTopics([`127.0.0.1:${ports.saslSsl}`], security);
    expect(results.map((r) => r.topic).sort()).toEqual(
      allTopicSpecs()
        .map((s) => s.topic)
        .sort(),
    );
    expect(results.every((r) => r.action === 'created')).toBe(true);
  }, 60_000);

  test('a wrong password is refused with an authentication error', async () => {
    const kafka = kafkaFor(sslEnv({ KAFKA_SASL_PASSWORD: 'not-the-password' }), noRetry);
    await expect(connectAdmin(kafka)).rejects.toThrow(
      /SASL SCRAM SHA512 authentication failed.*invalid credentials/i,
    );
  });

  test('without the private CA the broker certificate is not trusted', async () => {
    const env = sslEnv();
    delete env.KAFKA_SSL_CA_FILE;
    await expect(connectAdmin(kafkaFor(env, noRetry))).rejects.toThrow(/self[- ]signed certificate/i);
  });

  test('KAFKA_SSL_REJECT_UNAUTHORIZED=false accepts the certificate without the CA', async () => {
    const env = sslEnv({ KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' });
    delete env.KAFKA_SSL_CA_FILE;
    const admin = await connectAdmin(kafkaFor(env, noRetry));
    expect((await admin.describeCluster()).brokers.length).toBe(1);
  });

  test('TLS settings without KAFKA_SSL, or SASL without a password, stop at config load naming the variable', () => {
    const { KAFKA_SSL: _ssl, ...noSsl } = sslEnv();
    expect(() => configFrom(noSsl)).toThrow(/KAFKA_SSL_CA_FILE: set, but KAFKA_SSL is false/);
    const { KAFKA_SASL_PASSWORD: _password, ...noPassword } = sslEnv();
    expect(() => configFrom(noPassword)).toThrow(
      /KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is set/,
    );
    expect(() =>
      createKafka(configFrom(sslEnv({ KAFKA_SSL_CA_FILE: path.join(dir, 'missing.pem') })), 'x', logger),
    ).toThrow(/KAFKA_SSL_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/);
  });
});
