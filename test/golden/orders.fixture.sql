-- For examples/orders.yaml: a plain table, and a partitioned one whose indexes roll out online.
CREATE TABLE orders (id bigint, customer_id integer, created_at timestamptz, email text, uid integer, amount numeric,
  status text, ts timestamptz);
INSERT INTO orders
SELECT g, g % 500, timestamptz '2025-01-01' + g * interval '1 minute', 'user' || g || '@example.com', g, g % 1000,
  (ARRAY['new', 'paid', 'shipped'])[1 + g % 3], timestamptz '2025-01-01' + g * interval '1 second'
FROM generate_series(1, 3000) AS g;
CREATE TABLE events (id bigint, at timestamp NOT NULL, kind text, payload jsonb) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO events
SELECT g, timestamp '2025-01-01' + g * interval '3 hours', 'k' || (g % 4), jsonb_build_object('n', g)
FROM generate_series(1, 3000) AS g;
ANALYZE;
