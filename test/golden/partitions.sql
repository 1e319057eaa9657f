-- pgindex plan test/golden/partitions.yaml
-- server: (masked in golden files)
-- settings: parallelism 2, concurrently, maintenance_work_mem 1GB in total, N cores (this machine's), up to N-1 parallel workers per build, cost model default (not calibrated: see pgindex calibrate), builds predicted N s, lock_timeout 5s, statement_timeout 0, retries 3
-- 27 statements: 6 create-parent, 9 create, 12 attach
-- run with: psql -X -f FILE (statements run one by one in autocommit mode; no transaction block,
-- as CREATE INDEX CONCURRENTLY requires)

\set ON_ERROR_STOP on
SET lock_timeout = '5s';
SET statement_timeout = '0';
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = N-1;

-- public.measurements.device: integer → btree (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX measurements_device_btree_idx ON ONLY public.measurements USING btree (device);

-- public.measurements_2024.device: equivalent index legacy_2024_device exists on the partition: attach it instead of building another
ALTER INDEX public.measurements_device_btree_idx ATTACH PARTITION public.legacy_2024_device;

-- public.measurements_2025.device: sub-partitioned partition of public.measurements: index on it only
CREATE INDEX measurements_2025_device_btree_idx ON ONLY public.measurements_2025 USING btree (device);

-- public.measurements_2025_low.device: partition of public.measurements_2025
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2025_low_device_btree_idx ON public.measurements_2025_low USING btree (device);

-- public.measurements_2025_low.device: attach to measurements_2025_device_btree_idx
ALTER INDEX public.measurements_2025_device_btree_idx ATTACH PARTITION public.measurements_2025_low_device_btree_idx;

-- public.measurements_2025_rest.device: partition of public.measurements_2025
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2025_rest_device_btree_idx ON public.measurements_2025_rest USING btree (device);

-- public.measurements_2025_rest.device: attach to measurements_2025_device_btree_idx
ALTER INDEX public.measurements_2025_device_btree_idx ATTACH PARTITION public.measurements_2025_rest_device_btree_idx;

-- public.measurements_2025.device: attach to measurements_device_btree_idx once its own partitions are attached
ALTER INDEX public.measurements_device_btree_idx ATTACH PARTITION public.measurements_2025_device_btree_idx;

-- public.measurements.taken_at: timestamp with time zone → btree (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX measurements_taken_at_btree_idx ON ONLY public.measurements USING btree (taken_at);

-- public.measurements_2024.taken_at: partition of public.measurements
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2024_taken_at_btree_idx ON public.measurements_2024 USING btree (taken_at);

-- public.measurements_2024.taken_at: attach to measurements_taken_at_btree_idx
ALTER INDEX public.measurements_taken_at_btree_idx ATTACH PARTITION public.measurements_2024_taken_at_btree_idx;

-- public.measurements_2025.taken_at: sub-partitioned partition of public.measurements: index on it only
CREATE INDEX measurements_2025_taken_at_btree_idx ON ONLY public.measurements_2025 USING btree (taken_at);

-- public.measurements_2025_low.taken_at: partition of public.measurements_2025
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2025_low_taken_at_btree_idx ON public.measurements_2025_low USING btree (taken_at);

-- public.measurements_2025_low.taken_at: attach to measurements_2025_taken_at_btree_idx
ALTER INDEX public.measurements_2025_taken_at_btree_idx ATTACH PARTITION public.measurements_2025_low_taken_at_btree_idx;

-- public.measurements_2025_rest.taken_at: partition of public.measurements_2025
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2025_rest_taken_at_btree_idx ON public.measurements_2025_rest USING btree (taken_at);

-- public.measurements_2025_rest.taken_at: attach to measurements_2025_taken_at_btree_idx
ALTER INDEX public.measurements_2025_taken_at_btree_idx ATTACH PARTITION public.measurements_2025_rest_taken_at_btree_idx;

-- public.measurements_2025.taken_at: attach to measurements_taken_at_btree_idx once its own partitions are attached
ALTER INDEX public.measurements_taken_at_btree_idx ATTACH PARTITION public.measurements_2025_taken_at_btree_idx;

-- public.measurements.reading: double precision → btree (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX measurements_reading_btree_idx ON ONLY public.measurements USING btree (reading);

-- public.measurements_2024.reading: partition of public.measurements
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/float8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2024_reading_btree_idx ON public.measurements_2024 USING btree (reading);

-- public.measurements_2024.reading: attach to measurements_reading_btree_idx
ALTER INDEX public.measurements_reading_btree_idx ATTACH PARTITION public.measurements_2024_reading_btree_idx;

-- public.measurements_2025.reading: sub-partitioned partition of public.measurements: index on it only
CREATE INDEX measurements_2025_reading_btree_idx ON ONLY public.measurements_2025 USING btree (reading);

-- public.measurements_2025_low.reading: partition of public.measurements_2025
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/float8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2025_low_reading_btree_idx ON public.measurements_2025_low USING btree (reading);

-- public.measurements_2025_low.reading: attach to measurements_2025_reading_btree_idx
ALTER INDEX public.measurements_2025_reading_btree_idx ATTACH PARTITION public.measurements_2025_low_reading_btree_idx;

-- public.measurements_2025_rest.reading: partition of public.measurements_2025
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/float8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY measurements_2025_rest_reading_btree_idx ON public.measurements_2025_rest USING btree (reading);

-- public.measurements_2025_rest.reading: attach to measurements_2025_reading_btree_idx
ALTER INDEX public.measurements_2025_reading_btree_idx ATTACH PARTITION public.measurements_2025_rest_reading_btree_idx;

-- public.measurements_2025.reading: attach to measurements_reading_btree_idx once its own partitions are attached
ALTER INDEX public.measurements_reading_btree_idx ATTACH PARTITION public.measurements_2025_reading_btree_idx;

-- public.logs.level: text → btree (partitioned table: one CREATE INDEX builds every partition's index)
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX logs_level_btree_idx ON public.logs USING btree (level);
