import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlanText } from '../../../src/planfile/load.js';
import { InputError, formatProblem } from '../../../src/errors.js';

/** Every problem parsePlanText reports for `text`, formatted as the CLI prints them. */
function problems(text: string): string[] {
  try {
    parsePlanText(text, 'plan.yaml');
  } catch (err) {
    if (err instanceof InputError) return err.problems.map(formatProblem);
    throw err;
  }
  assert.fail('expected an InputError');
}

const lines = (...l: string[]) => l.join('\n') + '\n';

const cases: { name: string; text: string; want: string[] }[] = [
  {
    name: 'a misspelt key and a wrongly typed value are reported together, each at its place',
    text: lines('version: 1', 'parallelism: four', 'tables:', '  - name: public.film', '    colums: all'),
    want: [
      'plan.yaml:2:14: parallelism must be an integer >= 1, got "four"',
      'plan.yaml:5:5: unknown key "colums" (did you mean "columns"?)',
    ],
  },
  {
    name: 'keys of indexes: entries written elsewhere say where they belong',
    text: lines('version: 1', 'tables:', '  - name: t', '    nulls_not_distinct: true', '    columns:', '      - name: a', '        order: desc', '    indexes:', '      - columns: [a]', '        fillfactor: 70'),
    want: [
      'plan.yaml:4:5: unknown key "nulls_not_distinct" ("nulls_not_distinct" belongs in an entry of indexes ({columns: […], unique: …}))',
      'plan.yaml:7:9: unknown key "order" ("order" belongs in a key of an entry of indexes ({name: …, order: desc}))',
      "plan.yaml:10:9: unknown key \"fillfactor\" (\"fillfactor\" belongs in an index entry's with ({fillfactor: …}))",
    ],
  },
  {
    name: 'a missing key not explained by a typo is still reported',
    text: lines('version: 1', 'tables:', '  - name: t', '    colour: all'),
    want: [
      'plan.yaml:3:5: a table entry needs columns or indexes (or both)',
      'plan.yaml:4:5: unknown key "colour" (allowed here: name, columns, indexes, exclude, tablespace, concurrently, prune)',
    ],
  },
  {
    name: 'YAML syntax error, with a schema problem before it still reported',
    text: lines('version: 1', 'paralelism: 3', 'tables:', '  - name: x', '     columns: all'),
    want: [
      'plan.yaml:2:1: unknown key "paralelism" (did you mean "parallelism"?)',
      'plan.yaml:4:11: YAML: Nested mappings are not allowed in compact mappings',
      'plan.yaml:4:11: YAML: Implicit keys need to be on a single line',
    ],
  },
  {
    name: 'an unclosed quote is found at the end of the file, and swallows what follows',
    text: lines('version: 1', 'tablespace: "fast', 'tables:', '  - name: x', '    columns: all'),
    want: ['plan.yaml:6:1: YAML: Missing closing "quote (reached the end of the file)'],
  },
  {
    name: 'tabs as indentation',
    text: lines('version: 1', 'tables:', '\t- name: x', '\t  columns: all'),
    want: ['plan.yaml:3:1: YAML: Tabs are not allowed as indentation', 'plan.yaml:4:1: YAML: Tabs are not allowed as indentation'],
  },
  {
    name: 'unknown nested keys: in a column entry, in rules, and a column key put in a table entry',
    text: lines(
      'version: 1',
      'rules:',
      '  brin_min_pagez: 10',
      'tables:',
      '  - name: t',
      '    methd: gin',
      '    columns:',
      '      - name: a',
      '        opclas: jsonb_ops',
      '        frobnicate: 1',
    ),
    want: [
      'plan.yaml:3:3: unknown key "brin_min_pagez" (did you mean "brin_min_pages"?)',
      'plan.yaml:6:5: unknown key "methd" (did you mean "method"? It belongs in a column entry ({name: …, method: …}))',
      'plan.yaml:9:9: unknown key "opclas" (did you mean "opclass"?)',
      'plan.yaml:10:9: unknown key "frobnicate" (allowed here: name, method, opclass, where, include, unique, tablespace)',
    ],
  },
  {
    name: 'a key of another level is told where it belongs',
    text: lines('version: 1', 'columns: all', 'brin_min_pages: 3', 'tables:', '  - name: t', '    columns: all'),
    want: [
      'plan.yaml:2:1: unknown key "columns" ("columns" belongs in an entry of tables)',
      'plan.yaml:3:1: unknown key "brin_min_pages" ("brin_min_pages" belongs in rules)',
    ],
  },
  {
    name: 'bad sizes and durations',
    text: lines(
      'version: 1',
      'maintenance_work_mem: 1gb',
      'lock_timeout: 5 sec',
      'statement_timeout: -1',
      'tables:',
      '  - name: t',
      '    columns: all',
    ),
    want: [
      'plan.yaml:2:23: maintenance_work_mem has an unknown unit "gb" in "1gb" (did you mean "GB"? units are case-sensitive: B, kB, MB, GB, TB)',
      'plan.yaml:3:15: lock_timeout has an unknown unit "sec" in "5 sec" (units are case-sensitive: us, ms, s, min, h, d)',
      'plan.yaml:4:20: statement_timeout must be at least 0, got -1',
    ],
  },
  {
    name: 'sizes and durations out of range, or of the wrong type',
    text: lines(
      'version: 1',
      'maintenance_work_mem: 512kB',
      'lock_timeout: 30d',
      'statement_timeout: true',
      'tables:',
      '  - name: t',
      '    columns: all',
    ),
    want: [
      'plan.yaml:2:23: maintenance_work_mem must be at least 1MB, got "512kB"',
      'plan.yaml:3:15: lock_timeout must be at most 2147483647ms (about 24 days), got "30d"',
      'plan.yaml:4:20: statement_timeout must be a duration such as "500ms", "5s", "2min" or "1h", or an integer number of milliseconds, got true',
    ],
  },
  {
    name: 'a malformed ${...} in the connection is reported where it is written (an unset variable is not a problem of the file)',
    text: lines('version: 1', 'connection: "postgres://app:${APP_PASSWORD}@${1HOST}/${DB NAME}?x=${"', 'tables:', '  - name: t', '    columns: all'),
    want: [
      'plan.yaml:2:45: malformed variable: write ${NAME}, a name of letters, digits and _ not starting with a digit',
      'plan.yaml:2:54: malformed variable: write ${NAME}, a name of letters, digits and _ not starting with a digit',
      'plan.yaml:2:67: malformed variable: write ${NAME}, a name of letters, digits and _ not starting with a digit',
    ],
  },
  {
    name: 'exclude with a list of columns',
    text: lines('version: 1', 'tables:', '  - name: t', '    columns: [a, b]', '    exclude: [b]'),
    want: ['plan.yaml:5:5: exclude only applies to "columns: all" (with a list of columns, leave the unwanted ones out of the list)'],
  },
  {
    name: 'duplicate keys, at the top and in a table entry',
    text: lines('version: 1', 'parallelism: 2', 'parallelism: 3', 'tables:', '  - name: a', '    name: b', '    columns: all'),
    want: [
      'plan.yaml:3:1: duplicate key "parallelism" (first given at line 2)',
      'plan.yaml:6:5: duplicate key "name" (first given at line 5)',
    ],
  },
  {
    name: 'wrong values: version, enum with a typo, yes for a boolean, a quoted number, empty value, "al"',
    text: lines(
      'version: 2',
      'concurrently: yes',
      'retries: "3"',
      'tablespace:',
      'rules:',
      '  jsonb_opclass: jsonb_path',
      'tables:',
      '  - name: t',
      '    columns: al',
      '  - name: u',
      '    columns:',
      '      - name: a',
      '        method: gni',
      '      - 3',
      "      - ''",
    ),
    want: [
      'plan.yaml:1:10: version must be 1, got 2 (this pgindex reads plan format version 1)',
      'plan.yaml:2:15: concurrently must be true or false, got "yes" (YAML 1.2 reads yes/no/on/off as text: write true or false)',
      'plan.yaml:3:10: retries must be an integer >= 0, got "3" (write the number without quotes)',
      'plan.yaml:4:1: tablespace must be a non-empty string, got an empty value',
      'plan.yaml:6:18: jsonb_opclass must be one of jsonb_path_ops, jsonb_ops, got "jsonb_path" (did you mean "jsonb_path_ops"?)',
      'plan.yaml:9:14: columns must be "all" or a non-empty list, got "al" (did you mean "all"?)',
      'plan.yaml:13:17: method must be one of btree, hash, gin, gist, spgist, brin, bloom, got "gni" (did you mean "gin"?)',
      'plan.yaml:14:9: columns[1] must be a non-empty string or a mapping, got 3 (YAML reads 3 as a number: put it in quotes)',
      'plan.yaml:15:9: columns[2] must be a non-empty string, got ""',
    ],
  },
  {
    name: 'a name YAML reads as a number or a boolean',
    text: lines('version: 1', 'tables:', '  - name: t', '    tablespace: 2024', '    columns: [true]'),
    want: [
      'plan.yaml:4:17: tablespace must be a non-empty string, got 2024 (YAML reads 2024 as a number: put it in quotes)',
      'plan.yaml:5:15: columns[0] must be a non-empty string or a mapping, got true (YAML reads true as a boolean: put it in quotes)',
    ],
  },
  {
    name: 'empty lists, and lists with repeated or empty names',
    text: lines(
      'version: 1',
      'tables:',
      '  - name: t',
      '    columns: []',
      '  - name: u',
      '    columns: all',
      '    exclude: [a, "", a]',
      '  - name: v',
      '    columns:',
      '      - name: a',
      '        include: []',
    ),
    want: [
      'plan.yaml:4:14: columns must be a non-empty list, got an empty list',
      'plan.yaml:7:18: exclude[1] must be a non-empty string, got ""',
      'plan.yaml:7:22: exclude lists "a" more than once',
      'plan.yaml:11:18: include must be a non-empty list, got an empty list',
    ],
  },
  {
    name: 'combinations PostgreSQL refuses: unique non-btree, INCLUDE on gin, gin band upside down',
    text: lines(
      'version: 1',
      'rules: {gin_min_distinct: 10, gin_max_distinct: 5}',
      'tables:',
      '  - name: t',
      '    columns:',
      '      - {name: a, method: hash, unique: true}',
      '      - {name: b, method: gin, include: [c]}',
    ),
    want: [
      'plan.yaml:2:27: gin_min_distinct (10) is larger than gin_max_distinct (5)',
      'plan.yaml:6:27: a unique index must use btree, not hash',
      'plan.yaml:7:41: include needs method btree, gist or spgist, not gin (gin indexes cannot store INCLUDE columns)',
    ],
  },
  {
    name: 'missing required keys point at the mapping that lacks them',
    text: lines('parallelism: 2', 'tables:', '  - columns: all'),
    want: [
      'plan.yaml:1:1: missing required key "version" (start the plan with "version: 1")',
      'plan.yaml:3:5: tables[0] is missing required key "name"',
    ],
  },
  { name: 'an empty file', text: '', want: ['plan.yaml:1:1: the plan file is empty (start the plan with "version: 1")'] },
  { name: 'a list instead of a mapping', text: lines('- a', '- b'), want: ['plan.yaml:1:1: the plan must be a mapping, got a list'] },
  {
    name: 'several documents in one file',
    text: lines('version: 1', 'tables: [{name: t, columns: all}]', '---', 'version: 1'),
    want: ['plan.yaml:3:1: YAML: Source contains multiple documents; please use YAML.parseAllDocuments()'],
  },
];

for (const c of cases) {
  test(`bad plan: ${c.name}`, () => {
    assert.deepEqual(problems(c.text), c.want);
  });
}

test('the InputError message is every problem, one per line', () => {
  try {
    parsePlanText(lines('version: 1', 'parallelism: 0', 'retries: -1', 'tables: [{name: t, columns: all}]'), 'p.yaml');
    assert.fail('expected an InputError');
  } catch (err) {
    assert.ok(err instanceof InputError);
    assert.equal(err.message, 'p.yaml:2:14: parallelism must be an integer >= 1, got 0\np.yaml:3:10: retries must be an integer >= 0, got -1');
  }
});
