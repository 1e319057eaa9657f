/**
 * Build step (after tsc and compile-plan-schema): the CLI as the `pgindex` bin runs it, bundled with
 * esbuild from tsc's output (dist/src/cli/main.js) into dist/bundle/cli/: the entry, one chunk per
 * command (each still imported only when it runs) and the chunks they share. The library
 * (dist/src/index.js) stays as tsc wrote it.
 *
 *   node dist/scripts/bundle-cli.js     (npm run build runs it)
 *
 * Why: before its first statement, `pgindex run` spent some 150 ms loading about 85 modules of its
 * own and 40 of the PostgreSQL client's, most of it in Node's module loader (resolving, reading,
 * compiling and linking each file) rather than in the code; in a few chunks that cost mostly goes.
 *
 * The bundle sits as deep as tsc's output (dist/X/cli/), so that the paths the code finds beside
 * itself (`../../../package.json`, `../../../schemas/…`) are the same. libpg-query stays a package
 * of its own: it reads its WebAssembly file from its directory. The plan validator that
 * compile-plan-schema generated is copied beside the chunks, where src/planfile/schema.ts looks.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { COMPILED_VALIDATOR_FILE } from '../src/planfile/schema.js';

/** The bundled CLI's directory and entry, relative to dist/. */
export const BUNDLE_DIR = 'bundle/cli';
export const BUNDLED_CLI = `${BUNDLE_DIR}/main.js`;

const dist = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

async function bundle(): Promise<void> {
  const outdir = dist(BUNDLE_DIR);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [dist('src/cli/main.js')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // pg-native and pg-cloudflare are optional: pg requires them only when asked to (or on Workers).
    external: ['libpg-query', 'pg-native', 'pg-cloudflare'],
    // The PostgreSQL client is CommonJS: its require() of Node's modules needs a require in ESM.
    banner: { js: "import { createRequire as __pgindexCreateRequire } from 'node:module';\nconst require = __pgindexCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  copyFileSync(dist(`src/planfile/${COMPILED_VALIDATOR_FILE}`), dist(`${BUNDLE_DIR}/${COMPILED_VALIDATOR_FILE}`));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundle();
