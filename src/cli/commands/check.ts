import type { Command } from '../command.js';
import { EXIT } from '../command.js';
import { checkDatabase } from '../../check/check.js';
import { checkJson, checkText } from '../../check/format.js';
import { loadPlanFile } from '../../planfile/load.js';
import { usageError } from '../args.js';
import { connectionHelp, CONNECTION_OPTIONS, readConnectionFlags } from '../connection-flags.js';

export const checkCommand: Command = {
  name: 'check',
  help: `Usage: pgindex check [connection options] [PLAN.yaml] [--format text|json]

Reads the indexes of the tables of search_path's schemas (with PLAN.yaml: of
the plan's tables only) and reports, each with the SQL or the step that fixes
it:
  invalid                INVALID indexes no session is building now, such as
                         the _ccnew and _ccold left by REINDEX CONCURRENTLY
  duplicate              indexes with the definition of another of the table
  redundant              a btree whose keys lead another btree's, with the
                         same predicate (not unique, backing no constraint)
  unindexed-foreign-key  foreign keys no valid btree is led by the columns of
  unused                 indexes never scanned since the statistics were last
                         reset (never a unique or constraint index)
An index is reported once, for the first of these it has.

Options:
      --format FORMAT      text (default; grouped by kind) or json (one
                           object: see the README's "Check")
  -?, --help               show this help

${connectionHelp('DATABASE_URL')}

Exit codes: 0 nothing found, 2 findings, 1 error.
`,
  options: {
    ...CONNECTION_OPTIONS,
    format: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const usage = (message: string) => usageError(io, 'check', message);
    if (positionals.length > 1) return usage(`check takes at most one plan file, got ${positionals.length}`);
    const format = (values.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') return usage(`--format must be text or json, not "${format}"`);
    const connection = await readConnectionFlags(values, io, 'check');
    if (typeof connection === 'number') return connection;
    const plan = positionals[0] !== undefined ? await loadPlanFile(positionals[0], { cwd: io.cwd }) : undefined;

    const report = await checkDatabase({ ...connection, env: io.env, plan, log: (message) => io.stderr.write(`pgindex check: ${message}\n`) });
    io.stdout.write(format === 'json' ? checkJson(report) : checkText(report));
    return report.findings.length > 0 ? EXIT.changesPending : EXIT.ok;
  },
};
