import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { EXIT } from '../command.js';
import { calibrate, DEFAULT_SAMPLE_PAGES } from '../../cost/calibrate.js';
import { calibrationText } from '../../cost/describe.js';
import { loadPlanFile } from '../../planfile/load.js';
import { positiveInt, usageError } from '../args.js';
import { connectionHelp, CONNECTION_OPTIONS, readConnectionFlags } from '../connection-flags.js';

export const calibrateCommand: Command = {
  name: 'calibrate',
  help: `Usage: pgindex calibrate [connection options] [PLAN.yaml] [--sample-pages N]
                         [--cache-dir DIR]

Builds indexes on samples in temporary tables (nothing another session sees),
times them, and fits per build kind (access method, operator class, server
major version) the curve that \`plan\` and \`apply\` price builds with:
  t = a + pages × (b + d·log2(maintenance_work_mem/32MB)) / (1 + workers)^e
With PLAN.yaml, the kinds of its builds, each on a TABLESAMPLE copy of its
smallest planned table; without, generated rows for btree on integers and
text, GIN on jsonb and arrays, and BRIN. Each kind is built on two sample
sizes at 16MB, 64MB and 256MB. Prints the curves and writes them to the
server's cache file (named by its system identifier and version), which plan
and apply then read: their settings line says "cost model calibrated".

Options:
      --sample-pages N  pages of the larger sample (default ${DEFAULT_SAMPLE_PAGES}); larger
                        samples take longer and tell more
      --cache-dir DIR   where the cache files are (default: XDG_CACHE_HOME/
                        pgindex, or ~/.cache/pgindex); plan and apply read
                        the default
  -?, --help            show this help

${connectionHelp('DATABASE_URL')}

Exit codes: 0 calibrated, 1 error.
`,
  options: {
    ...CONNECTION_OPTIONS,
    'sample-pages': { type: 'string' },
    'cache-dir': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const usage = (message: string) => usageError(io, 'calibrate', message);
    if (positionals.length > 1) return usage(`calibrate takes at most one plan file, got ${positionals.length}`);
    let samplePages = DEFAULT_SAMPLE_PAGES;
    if (values['sample-pages'] !== undefined) {
      const n = positiveInt('--sample-pages', values['sample-pages']);
      if (typeof n === 'string') return usage(n);
      samplePages = n;
    }
    const dir = values['cache-dir'];
    if (dir === '') return usage('--cache-dir needs a directory');
    const connection = await readConnectionFlags(values, io, 'calibrate');
    if (typeof connection === 'number') return connection;
    const plan = positionals[0] !== undefined ? await loadPlanFile(positionals[0], { cwd: io.cwd }) : undefined;
    const result = await calibrate({
      ...connection,
      env: io.env,
      plan,
      samplePages,
      cacheDir: typeof dir === 'string' ? resolve(io.cwd, dir) : undefined,
      log: (message) => io.stderr.write(`pgindex calibrate: ${message}\n`),
    });
    io.stdout.write(calibrationText(result));
    return EXIT.ok;
  },
};
