-- pgindex plan test/golden/awkward.yaml
-- server: (masked in golden files)
-- settings: parallelism 2, concurrently, maintenance_work_mem 1GB in total, N cores (this machine's), up to N-1 parallel workers per build, cost model default (not calibrated: see pgindex calibrate), builds predicted N s, lock_timeout 5s, statement_timeout 0, retries 3
-- 9 statements: 9 create
-- run with: psql -X -f FILE (statements run one by one in autocommit mode; no transaction block,
-- as CREATE INDEX CONCURRENTLY requires)

\set ON_ERROR_STOP on
SET lock_timeout = '5s';
SET statement_timeout = '0';
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = N-1;

-- "Sales Data"."Order ""Items"""."select": text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY "Order ""Items""_select_btree_idx" ON "Sales Data"."Order ""Items""" USING btree ("select");

-- "Sales Data"."Order ""Items"""."Ünïcødé": integer → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY "Order ""Items""_Ünïcødé_btree_idx" ON "Sales Data"."Order ""Items""" USING btree ("Ünïcødé");

-- "Sales Data"."Order ""Items"""."with space": timestamp with time zone → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/timestamptz_ops/NN, default curve)
CREATE INDEX CONCURRENTLY "Order ""Items""_with space_btree_idx" ON "Sales Data"."Order ""Items""" USING btree ("with space");

-- "Sales Data"."Order ""Items""".tags: text[] → gin
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (gin/array_ops/NN, default curve)
CREATE INDEX CONCURRENTLY "Order ""Items""_tags_gin_idx" ON "Sales Data"."Order ""Items""" USING gin (tags);

-- public."user"."group": integer → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY user_group_btree_idx ON public."user" USING btree ("group");

-- public."user"."Order": text → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/text_ops/NN, default curve)
CREATE INDEX CONCURRENTLY "user_Order_btree_idx" ON public."user" USING btree ("Order") INCLUDE ("left");

-- public."user"."left": integer → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY user_left_btree_idx ON public."user" USING btree ("left") WHERE "left" > 0 AND "Order" <> 'x';

-- public."größenordnung_größenordnung_größenordnung_größe"."maßeinheit_maßeinheit_maßeinheit": integer → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY "größenordnung_größenordnung_größenordn_b4eab574_btree_idx" ON public."größenordnung_größenordnung_größenordnung_größe" USING btree ("maßeinheit_maßeinheit_maßeinheit");

-- public."größenordnung_größenordnung_größenordnung_größe"."maßeinheit_maßeinheit_maßeinheiu": integer → btree
-- apply builds it with maintenance_work_mem M, N parallel workers, predicted N s (btree/int4_ops/NN, default curve)
CREATE INDEX CONCURRENTLY "größenordnung_größenordnung_größenordn_fe2feed4_btree_idx" ON public."größenordnung_größenordnung_größenordnung_größe" USING btree ("maßeinheit_maßeinheit_maßeinheiu");

-- no statement for:
-- "Sales Data"."Order ""Items"""."ID": exists: already led by valid index "Sales Data"."Order ""Items""_pkey" (btree, primary key)
-- "Sales Data"."Order ""Items""".flag: skip: boolean: too few distinct values for an index to pay off (a partial index on the rarer value, e.g. WHERE flag (or WHERE NOT flag))
