/**
 * The benchmark's data, generated on the server with generate_series:
 * - schema `big`: three tables (integers, timestamps, text, text[] and jsonb), six indexed columns
 *   each, 18 builds that take seconds;
 * - schema `tiny`: 100 small tables of 4 columns, 400 builds that take milliseconds, where the cost
 *   per statement (dispatch, connections, SETs) is what shows;
 * - schema `wide`: 400 tables of 7 columns, only planned, never built, to time planning.
 */
import type pg from 'pg';

export interface DatasetSize {
  /** Rows over the three big tables, split 50/30/20. */
  rows: number;
  tinyTables: number;
  tinyRows: number;
  wideTables: number;
}

export function bigTableRows(rows: number): { events: number; orders: number; docs: number } {
  return { events: Math.round(rows * 0.5), orders: Math.round(rows * 0.3), docs: Math.round(rows * 0.2) };
}

const WORDS = "ARRAY['alpha','bravo','charlie','delta','echo','foxtrot','golf','hotel','india','juliet','kilo','lima','mike','november','oscar','papa','quebec','romeo','sierra','tango','uniform','victor','whiskey','xray','yankee','zulu']";

/** `n` random words, as one text value; `seed` is a column of the outer query so it runs per row. */
function words(n: string, seed: string): string {
  return `(SELECT string_agg((${WORDS})[1 + floor(random() * 26)::int], ' ') FROM generate_series(1, ${n} + 0 * ${seed}))`;
}

function tags(n: string, seed: string): string {
  return `ARRAY(SELECT (${WORDS})[1 + floor(random() * 26)::int] || floor(random() * 40)::int FROM generate_series(1, ${n} + 0 * ${seed}))`;
}

export function bigStatements(rows: number): string[] {
  const n = bigTableRows(rows);
  return [
    'CREATE SCHEMA big',
    'SELECT setseed(0.17)',
    `CREATE TABLE big.events (
       id         bigint NOT NULL,
       user_id    integer NOT NULL,
       created_at timestamptz NOT NULL,
       kind       text NOT NULL,
       tags       text[] NOT NULL,
       payload    jsonb NOT NULL)`,
    `INSERT INTO big.events
     SELECT g, 1 + floor(random() * ${Math.max(1, Math.round(n.events / 5))})::int,
            timestamptz '2024-01-01' + g * interval '20 seconds',
            'event.' || (ARRAY['view','click','signup','purchase','share','login','logout','error'])[1 + g % 8],
            ${tags('1 + g % 4', 'g')},
            jsonb_build_object('session', md5(g::text), 'ms', floor(random() * 5000)::int,
                               'device', (ARRAY['ios','android','web','desktop'])[1 + g % 4],
                               'country', chr(65 + g % 26) || chr(65 + (g / 26) % 26))
     FROM generate_series(1, ${n.events}) AS g`,
    `CREATE TABLE big.orders (
       id          bigint NOT NULL,
       customer_id integer NOT NULL,
       amount_cents integer NOT NULL,
       placed_at   timestamptz NOT NULL,
       note        text NOT NULL,
       items       jsonb NOT NULL)`,
    `INSERT INTO big.orders
     SELECT g, 1 + floor(random() * ${Math.max(1, Math.round(n.orders / 4))})::int, floor(random() * 100000)::int,
            timestamptz '2023-01-01' + random() * interval '730 days',
            ${words('3 + g % 5', 'g')},
            jsonb_build_array(jsonb_build_object('sku', floor(random() * 50000)::int, 'qty', 1 + g % 3),
                              jsonb_build_object('sku', floor(random() * 50000)::int, 'qty', 1))
     FROM generate_series(1, ${n.orders}) AS g`,
    `CREATE TABLE big.docs (
       id         bigint NOT NULL,
       title      text NOT NULL,
       body       text NOT NULL,
       keywords   text[] NOT NULL,
       meta       jsonb NOT NULL,
       updated_at timestamptz NOT NULL)`,
    `INSERT INTO big.docs
     SELECT g, ${words('4', 'g')} || ' ' || g, ${words('20 + g % 20', 'g')},
            ${tags('2 + g % 6', 'g')},
            jsonb_build_object('author', 'author' || floor(random() * 5000)::int, 'lang', (ARRAY['en','de','fr'])[1 + g % 3],
                               'rev', g % 17, 'draft', g % 11 = 0),
            timestamptz '2020-01-01' + random() * interval '1800 days'
     FROM generate_series(1, ${n.docs}) AS g`,
  ];
}

export function tinyStatements(tables: number, rows: number): string[] {
  const out = ['CREATE SCHEMA tiny'];
  for (let i = 1; i <= tables; i++) {
    const t = `tiny.t${String(i).padStart(3, '0')}`;
    out.push(
      `CREATE TABLE ${t} (id integer NOT NULL, name text NOT NULL, created_at timestamptz NOT NULL, tags text[] NOT NULL)`,
      `INSERT INTO ${t} SELECT g, md5(g::text), now() - random() * interval '90 days', ARRAY['a' || g % 7, 'b' || g % 5]
         FROM generate_series(1, ${rows}) AS g`,
    );
  }
  return out;
}

/** 400 tables of 7 columns of assorted types, a few rows each: planning reads their catalog and stats. */
export function wideStatements(tables: number): string[] {
  const out = ['CREATE SCHEMA wide'];
  for (let i = 1; i <= tables; i++) {
    const t = `wide.w${String(i).padStart(3, '0')}`;
    out.push(
      `CREATE TABLE ${t} (id bigint, qty integer, label text, at timestamptz, doc jsonb, tags text[], flag boolean)`,
      `INSERT INTO ${t} SELECT g, g % 13, 'label ' || g, now() - g * interval '1 hour', jsonb_build_object('k', g), ARRAY[g::text], g % 2 = 0
         FROM generate_series(1, 20) AS g`,
    );
  }
  return out;
}

/** Creates the three schemas; VACUUM ANALYZE so that no build pays for hint bits or a visibility map. */
export async function createDataset(client: pg.ClientBase, size: DatasetSize, log: (m: string) => void): Promise<void> {
  log(`big: ${size.rows.toLocaleString('en-US')} rows over 3 tables`);
  for (const sql of bigStatements(size.rows)) await client.query(sql);
  log(`tiny: ${size.tinyTables} tables of ${size.tinyRows} rows`);
  await client.query(tinyStatements(size.tinyTables, size.tinyRows).join(';\n'));
  log(`wide: ${size.wideTables} tables of 7 columns (planning only)`);
  await client.query(wideStatements(size.wideTables).join(';\n'));
  log('VACUUM ANALYZE');
  await client.query('VACUUM ANALYZE');
}

/** Every index in the given schemas except those behind constraints. */
export async function dropIndexes(client: pg.ClientBase, schemas: string[]): Promise<number> {
  const { rows } = await client.query<{ stmt: string }>(
    `SELECT format('DROP INDEX %I.%I', n.nspname, c.relname) AS stmt
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        -- partition indexes go with their parent's
        AND NOT c.relispartition`,
    [schemas],
  );
  if (rows.length > 0) await client.query(rows.map((r) => r.stmt).join(';\n'));
  return rows.length;
}
