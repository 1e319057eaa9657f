/**
 * The module layers, lowest first, as the README's Development section describes them. A module may
 * import from its own layer and the ones below, never from a higher one: PostgreSQL's rules and the
 * pure planner stay usable without a database, the library without the CLI, and nothing but the CLI
 * knows about terminals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** The first part of a path under src/ (a directory, or a file at the top) → its layer. */
const LAYERS: Record<string, number> = {
  'errors.ts': 0,
  'format.ts': 0,
  sql: 0,
  pg: 0,
  planfile: 1,
  db: 2,
  catalog: 3,
  advisor: 4,
  plan: 5,
  cost: 5,
  script: 6,
  'planner.ts': 6,
  export: 6,
  check: 6,
  runner: 7,
  'index.ts': 8,
  cli: 9,
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) return sources(p);
    return entry.endsWith('.ts') ? [p] : [];
  });
}

/** `dir/file.ts` relative to src/, with forward slashes. */
function rel(path: string): string {
  return relative(SRC, path).split(sep).join('/');
}

/** Every relative import and re-export of a module (type-only ones too), as paths relative to src/. */
function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s+'(\.[^']*)'|\bimport\s*\(\s*'(\.[^']*)'\s*\)/g)) {
    const spec = m[1] ?? m[2] ?? '';
    out.push(posix.normalize(posix.join(posix.dirname(rel(path)), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

function layerOf(file: string): number {
  const top = file.split('/')[0] ?? '';
  const layer = LAYERS[top];
  assert.ok(layer !== undefined, `src/${file}: not in any layer (add src/${top} to LAYERS in this test and to the README)`);
  return layer;
}

const modules = sources(SRC).map((p) => ({ file: rel(p), imports: imports(p) }));

test('the layers are found: every module of src/ belongs to one, and imports are read', () => {
  assert.ok(modules.length > 40);
  for (const m of modules) layerOf(m.file);
  assert.ok(modules.find((m) => m.file === 'index.ts')?.imports.includes('planner.ts'));
});

/** The one exception: the renderers live with the CLI, and the public API exports them. */
function exempt(file: string, imported: string): boolean {
  return file === 'index.ts' && imported.startsWith('cli/progress/');
}

test('no module imports from a higher layer', () => {
  const upward = modules.flatMap((m) =>
    m.imports.filter((i) => layerOf(i) > layerOf(m.file) && !exempt(m.file, i)).map((i) => `src/${m.file} imports src/${i}`),
  );
  assert.deepEqual(upward, []);
});

test('only the public API (src/index.ts) and the CLI itself import the CLI', () => {
  const intoCli = modules.flatMap((m) =>
    m.file === 'index.ts' || m.file.startsWith('cli/') ? [] : m.imports.filter((i) => i.startsWith('cli/')).map((i) => `src/${m.file} imports src/${i}`),
  );
  assert.deepEqual(intoCli, []);
});

/** What src/index.ts re-exports, by module (relative to src/, .ts): the names as that module exports them. */
function publicApi(): Map<string, Set<string>> {
  const text = readFileSync(join(SRC, 'index.ts'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const out = new Map<string, Set<string>>();
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'\.\/([^']+)'/g)) {
    const names = out.get((m[2] ?? '').replace(/\.js$/, '.ts')) ?? new Set<string>();
    for (const spec of (m[1] ?? '').split(',')) {
      const name = spec.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0];
      if (name) names.add(name);
    }
    out.set((m[2] ?? '').replace(/\.js$/, '.ts'), names);
  }
  return out;
}

/** The names a module imports from another (`import { a, type B } from '…'`), by the imported module. */
function importedNames(path: string): Map<string, string[]> {
  const text = readFileSync(path, 'utf8');
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/\bimport\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(\.[^']*)'/g)) {
    const target = posix.normalize(posix.join(posix.dirname(rel(path)), m[2] ?? '')).replace(/\.js$/, '.ts');
    const names = (m[1] ?? '').split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0] ?? '').filter(Boolean);
    out.set(target, [...(out.get(target) ?? []), ...names]);
  }
  return out;
}

test('the CLI commands use the library through its public API alone', () => {
  // Each command imports what it uses from the module that defines it (loading src/index.ts would load
  // every command's libraries), but only names that src/index.ts exports from that same module.
  // The renderers (cli/progress) are part of that API and are built from the modules below it.
  const api = publicApi();
  assert.ok(api.get('script/prepare.ts')?.has('prepareScript'));
  const deep = modules.flatMap((m) => {
    if (!m.file.startsWith('cli/') || m.file.startsWith('cli/progress/')) return [];
    const named = importedNames(join(SRC, m.file));
    return m.imports
      .filter((i) => !i.startsWith('cli/'))
      .flatMap((i) => {
        const exported = api.get(i);
        if (!exported) return [`src/${m.file} imports src/${i}, which src/index.ts does not re-export from`];
        return (named.get(i) ?? []).filter((n) => !exported.has(n)).map((n) => `src/${m.file} imports ${n} from src/${i}, which src/index.ts does not export`);
      });
  });
  assert.deepEqual(deep, []);
});

test('nothing in the library imports the public API module: it only re-exports', () => {
  const barrel = modules.flatMap((m) => (m.file.startsWith('cli/') && !m.file.startsWith('cli/progress/') ? [] : m.imports.filter((i) => i === 'index.ts').map(() => `src/${m.file}`)));
  assert.deepEqual(barrel, []);
  // Nor is there anything but re-exports in it.
  const text = readFileSync(join(SRC, 'index.ts'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const statements = text.split(';').map((s) => s.trim()).filter(Boolean);
  assert.deepEqual(statements.filter((s) => !/^export\s/.test(s) || !/\bfrom\s+'/.test(s)), []);
});
