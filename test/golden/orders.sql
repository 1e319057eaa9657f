-- pgindex plan examples/orders.yaml
-- server: (masked in golden files)
-- settings: parallelism 2, concurrently, maintenance_work_mem 1GB in total, N cores (this machine's), up to N-1 parallel workers per build, cost model default (not calibrated: see pgindex calibrate), builds predicted N s, lock_timeout 5s, statement_timeout 0, retries 3
-- 16 statements: 2 create-parent, 10 create, 4 attach
-- run with: psql -X -f FILE (statements run one by one in autocommit mode; no transaction block,
-- as CREATE INDEX CONCURRENTLY requires)

\set ON_ERROR_STOP on
SET lock_timeout = '5s';
SET statement_timeout = '0';
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = N-1;

-- public.orders (customer_id, created_at DESC NULLS LAST): btree, the default for several keys
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_customer_id_created_at_desc_nulls_last_btree_idx ON public.orders USING btree (customer_id, created_at DESC NULLS LAST);

-- public.orders ((lower(email))): btree, the default for an expression
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/-/NN, default curve)
CREATE INDEX CONCURRENTLY orders_email_lower_idx ON public.orders USING btree ((lower(email)));

-- public.orders (uid): btree, the default for a unique index
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE UNIQUE INDEX CONCURRENTLY orders_uid_btree_uniq ON public.orders USING btree (uid) NULLS NOT DISTINCT;

-- public.orders (amount): btree, the default for an index with include
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/numeric_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_amount_btree_idx ON public.orders USING btree (amount) INCLUDE (status) WITH (fillfactor = 70) WHERE amount > 0;

-- public.orders (email COLLATE "C" text_pattern_ops): btree, the default for a key with an operator class
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_pattern_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_email_btree_idx ON public.orders USING btree (email COLLATE "C" text_pattern_ops);

-- public.orders (ts): brin given in the plan
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (brin/timestamptz_minmax_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_ts_brin_idx ON public.orders USING brin (ts) WITH (pages_per_range = 32);

-- public.events ((date_trunc('day', at)), kind DESC): btree, the default for several keys (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX events_date_trunc_day_at_kind_desc_btree_idx ON ONLY public.events USING btree ((date_trunc('day', at)), kind DESC);

-- public.events_2025 ((date_trunc('day', at)), kind DESC): partition of public.events
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/-/NN, default curve)
CREATE INDEX CONCURRENTLY events_2025_date_trunc_day_at_kind_desc_btree_idx ON public.events_2025 USING btree ((date_trunc('day', at)), kind DESC);

-- public.events_2025 ((date_trunc('day', at)), kind DESC): attach to events_date_trunc_day_at_kind_desc_btree_idx
ALTER INDEX public.events_date_trunc_day_at_kind_desc_btree_idx ATTACH PARTITION public.events_2025_date_trunc_day_at_kind_desc_btree_idx;

-- public.events_2026 ((date_trunc('day', at)), kind DESC): partition of public.events
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/-/NN, default curve)
CREATE INDEX CONCURRENTLY events_2026_date_trunc_day_at_kind_desc_btree_idx ON public.events_2026 USING btree ((date_trunc('day', at)), kind DESC);

-- public.events_2026 ((date_trunc('day', at)), kind DESC): attach to events_date_trunc_day_at_kind_desc_btree_idx
ALTER INDEX public.events_date_trunc_day_at_kind_desc_btree_idx ATTACH PARTITION public.events_2026_date_trunc_day_at_kind_desc_btree_idx;

-- public.events (payload): gin given in the plan (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX events_payload_gin_idx ON ONLY public.events USING gin (payload) WITH (fastupdate = off);

-- public.events_2025 (payload): partition of public.events
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/jsonb_ops/NN, default curve)
CREATE INDEX CONCURRENTLY events_2025_payload_gin_idx ON public.events_2025 USING gin (payload) WITH (fastupdate = off);

-- public.events_2025 (payload): attach to events_payload_gin_idx
ALTER INDEX public.events_payload_gin_idx ATTACH PARTITION public.events_2025_payload_gin_idx;

-- public.events_2026 (payload): partition of public.events
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/jsonb_ops/NN, default curve)
CREATE INDEX CONCURRENTLY events_2026_payload_gin_idx ON public.events_2026 USING gin (payload) WITH (fastupdate = off);

-- public.events_2026 (payload): attach to events_payload_gin_idx
ALTER INDEX public.events_payload_gin_idx ATTACH PARTITION public.events_2026_payload_gin_idx;
