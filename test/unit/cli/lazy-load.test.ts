/**
 * What the CLI loads before it runs a command: only that command's modules. `pgindex run` starts its
 * first statement sooner for it (loading every command's libraries took a third of a second), so a
 * static import that drags the others back in is caught here, from the sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../../src/', import.meta.url));

/** Every module (relative to src/) and package a module loads before it runs: static imports only, type-only ones left out. */
function staticClosure(start: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    const text = readFileSync(SRC + file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[\w\s{},*$]*?\bfrom\s+'([^']+)'/gm)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('.')) visit(posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  };
  visit(start);
  return { modules, packages };
}

test('the CLI entry point loads no command, no library module and no package', () => {
  const { modules, packages } = staticClosure('cli/main.ts');
  assert.ok(modules.has('cli/commands/index.ts'));
  assert.deepEqual([...modules].filter((m) => m.startsWith('cli/commands/') && m !== 'cli/commands/index.ts'), []);
  assert.ok(!modules.has('index.ts'));
  assert.deepEqual([...packages], []);
});

test('pgindex run loads what it runs with: the PostgreSQL client, not the plan file, export or terminal display libraries', () => {
  const { modules, packages } = staticClosure('cli/commands/run.ts');
  assert.ok(modules.has('script/prepare.ts') && modules.has('runner/execute.ts'));
  assert.ok(!modules.has('index.ts'));
  assert.deepEqual([...packages].sort(), ['pg']);
});
