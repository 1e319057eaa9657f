/**
 * The demo's sample database: a small shop (customers, products, orders, page views) whose columns
 * cover the type families the advisor knows, with data shaped so that its statistics rules fire on
 * real pg_stats: a timestamp that follows insertion order (brin), a low-cardinality code on a large
 * table (gin through btree_gin), a boolean (skipped), existing primary keys (skipped, named).
 *
 * Every row is generated on the server with generate_series, so the whole database is built in a few
 * seconds; `setseed` makes the data the same on every run.
 */
import type pg from 'pg';

export interface SampleOptions {
  /** Multiplies every row count: 1 is the demo (~810,000 rows), 0.01 a test-sized copy. */
  scale: number;
  /** Called before each step, for progress lines. */
  log?: (message: string) => void;
}

export interface SampleTable {
  name: string;
  rows: number;
}

/** Row counts at scale 1. */
export const SAMPLE_ROWS = {
  customers: 100_000,
  products: 10_000,
  orders: 300_000,
  page_views: 400_000,
} as const;

export function sampleRowCounts(scale: number): SampleTable[] {
  return Object.entries(SAMPLE_ROWS).map(([name, rows]) => ({ name, rows: Math.max(10, Math.round(rows * scale)) }));
}

// Word lists for text that looks like text, so that tsvector, btree on text and the explain output
// show something a reader recognises.
const FIRST = ['Ada', 'Alan', 'Barbara', 'Claude', 'Donald', 'Edsger', 'Frances', 'Grace', 'Hedy', 'Ivan', 'John', 'Katherine', 'Leslie', 'Margaret', 'Niklaus', 'Radia', 'Ken', 'Tony', 'Whitfield', 'Ward'];
const LAST = ['Lovelace', 'Turing', 'Liskov', 'Shannon', 'Knuth', 'Dijkstra', 'Allen', 'Hopper', 'Lamarr', 'Sutherland', 'Backus', 'Johnson', 'Lamport', 'Hamilton', 'Wirth', 'Perlman', 'Thompson', 'Hoare', 'Diffie', 'Cunningham'];
const WORDS = ['linen', 'oak', 'steel', 'ceramic', 'wool', 'bamboo', 'walnut', 'copper', 'glass', 'cotton', 'lamp', 'chair', 'kettle', 'table', 'blanket', 'mug', 'shelf', 'rug', 'vase', 'clock', 'small', 'large', 'blue', 'green', 'handmade', 'vintage', 'modern', 'portable', 'quiet', 'sturdy'];
const TAGS = ['new', 'sale', 'eco', 'gift', 'bestseller', 'limited', 'kitchen', 'office', 'garden', 'kids', 'outdoor', 'premium'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'CA', 'AU', 'ES', 'IT', 'NL', 'SE', 'PL', 'MX', 'KR', 'CH', 'AT', 'BE', 'DK', 'FI', 'NO', 'IE', 'PT', 'CZ', 'NZ', 'SG', 'ZA', 'AR', 'CL'];
const PATHS = ['/', '/search', '/cart', '/checkout', '/account', '/help', '/products', '/products/new', '/sale', '/blog'];

/** `ARRAY['a','b']` as an SQL literal; the lists above are constants without quotes in them. */
function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map((v) => `'${v}'`).join(',')}]`;
}

/** A random element of a constant list, evaluated per row. */
function pick(values: readonly string[]): string {
  return `(${textArray(values)})[1 + floor(random() * ${values.length})::int]`;
}

/** The statements that build the sample database, in order. */
export function sampleStatements(scale: number): { label: string; sql: string }[] {
  const n = Object.fromEntries(sampleRowCounts(scale).map((t) => [t.name, t.rows])) as Record<keyof typeof SAMPLE_ROWS, number>;
  return [
    {
      label: 'extensions and types',
      sql: `
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE EXTENSION IF NOT EXISTS btree_gin;
        CREATE TYPE customer_tier AS ENUM ('free', 'plus', 'pro', 'enterprise');
        CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded');
        SELECT setseed(0.42);`,
    },
    {
      label: `customers (${n.customers.toLocaleString('en-US')} rows)`,
      // Customers sign up in id order, so signup_date follows the heap order (a brin candidate).
      sql: `
        CREATE TABLE customers (
          id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          email       citext NOT NULL,
          full_name   text NOT NULL,
          country     varchar(2) NOT NULL,
          tier        customer_tier NOT NULL,
          is_active   boolean NOT NULL,
          signup_date date NOT NULL,
          last_ip     inet,
          preferences jsonb NOT NULL,
          home        point
        );
        INSERT INTO customers (email, full_name, country, tier, is_active, signup_date, last_ip, preferences, home)
        SELECT 'User' || g || '@Example.' || (ARRAY['com','org','net'])[1 + g % 3],
               ${pick(FIRST)} || ' ' || ${pick(LAST)},
               ${pick(COUNTRIES)},
               (CASE WHEN r < 0.6 THEN 'free' WHEN r < 0.85 THEN 'plus' WHEN r < 0.97 THEN 'pro' ELSE 'enterprise' END)::customer_tier,
               random() < 0.8,
               date '2019-01-01' + (g::bigint * 2000 / ${n.customers})::int,
               CASE WHEN random() < 0.9 THEN inet '10.0.0.0' + floor(random() * 16777215)::bigint END,
               jsonb_build_object('newsletter', random() < 0.3, 'language', ${pick(['en', 'de', 'fr', 'es', 'ja'])},
                                  'theme', ${pick(['light', 'dark'])}, 'score', floor(random() * 100)::int),
               CASE WHEN random() < 0.95 THEN point(random() * 360 - 180, random() * 180 - 90) END
        FROM (SELECT g, random() AS r FROM generate_series(1, ${n.customers}) AS g) AS s;`,
    },
    {
      label: `products (${n.products.toLocaleString('en-US')} rows)`,
      sql: `
        CREATE TABLE products (
          id              integer PRIMARY KEY,
          sku             uuid NOT NULL,
          name            text NOT NULL,
          description     text NOT NULL,
          search          tsvector GENERATED ALWAYS AS (to_tsvector('english', name || ' ' || description)) STORED,
          price           numeric(10,2) NOT NULL,
          tags            text[] NOT NULL,
          on_sale         tstzrange,
          recommended_age int4range
        );
        INSERT INTO products (id, sku, name, description, price, tags, on_sale, recommended_age)
        SELECT g,
               gen_random_uuid(),
               initcap(${pick(WORDS)} || ' ' || ${pick(WORDS)}) || ' ' || g,
               (SELECT string_agg((${textArray(WORDS)})[1 + floor(random() * ${WORDS.length})::int], ' ')
                  FROM generate_series(1, 8 + g % 5)),
               round((1 + random() * 499)::numeric, 2),
               ARRAY(SELECT DISTINCT (${textArray(TAGS)})[1 + floor(random() * ${TAGS.length})::int]
                       FROM generate_series(1, 1 + g % 4)),
               CASE WHEN random() < 0.3
                    THEN tstzrange(t, t + interval '1 day' * (1 + floor(random() * 14)::int)) END,
               int4range(floor(random() * 12)::int, 12 + floor(random() * 80)::int)
        FROM (SELECT g, timestamptz '2024-01-01' + random() * interval '365 days' AS t
                FROM generate_series(1, ${n.products}) AS g) AS s;`,
    },
    {
      label: `orders, partitioned by quarter (${n.orders.toLocaleString('en-US')} rows)`,
      sql: `
        CREATE TABLE orders (
          id          bigint NOT NULL,
          customer_id bigint NOT NULL,
          product_id  integer NOT NULL,
          quantity    integer NOT NULL,
          total       numeric(12,2) NOT NULL,
          status      order_status NOT NULL,
          ordered_at  timestamptz NOT NULL,
          PRIMARY KEY (id, ordered_at)
        ) PARTITION BY RANGE (ordered_at);
        CREATE TABLE orders_2024_q1 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
        CREATE TABLE orders_2024_q2 PARTITION OF orders FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');
        CREATE TABLE orders_2024_q3 PARTITION OF orders FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');
        CREATE TABLE orders_2024_q4 PARTITION OF orders FOR VALUES FROM ('2024-10-01') TO ('2025-01-01');
        INSERT INTO orders (id, customer_id, product_id, quantity, total, status, ordered_at)
        SELECT g,
               1 + floor(random() * ${n.customers})::bigint,
               1 + floor(random() * ${n.products})::int,
               q,
               round((q * (1 + random() * 199))::numeric, 2),
               (CASE WHEN r < 0.05 THEN 'pending' WHEN r < 0.15 THEN 'paid' WHEN r < 0.3 THEN 'shipped'
                     WHEN r < 0.9 THEN 'delivered' WHEN r < 0.97 THEN 'cancelled' ELSE 'refunded' END)::order_status,
               timestamptz '2024-01-01' + (g::float8 / ${n.orders + 1}) * interval '365 days'
        FROM (SELECT g, random() AS r, 1 + floor(random() * 4)::int AS q
                FROM generate_series(1, ${n.orders}) AS g) AS s;`,
    },
    {
      label: `page_views (${n.page_views.toLocaleString('en-US')} rows)`,
      // An append-only log: viewed_at follows the heap order; country_code has ~150 values (btree_gin).
      sql: `
        CREATE TABLE page_views (
          id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          viewed_at    timestamptz NOT NULL,
          customer_id  bigint,
          session_id   uuid NOT NULL,
          path         text NOT NULL,
          country_code text NOT NULL,
          duration_ms  integer NOT NULL,
          referrer     varchar(200)
        );
        INSERT INTO page_views (viewed_at, customer_id, session_id, path, country_code, duration_ms, referrer)
        SELECT timestamptz '2024-06-01' + g * interval '7 seconds',
               CASE WHEN random() < 0.6 THEN 1 + floor(random() * ${n.customers})::bigint END,
               gen_random_uuid(),
               ${pick(PATHS)} || CASE WHEN random() < 0.5 THEN '/' || floor(random() * 1000)::int ELSE '' END,
               chr(65 + floor(random() * 13)::int) || chr(65 + floor(random() * 12)::int),
               floor(random() * random() * 60000)::int,
               CASE WHEN random() < 0.4 THEN 'https://' || ${pick(['search.example', 'news.example', 'social.example', 'mail.example'])} || '/' END
        FROM generate_series(1, ${n.page_views}) AS g;`,
    },
    { label: 'ANALYZE', sql: 'ANALYZE;' },
  ];
}

/** Creates the sample tables in the connected database (which should be empty) and analyzes them. */
export async function createSampleData(client: pg.ClientBase, opts: SampleOptions): Promise<SampleTable[]> {
  for (const step of sampleStatements(opts.scale)) {
    opts.log?.(step.label);
    await client.query(step.sql);
  }
  return sampleRowCounts(opts.scale);
}
