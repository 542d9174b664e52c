// The repository files the deployment is made of, loaded and parsed the way Docker reads them.
import fs from 'node:fs';
import path from 'node:path';
import ignore from '@balena/dockerignore';
import { parse as parseYaml } from 'yaml';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

export const repoPath = (...parts: string[]): string => path.join(repoRoot, ...parts);

export const readRepoFile = (relative: string): string => fs.readFileSync(repoPath(relative), 'utf8');

export const existsInRepo = (relative: string): boolean => fs.existsSync(repoPath(relative));

export function parseYamlFile<T>(relative: string): T {
  // Compose files use `<<: *anchor` merge keys; YAML 1.2 parsers only honour them when asked.
  return parseYaml(readRepoFile(relative), { merge: true }) as T;
}

/** A matcher with Docker's own .dockerignore semantics (a port of Docker's Go implementation). */
export function dockerignore(text = readRepoFile('.dockerignore')): (relative: string) => boolean {
  const matcher = ignore().add(text);
  return (relative) => matcher.ignores(relative.split(path.sep).join('/'));
}

/** The root package.json's workspace folders, expanded the way npm does (a trailing `*` = every child folder). */
export function workspaceDirs(): string[] {
  const manifest = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };
  return manifest.workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return existsInRepo(path.join(pattern, 'package.json')) ? [pattern] : [];
    const parent = pattern.slice(0, -2);
    if (!existsInRepo(parent)) return [];
    return fs
      .readdirSync(repoPath(parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsInRepo(path.join(parent, entry.name, 'package.json')))
      .map((entry) => `${parent}/${entry.name}`);
  });
}

/** Every file under a repository folder, as repo-relative paths; build output and installs are skipped. */
export function filesUnder(relative: string): string[] {
  const skip = new Set(['node_modules', 'dist', 'coverage', '.turbo']);
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsInRepo(dir)) return;
    for (const entry of fs.readdirSync(repoPath(dir), { withFileTypes: true })) {
      const child = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) walk(child);
      } else {
        out.push(child);
      }
    }
  };
  walk(relative);
  return out;
}
