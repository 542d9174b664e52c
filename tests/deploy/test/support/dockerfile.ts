// The Dockerfile as build stages, read with dockerfile-ast (continuation lines, flags and JSON forms handled).
import { DockerfileParser, type Arg, type Copy, type Env, type From, type Instruction } from 'dockerfile-ast';
import { readRepoFile } from './files';

export interface CopyStep {
  from?: string;
  sources: string[];
  destination: string;
}

export interface Stage {
  name: string;
  /** The FROM image, with global ARG defaults substituted. */
  image: string;
  instructions: Instruction[];
  /** Every RUN, as shell commands split on && ; and | boundaries, whitespace normalised. */
  runCommands: string[];
  copies: CopyStep[];
  /** ENV set in this stage (values as written, `${X}` not expanded). */
  env: Record<string, string>;
  /** ARG declared in this stage, with its default. */
  args: Record<string, string>;
}

export interface DockerfileModel {
  globalArgs: Record<string, string>;
  stages: Stage[];
  final: Stage;
  stage(name: string): Stage;
}

const words = (instruction: Instruction): string[] => instruction.getArguments().map((a) => a.getValue());

export function splitShell(command: string): string[] {
  return command
    .split(/&&|\|\||;|\|/)
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

export function loadDockerfile(text = readRepoFile('Dockerfile')): DockerfileModel {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs: Record<string, string> = {};
  for (const arg of dockerfile.getInitialARGs() as Arg[]) {
    const property = arg.getProperty();
    if (property) globalArgs[property.getName()] = property.getValue() ?? '';
  }
  const expand = (value: string): string =>
    value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => globalArgs[name] ?? whole);

  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const from = instruction as From;
      stages.push({
        name: from.getBuildStage() ?? String(stages.length),
        image: expand(from.getImage() ?? ''),
        instructions: [],
        runCommands: [],
        copies: [],
        env: {},
        args: {},
      });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) continue; // global ARGs before the first FROM
    stage.instructions.push(instruction);
    if (keyword === 'RUN') stage.runCommands.push(...splitShell(words(instruction).join(' ')));
    if (keyword === 'COPY' || keyword === 'ADD') {
      const copy = instruction as Copy;
      const args = words(instruction).filter((word) => !word.startsWith('--'));
      const destination = args.pop() ?? '';
      const fromFlag = keyword === 'COPY' ? copy.getFromFlag()?.getValue() : undefined;
      stage.copies.push({ ...(fromFlag ? { from: fromFlag } : {}), sources: args, destination });
    }
    if (keyword === 'ENV') {
      for (const property of (instruction as Env).getProperties()) {
        stage.env[property.getName()] = property.getValue() ?? '';
      }
    }
    if (keyword === 'ARG') {
      const property = (instruction as Arg).getProperty();
      if (property) stage.args[property.getName()] = property.getValue() ?? '';
    }
  }
  const final = stages[stages.length - 1];
  if (!final) throw new Error('Dockerfile has no FROM');
  return {
    globalArgs,
    stages,
    final,
    stage(name) {
      const found = stages.find((stage) => stage.name === name);
      if (!found) throw new Error(`no stage ${name}`);
      return found;
    },
  };
}

/** The arguments of the last instruction with this keyword in a stage (JSON form parsed). */
export function lastInstruction(stage: Stage, keyword: string): string[] | undefined {
  const instruction = [...stage.instructions].reverse().find((i) => i.getKeyword() === keyword);
  if (!instruction) return undefined;
  const content = instruction.getArgumentsContent() ?? '';
  const json = content.slice(content.indexOf('['));
  if (content.includes('[')) {
    try {
      return JSON.parse(json.replace(/\\\r?\n\s*/g, '')) as string[];
    } catch {
      // shell form
    }
  }
  return words(instruction);
}

/**
 * The environment a container of the final stage starts with, before compose's own: the stage's ENV with
 * ${ARG} references resolved from the build args (or the ARG defaults).
 */
export function imageEnv(model: DockerfileModel, buildArgs: Record<string, string>): Record<string, string> {
  const values = { ...model.final.args, ...buildArgs };
  return Object.fromEntries(
    Object.entries(model.final.env).map(([key, value]) => [
      key,
      value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_whole, name: string) => values[name] ?? ''),
    ]),
  );
}
