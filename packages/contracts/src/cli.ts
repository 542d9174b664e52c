// `node dist/cli.js register|check`: registers the contracts' schemas, or checks them against the registry
// without registering (for CI before a merge). Talks only the standard Confluent REST API.
import { avroSchemas, TopicName, topicNames, topics } from './catalogue';
import { EventSerde } from './serde';

const USAGE = 'usage: cli.js <register|check>   (SCHEMA_REGISTRY_URL, default http://127.0.0.1:8081)';
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const TIMEOUT_MS = 10_000;

class CliError extends Error {}

function registryUrl(): string {
  const raw = process.env['SCHEMA_REGISTRY_URL'] || 'http://127.0.0.1:8081';
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new CliError(`SCHEMA_REGISTRY_URL is not an http(s) URL: ${raw}`);
  }
  return raw.replace(/\/+$/, '');
}

interface RegistryReply {
  status: number;
  body: Record<string, unknown>;
}

async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<RegistryReply> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new CliError(`schema registry unreachable at ${baseUrl}: ${networkReason(error)}`);
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { message: text.slice(0, 200) };
  }
  return { status: response.status, body: parsed };
}

function networkReason(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS} ms`;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function failure(reply: RegistryReply, what: string): CliError {
  const message =
    typeof reply.body['message'] === 'string' ? reply.body['message'] : JSON.stringify(reply.body);
  return new CliError(`${what}: HTTP ${reply.status} ${message}`);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
}

function schemaBody(topic: TopicName): { schema: string } {
  return { schema: JSON.stringify(avroSchemas[topic]) };
}

async function register(baseUrl: string): Promise<number> {
  // Probe first: the client retries a dead registry for seconds and then reports it as an HTTP 400.
  await call(baseUrl, 'GET', '/subjects');
  const ids = await new EventSerde({ registryUrl: baseUrl }).registerAll();
  const rows: string[][] = [];
  for (const topic of topicNames) {
    const subject = topics[topic].subject;
    const lookup = await call(baseUrl, 'POST', `/subjects/${encodeURIComponent(subject)}`, schemaBody(topic));
    if (lookup.status !== 200) throw failure(lookup, `looking up ${subject} after registering`);
    rows.push([subject, String(ids.get(topic)), String(lookup.body['version'])]);
  }
  printTable(['subject', 'id', 'version'], rows);
  return 0;
}

async function check(baseUrl: string): Promise<number> {
  const rows: string[][] = [];
  let incompatible = 0;
  for (const topic of topicNames) {
    const subject = topics[topic].subject;
    const reply = await call(
      baseUrl,
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
      schemaBody(topic),
    );
    if (reply.status === 404) {
      rows.push([subject, 'new (not registered yet)', '']);
    } else if (reply.status === 200 && typeof reply.body['is_compatible'] === 'boolean') {
      const compatible = reply.body['is_compatible'];
      if (!compatible) incompatible += 1;
      const messages = Array.isArray(reply.body['messages']) ? reply.body['messages'].join('; ') : '';
      rows.push([subject, compatible ? 'compatible' : 'INCOMPATIBLE', compatible ? '' : messages]);
    } else {
      throw failure(reply, `checking ${subject}`);
    }
  }
  printTable(['subject', 'result', 'detail'], rows);
  if (incompatible > 0) {
    console.error(`${incompatible} schema(s) incompatible with the registry's latest version`);
    return 1;
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command !== 'register' && command !== 'check') {
    console.error(USAGE);
    return 2;
  }
  const baseUrl = registryUrl();
  return command === 'register' ? register(baseUrl) : check(baseUrl);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Operators need the reason, not a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message.split('\n')[0]}`);
    process.exitCode = 1;
  },
);
