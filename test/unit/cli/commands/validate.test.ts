import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_PATH } from '../../../support/cli.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));

/** Runs the built CLI as a user would, from the repository root. */
function pgindex(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_PATH, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('validate: a misspelt key and a wrongly typed value, both reported at their places, exit 1', async () => {
  const file = 'test/fixtures/planfile/typo-and-type.yaml';
  const r = await pgindex('validate', file);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `${file}:2:14: parallelism must be an integer >= 1, got "four"\n` + `${file}:5:5: unknown key "colums" (did you mean "columns"?)\n`,
  );
});

test('validate: the issue example is valid, exit 0', async () => {
  const r = await pgindex('validate', 'examples/film.yaml');
  assert.deepEqual(r, { code: 0, stdout: 'examples/film.yaml: valid (4 table entries)\n', stderr: '' });
});

test('validate: every file in examples/ is valid', async () => {
  const files = readdirSync(`${root}/examples`)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `examples/${f}`);
  assert.ok(files.includes('examples/film.yaml'));
  const r = await pgindex('validate', ...files);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('validate: one bad file among good ones still fails, and a missing file is reported at FILE:1:1', async () => {
  const r = await pgindex('validate', 'examples/film.yaml', 'no/such/plan.yaml');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^examples\/film\.yaml: valid/);
  assert.equal(r.stderr, 'no/such/plan.yaml:1:1: cannot read plan file: no such file\n');
});

test("validate: an unset variable of the plan's connection is a note (validate connects to nothing), a malformed one an error", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-validate-'));
  try {
    const conn = join(dir, 'conn.yaml');
    writeFileSync(conn, 'version: 1\nconnection: postgres://app:${PW}@${HOST}/shop\ntables:\n  - name: t\n    columns: all\n');
    const hint = "(the plan's connection needs it when neither --db nor DATABASE_URL is given)";
    assert.deepEqual(await pgindex('validate', conn), {
      code: 0,
      stdout: `${conn}: valid (1 table entry)\n`,
      stderr: `${conn}:2:28: note: environment variable PW is not set ${hint}\n${conn}:2:34: note: environment variable HOST is not set ${hint}\n`,
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nconnection: postgres://app:${PW}@${HOST/shop\ntables:\n  - name: t\n    columns: all\n');
    assert.deepEqual(await pgindex('validate', bad), {
      code: 1,
      stdout: '',
      stderr: `${bad}:2:34: malformed variable: write \${NAME}, a name of letters, digits and _ not starting with a digit\n`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate: a NUL character in any name, glob, opclass, tablespace, where or connection is an error at its place, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-validate-'));
  try {
    const file = join(dir, 'nul.yaml');
    // "\0" escapes in double-quoted YAML, and one raw NUL byte in a plain scalar (line 13).
    writeFileSync(
      file,
      [
        'version: 1',
        'connection: "postgres://h/db\\0"',
        'tablespace: "ts\\0"',
        'tables:',
        '  - name: "public.t\\0"',
        '    columns:',
        '      - "a\\0b"',
        '      - name: c',
        '        opclass: "text_ops\\0"',
        '        include: [d, "e\\0"]',
        '        where: "c <> \'\\0\'"',
        '        tablespace: "x\\0"',
        '  - name: s\0*',
        '    columns: all',
        '    exclude: ["z\\0"]',
        '    tablespace: "y\\0"',
        '',
      ].join('\n'),
    );
    const nul = (at: string, label: string, value: string) =>
      `${file}:${at}: ${label} contains a NUL character (U+0000), which PostgreSQL does not allow in names or SQL: ${JSON.stringify(value)}\n`;
    assert.deepEqual(await pgindex('validate', file), {
      code: 1,
      stdout: '',
      stderr:
        nul('2:13', 'connection', 'postgres://h/db\0') +
        nul('3:13', 'tablespace', 'ts\0') +
        nul('5:11', 'name', 'public.t\0') +
        nul('7:9', 'columns[0]', 'a\0b') +
        nul('9:18', 'opclass', 'text_ops\0') +
        nul('10:22', 'include[1]', 'e\0') +
        nul('11:16', 'where', "c <> '\0'") +
        nul('12:21', 'tablespace', 'x\0') +
        nul('13:11', 'name', 's\0*') +
        nul('15:15', 'exclude[0]', 'z\0') +
        nul('16:17', 'tablespace', 'y\0'),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: the problems of a SQL file are printed in file order (a COPY FROM STDIN at line 1 before a meta-command at line 3)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-run-'));
  try {
    const file = join(dir, 'order.sql');
    writeFileSync(file, 'COPY t FROM stdin;\nselect 1;\n\\set x 1\nselect 2;\n');
    // Nothing listens on port 1: the file is read before connecting.
    assert.deepEqual(await pgindex('run', file, '-d', 'postgres://nobody@127.0.0.1:1/x'), {
      code: 1,
      stdout: '',
      stderr:
        `${file}:1:1: COPY … FROM STDIN needs psql to send the data (load the data with psql, or COPY FROM a server file)\n` +
        `${file}:3:1: psql meta-command \\set cannot be run by pgindex run (keep only SQL in the file)\n`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
