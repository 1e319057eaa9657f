/**
 * The live display on a real terminal (issue 17, items 6 and 9): the built binary under a
 * pseudo-terminal (util-linux `script`), on a real server. While a build of public.orders is held by
 * a writer's open transaction, the other session says what it waits for; once the run has ended the
 * finished builds are still there as ✔/✖ lines with their time and size, and the overall line of a
 * run with a failure ends on ✖, not ✔.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { CLI_PATH } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-tty-'));
  await db.query('create table orders as select g as a, g % 100 as b from generate_series(1, 20000) g');
  await db.query('create table dup as select g % 10 as k from generate_series(1, 100) g');
  await db.query('analyze');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What a terminal shows, roughly: the text without colours and cursor movements. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

test('on a terminal: an idle session says which table it waits for; finished builds stay as ✔/✖ lines with time and size; a failed run ends on ✖', { skip: hasScript ? false : 'util-linux script is not installed' }, async () => {
  writeFileSync(join(dir, 'plan.yaml'), 'version: 1\nparallelism: 2\ntables:\n  - name: orders\n    columns: [a, b]\n  - name: dup\n    columns:\n      - name: k\n        unique: true\n');
  // A writer's open transaction holds the first build of orders (CONCURRENTLY waits for writers).
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await writer.query('commit');
    await writer.end();
  };
  try {
    await writer.query('begin');
    await writer.query('lock table orders in row exclusive mode');
    const command = `stty cols 100 rows 30; exec ${quote(process.execPath)} ${quote(CLI_PATH)} apply plan.yaml -y -d ${quote(db.url)}`;
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, env: { ...process.env, TERM: 'xterm-256color' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let waitingSeen!: () => void;
    const waiting = new Promise<void>((resolve) => (waitingSeen = resolve));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      // Either the idle session's line, or the held build's own phase: by then the display has drawn
      // the idle session for a while (it went idle before the build started waiting).
      if (/session \d · waiting: public\.orders is busy with|waiting for writers before build/.test(plain(out))) waitingSeen();
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The display shows the wait while it lasts; ending the writer's transaction lets the run finish.
    await Promise.race([waiting, exited]);
    await release();
    assert.match(plain(out), /session \d · waiting: public\.orders is busy with public\.orders_[ab]_btree_idx/, plain(out));
    assert.equal(await exited, 1, plain(out));

    const text = plain(out);
    // The last frame the display drew, then the summary.
    const final = text.slice(text.lastIndexOf('✖ 2 of 3 statements done'));
    assert.match(final, /^✖ 2 of 3 statements done · 1 failed · in \S+\n/, text);
    assert.match(final, /\n {2}✔ public\.orders_a_btree_idx on public\.orders · \S+ · \d+ kB\n/);
    assert.match(final, /\n {2}✔ public\.orders_b_btree_idx on public\.orders · \S+ · \d+ kB\n/);
    assert.match(final, /\n {2}✖ public\.dup_k_btree_uniq on public\.dup · failed after \S+: 23505 could not create unique index/);
    assert.doesNotMatch(text, /✔ (interrupted: )?\d+ of \d+ (statements )?done/);
    assert.match(final, /\nindexes: 2 indexes built, 1 failed\n/);
  } finally {
    await release().catch(() => undefined);
  }
});

test('on a terminal, Ctrl-C: the overall line ends on ✖ with "interrupted", never on ✔', { skip: hasScript ? false : 'util-linux script is not installed' }, async () => {
  writeFileSync(join(dir, 'orders.yaml'), 'version: 1\nparallelism: 1\ntables:\n  - name: orders\n    columns: [a]\n');
  await db.query('drop index if exists orders_a_btree_idx');
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  try {
    await writer.query('begin');
    await writer.query('lock table orders in row exclusive mode');
    const command = `stty cols 100 rows 30; exec ${quote(process.execPath)} ${quote(CLI_PATH)} apply orders.yaml -y -d ${quote(db.url)}`;
    // stdin a pipe into the pseudo-terminal: a \x03 written to it is the terminal's Ctrl-C.
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, env: { ...process.env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let held!: () => void;
    const building = new Promise<void>((resolve) => (held = resolve));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (/waiting for writers before build/.test(plain(out))) held();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await Promise.race([building, exited]);
    child.stdin.write('\x03');
    assert.equal(await exited, 130, plain(out));
    const text = plain(out);
    assert.match(text, /\n✖ interrupted: 0 of 1 statement done · 1 cancelled · in \S+\n/, text);
    assert.doesNotMatch(text, /\n✔ (interrupted|0 of 1)/);
    assert.match(text, /\nstatements: 0 done, 0 skipped, 0 failed, 1 cancelled of 1 in \S+ \(interrupted\)\n/);
  } finally {
    await writer.query('rollback').catch(() => undefined);
    await writer.end();
  }
});
