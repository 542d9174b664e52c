// docker-compose.yml as `docker compose` sees it: YAML with merge keys, then ${VAR} interpolation.
import { parseYamlFile } from './files';

export type EnvValue = string | number | boolean | null;

export interface BuildSpec {
  context?: string;
  dockerfile?: string;
  args?: Record<string, EnvValue> | string[];
}

export interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: string | BuildSpec;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  healthcheck?: Healthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target: string })[];
  profiles?: string[];
  working_dir?: string;
  restart?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * Compose's variable interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
 * ${VAR?error}, ${VAR:+alt}, ${VAR+alt}. Defaults may contain further variables.
 */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const char = value[i];
    if (char !== '$') {
      out += char;
      i += 1;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      let depth = 1;
      let end = i + 2;
      while (end < value.length && depth > 0) {
        if (value[end] === '{') depth += 1;
        else if (value[end] === '}') depth -= 1;
        end += 1;
      }
      if (depth !== 0) throw new Error(`unclosed \${ in ${JSON.stringify(value)}`);
      out += substitute(value.slice(i + 2, end - 1), env);
      i = end;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))?.[0];
      if (!name) throw new Error(`bare $ in ${JSON.stringify(value)}: write $$ for a literal dollar`);
      out += env[name] ?? '';
      i += 1 + name.length;
    }
  }
  return out;
}

function substitute(expression: string, env: Readonly<Record<string, string | undefined>>): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expression);
  if (!match) throw new Error(`invalid interpolation \${${expression}}`);
  const [, name = '', operator, operand = ''] = match;
  const current = env[name];
  const unset = current === undefined;
  const empty = unset || current === '';
  switch (operator) {
    case undefined:
      return current ?? '';
    case ':-':
      return empty ? interpolate(operand, env) : (current ?? '');
    case '-':
      return unset ? interpolate(operand, env) : (current ?? '');
    case ':?':
    case '?':
      if (operator === ':?' ? empty : unset) throw new Error(`required variable ${name}: ${operand}`);
      return current ?? '';
    case ':+':
      return empty ? '' : interpolate(operand, env);
    case '+':
      return unset ? '' : interpolate(operand, env);
    default:
      throw new Error(`unknown operator ${operator}`);
  }
}

function interpolateDeep(node: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, env));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, env)]));
  }
  return node;
}

/** The compose file after interpolation with `env` (by default: a fresh shell, no .env file). */
export function loadCompose(env: Readonly<Record<string, string | undefined>> = {}): ComposeFile {
  return interpolateDeep(parseYamlFile<ComposeFile>('docker-compose.yml'), env) as ComposeFile;
}

/** The environment block as a map; a list entry without `=` (or a null value) is passed from the host. */
export function environmentOf(service: ComposeService): Record<string, string | undefined> {
  const { environment } = service;
  if (!environment) return {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, undefined] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value === null ? undefined : String(value)]),
  );
}

export function buildOf(service: ComposeService): BuildSpec | undefined {
  if (service.build === undefined) return undefined;
  return typeof service.build === 'string' ? { context: service.build } : service.build;
}

export function buildArgsOf(service: ComposeService): Record<string, string> {
  const args = buildOf(service)?.args;
  if (!args) return {};
  if (Array.isArray(args)) {
    return Object.fromEntries(
      args.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, String(value ?? '')]));
}

export interface PortMapping {
  hostIp?: string;
  published: number;
  target: number;
}

export function portsOf(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { published: Number(port.published ?? port.target), target: Number(port.target) };
    }
    const parts = String(port)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const target = Number(parts.pop());
    const published = Number(parts.pop() ?? target);
    const hostIp = parts.pop();
    return { ...(hostIp ? { hostIp } : {}), published, target };
  });
}

export function dependsOn(service: ComposeService): Record<string, string | undefined> {
  const deps = service.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, spec]) => [name, spec?.condition]));
}

/** A string or exec-form command as argv (string forms split on whitespace, as compose does). */
export function argv(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command.map(String) : command.trim().split(/\s+/);
}

/** The healthcheck command as one line (CMD / CMD-SHELL prefixes dropped). */
export function healthcheckCommand(check: Healthcheck | undefined): string[] {
  const test = check?.test;
  if (!test || check?.disable) return [];
  if (typeof test === 'string') return test.trim().split(/\s+/);
  const [kind, ...rest] = test;
  if (kind === 'NONE') return [];
  if (kind === 'CMD-SHELL') return rest.join(' ').trim().split(/\s+/);
  return kind === 'CMD' ? rest : test;
}

/** Every `node <script>` a command line runs (exec form, or inside `sh -c "..."`). */
export function nodeScripts(args: string[]): string[] {
  const words = args.flatMap((arg) => arg.split(/\s+/)).filter(Boolean);
  const scripts: string[] = [];
  words.forEach((word, index) => {
    const next = words[index + 1];
    if (word === 'node' && next && !next.startsWith('-')) scripts.push(next.replace(/^["']|["']$/g, ''));
  });
  return scripts;
}
