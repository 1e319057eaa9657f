-- pgindex plan examples/film.yaml
-- server: (masked in golden files)
-- settings: parallelism 4, concurrently, maintenance_work_mem 1GB in total, N cores (this machine's), up to N-1 parallel workers per build, cost model default (not calibrated: see pgindex calibrate), builds predicted N s, lock_timeout 5s, statement_timeout 0, retries 3
-- 13 statements: 13 create
-- run with: psql -X -f FILE (statements run one by one in autocommit mode; no transaction block,
-- as CREATE INDEX CONCURRENTLY requires)

\set ON_ERROR_STOP on
SET lock_timeout = '5s';
SET statement_timeout = '0';
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = N-1;

-- public.film.title: text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY film_title_btree_idx ON public.film USING btree (title) TABLESPACE pg_default;

-- public.film.release_year: year (domain over integer) → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY film_release_year_btree_idx ON public.film USING btree (release_year) TABLESPACE pg_default;

-- public.film.length: smallint → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int2_ops/NN, default curve)
CREATE INDEX CONCURRENTLY film_length_btree_idx ON public.film USING btree (length) TABLESPACE pg_default;

-- public.film.replacement_cost: numeric(5,2) → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/numeric_ops/NN, default curve)
CREATE INDEX CONCURRENTLY film_replacement_cost_btree_idx ON public.film USING btree (replacement_cost) TABLESPACE pg_default;

-- public.film.special_features: text[] → gin
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/array_ops/NN, default curve)
CREATE INDEX CONCURRENTLY film_special_features_gin_idx ON public.film USING gin (special_features) TABLESPACE pg_default;

-- public.film.fulltext: tsvector → gin
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/tsvector_ops/NN, default curve)
CREATE INDEX CONCURRENTLY film_fulltext_gin_idx ON public.film USING gin (fulltext) TABLESPACE pg_default;

-- public.customer.email: text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customer_email_btree_idx ON public.customer USING btree (email) TABLESPACE pg_default;

-- public.customer.last_name: text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customer_last_name_btree_idx ON public.customer USING btree (last_name) TABLESPACE pg_default;

-- public.payment_p2022_01.customer_id: "bıgınt" (domain over bigint) → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY payment_p2022_01_customer_id_btree_idx ON public.payment_p2022_01 USING btree (customer_id) TABLESPACE pg_default;

-- public.payment_p2022_02.customer_id: "bıgınt" (domain over bigint) → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY payment_p2022_02_customer_id_btree_idx ON public.payment_p2022_02 USING btree (customer_id) TABLESPACE pg_default;

-- public.payment_p2022_03.customer_id: "bıgınt" (domain over bigint) → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY payment_p2022_03_customer_id_btree_idx ON public.payment_p2022_03 USING btree (customer_id) TABLESPACE pg_default;

-- public.events.payload: gin jsonb_path_ops given in the plan
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/jsonb_path_ops/NN, default curve)
CREATE INDEX CONCURRENTLY events_payload_gin_idx ON public.events USING gin (payload jsonb_path_ops) TABLESPACE pg_default;

-- public.events.created_at: timestamp with time zone → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY events_created_at_btree_idx ON public.events USING btree (created_at) TABLESPACE pg_default;

-- no statement for:
-- public.film.film_id: exists: already led by valid index public.film_pkey (btree, primary key)
-- public.film.language_id: skip: 6 distinct values in 1,000 rows, the rarest in 16.6% of them: too few distinct values for an index to pay off (an index that leads with a more selective column and then language_id, in indexes:)
-- public.film.rental_duration: skip: 5 distinct values in 1,000 rows, the rarest in 20% of them: too few distinct values for an index to pay off (an index that leads with a more selective column and then rental_duration, in indexes:)
-- public.film.rental_rate: skip: 3 distinct values in 1,000 rows, the rarest in 33.3% of them: too few distinct values for an index to pay off (an index that leads with a more selective column and then rental_rate, in indexes:)
-- public.film.rating: skip: 5 distinct values in 1,000 rows, the rarest in 20% of them: too few distinct values for an index to pay off (an index that leads with a more selective column and then rating, in indexes:)
-- public.film.last_update: skip: one value in all 1,000 rows: too few distinct values for an index to pay off (an index that leads with a more selective column and then last_update, in indexes:)
