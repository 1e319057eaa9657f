import type { Command } from '../command.js';
import { EXIT } from '../command.js';
import { formatProblem, InputError } from '../../errors.js';
import { loadPlanFile } from '../../planfile/load.js';

export const validateCommand: Command = {
  name: 'validate',
  help: `Usage: pgindex validate PLAN.yaml [PLAN.yaml ...]

Checks each plan file: YAML syntax, the plan format
(schemas/pgindex.schema.json), and values such as sizes and durations. The
syntax of raw SQL (a column's \`where\`) is checked by PostgreSQL's own parser,
offline; whether its columns exist is for \`pgindex plan\` to ask. Every
problem is reported at once as FILE:LINE:COL: message. Nothing connects to a
database: an environment variable the plan's \`connection\` uses but that is
not set is only a note (it is needed when that connection is used, without a
connection string in -d or DATABASE_URL).

Options:
  -?, --help  show this help

Exit codes: 0 every file is valid, 1 at least one is not.
`,
  options: {},
  async run({ positionals }, io) {
    if (positionals.length === 0) {
      io.stderr.write('pgindex validate: name at least one plan file\n');
      return EXIT.error;
    }
    let status: number = EXIT.ok;
    for (const file of positionals) {
      try {
        const plan = await loadPlanFile(file, { cwd: io.cwd });
        for (const v of plan.connection?.variables ?? []) {
          if (io.env[v.name] !== undefined) continue;
          const hint = "the plan's connection needs it when neither --db nor DATABASE_URL is given";
          io.stderr.write(formatProblem({ pos: v.pos, message: `note: environment variable ${v.name} is not set`, hint }) + '\n');
        }
        io.stdout.write(`${file}: valid (${plan.tables.length} table ${plan.tables.length === 1 ? 'entry' : 'entries'})\n`);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        io.stderr.write(err.message + '\n');
        status = EXIT.error;
      }
    }
    return status;
  },
};
