/**
 * Every help text fits an 80-column terminal: the main one and each command's, connection options
 * included. A line that grows past 80 wraps mid-word in the terminal and breaks the columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../../src/cli/main.js';
import { commands } from '../../../src/cli/commands/index.js';
import { capture } from '../../support/cli.js';

async function helpOf(argv: string[]): Promise<string> {
  const c = capture();
  assert.equal(await main(argv, c.io), 0, argv.join(' '));
  return c.out();
}

test('every line of every --help text is at most 80 characters', async () => {
  const texts = [['--help'], ...commands.map((c) => [c.name, '--help'])];
  assert.ok(texts.length >= 5);
  const long: string[] = [];
  for (const argv of texts) {
    const text = await helpOf(argv);
    assert.ok(text.split('\n').length > 5, `${argv.join(' ')} prints a help text`);
    for (const [i, line] of text.split('\n').entries()) {
      // Characters as the terminal counts them (an ellipsis is one).
      if ([...line].length > 80) long.push(`pgindex ${argv.join(' ')}, line ${i + 1} (${[...line].length}): ${line}`);
    }
  }
  assert.deepEqual(long, []);
});

test('the help of every command that connects lists the psql connection flags', async () => {
  for (const name of ['plan', 'apply', 'run']) {
    const text = await helpOf([name, '--help']);
    for (const flag of [/-h, --host HOST/, /-p, --port PORT/, /-U, --username USER/, /-d, --dbname DB/, /\(also --db\)/, /-W, --password/, /-w, --no-password/]) {
      assert.match(text, flag, name);
    }
  }
  assert.doesNotMatch(await helpOf(['validate', '--help']), /--host/);
});
