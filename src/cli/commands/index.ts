import type { Command } from '../command.js';

/**
 * A subcommand as `pgindex --help` lists it, and how to load it. Each command's module is imported
 * only when it runs (or its help is shown): loading every command's libraries took a third of a
 * second before `pgindex run` could start its first statement.
 */
export interface CommandEntry {
  name: string;
  /** One line for `pgindex --help`. */
  summary: string;
  load(): Promise<Command>;
}

/** Every subcommand, in the order `pgindex --help` lists them. */
export const commands: readonly CommandEntry[] = [
  { name: 'validate', summary: 'check plan files against the plan format; connects to no database', load: async () => (await import('./validate.js')).validateCommand },
  { name: 'plan', summary: 'show what apply would do (SQL, JSON, Markdown, --explain)', load: async () => (await import('./plan.js')).planCommand },
  { name: 'apply', summary: 'build the planned indexes on parallel sessions, with progress', load: async () => (await import('./apply.js')).applyCommand },
  { name: 'run', summary: 'run the statements of a SQL file on N parallel sessions', load: async () => (await import('./run.js')).runCommand },
  { name: 'export', summary: "write a plan that declares a database's existing indexes", load: async () => (await import('./export.js')).exportCommand },
  { name: 'advise', summary: 'write the indexes the workload needs as a plan to review', load: async () => (await import('./advise.js')).adviseCommand },
  { name: 'check', summary: 'find what is wrong with the indexes a database already has', load: async () => (await import('./check.js')).checkCommand },
  { name: 'calibrate', summary: 'time index builds on samples and fit the build cost model', load: async () => (await import('./calibrate.js')).calibrateCommand },
];
