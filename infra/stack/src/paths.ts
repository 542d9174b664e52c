import fs from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest folder upwards that holds turbo.json. */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'turbo.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${from}`);
    dir = parent;
  }
  return dir;
}

export interface StackPaths {
  root: string;
  /** Git-ignored state: data, logs, pid files. */
  state: string;
  kafkaHome: string;
  kafkaLib: string;
  kafkaData: string;
  kafkaConfig: string;
  kafkaLog: string;
  kafkaPid: string;
  registryMain: string;
  registryLog: string;
  registryPid: string;
}

export function stackPaths(root = repoRoot()): StackPaths {
  const state = process.env.ORDERFLOW_STACK_DIR || path.join(root, '.stack');
  const kafkaHome = path.join(root, 'infra', 'stack', 'kafka');
  return {
    root,
    state,
    kafkaHome,
    kafkaLib: path.join(kafkaHome, 'lib'),
    kafkaData: path.join(state, 'kafka', 'data'),
    kafkaConfig: path.join(state, 'kafka', 'server.properties'),
    kafkaLog: path.join(state, 'logs', 'kafka.log'),
    kafkaPid: path.join(state, 'pids', 'kafka.pid'),
    registryMain: path.join(root, 'infra', 'schema-registry', 'dist', 'main.js'),
    registryLog: path.join(state, 'logs', 'schema-registry.log'),
    registryPid: path.join(state, 'pids', 'schema-registry.pid'),
  };
}
