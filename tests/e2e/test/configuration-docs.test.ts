// docs/configuration.md against the code: every section's table names exactly the variables its process
// reads (from the zod schemas, or, for the processes without one, from their process.env reads), and the
// quoted start-up failures are what the loaders really say.
import fs from 'node:fs';
import path from 'node:path';
import { baseEnv, ConfigError } from '@orderflow/runtime';
import { envSchema as registryEnv } from '../../../infra/schema-registry/src/config';
import { SERVICE_PORTS } from '../../../infra/stack/src/services';
import { analyticsEnv, loadAnalyticsConfig } from '../../../services/analytics/src/config';
import { importerEnv } from '../../../services/importer/src/config';
import { inventoryEnv, loadInventoryConfig } from '../../../services/inventory/src/config';
import { loadNotifierConfig, notifierEnv } from '../../../services/notifier/src/config';
import { loadOrdersConfig, ordersEnv } from '../../../services/orders/src/config';
import { loadPaymentsConfig, paymentsEnv } from '../../../services/payments/src/config';
import { gatewayEnv } from '../../../services/payments/src/gateway/gateway.config';
import { loadRefundsConfig, refundsEnv } from '../../../services/refunds/src/config';
import { opsEnv } from '../../../tools/ops/src/config';
import { verifyEnv } from '../../../tools/ops/src/verify/verify-config';

const root = path.resolve(__dirname, '../../..');
const docPath = path.join(root, 'docs', 'configuration.md');
const doc = fs.readFileSync(docPath, 'utf8');

/** Variables named in the first cell of each table row, per `##`/`###` heading. */
function documentedSections(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let heading = '(before any heading)';
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    const title = /^#{2,3}\s+(.+?)\s*$/.exec(line);
    if (title) {
      heading = title[1]!;
      continue;
    }
    if (!line.startsWith('|')) continue;
    const firstCell = line.split('|')[1] ?? '';
    const names = [...firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    if (names.length > 0) sections.set(heading, [...(sections.get(heading) ?? []), ...names]);
  }
  return sections;
}

const serviceNames = Object.keys(SERVICE_PORTS);

function sourceFiles(relative: string): string[] {
  const full = path.join(root, relative);
  if (fs.statSync(full).isFile()) return [full];
  return fs
    .readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|mjs|js)$/.test(file) && !/\.(test|d)\.ts$/.test(file))
    .map((file) => path.join(full, file));
}

/**
 * The variables a process without a zod schema reads: `env.NAME`, `env['NAME']`, and the per-service
 * `${name.toUpperCase()}_SUFFIX` keys (expanded over the stack's services).
 */
function envReads(...relatives: string[]): string[] {
  const found = new Set<string>();
  for (const file of relatives.flatMap(sourceFiles)) {
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/\benv(?:\?\.|\.)([A-Z][A-Z0-9_]*)\b/g)) found.add(m[1]!);
    for (const m of source.matchAll(/\benv\[\s*(['"])([A-Z][A-Z0-9_]*)\1\s*\]/g)) found.add(m[2]!);
    for (const m of source.matchAll(/`\$\{\s*[\w.]+\.toUpperCase\(\)\s*\}(_[A-Z][A-Z0-9_]*)`/g)) {
      for (const service of serviceNames) found.add(`${service.toUpperCase()}${m[1]!}`);
    }
  }
  return [...found];
}

const commonKeys = Object.keys(baseEnv);
const ownKeys = (shape: object): string[] => Object.keys(shape).filter((key) => !commonKeys.includes(key));

const services = {
  orders: ordersEnv,
  inventory: inventoryEnv,
  payments: paymentsEnv,
  refunds: refundsEnv,
  notifier: notifierEnv,
  analytics: analyticsEnv,
};

/** Heading in docs/configuration.md -> the variables its table must list. */
const expected: Record<string, string[]> = {
  'Common to every service': commonKeys,
  orders: ownKeys(ordersEnv),
  inventory: ownKeys(inventoryEnv),
  payments: ownKeys(paymentsEnv),
  'Standalone gateway': Object.keys(gatewayEnv),
  refunds: ownKeys(refundsEnv),
  'refunds CLI': envReads('services/refunds/src/cli.ts', 'services/refunds/src/cli'),
  notifier: ownKeys(notifierEnv),
  analytics: ownKeys(analyticsEnv),
  importer: Object.keys(importerEnv),
  'Stack CLI': envReads('infra/stack/src'),
  'Schema registry': Object.keys(registryEnv.shape),
  'Schema registration CLI': envReads('packages/contracts/src/cli.ts'),
  'Ops CLIs': Object.keys(opsEnv),
  verify: Object.keys(verifyEnv).filter((key) => !(key in opsEnv)),
  chaos: envReads('tools/ops/src/chaos.ts', 'tools/ops/src/chaos'),
  'Demo and generator': envReads('tools/demo/src', 'scripts/demo.mjs', 'scripts/setup.mjs'),
};

const sections = documentedSections(doc);
const allDocumented = new Set([...sections.values()].flat());
const allInCode = new Set(Object.values(expected).flat());
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

describe('docs/configuration.md', () => {
  it('finds variables in every source it scans', () => {
    for (const [heading, variables] of Object.entries(expected)) {
      expect({ heading, found: variables.length > 0 }).toEqual({ heading, found: true });
    }
  });

  it('holds for every service: the common variables are baseEnv, unchanged', () => {
    for (const [name, shape] of Object.entries(services)) {
      for (const key of commonKeys) {
        expect({
          service: name,
          key,
          same: (shape as Record<string, unknown>)[key] === baseEnv[key as keyof typeof baseEnv],
        }).toEqual({
          service: name,
          key,
          same: true,
        });
      }
    }
  });

  it('documents every variable of every config', () => {
    const missing = sorted([...allInCode].filter((name) => !allDocumented.has(name)));
    expect(missing).toEqual([]);
  });

  it('documents no variable that no config reads (no stale docs)', () => {
    const stale = sorted([...allDocumented].filter((name) => !allInCode.has(name)));
    expect(stale).toEqual([]);
  });

  it('lists, in each section, exactly the variables of that process, each once', () => {
    for (const [heading, variables] of Object.entries(expected)) {
      const documented = sections.get(heading) ?? [];
      expect({
        heading,
        missing: sorted(variables.filter((name) => !documented.includes(name))),
        stale: sorted(documented.filter((name) => !variables.includes(name))),
        duplicated: sorted(documented.filter((name, i) => documented.indexOf(name) !== i)),
      }).toEqual({ heading, missing: [], stale: [], duplicated: [] });
    }
  });

  it('has no variable table under a heading the test does not know', () => {
    expect([...sections.keys()].filter((heading) => !(heading in expected))).toEqual([]);
  });

  it('quotes the start-up failures the loaders really produce', () => {
    const loaders: Record<string, (env: NodeJS.ProcessEnv) => unknown> = {
      orders: loadOrdersConfig,
      inventory: loadInventoryConfig,
      payments: loadPaymentsConfig,
      refunds: loadRefundsConfig,
      notifier: loadNotifierConfig,
      analytics: loadAnalyticsConfig,
    };
    const lines = doc.split('\n');
    let checked = 0;
    lines.forEach((line, i) => {
      const command = /^\$ ((?:[A-Z_]+=\S* )+)node services\/(\w+)\/dist\/main\.js$/.exec(line);
      if (!command) return;
      const env = Object.fromEntries(
        command[1]!
          .trim()
          .split(/\s+/)
          .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
      const service = command[2]!;
      let actual = '(no error)';
      try {
        loaders[service]!(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        actual = `${service}: ${error.message}`;
      }
      expect(actual).toBe(lines[i + 1]);
      checked += 1;
    });
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
