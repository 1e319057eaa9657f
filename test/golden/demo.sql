-- pgindex plan examples/demo.yaml
-- server: (masked in golden files)
-- settings: parallelism 2, concurrently, maintenance_work_mem 256MB in total, N cores (this machine's), up to N-1 parallel workers per build, cost model default (not calibrated: see pgindex calibrate), builds predicted N s, lock_timeout 5s, statement_timeout 0, retries 3
-- 55 statements: 4 create-parent, 35 create, 16 attach
-- run with: psql -X -f FILE (statements run one by one in autocommit mode; no transaction block,
-- as CREATE INDEX CONCURRENTLY requires)

\set ON_ERROR_STOP on
SET lock_timeout = '5s';
SET statement_timeout = '0';
SET maintenance_work_mem = '256MB';
SET max_parallel_maintenance_workers = N-1;

-- public.customers.email: citext → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/citext_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_email_btree_idx ON public.customers USING btree (email);

-- public.customers.full_name: text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_full_name_btree_idx ON public.customers USING btree (full_name);

-- public.customers.country: character varying(2) → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_country_btree_idx ON public.customers USING btree (country);

-- public.customers.tier: 4 distinct values in 1,000 rows, rare ones (under 5% of the rows): 'enterprise' in 3.5% → btree partial index on them
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/enum_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_tier_btree_idx ON public.customers USING btree (tier) WHERE tier = 'enterprise'::customer_tier;

-- public.customers.signup_date: date → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/date_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_signup_date_btree_idx ON public.customers USING btree (signup_date);

-- public.customers.last_ip: inet → gist inet_ops
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gist/inet_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_last_ip_gist_idx ON public.customers USING gist (last_ip inet_ops);

-- public.customers.preferences: jsonb → gin jsonb_path_ops
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/jsonb_path_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_preferences_gin_idx ON public.customers USING gin (preferences jsonb_path_ops);

-- public.customers.home: point → gist
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gist/point_ops/NN, default curve)
CREATE INDEX CONCURRENTLY customers_home_gist_idx ON public.customers USING gist (home);

-- public.products.sku: uuid → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/uuid_ops/NN, default curve)
CREATE INDEX CONCURRENTLY products_sku_btree_idx ON public.products USING btree (sku);

-- public.products.name: text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY products_name_btree_idx ON public.products USING btree (name);

-- public.products.search: tsvector → gin
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/tsvector_ops/NN, default curve)
CREATE INDEX CONCURRENTLY products_search_gin_idx ON public.products USING gin (search);

-- public.products.price: numeric(10,2) → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/numeric_ops/NN, default curve)
CREATE INDEX CONCURRENTLY products_price_btree_idx ON public.products USING btree (price);

-- public.products.tags: text[] → gin
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/array_ops/NN, default curve)
CREATE INDEX CONCURRENTLY products_tags_gin_idx ON public.products USING gin (tags);

-- public.products.on_sale: tstzrange → gist
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gist/range_ops/NN, default curve)
CREATE INDEX CONCURRENTLY products_on_sale_gist_idx ON public.products USING gist (on_sale);

-- public.products.recommended_age: int4range → gist
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gist/range_ops/NN, default curve)
CREATE INDEX CONCURRENTLY products_recommended_age_gist_idx ON public.products USING gist (recommended_age);

-- public.orders.customer_id: bigint → btree (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX orders_customer_id_btree_idx ON ONLY public.orders USING btree (customer_id);

-- public.orders_2024_q1.customer_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q1_customer_id_btree_idx ON public.orders_2024_q1 USING btree (customer_id);

-- public.orders_2024_q1.customer_id: attach to orders_customer_id_btree_idx
ALTER INDEX public.orders_customer_id_btree_idx ATTACH PARTITION public.orders_2024_q1_customer_id_btree_idx;

-- public.orders_2024_q2.customer_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q2_customer_id_btree_idx ON public.orders_2024_q2 USING btree (customer_id);

-- public.orders_2024_q2.customer_id: attach to orders_customer_id_btree_idx
ALTER INDEX public.orders_customer_id_btree_idx ATTACH PARTITION public.orders_2024_q2_customer_id_btree_idx;

-- public.orders_2024_q3.customer_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q3_customer_id_btree_idx ON public.orders_2024_q3 USING btree (customer_id);

-- public.orders_2024_q3.customer_id: attach to orders_customer_id_btree_idx
ALTER INDEX public.orders_customer_id_btree_idx ATTACH PARTITION public.orders_2024_q3_customer_id_btree_idx;

-- public.orders_2024_q4.customer_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q4_customer_id_btree_idx ON public.orders_2024_q4 USING btree (customer_id);

-- public.orders_2024_q4.customer_id: attach to orders_customer_id_btree_idx
ALTER INDEX public.orders_customer_id_btree_idx ATTACH PARTITION public.orders_2024_q4_customer_id_btree_idx;

-- public.orders.product_id: integer → btree (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX orders_product_id_btree_idx ON ONLY public.orders USING btree (product_id);

-- public.orders_2024_q1.product_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q1_product_id_btree_idx ON public.orders_2024_q1 USING btree (product_id);

-- public.orders_2024_q1.product_id: attach to orders_product_id_btree_idx
ALTER INDEX public.orders_product_id_btree_idx ATTACH PARTITION public.orders_2024_q1_product_id_btree_idx;

-- public.orders_2024_q2.product_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q2_product_id_btree_idx ON public.orders_2024_q2 USING btree (product_id);

-- public.orders_2024_q2.product_id: attach to orders_product_id_btree_idx
ALTER INDEX public.orders_product_id_btree_idx ATTACH PARTITION public.orders_2024_q2_product_id_btree_idx;

-- public.orders_2024_q3.product_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q3_product_id_btree_idx ON public.orders_2024_q3 USING btree (product_id);

-- public.orders_2024_q3.product_id: attach to orders_product_id_btree_idx
ALTER INDEX public.orders_product_id_btree_idx ATTACH PARTITION public.orders_2024_q3_product_id_btree_idx;

-- public.orders_2024_q4.product_id: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q4_product_id_btree_idx ON public.orders_2024_q4 USING btree (product_id);

-- public.orders_2024_q4.product_id: attach to orders_product_id_btree_idx
ALTER INDEX public.orders_product_id_btree_idx ATTACH PARTITION public.orders_2024_q4_product_id_btree_idx;

-- public.orders.status: order_status → btree (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX orders_status_btree_idx ON ONLY public.orders USING btree (status);

-- public.orders_2024_q1.status: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/enum_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q1_status_btree_idx ON public.orders_2024_q1 USING btree (status);

-- public.orders_2024_q1.status: attach to orders_status_btree_idx
ALTER INDEX public.orders_status_btree_idx ATTACH PARTITION public.orders_2024_q1_status_btree_idx;

-- public.orders_2024_q2.status: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/enum_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q2_status_btree_idx ON public.orders_2024_q2 USING btree (status);

-- public.orders_2024_q2.status: attach to orders_status_btree_idx
ALTER INDEX public.orders_status_btree_idx ATTACH PARTITION public.orders_2024_q2_status_btree_idx;

-- public.orders_2024_q3.status: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/enum_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q3_status_btree_idx ON public.orders_2024_q3 USING btree (status);

-- public.orders_2024_q3.status: attach to orders_status_btree_idx
ALTER INDEX public.orders_status_btree_idx ATTACH PARTITION public.orders_2024_q3_status_btree_idx;

-- public.orders_2024_q4.status: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/enum_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q4_status_btree_idx ON public.orders_2024_q4 USING btree (status);

-- public.orders_2024_q4.status: attach to orders_status_btree_idx
ALTER INDEX public.orders_status_btree_idx ATTACH PARTITION public.orders_2024_q4_status_btree_idx;

-- public.orders.ordered_at: timestamp with time zone → btree (partitioned table: index on the parent only, valid once every partition's index is attached)
CREATE INDEX orders_ordered_at_btree_idx ON ONLY public.orders USING btree (ordered_at);

-- public.orders_2024_q1.ordered_at: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q1_ordered_at_btree_idx ON public.orders_2024_q1 USING btree (ordered_at);

-- public.orders_2024_q1.ordered_at: attach to orders_ordered_at_btree_idx
ALTER INDEX public.orders_ordered_at_btree_idx ATTACH PARTITION public.orders_2024_q1_ordered_at_btree_idx;

-- public.orders_2024_q2.ordered_at: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q2_ordered_at_btree_idx ON public.orders_2024_q2 USING btree (ordered_at);

-- public.orders_2024_q2.ordered_at: attach to orders_ordered_at_btree_idx
ALTER INDEX public.orders_ordered_at_btree_idx ATTACH PARTITION public.orders_2024_q2_ordered_at_btree_idx;

-- public.orders_2024_q3.ordered_at: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q3_ordered_at_btree_idx ON public.orders_2024_q3 USING btree (ordered_at);

-- public.orders_2024_q3.ordered_at: attach to orders_ordered_at_btree_idx
ALTER INDEX public.orders_ordered_at_btree_idx ATTACH PARTITION public.orders_2024_q3_ordered_at_btree_idx;

-- public.orders_2024_q4.ordered_at: partition of public.orders
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY orders_2024_q4_ordered_at_btree_idx ON public.orders_2024_q4 USING btree (ordered_at);

-- public.orders_2024_q4.ordered_at: attach to orders_ordered_at_btree_idx
ALTER INDEX public.orders_ordered_at_btree_idx ATTACH PARTITION public.orders_2024_q4_ordered_at_btree_idx;

-- public.page_views.viewed_at: timestamp with time zone → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY page_views_viewed_at_btree_idx ON public.page_views USING btree (viewed_at);

-- public.page_views.country_code: text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY page_views_country_code_btree_idx ON public.page_views USING btree (country_code);

-- public.page_views.path: btree text_pattern_ops given in the plan
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_pattern_ops/NN, default curve)
CREATE INDEX CONCURRENTLY page_views_path_btree_idx ON public.page_views USING btree (path text_pattern_ops);

-- public.page_views.customer_id: bigint → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int8_ops/NN, default curve)
CREATE INDEX CONCURRENTLY page_views_customer_id_btree_idx ON public.page_views USING btree (customer_id) WHERE customer_id IS NOT NULL;

-- no statement for:
-- public.customers.id: exists: already led by valid index public.customers_pkey (btree, primary key)
-- public.customers.is_active: skip: boolean: too few distinct values for an index to pay off (a partial index on the rarer value, e.g. WHERE is_active (or WHERE NOT is_active))
-- public.products.id: exists: already led by valid index public.products_pkey (btree, primary key)
