import type { ParseArgsConfig } from 'node:util';

/** What a command may touch: the edges of the program, passed in so tests can capture them. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type ParsedArgs = {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
};

export interface Command {
  name: string;
  /** The whole text of `pgindex NAME --help`. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

/** Exit codes, as documented in the README. */
export const EXIT = {
  ok: 0,
  error: 1,
  changesPending: 2,
  interrupted: 130,
} as const;
