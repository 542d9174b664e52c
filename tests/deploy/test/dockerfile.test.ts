// The Dockerfile and .dockerignore, checked offline: the build runs CI's commands, the runtime stage has
// production dependencies only and runs unprivileged, and the build context holds everything it needs.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { SERVICE_PORTS } from '@orderflow/stack';
import { argv, buildArgsOf, loadCompose, nodeScripts } from './support/compose';
import { probeDefaultPorts } from './support/checks';
import { lastInstruction, loadDockerfile, splitShell, type DockerfileModel } from './support/dockerfile';
import {
  dockerignore,
  existsInRepo,
  filesUnder,
  readRepoFile,
  repoPath,
  workspaceDirs,
} from './support/files';

const dockerfile = loadDockerfile();
const ignored = dockerignore();
const compose = loadCompose();

/** The install command of .ci/run (a fresh machine's `npm ci`), as written there. */
function ciInstallCommand(): string {
  const lines = readRepoFile('.ci/run')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const installs = lines.flatMap(splitShell).filter((command) => /\bnpm(@\d+)? ci\b/.test(command));
  expect(installs).toHaveLength(1);
  return installs[0] as string;
}

/** The build command `npm test` runs first (scripts/test.mjs), which is how CI builds. */
function ciBuildCommand(): string {
  const script = readRepoFile('scripts/test.mjs');
  const calls = [...script.matchAll(/run\('([^']+)', \[([^\]]*)\]\)/g)].map(([, command, args]) =>
    [command, ...[...(args ?? '').matchAll(/'([^']*)'/g)].map((m) => m[1])].join(' '),
  );
  const builds = calls.filter((call) => /\bturbo run build\b/.test(call));
  expect(builds).toHaveLength(1);
  return builds[0] as string;
}

/** Bare module specifiers a TypeScript file loads at run time (type-only imports are erased). */
function importedPackages(source: string): string[] {
  const patterns = [
    /^\s*import\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gm,
    /^\s*export\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gm,
    /^\s*import\s+'([^']+)'/gm,
    /\b(?:require|import)\(\s*'([^']+)'\s*\)/g,
  ];
  return patterns
    .flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] ?? ''))
    .filter((specifier) => specifier && !specifier.startsWith('.'));
}

const NPM_CI = /\bnpm(@\d+)? ci\b/;
const ROOT_USERS = new Set(['root', '0', '0:0', 'root:root']);

/**
 * The build runs CI's install and build commands; the final stage gets node_modules from a production-only
 * install of the same lockfile and nothing else from the build stage but its gathered output; it runs as
 * a non-root user.
 */
function imageProblems(model: DockerfileModel): string[] {
  const problems: string[] = [];
  const install = ciInstallCommand();
  const build = ciBuildCommand();
  const builders = model.stages.filter((stage) => stage.runCommands.includes(build));
  if (builders.length !== 1) problems.push(`${builders.length} stages run "${build}", expected one`);
  const builder = builders[0];
  if (builder) {
    const at = builder.runCommands.indexOf(install);
    if (at < 0) problems.push(`the build stage does not install with "${install}" as .ci/run does`);
    else if (at > builder.runCommands.indexOf(build))
      problems.push('the build stage builds before installing');
  }

  const depsCopies = model.final.copies.filter(
    (copy) => copy.from && copy.sources.some((source) => /^\/app\/?$|node_modules/.test(source)),
  );
  const production = install.replace(' ci ', ' ci --omit=dev ');
  if (depsCopies.length !== 1) {
    problems.push(`the final stage copies node_modules ${depsCopies.length} times, expected once`);
  } else {
    const deps = model.stages.find((stage) => stage.name === depsCopies[0]?.from);
    const installs = deps?.runCommands.filter((command) => NPM_CI.test(command)) ?? [];
    if (installs.length !== 1 || installs[0] !== production) {
      problems.push(`node_modules come from stage ${deps?.name}, which runs ${JSON.stringify(installs)}`);
    }
    if (deps === builder) problems.push('node_modules come from the build stage (dev dependencies)');
  }
  for (const copy of model.final.copies.filter((c) => builder && c.from === builder.name)) {
    if (copy.sources.join() !== '/app/out/') {
      problems.push(`the final stage copies ${copy.sources.join(' ')} from the build stage`);
    }
  }
  if (model.final.runCommands.some((command) => /\bnpm\b|\bnpx\b/.test(command))) {
    problems.push('the final stage runs npm');
  }

  const user = lastInstruction(model.final, 'USER')?.[0];
  if (!user || ROOT_USERS.has(user)) problems.push(`the final stage runs as ${user ?? 'root (no USER)'}`);
  const keywords = model.final.instructions.map((instruction) => instruction.getKeyword());
  if (keywords.lastIndexOf('USER') > keywords.lastIndexOf('CMD')) problems.push('USER comes after CMD');
  return problems;
}

interface Lockfile {
  packages: Record<string, { dev?: boolean; link?: boolean; resolved?: string }>;
}

const lockfile = (): Lockfile => JSON.parse(readRepoFile('package-lock.json')) as Lockfile;

const workspaceNames = (): Map<string, string> =>
  new Map(
    workspaceDirs().map((ws) => [
      (JSON.parse(readRepoFile(`${ws}/package.json`)) as { name: string }).name,
      ws,
    ]),
  );

const packageName = (specifier: string): string =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');

const runtimeSources = (workspace: string): string[] =>
  filesUnder(`${workspace}/src`).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.includes('/testing/'),
  );

/** The workspaces the compose containers run, and the workspaces those import, transitively. */
function runtimeWorkspaces(): string[] {
  const names = workspaceNames();
  const todo = Object.values(compose.services).flatMap((service) => {
    const scripts = [...nodeScripts(argv(service.entrypoint)), ...nodeScripts(argv(service.command))];
    const serviceArg = buildArgsOf(service)['SERVICE'];
    if (scripts.length === 0 && serviceArg) scripts.push(`services/${serviceArg}/dist/main.js`);
    return scripts.map((script) =>
      script
        .replace(/^\/app\//, '')
        .split('/')
        .slice(0, 2)
        .join('/'),
    );
  });
  const seen = new Set<string>();
  while (todo.length > 0) {
    const workspace = todo.pop() as string;
    if (seen.has(workspace)) continue;
    seen.add(workspace);
    for (const file of runtimeSources(workspace)) {
      for (const specifier of importedPackages(readRepoFile(file))) {
        const local = names.get(packageName(specifier));
        if (local) todo.push(local);
      }
    }
  }
  return [...seen].sort();
}

/** Every package the running code imports is installed by `npm ci --omit=dev` (not dev-only). */
function runtimeImportProblems(lock: Lockfile): { problems: string[]; packages: string[] } {
  const builtin = new Set(builtinModules);
  const names = workspaceNames();
  const problems: string[] = [];
  const packages = new Set<string>();
  for (const workspace of runtimeWorkspaces()) {
    for (const file of runtimeSources(workspace)) {
      for (const specifier of importedPackages(readRepoFile(file))) {
        const name = packageName(specifier);
        if (builtin.has(name) || name.startsWith('node:') || names.has(name)) continue;
        packages.add(name);
        const entry =
          lock.packages[`${workspace}/node_modules/${name}`] ?? lock.packages[`node_modules/${name}`];
        if (!entry) problems.push(`${file}: imports ${name}, which the lockfile does not install`);
        else if (entry.dev) problems.push(`${file}: imports ${name}, a dev-only dependency`);
      }
    }
  }
  return { problems: [...new Set(problems)], packages: [...packages] };
}

/** The build stage's out/ gathering: which workspaces (globs of its loop) and which folders (RUNTIME_DIRS). */
function gatheredOutput(model: DockerfileModel): { globs: string[]; dirs: string[] } {
  const builder = model.stages.find((stage) => stage.runCommands.includes(ciBuildCommand()));
  const loop = builder?.runCommands.find((command) => command.startsWith('for ws in ')) ?? '';
  return {
    globs: loop.replace(/^for ws in /, '').split(' '),
    dirs: (builder?.args['RUNTIME_DIRS'] ?? '').split(/\s+/).filter(Boolean),
  };
}

/**
 * Folders the running code reads relative to its own file (path.join(__dirname, '..', 'migrations') and
 * the like, resolved from the source file since dist/ mirrors src/) must be among the gathered ones.
 */
function runtimeDirProblems(globs: string[], dirs: string[]): string[] {
  const problems: string[] = [];
  const covered = (workspace: string): boolean =>
    globs.some((glob) =>
      glob.endsWith('/*') ? path.posix.dirname(workspace) === glob.slice(0, -2) : glob === workspace,
    );
  for (const workspace of runtimeWorkspaces()) {
    if (!covered(workspace)) problems.push(`${workspace} is run but not copied (the out/ loop skips it)`);
    const needed = new Set<string>();
    for (const file of runtimeSources(workspace)) {
      const joins = readRepoFile(file).matchAll(
        /path\.(?:join|resolve)\(\s*__dirname\s*((?:,\s*'[^']*'\s*)+)\)/g,
      );
      for (const [, args] of joins) {
        const parts = [...(args ?? '').matchAll(/'([^']*)'/g)].map((m) => m[1] as string);
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), ...parts));
        const top = path.posix.relative(workspace, target).split('/')[0] ?? '';
        if (top && top !== 'src' && !top.startsWith('..')) needed.add(top);
      }
    }
    for (const dir of needed) {
      if (!dirs.includes(dir))
        problems.push(`${workspace}/${dir} is read at run time but not copied (RUNTIME_DIRS)`);
    }
  }
  return problems;
}

/** What `npm ci` and `turbo run build` read from the context: manifests, configs, sources, assets. */
function filesTheBuildReads(): string[] {
  return [
    'package.json',
    'package-lock.json',
    'turbo.json',
    'tsconfig.base.json',
    ...workspaceDirs().flatMap((workspace) =>
      filesUnder(workspace).filter((file) => {
        const inside = file.slice(workspace.length + 1);
        return (
          /^(package\.json|tsconfig[^/]*\.json)$/.test(inside) ||
          /^(src|schemas|migrations|public|scripts)\//.test(inside)
        );
      }),
    ),
  ];
}

describe('Dockerfile', () => {
  test('CI installs with npm 10 ci and builds with turbo, as read from .ci/run and scripts/test.mjs', () => {
    expect(ciInstallCommand()).toBe('npx --yes npm@10 ci --no-audit --no-fund');
    expect(ciBuildCommand()).toBe('npx turbo run build');
  });

  test('builds with the commands CI runs; production dependencies only and a non-root user at run time', () => {
    expect(imageProblems(dockerfile)).toEqual([]);
  });

  test('a Dockerfile that strays from that is caught', () => {
    const text = readRepoFile('Dockerfile');
    const variant = (from: string, to: string): string[] => {
      expect(text).toContain(from);
      return imageProblems(loadDockerfile(text.replace(from, to)));
    };
    expect(variant('RUN npx --yes npm@10 ci --no-audit --no-fund\n', 'RUN npm install\n')).toEqual([
      'the build stage does not install with "npx --yes npm@10 ci --no-audit --no-fund" as .ci/run does',
    ]);
    expect(variant(' --omit=dev', '')).toEqual([
      'node_modules come from stage prod-deps, which runs ["npx --yes npm@10 ci --no-audit --no-fund"]',
    ]);
    expect(variant('COPY --from=build /app/out/ ./', 'COPY --from=build /app/ ./')).toEqual([
      'the final stage copies node_modules 2 times, expected once',
      'the final stage copies /app/ from the build stage',
    ]);
    expect(variant('USER node', 'USER root')).toEqual(['the final stage runs as root']);
  });

  test('one image runs any service: CMD starts services/$SERVICE/dist/main.js, SERVICE is a build ARG', () => {
    expect(dockerfile.final.args).toHaveProperty('SERVICE');
    expect(dockerfile.final.env['SERVICE']).toBe('${SERVICE}');
    expect(lastInstruction(dockerfile.final, 'CMD')?.join(' ')).toContain(
      'exec node "services/$SERVICE/dist/main.js"',
    );
    for (const name of Object.keys(SERVICE_PORTS)) {
      expect(existsInRepo(`services/${name}/src/main.ts`)).toBe(true);
    }
  });

  test('the HEALTHCHECK probes /healthz with the script it copies, whose ports are SERVICE_PORTS', () => {
    const check = lastInstruction(dockerfile.final, 'HEALTHCHECK') ?? [];
    expect(nodeScripts(check)).toEqual(['/app/docker/healthcheck.cjs']);
    expect(check).toContain('/healthz');
    expect(dockerfile.final.copies).toContainEqual({
      sources: ['docker/healthcheck.cjs'],
      destination: 'docker/healthcheck.cjs',
    });
    expect(lastInstruction(dockerfile.final, 'WORKDIR')).toEqual(['/app']);
    expect(probeDefaultPorts()).toEqual(SERVICE_PORTS);
  });

  test("the base image's Node satisfies the engines of package.json", () => {
    const image = dockerfile.final.image;
    expect(image).toMatch(/^node:\d+(\.\d+)*-bookworm-slim$/);
    const engines = (JSON.parse(readRepoFile('package.json')) as { engines: { node: string } }).engines.node;
    const minimum = Number(/>=\s*(\d+)/.exec(engines)?.[1]);
    expect(Number(/^node:(\d+)/.exec(image)?.[1])).toBeGreaterThanOrEqual(minimum);
    expect(
      dockerfile.stages.every(
        (stage) => stage.image === image || dockerfile.stages.some((s) => s.name === stage.image),
      ),
    ).toBe(true);
  });

  test('every COPY from the build context exists and is not excluded by .dockerignore', () => {
    const sources = dockerfile.stages.flatMap((stage) =>
      stage.copies.filter((copy) => !copy.from).flatMap((copy) => copy.sources),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsInRepo(source) }).toEqual({ source, exists: true });
      if (source !== '.') expect({ source, ignored: ignored(source) }).toEqual({ source, ignored: false });
    }
  });

  test('the runtime image carries every folder the code reads beside dist/ (schemas, migrations, ...)', () => {
    const { globs, dirs } = gatheredOutput(dockerfile);
    expect(dirs).toEqual(expect.arrayContaining(['dist', 'schemas', 'migrations']));
    expect(runtimeDirProblems(globs, dirs)).toEqual([]);
    expect(
      runtimeDirProblems(
        globs,
        dirs.filter((dir) => dir !== 'schemas'),
      ),
    ).toEqual(['packages/contracts/schemas is read at run time but not copied (RUNTIME_DIRS)']);
    expect(runtimeDirProblems(['packages/*', 'infra/*'], dirs)).toEqual(
      expect.arrayContaining(['services/orders is run but not copied (the out/ loop skips it)']),
    );
  });

  test('what the containers run imports only production dependencies (npm ci --omit=dev installs them)', () => {
    const lock = lockfile();
    const { problems, packages } = runtimeImportProblems(lock);
    expect(problems).toEqual([]);
    expect(packages).toEqual(expect.arrayContaining(['kafkajs', 'pg', 'express', 'zod', 'avsc']));
    // Were zod a devDependency only, the image could not start.
    const devZod = structuredClone(lock);
    devZod.packages['node_modules/zod'] = { ...devZod.packages['node_modules/zod'], dev: true };
    expect(runtimeImportProblems(devZod).problems).toEqual(
      expect.arrayContaining(['packages/runtime/src/config.ts: imports zod, a dev-only dependency']),
    );
  });
});

describe('.dockerignore', () => {
  test('keeps every file the build reads: workspace sources, schemas, migrations, configs, manifests', () => {
    const needed = filesTheBuildReads();
    expect(needed).toEqual(
      expect.arrayContaining([
        'packages/contracts/schemas/orders.placed.avsc',
        'services/orders/src/main.ts',
      ]),
    );
    expect(needed.filter((file) => ignored(file))).toEqual([]);
    // An exclusion that would drop the Avro schemas is caught.
    const stricter = dockerignore(`${readRepoFile('.dockerignore')}\npackages/*/schemas\n`);
    expect(needed.filter((file) => stricter(file))).toContain(
      'packages/contracts/schemas/orders.placed.avsc',
    );
  });

  test('leaves out installs, build output, local state and secrets', () => {
    for (const file of [
      'node_modules/zod/package.json',
      'services/orders/node_modules/x/index.js',
      'services/orders/dist/main.js',
      '.git/HEAD',
      '.stack/logs/kafka.log',
      '.env',
      'infra/stack/kafka/lib/kafka.jar',
    ]) {
      expect({ file, ignored: ignored(file) }).toEqual({ file, ignored: true });
    }
  });

  test('every workspace the lockfile knows is in the build context (npm ci needs their package.json)', () => {
    const lock = JSON.parse(readRepoFile('package-lock.json')) as {
      packages: Record<string, { link?: boolean; resolved?: string }>;
    };
    const linked = Object.values(lock.packages)
      .filter((entry) => entry.link && entry.resolved)
      .map((entry) => `${entry.resolved}/package.json`);
    expect(linked.length).toBeGreaterThan(5);
    for (const manifest of linked) {
      expect({ manifest, present: fs.existsSync(repoPath(manifest)) && !ignored(manifest) }).toEqual({
        manifest,
        present: true,
      });
    }
  });
});
