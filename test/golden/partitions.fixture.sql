-- A partitioned table with a sub-partitioned partition and a partition that already has an equivalent
-- index (attached, not rebuilt), and a partitioned table planned without concurrently.
CREATE TABLE measurements (id bigint NOT NULL, taken_at timestamptz NOT NULL, device integer NOT NULL, reading float8)
  PARTITION BY RANGE (taken_at);
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
  PARTITION BY LIST (device);
CREATE TABLE measurements_2025_low PARTITION OF measurements_2025 FOR VALUES IN (1, 2, 3);
CREATE TABLE measurements_2025_rest PARTITION OF measurements_2025 DEFAULT;
INSERT INTO measurements
SELECT g, timestamptz '2024-06-01' + g * interval '3 hours', 1 + g % 7, g * 0.5 FROM generate_series(1, 3000) AS g;
CREATE INDEX legacy_2024_device ON measurements_2024 (device);
CREATE TABLE logs (at timestamptz NOT NULL, level text NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE logs_a PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE logs_b PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO logs SELECT timestamptz '2024-01-01' + g * interval '5 hours', (ARRAY['info', 'warn', 'error'])[1 + g % 3]
FROM generate_series(1, 3000) AS g;
ANALYZE;
